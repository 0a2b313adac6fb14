"""Training throughput with ``channels_last`` (NHWC weights and activations) against the default layout.

For each preset, ``GANTrainer`` runs ``--warmup + --steps`` steps once per layout and round; rounds alternate
the order (default then NHWC, NHWC then default), so load that comes and goes hits both alike. Step durations are
the wall-clock gaps between the trainer's step ends (``benchmark_translation.time_trainer``). Reported per layout:
images per second at the median step, and the median of the per-round ratios (default time / NHWC time: above 1
when NHWC is faster). Training only; no evaluation, samples or checkpoints inside the measured steps.

    python benchmarks/benchmark_channels_last.py --threads 2
    python benchmarks/benchmark_channels_last.py --presets biggan-fashion-mnist --generator-kwargs '{"channel_width": 64}'
"""

import argparse
import dataclasses
import json
import os
import statistics
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from benchmark_translation import StepClock, benchmark_config, cpu_name, load_average, load_data  # noqa: E402

from hfgan.training import GANTrainer  # noqa: E402


def step_seconds(preset: str, data, args, channels_last: bool):
    """Median wall-clock seconds of steps ``warmup + 1 .. warmup + steps``, one fresh run."""
    with tempfile.TemporaryDirectory() as tmp:
        cfg = benchmark_config(preset, args, tmp, args.warmup + args.steps + 1)
        g_kwargs = {**cfg.generator_kwargs, **json.loads(args.generator_kwargs)} if args.generator_kwargs else cfg.generator_kwargs
        cfg = dataclasses.replace(cfg, channels_last=channels_last, generator_kwargs=g_kwargs, report_to="none").validate()
        trainer = GANTrainer(cfg, data=data)
        trainer.step_end_times = ends = StepClock()
        trainer.train()
    durations = [ends[i] - ends[i - 1] for i in range(args.warmup, args.warmup + args.steps)]
    return statistics.median(durations), cfg.train_batch_size


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--presets", nargs="+", default=["biggan-fashion-mnist", "sngan-resnet-fashion-mnist", "dcgan-fashion-mnist"])
    parser.add_argument("--generator-kwargs", default=None, help="JSON merged into every preset's generator_kwargs")
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--logging-steps", type=int, default=10**9)
    args = parser.parse_args(argv)
    print(f"CPU: {cpu_name()}, {args.threads} thread(s); load average at start {load_average()}")
    print("| preset | batch | default img/s | channels_last img/s | speed-up (median of rounds) |")
    print("| --- | --- | --- | --- | --- |")
    for preset in args.presets:
        data = load_data(preset, args)
        times = {False: [], True: []}
        batch = None
        for r in range(args.rounds):
            for layout in ((False, True) if r % 2 == 0 else (True, False)):
                seconds, batch = step_seconds(preset, data, args, layout)
                times[layout].append(seconds)
        ratio = statistics.median(a / b for a, b in zip(times[False], times[True]))
        default, nhwc = statistics.median(times[False]), statistics.median(times[True])
        print(f"| {preset} | {batch} | {batch / default:.1f} | {batch / nhwc:.1f} | {ratio:.2f}x |", flush=True)
    print(f"load average at end {load_average()}")


if __name__ == "__main__":
    main()
