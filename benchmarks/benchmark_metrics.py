#!/usr/bin/env python
"""Time hfgan's metrics on 10k samples with the Fashion-MNIST classifier, and measure the floor and the ceiling.

    python benchmarks/benchmark_metrics.py                      # throughput: 10k generated samples, all metrics
    python benchmarks/benchmark_metrics.py --floor              # + real train vs test (floor) and uniform noise
    python benchmarks/benchmark_metrics.py --pipeline pipelines/dcgan-fashion-mnist

Without ``--pipeline`` the samples come from a randomly initialized ``dcgan-28`` generator (the timing does not
depend on what the images show). The reference statistics of the test split are computed first (and cached), so
the timed part is what every later evaluation pays: feature extraction + FID + KID + IS + precision/recall.
The budget is 60 s for 10k samples on a 2-core CPU.
"""

import argparse
import os
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from hfgan.metrics import evaluate_images, evaluate_pipeline, evaluate_real_vs_real, get_feature_extractor  # noqa: E402
from hfgan.metrics.reference import get_reference_stats  # noqa: E402

BUDGET_S = 60.0


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pipeline", default=None, help="pipeline folder (default: a random-init dcgan-28)")
    parser.add_argument("--num-samples", type=int, default=10000)
    parser.add_argument("--metrics", default="fid,kid,is,pr")
    parser.add_argument("--features", default="fashion-mnist-classifier")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's choice)")
    parser.add_argument("--cache-dir", default=None, help="reference-statistics cache (default: hfgan's)")
    parser.add_argument("--floor", action="store_true", help="also score real train images and uniform noise")
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args(argv)


def load_pipeline(path):
    from hfgan import GANPipeline, create_model

    if path:
        return GANPipeline.from_pretrained(path)
    torch.manual_seed(0)
    generator, _ = create_model("dcgan-28")
    return GANPipeline(generator=generator)


def row(label: str, report) -> str:
    m = report.metrics
    cells = [f"{m[k]:.4g}" if k in m else "-" for k in ("fid", "kid", "is", "precision", "recall")]
    return f"| {label} | {report.num_samples} | " + " | ".join(cells) + " |"


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {os.cpu_count()} CPUs")
    extractor = get_feature_extractor(args.features)
    start = time.perf_counter()
    _, cached = get_reference_stats(extractor, "fashion_mnist", "test", cache_dir=args.cache_dir)
    print(f"reference statistics (fashion_mnist/test, {extractor.name}): "
          f"{'cached' if cached else 'computed'} in {time.perf_counter() - start:.1f} s")

    pipe = load_pipeline(args.pipeline)
    report = evaluate_pipeline(pipe, num_samples=args.num_samples, metrics=args.metrics, features=args.features,
                               cache_dir=args.cache_dir, seed=args.seed, return_report=True)
    t = report.timings
    timed = t["features_s"] + t["metrics_s"]
    print(report.table())
    print(f"generation: {t['generate_s']:.1f} s (not part of the budget)")
    print(f"feature extraction: {t['features_s']:.1f} s, metrics: {t['metrics_s']:.1f} s")
    print(f"feature extraction + metrics for {report.num_samples} samples: {timed:.1f} s "
          f"({'within' if timed < BUDGET_S else 'OVER'} the {BUDGET_S:.0f} s budget)")

    if args.floor:
        floor = evaluate_real_vs_real(split="train", reference_split="test", num_samples=args.num_samples,
                                      metrics=args.metrics, features=args.features, cache_dir=args.cache_dir, seed=args.seed)
        noise = torch.rand(args.num_samples, 1, 28, 28, generator=torch.Generator().manual_seed(args.seed)) * 2 - 1
        ceiling = evaluate_images(noise, metrics=args.metrics, features=args.features, cache_dir=args.cache_dir,
                                  seed=args.seed, source="uniform noise")
        print()
        print("| samples (vs fashion_mnist/test) | N | FID | KID | IS | precision | recall |")
        print("| --- | --- | --- | --- | --- | --- | --- |")
        print(row("real train split (floor)", floor))
        print(row("uniform noise (ceiling)", ceiling))
        print(row("random-init dcgan-28" if not args.pipeline else args.pipeline, report))
    return 0 if timed < BUDGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
