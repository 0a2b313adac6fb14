#!/usr/bin/env python
"""Re-evaluate published pipelines under both Fashion-MNIST feature extractors, on the test split, and write JSON.

The reporting protocol of hfgan's cards: ``fashion-mnist-classifier`` (the network the trainer selects checkpoints
with, against the train split) and ``fashion-mnist-reporter`` (independent: another architecture, seed and training
half), both against the test split. A ``GANPipeline`` is sampled once (10k samples, seed 0, classes balanced) and
scored in both feature spaces (FID, KID, IS, precision/recall, and class accuracy for conditional models); an
image-to-image pipeline translates its whole test split (the data its card records) and is scored as by
``hfgan evaluate``::

    python benchmarks/evaluate_published.py                                   # every folder under pipelines/
    python benchmarks/evaluate_published.py pipelines/dcgan-fashion-mnist --update-card
    python benchmarks/evaluate_published.py --out benchmarks/published_metrics.json

Each pipeline's entry holds its numbers per feature space, the protocol, the timings and whether its weights were
selected by a metric (``best_step`` on its card) or are the final ones.
"""

import argparse
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from hfgan import __version__, load_pipeline  # noqa: E402
from hfgan.commands.evaluate import update_card  # noqa: E402
from hfgan.metrics import REPORT_FEATURES, evaluate_pipeline_features, evaluate_translation  # noqa: E402
from hfgan.pipelines import GANImageToImagePipeline  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pipelines", nargs="*", help="pipeline folders (default: every folder under pipelines/)")
    parser.add_argument("--features", default=",".join(REPORT_FEATURES), help="comma-separated feature extractors")
    parser.add_argument("--num-samples", type=int, default=10000, help="samples of a GANPipeline (default 10000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1: shared machines)")
    parser.add_argument("--cache-dir", default=None, help="reference-statistics cache (default: hfgan's)")
    parser.add_argument("--out", default=os.path.join(ROOT, "benchmarks", "published_metrics.json"))
    parser.add_argument("--update-card", action="store_true", help="write the numbers into each folder's model card")
    return parser.parse_args(argv)


def selection(pipe) -> str:
    data = dict(getattr(pipe, "card_data", None) or {})
    if data.get("best_step") is None:
        return "final weights (not selected by a metric)"
    training = data.get("training") or {}
    return (f"selected at step {data['best_step']} by {training.get('eval_metric', 'fid')} under "
            f"{training.get('eval_features', 'fashion-mnist-classifier')} on the {training.get('eval_split', 'train')} split")


def evaluate_one(folder: str, args: argparse.Namespace) -> dict:
    features = [f.strip() for f in args.features.split(",") if f.strip()]
    pipe = load_pipeline(folder, local_files_only=True)
    pipe.set_progress_bar_config(disable=True)
    start = time.perf_counter()
    if isinstance(pipe, GANImageToImagePipeline):
        reports = [evaluate_translation(pipe, features=features, seed=args.seed, batch_size=args.batch_size,
                                        cache_dir=args.cache_dir)]
        metrics = reports[0].metrics
        protocol = {"kind": reports[0].kind, "dataset": reports[0].dataset, "split": reports[0].split,
                    "directions": {d: {k: v[k] for k in ("source", "target", "num_samples", "reference_num_images")}
                                   for d, v in reports[0].directions.items()}}
    else:
        reports = evaluate_pipeline_features(pipe, features=features, num_samples=args.num_samples, seed=args.seed,
                                             batch_size=args.batch_size, cache_dir=args.cache_dir)
        metrics = {r.features: r.metrics for r in reports}
        protocol = {"kind": "generation", "dataset": reports[0].dataset, "split": reports[0].split,
                    "num_samples": reports[0].num_samples, "reference_num_images": reports[0].reference_num_images}
    seconds = time.perf_counter() - start
    for report in reports:
        report.source = folder
    if args.update_card:
        print(f"updated {update_card(pipe, folder, reports)}", flush=True)
    return {"pipeline": os.path.basename(os.path.normpath(folder)), "class": type(pipe).__name__,
            "weights": selection(pipe), "seed": args.seed, **protocol,
            "metrics": {name: {k: round(float(v), 6) for k, v in values.items()} for name, values in metrics.items()},
            "weights_hashes": {r.features: r.weights_hash for r in reports} if not hasattr(reports[0], "extractors")
            else reports[0].extractors, "seconds": round(seconds, 1)}


def main(argv=None) -> int:
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    folders = args.pipelines or sorted(os.path.join(ROOT, "pipelines", name) for name in os.listdir(os.path.join(ROOT, "pipelines"))
                                       if os.path.isfile(os.path.join(ROOT, "pipelines", name, "model_index.json")))
    results = []
    for folder in folders:
        entry = evaluate_one(folder, args)
        results.append(entry)
        print(json.dumps(entry), flush=True)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    if os.path.isfile(args.out):  # keep the entries of pipelines not evaluated this time
        with open(args.out, encoding="utf-8") as f:
            done = {entry["pipeline"] for entry in results}
            results = [e for e in json.load(f).get("pipelines", []) if e["pipeline"] not in done] + results
    results.sort(key=lambda entry: entry["pipeline"])
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump({"hfgan_version": __version__, "torch": torch.__version__, "threads": args.threads,
                   "features": args.features.split(","), "pipelines": results}, f, indent=2)
        f.write("\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
