"""What a generator declares for its callers, asked here and nowhere else: its kind of truncation.

A generator class states how it truncates with a class attribute ``truncation``; a class that states none scales
its latents. ``"w_space"`` also means the generator has a W space: a mapping network,
``map(latents, class_labels=None, truncation_psi=1.0, truncation_cutoff=None) -> ws [N, num_ws, w_dim]``,
``synthesize(ws, noise_mode=..., generator=..., clamp=...)``, ``num_ws`` and ``w_avg`` (StyleGAN2). The pipeline,
style mixing, the StyleGAN2 task, the model card and the Space ask :func:`has_w_space`, never the methods.
"""

from typing import Any

TRUNCATION_LATENTS = "latents"  # the pipeline scales sampled latents towards the prior's mean (0)
TRUNCATION_STANDING_STATS = "standing_stats"  # BigGAN: the generator takes truncation_psi and picks its statistics
TRUNCATION_W_SPACE = "w_space"  # StyleGAN2: the generator lerps its ws towards w_avg; latents are used unscaled


def truncation_kind(generator: Any) -> str:
    """The kind of truncation ``generator``'s class declares (``truncation = ...``), else ``"latents"``."""
    return getattr(type(generator), "truncation", TRUNCATION_LATENTS)


def has_w_space(generator: Any) -> bool:
    """Whether ``generator`` (a module, or None) has a W space: its class declares ``truncation = "w_space"``."""
    return truncation_kind(generator) == TRUNCATION_W_SPACE
