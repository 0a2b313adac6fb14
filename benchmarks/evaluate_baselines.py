"""Score the seed-loop snapshots written by ``benchmarks/seed_baselines.py`` with hfgan's metrics.

    python benchmarks/evaluate_baselines.py runs/seed000-mlp --metrics fid,kid

Reads every ``minutes-*/samples.npy`` (uint8 ``[N, 1, 28, 28]``), scores it against the Fashion-MNIST test
split in the shipped classifier's feature space and writes ``scores.json`` beside the snapshots.
"""

import argparse
import glob
import json
import os

import numpy as np
import torch

from hfgan.metrics import evaluate_images


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run_dir")
    parser.add_argument("--metrics", default="fid,kid")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    info = {}
    log_path = os.path.join(args.run_dir, "baseline.json")
    snapshots = sorted(glob.glob(os.path.join(args.run_dir, "minutes-*", "samples.npy")),
                       key=lambda p: float(p.split("minutes-")[1].split(os.sep)[0]))
    scores = []
    for path in snapshots:
        minutes = float(path.split("minutes-")[1].split(os.sep)[0])
        pixel_values = torch.from_numpy(np.load(path)).float().div(127.5).sub(1.0)  # [N, 1, 28, 28] in [-1, 1]
        report = evaluate_images(pixel_values, metrics=args.metrics, source=path, progress=False)
        row = {"minutes": minutes, "num_samples": len(pixel_values),
               **{k: round(float(v), 4) for k, v in report.metrics.items()}}
        scores.append(row)
        print(json.dumps(row), flush=True)
    if os.path.isfile(log_path):
        info = json.load(open(log_path))
    with open(os.path.join(args.run_dir, "scores.json"), "w") as f:
        json.dump({"baseline": info, "scores": scores}, f, indent=2)


if __name__ == "__main__":
    main()
