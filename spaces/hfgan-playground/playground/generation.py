"""Generation: plain functions on a loaded noise-to-image pipeline, returning PIL images.

Every request is sized before anything is generated: the generator's activations for that many images (measured
once per model on the ``meta`` device) must fit in the memory available, or the request is refused in one line.
"""

import math
from typing import List, Optional, Sequence, Tuple

import torch
from PIL import Image

from hfgan.errors import HFGANError
from hfgan.pipelines.memory import check_images_fit
from hfgan.pipelines.image_processor import to_pil

from .errors import SpaceError, one_line
from .settings import (ALL_CLASSES, IMAGE_TO_IMAGE, STANDING_STATS_TRUNCATION_MAX, STANDING_STATS_TRUNCATION_MIN,
                       TRUNCATION_MAX, TRUNCATION_MIN)

STANDING_STATS = "standing_stats"  # GANPipeline.truncation_kind of generators that pick statistics by truncation


def require_generator(pipe, name: str = "this model") -> None:
    if getattr(pipe, "pipeline_tag", "") == IMAGE_TO_IMAGE:
        raise SpaceError(f"{name} is an image-to-image pipeline: use the Image-to-image tab")


def require_memory(pipe, num_images: int) -> None:
    """Refuse, at once and in one line, ``num_images`` images of a generator whose activations would not fit in
    the memory available (it says how many would)."""
    generator = pipe.generator
    try:
        check_images_fit(generator, num_images, next(generator.parameters()).device)
    except HFGANError as err:
        raise SpaceError(one_line(err)) from None


def class_labels_for(pipe, choice, n: int) -> Optional[torch.Tensor]:
    """``class_labels [n]`` for a conditional model (``ALL_CLASSES`` cycles through them), ``None`` otherwise.

    Unconditional models ignore the choice (the picker is hidden for them, but may hold a stale value).
    """
    if not getattr(pipe, "num_classes", None):
        return None
    if choice is None or (isinstance(choice, str) and choice.strip() in ("", ALL_CLASSES)):
        return torch.arange(n) % pipe.num_classes
    try:
        return pipe.prepare_class_labels(choice.strip() if isinstance(choice, str) else choice, n, "cpu")
    except HFGANError as err:
        raise SpaceError(one_line(err)) from None


def seed_generators(seeds: Sequence[int]) -> List[torch.Generator]:
    return [torch.Generator().manual_seed(int(s)) for s in seeds]


def standing_stats(pipe) -> bool:
    """Whether the model's truncation picks standing statistics (BigGAN) rather than scaling the latents."""
    return getattr(pipe, "truncation_kind", None) == STANDING_STATS


def truncation_range(pipe) -> Tuple[float, float]:
    """The truncation values the model takes: (0, 1] (the slider from 0.05) with standing statistics, else [0, 2]."""
    if standing_stats(pipe):
        return STANDING_STATS_TRUNCATION_MIN, STANDING_STATS_TRUNCATION_MAX
    return TRUNCATION_MIN, TRUNCATION_MAX


def seed_latents(pipe, seed: int, truncation: Optional[float] = None) -> torch.Tensor:
    """The latent ``[latent_dim]`` that ``generate`` uses for ``seed``: image ``i`` of a grid uses ``seed + i``.

    For standing-statistics models, ``truncation`` draws it from the truncated prior, as the pipeline does."""
    prior = {"truncation": float(truncation)} if truncation is not None and standing_stats(pipe) else {}
    return pipe.prepare_latents(1, generator=seed_generators([seed]), device="cpu", dtype=torch.float32, **prior)[0]


def generate(pipe, num_images: int, seed: int, class_choice=None, truncation: float = 1.0,
             resolution: Optional[int] = None) -> List[Image.Image]:
    """``num_images`` images, image ``i`` drawn from seed ``seed + i`` (so grids of any size agree); at
    ``resolution`` for models that grow (``pipe.resolutions``)."""
    require_generator(pipe)
    require_memory(pipe, num_images)
    labels = class_labels_for(pipe, class_choice, num_images)
    extra = {"resolution": resolution} if resolution is not None else {}
    try:
        return pipe(batch_size=num_images, class_labels=labels, generator=seed_generators(range(seed, seed + num_images)),
                    truncation_psi=float(truncation), output_type="pil", **extra).images
    except HFGANError as err:
        raise SpaceError(one_line(err)) from None


