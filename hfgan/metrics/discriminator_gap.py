"""Does a trained discriminator overfit? Its logits on training images against held-out ones.

A discriminator that memorises its training set scores the train split higher than images it never saw (the
test split); that gap is what adaptive augmentation (ADA, DiffAugment) is for. No gap means augmentation has
nothing to fix and the networks are limited by capacity or training time instead. Generated images are scored
too, for the real/fake separation.

:func:`measure` takes a Fashion-MNIST GAN pipeline folder that holds a ``discriminator/`` (a published pipeline, or a
run folder once the trainer has saved its pipeline) and gives the mean and standard deviation of D's logits on the
first N train and test images and on N generated images (seed 0; classes balanced for conditional models, real
images with their own labels), the train-test gap in train standard deviations, and the share of positive logits
(ADA's ``r_t = E[sign(D(x))]``) on each. ``benchmarks/discriminator_gap.py`` prints it as a table.
"""

from typing import Dict, Optional

import numpy as np
import torch

from ..errors import HFGANError


def _logits(discriminator, pixel_values: torch.Tensor, class_labels: Optional[torch.Tensor],
            batch_size: int) -> torch.Tensor:
    out = []
    conditional = bool(getattr(discriminator.config, "num_classes", None))
    with torch.no_grad():
        for start in range(0, pixel_values.shape[0], batch_size):
            batch = pixel_values[start:start + batch_size]  # [B, 1, 28, 28] in [-1, 1]
            if conditional:
                logits = discriminator(batch, class_labels=class_labels[start:start + batch_size])
            else:
                logits = discriminator(batch)
            out.append(logits.reshape(-1).float())
    return torch.cat(out)  # [N]


def _real(split: str, n: int):
    from ..data import load_fashion_mnist_arrays, to_pixel_values

    images, labels = load_fashion_mnist_arrays(split)
    if n > len(images):
        raise HFGANError(f"--num-images {n} is more than the {len(images)} images of the {split} split")
    pixel_values = to_pixel_values(torch.from_numpy(np.ascontiguousarray(images[:n])).unsqueeze(1))  # [N, 1, 28, 28]
    return pixel_values, torch.from_numpy(labels[:n].astype(np.int64))


def _generated(pipe, n: int, batch_size: int):
    from tqdm.auto import tqdm

    rng = torch.Generator().manual_seed(0)
    labels = torch.arange(n) % pipe.num_classes if pipe.num_classes else None
    chunks = []
    for start in tqdm(range(0, n, batch_size), desc="generating", leave=False):
        size = min(batch_size, n - start)
        kwargs = {"class_labels": labels[start:start + size]} if labels is not None else {}
        images = pipe(batch_size=size, generator=rng, output_type="pt", **kwargs).images  # [B, 1, 28, 28] in [0, 1]
        chunks.append(images.float() * 2.0 - 1.0)
    return torch.cat(chunks), labels


def _row(logits: torch.Tensor) -> Dict[str, float]:
    return {"mean": logits.mean().item(), "std": logits.std().item(), "positive": (logits > 0).float().mean().item()}


def measure(folder: str, num_images: int, batch_size: int) -> Dict[str, object]:
    """D's logits on ``num_images`` train, test and generated images of the pipeline in ``folder``: ``{"train",
    "test", "generated"}`` rows of mean, std and positive share, and ``gap_in_std``."""
    from ..pipelines.pipeline_gan import GANPipeline

    pipe = GANPipeline.from_pretrained(folder)
    discriminator = getattr(pipe, "discriminator", None)
    if discriminator is None:
        raise HFGANError(f"{folder} has no discriminator/ folder: publish or save the pipeline with it")
    # A batch-norm discriminator is scored as it trains, on batch statistics of one kind of image (its running
    # averages mix real and generated batches); any other one in eval mode.
    batch_norm = any(isinstance(m, torch.nn.modules.batchnorm._BatchNorm) for m in discriminator.modules())
    discriminator.train(batch_norm)
    result: Dict[str, object] = {"folder": folder, "num_images": num_images, "batch_statistics": batch_norm}
    for split in ("train", "test"):
        pixel_values, labels = _real(split, num_images)
        result[split] = _row(_logits(discriminator, pixel_values, labels, batch_size))
    fake, fake_labels = _generated(pipe, num_images, batch_size)
    result["generated"] = _row(_logits(discriminator, fake, fake_labels, batch_size))
    train, test = result["train"], result["test"]
    result["gap_in_std"] = (train["mean"] - test["mean"]) / max(train["std"], 1e-12)
    return result
