"""Data loading throughput.

Fashion-MNIST (the default): hfgan's in-memory uint8 batches against a per-item DataLoader.

    python benchmarks/benchmark_data.py --batch-size 128 --batches 200

An image folder too large to decode at once (``--folder``): the Arrow path's read-ahead (``ArrowImageData``) with
0, 1 and 2 DataLoader workers, against a DCGAN-64 training step (registry widths) fed by that loader and by an
in-memory tensor. ``--make-folder N`` first writes N 64-px RGB PNGs there (10 class subfolders; a smooth
gradient, an ellipse and noise each, ~9 KB), skipping files already written:

    python benchmarks/benchmark_data.py --folder /tmp/folder-200k --make-folder 200000 --batch-size 64 --batches 100

Prints images per second (and markdown tables).
"""

import argparse
import os
import sys
import tempfile
import time

import numpy as np
import torch


def make_image_folder(root: str, count: int, size: int = 64, classes: int = 10, seed: int = 0) -> None:
    """``root/class_<k>/<i>.png``: ``count`` RGB images, ``size`` px."""
    from PIL import Image, ImageDraw
    from tqdm.auto import tqdm

    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size] / size
    for i in tqdm(range(count), desc="writing PNGs", unit="img", mininterval=5):
        folder = os.path.join(root, f"class_{i % classes}")
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, f"{i:06d}.png")
        if os.path.exists(path):
            continue
        c0, c1 = rng.integers(0, 256, (2, 3))
        t = (xx * rng.random() + yy * rng.random())[..., None] / 2
        pixels = (c0 * (1 - t) + c1 * t + rng.normal(0, 8, (size, size, 3))).clip(0, 255).astype(np.uint8)
        image = Image.fromarray(pixels)
        x0, y0 = rng.integers(0, size // 2, 2)
        x1, y1 = rng.integers(size // 2, size, 2)
        ImageDraw.Draw(image).ellipse((x0, y0, x1, y1), fill=tuple(int(v) for v in rng.integers(0, 256, 3)))
        image.save(path)


def fashion_mnist(batch_size: int, batches: int) -> None:
    sys.path.insert(0, os.path.dirname(__file__))
    from seed_baselines import PerItemFashionMNIST

    from hfgan.data import load_image_tensor_data

    b, n = batch_size, batches
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


def loader_rate(dataset, folder: str, workers: int, batch_size: int, batches: int, warmup: int = 3) -> float:
    """img/s of ``ArrowImageData.batch_at`` along a shuffled plan, after ``warmup`` batches (worker start-up)."""
    from hfgan.data import ArrowImageData

    data = ArrowImageData(dataset, folder, resolution=64, channels=3, num_workers=workers)
    perm = torch.randperm(len(data), generator=torch.Generator().manual_seed(0))
    data.set_plan(lambda p: (perm[p * batch_size:(p + 1) * batch_size], 0))
    flips = torch.rand(batch_size, generator=torch.Generator().manual_seed(1)) < 0.5
    for p in range(warmup):
        data.batch_at(p, flip_mask=flips)
    start = time.perf_counter()
    for p in range(warmup, warmup + batches):
        data.batch_at(p, flip_mask=flips)
    rate = batches * batch_size / (time.perf_counter() - start)
    data.close()
    return rate


def training_rate(folder: str, batch_size: int, steps: int, in_memory: bool, workers: int = 2) -> float:
    """img/s of DCGAN-64 training steps (registry widths, the dcgan recipe), steps 3.. of ``steps`` (the first two
    start the workers and warm up), without the run's final outputs."""
    from hfgan.data import ImageTensorData
    from hfgan.training import GANTrainer
    from hfgan.training.recipes import config_for_model

    with tempfile.TemporaryDirectory() as out:
        cfg = config_for_model({"model": "dcgan", "dataset": folder, "resolution": 64, "train_batch_size": batch_size,
                                "max_train_steps": steps, "data_in_memory": "false", "dataloader_num_workers": workers,
                                "report_to": "none", "num_sample_images": 4, "output_dir": out})
        data = None
        if in_memory:  # the same step on a uint8 tensor: compute alone
            images = torch.randint(0, 256, (batch_size * 8, 3, 64, 64), dtype=torch.uint8,
                                   generator=torch.Generator().manual_seed(0))
            data = ImageTensorData(images)
        trainer = GANTrainer(cfg, data=data)
        trainer._setup()  # the loop's own steps, timed alone
        ends = []
        for _ in range(steps):
            trainer._run_step()
            ends.append(time.perf_counter())
        if not in_memory:
            trainer.data.close()
    return (len(ends) - 2) * batch_size / (ends[-1] - ends[1])


def folder_benchmark(folder: str, batch_size: int, batches: int, steps: int, workers_list) -> None:
    from hfgan.data import load_image_dataset

    start = time.perf_counter()
    dataset = load_image_dataset(folder)
    index_s = time.perf_counter() - start
    print(f"{len(dataset)} images in {folder}: datasets' imagefolder opened in {index_s:.1f} s "
          "(the first time: listing the files and writing the Arrow index of paths and labels)")
    rows = []
    for workers in workers_list:
        rate = loader_rate(dataset, folder, workers, batch_size, batches)
        rows.append((workers, rate))
        print(f"loader, {workers} workers: {rate:,.0f} img/s", flush=True)
    step_memory = training_rate(folder, batch_size, steps, in_memory=True)
    print(f"DCGAN-64 step, in-memory tensor: {step_memory:,.1f} img/s", flush=True)
    step_arrow = training_rate(folder, batch_size, steps, in_memory=False, workers=2)
    print(f"DCGAN-64 step, Arrow rows through 2 workers: {step_arrow:,.1f} img/s", flush=True)
    print(f"\n| loader (batch {batch_size}, {batches} batches, 64-px RGB PNG) | img/s |\n| --- | ---: |")
    for workers, rate in rows:
        print(f"| Arrow rows, {workers} DataLoader workers | {rate:,.0f} |")
    print(f"\n| DCGAN-64 training, batch {batch_size}, {steps} steps | img/s |\n| --- | ---: |\n"
          f"| fed from an in-memory uint8 tensor | {step_memory:,.1f} |\n"
          f"| fed from Arrow rows, 2 DataLoader workers | {step_arrow:,.1f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--batches", type=int, default=200)
    parser.add_argument("--folder", default=None, help="an image folder: benchmark the Arrow path on it")
    parser.add_argument("--make-folder", type=int, default=0, metavar="N", help="first write N 64-px PNGs into --folder")
    parser.add_argument("--steps", type=int, default=12, help="DCGAN-64 training steps per measurement")
    parser.add_argument("--workers", default="0,1,2", help="DataLoader worker counts to measure")
    args = parser.parse_args()
    if args.folder is None:
        fashion_mnist(args.batch_size, args.batches)
        return
    if args.make_folder:
        make_image_folder(args.folder, args.make_folder)
    folder_benchmark(args.folder, args.batch_size, args.batches, args.steps,
                     [int(w) for w in args.workers.split(",")])


if __name__ == "__main__":
    main()
