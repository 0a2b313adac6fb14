"""Data loading throughput: hfgan's in-memory uint8 batches against a per-item DataLoader.

    python scripts/benchmark_data.py --batch-size 128 --batches 200

Prints images per second of each (the in-memory path includes the random permutation, indexing,
float conversion to [-1, 1] and random flips), next to the trainer's own step rate for scale.
"""

import argparse
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(__file__))
from seed_baselines import PerItemFashionMNIST  # noqa: E402

from hfgan.data import load_image_tensor_data  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--batches", type=int, default=200)
    args = parser.parse_args()
    b, n = args.batch_size, args.batches

    start = time.perf_counter()
    data = load_image_tensor_data("fashion_mnist", "train")
    load_s = time.perf_counter() - start
    g = torch.Generator().manual_seed(0)
    perm = torch.randperm(len(data), generator=g)
    start = time.perf_counter()
    for i in range(n):
        idx = perm[(i * b) % (len(data) - b):][:b]
        pixel_values, class_labels = data.batch(idx, flip_mask=torch.rand(b, generator=g) < 0.5)
    in_memory = n * b / (time.perf_counter() - start)

    loader = torch.utils.data.DataLoader(PerItemFashionMNIST("train"), batch_size=b, shuffle=True)
    start = time.perf_counter()
    for i, (pixel_values, class_labels) in enumerate(loader):
        if i + 1 == n:
            break
    per_item = n * b / (time.perf_counter() - start)
    print(f"load Fashion-MNIST train into memory: {load_s:.2f} s ({len(data)} images, "
          f"{data.images.numel() / 1e6:.0f} MB uint8)")
    print(f"| loader | img/s |\n| --- | --- |\n| hfgan in-memory batches | {in_memory:,.0f} |\n"
          f"| per-item DataLoader (seed style) | {per_item:,.0f} |")


if __name__ == "__main__":
    main()
