"""Pipeline overhead over a bare generator forward, on CPU.

Measures the wall time of (a) ``generator(latents)`` under ``torch.no_grad()`` in eval mode and (b)
``pipe(latents=latents, output_type=...)`` for "pt" and "pil", at batch 1 and 64, interleaving the three
measurements (in rotating order) so that machine noise hits them alike. Prints a markdown table: median times,
and the overhead over the bare forward in percent as the median of the per-repeat ratios (pipeline time over the
bare time measured next to it), which is robust to the load drifting on a shared machine.

    python benchmarks/benchmark_pipeline.py                      # dcgan-28 and mlp-gan-28
    python benchmarks/benchmark_pipeline.py --models dcgan-28 --repeats 200
"""

import argparse
import statistics
import time

import torch

from hfgan import GANPipeline, create_model


def measure(name: str, batch_size: int, repeats: int, warmup: int):
    torch.manual_seed(0)
    generator, _ = create_model(name)
    generator.eval()
    pipe = GANPipeline(generator=generator)
    latents = torch.randn(batch_size, generator.config.latent_dim)

    def bare():
        with torch.no_grad():
            generator(latents)

    calls = {
        "bare": bare,
        "pt": lambda: pipe(latents=latents, output_type="pt"),
        "pil": lambda: pipe(latents=latents, output_type="pil"),
    }
    times = {key: [] for key in calls}
    keys = list(calls)
    for i in range(warmup + repeats):
        for key in keys[i % 3:] + keys[:i % 3]:  # interleaved, in rotating order: noise hits all three alike
            start = time.perf_counter()
            calls[key]()
            elapsed = time.perf_counter() - start
            if i >= warmup:
                times[key].append(elapsed)
    medians = {key: statistics.median(values) for key, values in times.items()}
    overheads = {key: statistics.median(p / b for p, b in zip(times[key], times["bare"])) - 1 for key in ("pt", "pil")}
    return medians, overheads


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", nargs="+", default=["dcgan-28", "mlp-gan-28"])
    parser.add_argument("--batch-sizes", nargs="+", type=int, default=[1, 64])
    parser.add_argument("--repeats", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {args.repeats} interleaved repeats "
          f"after {args.warmup} warmup; median times in ms; overhead = median of per-repeat (pipe / bare) - 1")
    print("| model | batch | bare forward | pipe 'pt' | overhead 'pt' | pipe 'pil' | overhead 'pil' |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name in args.models:
        for batch_size in args.batch_sizes:
            t, over = measure(name, batch_size, args.repeats, args.warmup)
            print(f"| {name} | {batch_size} | {t['bare'] * 1e3:.2f} | {t['pt'] * 1e3:.2f} | {100 * over['pt']:+.1f}% | "
                  f"{t['pil'] * 1e3:.2f} | {100 * over['pil']:+.1f}% |", flush=True)


if __name__ == "__main__":
    main()
