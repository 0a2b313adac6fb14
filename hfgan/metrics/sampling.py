"""Samples to evaluate: images drawn from a pipeline (or a bare generator) in seeded batches that fit in memory.

:func:`generate_batches` yields ``(pixel_values, class_labels)`` batches from one seeded CPU generator, classes
balanced for conditional models; :func:`generate_uint8` keeps a whole sample as 8-bit images, to score it in several
feature spaces; :func:`tensor_batches` cuts images already in memory into the same kind of batches.
"""

from typing import Dict, Iterable, Iterator, Optional, Tuple

import torch

from ..errors import HFGANError
from .bounds import check_kept_bytes

Batches = Iterable[Tuple[torch.Tensor, Optional[torch.Tensor]]]


def as_pipeline(pipe):
    """A pipeline, or a bare generator model (what a trainer holds) wrapped in a :class:`GANPipeline`."""
    from diffusers import DiffusionPipeline

    if isinstance(pipe, DiffusionPipeline):
        return pipe
    config = getattr(pipe, "config", None)
    if isinstance(pipe, torch.nn.Module) and config is not None and "latent_dim" in config:
        from ..pipelines import GANPipeline

        return GANPipeline(generator=pipe)
    raise HFGANError(f"expected a GANPipeline or a generator model, got {type(pipe).__name__}")


def generation_batch_size(pipe, batch_size: int) -> int:
    """``batch_size``, lowered to the images the generator's activations let fit in the memory available on its
    device (:func:`~hfgan.pipelines.memory.max_images_in_memory`); a one-line error when not one fits."""
    from ..pipelines.memory import check_images_fit, max_images_in_memory

    device = next(pipe.generator.parameters()).device
    check_images_fit(pipe.generator, 1, device)
    return max(1, min(batch_size, max_images_in_memory(pipe.generator, device)))


def generate_batches(pipe, num_samples: int, batch_size: int = 500, seed: int = 0) -> Iterator[Tuple[torch.Tensor, Optional[torch.Tensor]]]:
    """``num_samples`` images from ``pipe`` as ``(pixel_values [B, C, H, W] in [-1, 1], class_labels [B] or None)``.

    One CPU ``torch.Generator`` seeded with ``seed`` drives every batch; conditional models get balanced classes
    (``i % num_classes``). Batches hold at most ``batch_size`` images, fewer when more would not fit in memory.
    """
    batch_size = generation_batch_size(pipe, batch_size)
    generator = torch.Generator(device="cpu").manual_seed(seed)
    labels = torch.arange(num_samples) % pipe.num_classes if pipe.num_classes else None
    for start in range(0, num_samples, batch_size):
        size = min(batch_size, num_samples - start)
        class_labels = labels[start:start + size] if labels is not None else None
        images = pipe(batch_size=size, class_labels=class_labels, generator=generator, output_type="pt").images  # [B, C, H, W] in [0, 1]
        yield images.float() * 2 - 1, class_labels


def tensor_batches(pixel_values: torch.Tensor, class_labels: Optional[torch.Tensor], batch_size: int) -> Batches:
    """``pixel_values [N, C, H, W]`` (and ``class_labels [N]`` or None) in batches of ``batch_size``."""
    for start in range(0, len(pixel_values), batch_size):
        yield pixel_values[start:start + batch_size], (class_labels[start:start + batch_size] if class_labels is not None else None)


def generate_uint8(pipe, num_samples: int, batch_size: int, seed: int,
                   progress: bool = True) -> Tuple[torch.Tensor, Optional[torch.Tensor]]:
    """``num_samples`` images of :func:`generate_batches` kept as ``uint8 [N, C, H, W]`` (with their class labels),
    refused before generating when they would not fit in memory; a progress bar shows from the first batch."""
    from tqdm.auto import tqdm

    shape = output_shape(pipe)
    pixels = shape["channels"] * shape["resolution"] ** 2
    check_kept_bytes(num_samples * pixels, f"{num_samples} generated images of "
                     f"{shape['channels']}x{shape['resolution']}x{shape['resolution']}", "lower num_samples")
    images, labels = [], []
    with tqdm(total=num_samples, desc="generate", unit="img", disable=not progress, leave=False) as bar:
        for pixel_values, class_labels in generate_batches(pipe, num_samples, batch_size, seed):
            images.append(((pixel_values.float().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).cpu())  # [B, C, H, W]
            if class_labels is not None:
                labels.append(class_labels)
            bar.update(len(pixel_values))
    return torch.cat(images), (torch.cat(labels) if labels else None)


def output_shape(pipe) -> Dict[str, int]:
    """``resolution`` and ``channels`` of a pipeline's images (what a dataset other than Fashion-MNIST is loaded at)."""
    config = pipe.generator.config
    return {"resolution": int(config.sample_size), "channels": int(config.get("out_channels", 1))}
