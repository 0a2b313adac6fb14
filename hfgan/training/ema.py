"""Exponential moving average of the generator's weights (the network that gets published)."""

import copy
import math
import sys
from typing import Callable, Optional

import torch
from torch import nn


class EMAModel:
    """Keeps ``shadow``, an EMA copy of a model: ``shadow = beta * shadow + (1 - beta) * model``.

    ``decay`` sets the half-life, ``log(0.5) / log(decay)`` steps (0.995: 138 steps). As in
    stylegan2-ada's ``ema_rampup``, the half-life is capped at ``rampup`` times the steps taken so far, so
    early, fast-changing weights fade quickly instead of being averaged into a blur. As in BigGAN's
    ``ema_start``, the first ``start_step`` updates copy the weights and the average (and the rampup) begins
    there. Buffers (batch-norm running statistics) are copied, not averaged.
    """

    def __init__(self, model: nn.Module, decay: float = 0.995, rampup: Optional[float] = 0.05, start_step: int = 0):
        self.shadow = copy.deepcopy(model).eval().requires_grad_(False)
        self.decay = decay
        self.rampup = rampup
        self.start_step = start_step
        self.num_updates = 0

    def current_decay(self) -> float:
        if self.decay <= 0 or self.num_updates < self.start_step:
            return 0.0  # a copy
        half_life = math.log(0.5) / math.log(self.decay)  # in steps
        if self.rampup is not None:
            half_life = min(half_life, self.rampup * (self.num_updates - self.start_step + 1))
        return 0.5 ** (1.0 / half_life)

    @torch.no_grad()
    def update(self, model: nn.Module) -> None:
        decay = self.current_decay()
        shadow_params = [p for p in self.shadow.parameters()]
        params = [p.detach() for p in model.parameters()]
        torch._foreach_lerp_(shadow_params, params, 1.0 - decay)
        for b_shadow, b in zip(self.shadow.buffers(), model.buffers()):
            b_shadow.copy_(b)
        self.num_updates += 1

    def state_dict(self):
        return {"shadow": self.shadow.state_dict(), "num_updates": self.num_updates}

    def load_state_dict(self, state):
        self.shadow.load_state_dict(state["shadow"])
        self.num_updates = int(state["num_updates"])

    def to(self, device):
        self.shadow.to(device)
        return self


# The re-estimation's budget: 20 batches of 256 images at 28x28 (what every run did before it had a budget), the same
# number of pixels at other sizes (980 images at 64x64), never under one batch of 256.
RECALIBRATION_PIXELS = 20 * 256 * 28 * 28
MIN_RECALIBRATION_IMAGES = 256


def recalibration_images(sample_size: int, budget: Optional[int] = None) -> int:
    """Images to re-estimate batch-norm statistics from: ``budget`` (``bn_recalibration_images``) when set, else
    :data:`RECALIBRATION_PIXELS` worth of ``sample_size`` x ``sample_size`` images, at least
    :data:`MIN_RECALIBRATION_IMAGES`."""
    if budget is not None:
        return budget
    return max(MIN_RECALIBRATION_IMAGES, round(RECALIBRATION_PIXELS / (sample_size * sample_size)))


@torch.no_grad()
def recalibrate_batchnorm(model: nn.Module, sample_inputs, num_batches: int = 20, num_images: Optional[int] = None,
                          should_stop: Optional[Callable[[], bool]] = None, progress: bool = False) -> bool:
    """Re-estimate batch-norm running statistics of ``model`` with its own weights.

    The EMA generator's copied statistics belong to the raw weights; averaging them again over forward passes of
    ``sample_inputs()`` (``(latents, class_labels)``) fixes that: ``num_batches`` of them, or, with ``num_images``,
    as many batches as hold that many images (the last one cut short). ``should_stop()`` is asked after each batch:
    when it says so, the statistics of the batches so far are kept (at least one) and the rest skipped, with a note
    on stderr. ``progress`` shows a bar (on a terminal only).
    A model whose statistics are its own to estimate (BigGAN-deep's standing statistics per truncation) has a
    ``recalibrate_batchnorm(sample_inputs)`` method, which does it instead.
    Returns False when the model has no batch norm.
    """
    own = getattr(model, "recalibrate_batchnorm", None)
    if callable(own):
        own(sample_inputs)
        return True
    norms = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    if not norms:
        return False
    momenta = [m.momentum for m in norms]
    was_training = model.training
    for m in norms:
        m.reset_running_stats()
        m.momentum = None  # cumulative average
    model.train()
    left = num_images
    bar = _progress_bar(num_images if num_images is not None else num_batches,
                        "images" if num_images is not None else "batch", progress)
    done = batches = 0
    try:
        while (left > 0) if left is not None else (batches < num_batches):
            if batches and should_stop is not None and should_stop():
                total = f"{num_images} images" if num_images is not None else f"{num_batches} batches"
                print(f"batch-norm statistics re-estimated from {done} images ({batches} batches) of {total}: "
                      "stopped early", file=sys.stderr, flush=True)
                break
            latents, class_labels = sample_inputs()
            if left is not None and left < len(latents):
                latents = latents[:left]
                class_labels = class_labels[:left] if class_labels is not None else None
            model(latents, class_labels) if class_labels is not None else model(latents)
            batches += 1
            done += len(latents)
            left = left - len(latents) if left is not None else None
            bar.update(len(latents) if num_images is not None else 1)
    finally:
        bar.close()
        for m, momentum in zip(norms, momenta):
            m.momentum = momentum
        model.train(was_training)
    return True


def _progress_bar(total: int, unit: str, show: bool):
    """A tqdm bar over the re-estimation: shown only when asked and stderr is a terminal."""
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="batch-norm statistics", unit=unit, disable=None if show else True,
                dynamic_ncols=True, mininterval=1.0, leave=False)
