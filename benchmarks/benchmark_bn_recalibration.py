"""Batch-norm re-estimation of a saved generator: its cost at each image size with the default budget.

Every saved pipeline re-estimates the EMA generator's batch-norm statistics
(``hfgan.training.ema.recalibrate_batchnorm``). The budget, ``bn_recalibration_images``, defaults to 20 batches of
256 images at 28x28 and the same number of pixels at other sizes, never under 256 images
(``hfgan.training.ema.recalibration_images``). For the ``dcgan-64`` registry variant sized by ``sample_size`` (its
default widths, as ``--model dcgan --resolution N`` builds it) at 28, 64, 128 and 256 px: the images of the budget,
the seconds of the re-estimation with it (median of ``--repeats``), and the seconds the former fixed 20 batches of
256 would take (one batch timed, times 20).

    python benchmarks/benchmark_bn_recalibration.py
    python benchmarks/benchmark_bn_recalibration.py --sizes 28 64 --repeats 3
"""

import argparse
import statistics
import time

import torch

from hfgan.models import create_components
from hfgan.training.ema import recalibrate_batchnorm, recalibration_images

BATCH = 256  # the generation task's re-estimation batch


def sample_inputs(latent_dim: int):
    g = torch.Generator().manual_seed(0)
    return lambda: (torch.randn(BATCH, latent_dim, generator=g), None)


def seconds(run) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def measure(size: int, repeats: int):
    generator = create_components("dcgan-64", {"generator": {"sample_size": size}})["generator"]
    latent_dim = generator.config.latent_dim
    budget = recalibration_images(size)
    with torch.no_grad():
        times = [seconds(lambda: recalibrate_batchnorm(generator, sample_inputs(latent_dim), num_images=budget))
                 for _ in range(repeats)]
        one_batch = seconds(lambda: recalibrate_batchnorm(generator, sample_inputs(latent_dim), num_batches=1))
    return budget, statistics.median(times), 20 * one_batch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[28, 64, 128, 256])
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"dcgan-64 generator, {args.threads} threads, CPU")
    print("| size | images (budget) | re-estimation, s | former 20 x 256, s |")
    print("| --- | --- | --- | --- |")
    for size in args.sizes:
        budget, taken, former = measure(size, args.repeats)
        print(f"| {size} | {budget} | {taken:.2f} | {former:.1f} |", flush=True)


if __name__ == "__main__":
    main()
