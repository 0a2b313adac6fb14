#!/usr/bin/env python
"""FID of pipelines over several sample seeds, under both Fashion-MNIST networks: is a gap larger than the noise?

One 10k sample is one draw. When two pipelines are close (a few hundredths of FID), compare them over several
seeds: each seed draws new latents (and new subsets for KID / IS / precision-recall), scored in both feature
spaces against the same test split. The script prints, per pipeline and network, the FID of every seed, the mean
and standard deviation, and for every pipeline after the first its per-seed difference to the first::

    python scripts/seed_spread.py pipelines/stylegan2-fashion-mnist pipelines/mlp-gan-fashion-mnist \
        --seeds 0,1,2,3,4 --out benchmarks/seed_spread.json
"""

import argparse
import json
import os
import statistics
import sys
from typing import Dict, List, Sequence

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from hfgan import __version__, load_pipeline  # noqa: E402
from hfgan.metrics import REPORT_FEATURES, evaluate_pipeline_features  # noqa: E402


def _summary(values: List[float]) -> Dict[str, object]:
    std = statistics.stdev(values) if len(values) > 1 else 0.0
    return {"fid": [round(v, 4) for v in values], "mean": round(statistics.fmean(values), 4), "std": round(std, 4)}


def spread(folders: Sequence[str], seeds: Sequence[int], num_samples: int = 10000,
           features: Sequence[str] = REPORT_FEATURES, progress: bool = True) -> Dict[str, object]:
    """FID per pipeline, network and seed; ``difference`` holds each later pipeline minus the first, seed by seed."""
    if not folders:
        raise SystemExit("seed_spread: give at least one pipeline folder")
    if len(set(seeds)) != len(seeds) or not seeds:
        raise SystemExit(f"seed_spread: seeds must be distinct and non-empty, got {list(seeds)}")
    fids: Dict[str, Dict[str, List[float]]] = {}
    for folder in folders:
        pipe = load_pipeline(folder)
        name = os.path.basename(os.path.normpath(folder))
        fids[name] = {f: [] for f in features}
        for seed in seeds:
            reports = evaluate_pipeline_features(pipe, features=features, num_samples=num_samples, metrics=("fid",),
                                                 seed=seed, progress=progress)
            for report in reports:
                fids[name][report.features].append(float(report.metrics["fid"]))
    names = list(fids)
    result: Dict[str, object] = {
        "hfgan_version": __version__, "torch": torch.__version__, "split": "test", "num_samples": num_samples,
        "seeds": list(seeds), "pipelines": {n: {f: _summary(v) for f, v in fids[n].items()} for n in names},
    }
    first = names[0]
    result["difference"] = {
        f"{n} - {first}": {f: _summary([a - b for a, b in zip(fids[n][f], fids[first][f])]) for f in features}
        for n in names[1:]
    }
    return result


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pipelines", nargs="+", help="pipeline folders or Hub repos (the first is the baseline)")
    parser.add_argument("--seeds", default="0,1,2,3,4", help="comma-separated sample seeds")
    parser.add_argument("--num-samples", type=int, default=10000)
    parser.add_argument("--threads", type=int, default=None, help="torch threads")
    parser.add_argument("--out", help="write the result as JSON here")
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args(argv)
    try:
        seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
    except ValueError:
        parser.error(f"--seeds must be comma-separated integers, got {args.seeds!r}")
    if args.threads:
        torch.set_num_threads(args.threads)
    result = spread(args.pipelines, seeds, args.num_samples, progress=not args.no_progress)
    for name, per_feature in result["pipelines"].items():
        for feature, s in per_feature.items():
            print(f"{name:32s} {feature:26s} mean {s['mean']:.3f} ± {s['std']:.3f}  {s['fid']}")
    for name, per_feature in result["difference"].items():
        for feature, s in per_feature.items():
            print(f"{name:32s} {feature:26s} mean {s['mean']:+.3f} ± {s['std']:.3f}  {s['fid']}")
    if args.out:
        with open(args.out, "w") as f:
            json.dump(result, f, indent=2)
            f.write("\n")
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
