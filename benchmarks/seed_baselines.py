"""The seeds' plain GAN training loops, as baselines for benchmarks (not a part of the library).

A "plain seed-style loop" is what the tutorials in the project's seeds do: a ``DataLoader`` that turns
one image at a time into a tensor (``ToTensor`` + ``Normalize(0.5, 0.5)``), ``nn.Sigmoid`` + ``BCELoss``,
Adam(2e-4, betas=(0.5, 0.999)), batch 128, a fresh generator forward for the generator step, no EMA.

    python benchmarks/seed_baselines.py --arch seed-mlp --minutes 10 --snapshots 5,10 --out runs/seed-mlp

writes a ``GANPipeline`` folder per snapshot (wall-clock minutes) so the same metrics can score it.
"""

import argparse
import json
import os
import time
from typing import Iterator, List, Tuple

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset

from hfgan import GANPipeline, create_model
from hfgan.data import load_fashion_mnist_arrays

class Seed000Generator(nn.Module):
    """Seed 000's generator, verbatim: Linear(100, 256), ReLU, Linear(256, 784), Tanh."""

    def __init__(self):
        super().__init__()
        self.gen = nn.Sequential(nn.Linear(100, 256), nn.ReLU(), nn.Linear(256, 784), nn.Tanh())
        self.config = {"latent_dim": 100, "num_classes": None}

    def forward(self, z):
        return self.gen(z).view(-1, 1, 28, 28)


class Seed000Discriminator(nn.Module):
    """Seed 000's discriminator without its final Sigmoid (the loop applies it, as the seed does)."""

    def __init__(self):
        super().__init__()
        self.dis = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.LeakyReLU(0.2), nn.Linear(256, 1))

    def forward(self, x):
        return self.dis(x).squeeze(1)


class _Cfg(dict):
    __getattr__ = dict.get


ARCHS = {
    # seed 000's GAN, with its data in [0, 1] (ToTensor, no Normalize) and Adam's default betas
    "seed000-mlp": None,
    # seed 001's fully connected GAN: G 100-128-256(BN)-512(BN)-784, D 784-512-256-1
    "seed-mlp": ("mlp-gan-28", {"hidden_dims": [128, 256, 512]}, {"hidden_dims": [512, 256]}),
    # the architecture of the dcgan-fashion-mnist preset, trained the plain way
    "dcgan": ("dcgan-28", {"base_channels": 32}, {"base_channels": 32}),
    "cdcgan": ("cdcgan-28", {"base_channels": 32}, {"base_channels": 32}),
}


class PerItemFashionMNIST(Dataset):
    """torchvision-style dataset: one PIL image -> tensor per ``__getitem__`` (what the seeds' loaders do)."""

    def __init__(self, split: str = "train", normalize: bool = True):
        self.images, self.labels = load_fashion_mnist_arrays(split)
        self.normalize = normalize

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, i: int) -> Tuple[torch.Tensor, int]:
        from PIL import Image

        image = Image.fromarray(self.images[i], mode="L")
        tensor = torch.from_numpy(np.asarray(image, dtype=np.float32) / 255.0)[None]  # ToTensor
        if self.normalize:
            tensor = (tensor - 0.5) / 0.5  # Normalize((0.5,), (0.5,))
        return tensor, int(self.labels[i])


def build(arch: str):
    if arch == "seed000-mlp":
        generator, discriminator = Seed000Generator(), Seed000Discriminator()
        generator.config = _Cfg(latent_dim=100, num_classes=None)
        return generator, discriminator
    name, g_kwargs, d_kwargs = ARCHS[arch]
    return create_model(name, g_kwargs, d_kwargs)


