"""Time to quality: FID against training wall clock for runs trained side by side, from their in-run evaluations.

    hfgan train dcgan-fashion-mnist  --output_dir runs/dcgan  --num_threads 1 --max_train_minutes 55 --eval_steps 500 &
    hfgan train progan-fashion-mnist --output_dir runs/progan --num_threads 1 --max_train_minutes 55 --eval_steps 1000 &
    wait
    python benchmarks/time_to_quality.py runs/dcgan runs/progan --target-run runs/dcgan --plot time_to_quality.png

Each run's newest checkpoint holds its evaluation history (step, training wall clock, metric). The target is the
final value of ``--target-run`` (or ``--target``); the table gives the wall clock at which each run first reached it.
"""

import argparse
import json
import os
from typing import Dict, List

from hfgan.training.checkpoint import list_checkpoints


def eval_history(run_dir: str, metric: str) -> List[Dict[str, float]]:
    checkpoints = list_checkpoints(run_dir)
    if not checkpoints:
        raise SystemExit(f"{run_dir}: no checkpoint with an evaluation history")
    with open(os.path.join(checkpoints[-1], "trainer_state.json"), encoding="utf-8") as f:
        state = json.load(f)
    rows = [e for e in state["history"].get("eval", []) if metric in e and "train_seconds" in e]
    if not rows:
        raise SystemExit(f"{run_dir}: no '{metric}' evaluations with a wall clock (train with --eval_steps N)")
    return rows


def first_reaching(rows: List[Dict[str, float]], metric: str, target: float):
    for row in rows:
        if row[metric] <= target:
            return row
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("runs", nargs="+")
    parser.add_argument("--metric", default="fid")
    parser.add_argument("--target-run", help="the run whose final value is the target (default: the first run)")
    parser.add_argument("--target", type=float, help="a target value instead")
    parser.add_argument("--plot", help="write the curves to this PNG")
    args = parser.parse_args()

    histories = {run: eval_history(run, args.metric) for run in args.runs}
    target = args.target if args.target is not None else histories[args.target_run or args.runs[0]][-1][args.metric]
    print(f"target {args.metric} {target:.3f}\n")
    print(f"| run | evaluations | final {args.metric} (wall clock) | best {args.metric} | wall clock to reach {target:.2f} |")
    print("| --- | --- | --- | --- | --- |")
    for run, rows in histories.items():
        last, best = rows[-1], min(r[args.metric] for r in rows)
        hit = first_reaching(rows, args.metric, target)
        reached = f"{hit['train_seconds'] / 60:.1f} min (step {hit['step']})" if hit else "not reached"
        print(f"| `{os.path.basename(os.path.normpath(run))}` | {len(rows)} | {last[args.metric]:.2f} "
              f"({last['train_seconds'] / 60:.1f} min) | {best:.2f} | {reached} |")
    if args.plot:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(7, 4), dpi=100)
        for run, rows in histories.items():
            ax.plot([r["train_seconds"] / 60 for r in rows], [r[args.metric] for r in rows], marker="o",
                    label=os.path.basename(os.path.normpath(run)))
        ax.axhline(target, color="grey", linestyle="--", linewidth=1, label=f"target {target:.2f}")
        ax.set_yscale("log")
        ax.set_xlabel("training wall clock (min)")
        ax.set_ylabel(args.metric.upper())
        ax.grid(alpha=0.3, which="both")
        ax.legend()
        fig.tight_layout()
        fig.savefig(args.plot)
        print(f"\nwrote {args.plot}")


if __name__ == "__main__":
    main()
