"""Generation: plain functions on a loaded noise-to-image pipeline, returning PIL images."""

import math
from typing import List, Optional, Sequence

import torch
from PIL import Image

from hfgan.errors import HFGANError

from .errors import SpaceError, one_line
from .settings import ALL_CLASSES, IMAGE_TO_IMAGE


def require_generator(pipe, name: str = "this model") -> None:
    if getattr(pipe, "pipeline_tag", "") == IMAGE_TO_IMAGE:
        raise SpaceError(f"{name} is an image-to-image pipeline: use the Image-to-image tab")


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


def seed_latents(pipe, seed: int) -> torch.Tensor:
    """The latent ``[latent_dim]`` that ``generate`` uses for ``seed``: image ``i`` of a grid uses ``seed + i``."""
    return pipe.prepare_latents(1, generator=seed_generators([seed]), device="cpu", dtype=torch.float32)[0]


def generate(pipe, num_images: int, seed: int, class_choice=None, truncation: float = 1.0) -> List[Image.Image]:
    """``num_images`` images, image ``i`` drawn from seed ``seed + i`` (so grids of any size agree)."""
    require_generator(pipe)
    labels = class_labels_for(pipe, class_choice, num_images)
    try:
        return pipe(batch_size=num_images, class_labels=labels, generator=seed_generators(range(seed, seed + num_images)),
                    truncation_psi=float(truncation), output_type="pil").images
    except HFGANError as err:
        raise SpaceError(one_line(err)) from None


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
    za, zb = seed_latents(pipe, seed_a), seed_latents(pipe, seed_b)
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
