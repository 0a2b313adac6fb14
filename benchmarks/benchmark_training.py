"""Training throughput: the hfgan trainer (EMA and logging on) against a plain seed-style loop.

Same architecture (the dcgan-fashion-mnist preset's), same batch, same data, same machine, side by side in
one run, alternating A/B rounds so background load hits both alike:

    python benchmarks/benchmark_training.py --steps 30 --rounds 2

Prints images per second of each and the ratio.
"""

import argparse
import itertools
import os
import statistics
import sys
import tempfile
import time

import torch

sys.path.insert(0, os.path.dirname(__file__))
from seed_baselines import build, plain_steps  # noqa: E402

from hfgan.training import GANTrainer, load_config  # noqa: E402


def time_plain(arch: str, steps: int, batch_size: int, warmup: int) -> float:
    generator, discriminator = build(arch)
    it = plain_steps(generator, discriminator, batch_size=batch_size)
    for _ in range(warmup):
        next(it)
    start = time.perf_counter()
    for stats in itertools.islice(it, steps):
        pass
    return steps * batch_size / (time.perf_counter() - start)


def time_trainer(preset: str, steps: int, batch_size: int, warmup: int, device_note: list) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        cfg = load_config(preset, {"output_dir": tmp, "train_batch_size": batch_size, "max_train_steps": warmup + steps,
                                   "logging_steps": 10, "sample_steps": 10**9, "checkpointing_steps": 10**9,
                                   "report_to": "tensorboard", "use_ema": True})
        trainer = GANTrainer(cfg)
        trainer.train()  # the whole loop: data, D and G steps, EMA, loss logging to TensorBoard
        device_note.append(str(trainer.accelerator.device))
        times = trainer.step_end_times
        elapsed = times[warmup + steps - 1] - times[warmup - 1]
    return steps * batch_size / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--preset", default="dcgan-fashion-mnist")
    parser.add_argument("--arch", default="dcgan", help="seed_baselines architecture matching the preset")
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=128)
    args = parser.parse_args()
    plain, ours, device = [], [], []
    for r in range(args.rounds):
        plain.append(time_plain(args.arch, args.steps, args.batch_size, args.warmup))
        ours.append(time_trainer(args.preset, args.steps, args.batch_size, args.warmup, device))
        print(f"round {r + 1}: plain loop {plain[-1]:.1f} img/s, hfgan trainer {ours[-1]:.1f} img/s", flush=True)
    p, o = statistics.median(plain), statistics.median(ours)
    print(f"\n{args.preset} on {device[0]} ({torch.get_num_threads()} threads), batch {args.batch_size}, "
          f"{args.steps} steps x {args.rounds} rounds")
    print(f"| loop | img/s (median) |\n| --- | --- |\n| plain seed-style loop | {p:.1f} |\n"
          f"| hfgan trainer (EMA + logging) | {o:.1f} |\n\nspeed-up: {o / p:.2f}x")


if __name__ == "__main__":
    main()