def resolution_ladder(pipe, num_images: int, seed: int, class_choice=None,
                      truncation: float = 1.0) -> Optional[List[List[Image.Image]]]:
    """For a model that renders at several resolutions (ProGAN), ``rows[i][k]``: image ``i`` (seed ``seed + i``) at
    the ``k``-th resolution, upscaled (nearest) to the final size so they line up; None for other models."""
    ladder = getattr(pipe, "resolutions", None)
    if not ladder or len(ladder) < 2:
        return None
    size = ladder[-1]
    columns = [generate(pipe, num_images, seed, class_choice, truncation, resolution=r) for r in ladder]
    return [[im.resize((size, size), Image.NEAREST) for im in row] for row in zip(*columns)]


def slerp(a: torch.Tensor, b: torch.Tensor, t: float, eps: float = 1e-7) -> torch.Tensor:
    """Spherical interpolation between latents ``a`` and ``b`` (linear when they are (anti)parallel)."""
    a64, b64 = a.double(), b.double()
    cos = torch.dot(a64 / a64.norm().clamp_min(eps), b64 / b64.norm().clamp_min(eps)).clamp(-1.0, 1.0)
    omega = torch.arccos(cos)
    if omega.abs() < 1e-4 or (math.pi - omega).abs() < 1e-4:
        out = (1 - t) * a64 + t * b64
    else:
        out = (torch.sin((1 - t) * omega) * a64 + torch.sin(t * omega) * b64) / torch.sin(omega)
    return out.to(a.dtype)


def interpolate(pipe, seed_a: int, seed_b: int, frames: int, class_a=None, class_b=None,
                truncation: float = 1.0) -> List[Image.Image]:
    """``frames`` images along the great circle from seed A's latent to seed B's.

    For conditional models the class is A's for the first half of the frames and B's for the second
    (the public pipeline API takes discrete class labels only).
    """
    require_generator(pipe)
    require_memory(pipe, frames)
    za, zb = seed_latents(pipe, seed_a, truncation), seed_latents(pipe, seed_b, truncation)
    latents = torch.stack([slerp(za, zb, i / (frames - 1)) for i in range(frames)])
    labels = None
    if getattr(pipe, "num_classes", None):
        la = class_labels_for(pipe, class_a, 1)
        lb = class_labels_for(pipe, class_b, 1)
        labels = torch.cat([la.repeat(math.ceil(frames / 2)), lb.repeat(frames // 2)])
    try:
        return pipe(latents=latents, class_labels=labels, truncation_psi=float(truncation), output_type="pil").images
    except HFGANError as err:
        raise SpaceError(one_line(err)) from None


def can_blend_classes(pipe) -> bool:
    """Whether the model is class-conditional with a class embedding to move along (``generator.embed_classes``)."""
    return bool(getattr(pipe, "num_classes", None)) and callable(getattr(getattr(pipe, "generator", None), "embed_classes", None))


def _one_class(pipe, choice, which: str) -> torch.Tensor:
    if choice is None or (isinstance(choice, str) and choice.strip() in ("", ALL_CLASSES)):
        raise SpaceError(f"pick class {which}: one class, not all of them")
    return class_labels_for(pipe, choice, 1)


@torch.no_grad()
def class_interpolation(pipe, seed: int, class_a, class_b, steps: int, truncation: float = 1.0) -> List[Image.Image]:
    """``steps`` images of one latent (seed ``seed``, as ``generate`` draws it) while the class embedding moves in
    equal steps from class A's to class B's (``generator.embed_classes``, ``forward(class_embeddings=)``): the first
    image is ``generate``'s for class A, the last for class B."""
    require_generator(pipe)
    if not getattr(pipe, "num_classes", None):
        raise SpaceError("class interpolation needs a class-conditional model: this one is unconditional")
    if not can_blend_classes(pipe):
        raise SpaceError(f"class interpolation needs a generator with a class embedding (embed_classes); "
                         f"{type(pipe.generator).__name__} has none")
    labels = torch.cat([_one_class(pipe, class_a, "A"), _one_class(pipe, class_b, "B")])
    require_memory(pipe, steps)
    generator = pipe.generator
    weight = next(generator.parameters())
    standing = standing_stats(pipe)
    psi = float(truncation)
    try:
        latents = pipe.prepare_latents(1, generator=seed_generators([seed]), device=weight.device, dtype=weight.dtype,
                                       truncation=psi if standing else None)  # [1, Z]
        if not standing:
            latents = latents * psi
        ends = generator.embed_classes(labels.to(weight.device))  # [2, E]
        weights = torch.linspace(0, 1, steps, device=weight.device, dtype=ends.dtype)[:, None]
        embeddings = torch.lerp(ends[:1], ends[1:], weights)  # [steps, E]
        extra = {"truncation_psi": psi} if standing else {}
        images = generator(latents.expand(steps, -1), class_embeddings=embeddings, **extra)  # [steps, C, H, W]
    except HFGANError as err:
        raise SpaceError(one_line(err)) from None
    return to_pil((images.float() / 2 + 0.5).clamp(0, 1))