def plain_steps(generator: nn.Module, discriminator: nn.Module, batch_size: int = 128, seed: int = 0,
                seed000: bool = False) -> Iterator[dict]:
    """The seeds' loop, one yield per generator step (``seed000``: that seed's data range and Adam betas)."""
    torch.manual_seed(seed)
    loader = DataLoader(PerItemFashionMNIST("train", normalize=not seed000), batch_size=batch_size, shuffle=True,
                        drop_last=True)
    conditional = bool(generator.config.get("num_classes"))
    latent_dim = generator.config.latent_dim
    loss_fn = nn.BCELoss()
    betas = (0.9, 0.999) if seed000 else (0.5, 0.999)
    opt_g = torch.optim.Adam(generator.parameters(), lr=2e-4, betas=betas)
    opt_d = torch.optim.Adam(discriminator.parameters(), lr=2e-4, betas=betas)
    sigmoid = nn.Sigmoid()
    while True:
        for real, labels in loader:
            n = real.size(0)
            y = labels if conditional else None
            ones, zeros = torch.ones(n), torch.zeros(n)
            d = (lambda x, lab: sigmoid(discriminator(x, lab))) if conditional else (lambda x, lab: sigmoid(discriminator(x)))
            gen = (lambda z, lab: generator(z, lab)) if conditional else (lambda z, lab: generator(z))
            opt_d.zero_grad()
            z = torch.randn(n, latent_dim)
            fake = gen(z, y)
            loss_d = (loss_fn(d(real, y), ones) + loss_fn(d(fake.detach(), y), zeros)) / 2
            loss_d.backward()
            opt_d.step()
            opt_g.zero_grad()
            fake = gen(z, y)
            loss_g = loss_fn(d(fake, y), ones)
            loss_g.backward()
            opt_g.step()
            yield {"loss_d": loss_d.item(), "loss_g": loss_g.item(), "images": n}


@torch.no_grad()
def sample_uint8(generator: nn.Module, num: int, seed000: bool = False, batch_size: int = 500) -> np.ndarray:
    """``num`` generated images as uint8 ``[N, C, H, W]`` (seed 000 trains on [0, 1] data, so its outputs are
    read in that range; the others map [-1, 1] to [0, 255] like ``GANPipeline``)."""
    was_training = generator.training
    generator.eval()
    g = torch.Generator().manual_seed(1234)
    conditional = bool(generator.config.get("num_classes"))
    out = []
    for start in range(0, num, batch_size):
        n = min(batch_size, num - start)
        z = torch.randn(n, generator.config["latent_dim"], generator=g)
        if conditional:
            images = generator(z, torch.arange(start, start + n) % generator.config["num_classes"])
        else:
            images = generator(z)
        images = images.clamp(0, 1) if seed000 else (images / 2 + 0.5).clamp(0, 1)
        out.append((images * 255).round().to(torch.uint8).numpy())
    generator.train(was_training)
    return np.concatenate(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--arch", choices=sorted(ARCHS), default="seed-mlp")
    parser.add_argument("--minutes", type=float, default=10.0, help="wall-clock training budget")
    parser.add_argument("--snapshots", default="", help="comma-separated wall-clock minutes at which to save")
    parser.add_argument("--out", default="runs/seed-baseline")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--num-samples", type=int, default=10000, help="images saved per snapshot (samples.npy)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    generator, discriminator = build(args.arch)
    if isinstance(generator, nn.Module) and hasattr(generator, "register_to_config") and generator.config.get("num_classes"):
        from hfgan.data import FASHION_MNIST_LABELS

        generator.register_to_config(class_names=FASHION_MNIST_LABELS)
    snapshots: List[float] = sorted(float(s) for s in args.snapshots.split(",") if s) or [args.minutes]
    start, images, steps = time.perf_counter(), 0, 0
    log = []
    for stats in plain_steps(generator, discriminator, seed=args.seed, seed000=args.arch == "seed000-mlp"):
        images += stats["images"]
        steps += 1
        elapsed = (time.perf_counter() - start) / 60
        if steps % 50 == 0:
            print(f"{elapsed:6.2f} min  step {steps}  {images / (elapsed * 60):.0f} img/s  "
                  f"loss_d {stats['loss_d']:.3f}  loss_g {stats['loss_g']:.3f}", flush=True)
        while snapshots and elapsed >= snapshots[0]:
            folder = os.path.join(args.out, f"minutes-{snapshots[0]:g}")
            os.makedirs(folder, exist_ok=True)
            samples = sample_uint8(generator, args.num_samples, seed000=args.arch == "seed000-mlp")
            np.save(os.path.join(folder, "samples.npy"), samples)
            if hasattr(generator, "save_pretrained"):
                pipe = GANPipeline(generator=generator, discriminator=discriminator)
                pipe.card_data = {"name": f"plain seed loop ({args.arch})", "dataset": "fashion_mnist",
                                  "description": f"Baseline: the seeds' plain loop, {snapshots[0]:g} min wall clock, {steps} steps."}
                pipe.save_pretrained(folder)
            log.append({"minutes": snapshots[0], "steps": steps, "images": images, "folder": folder})
            print(f"saved {folder} after {steps} steps", flush=True)
            snapshots.pop(0)
        if not snapshots:
            break
    with open(os.path.join(args.out, "baseline.json"), "w") as f:
        json.dump({"arch": args.arch, "snapshots": log}, f, indent=2)


if __name__ == "__main__":
    main()
