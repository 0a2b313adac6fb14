"""Pipeline overhead over a bare generator forward, on CPU.

Measures the median wall time of (a) ``generator(latents)`` under ``torch.no_grad()`` in eval mode and
(b) ``pipe(latents=latents, output_type=...)`` for "pt" and "pil", at batch 1 and 64, interleaving the
three measurements so that machine noise hits them alike. Prints a table with the overhead in percent.

    python scripts/benchmark_pipeline.py                      # dcgan-28 and mlp-gan-28
    python scripts/benchmark_pipeline.py --models dcgan-28 --repeats 200
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
    for i in range(warmup + repeats):
        for key, call in calls.items():  # interleaved: noise hits all three alike
            start = time.perf_counter()
            call()
            elapsed = time.perf_counter() - start
            if i >= warmup:
                times[key].append(elapsed)
    return {key: statistics.median(values) for key, values in times.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", nargs="+", default=["dcgan-28", "mlp-gan-28"])
    parser.add_argument("--batch-sizes", nargs="+", type=int, default=[1, 64])
    parser.add_argument("--repeats", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, median of {args.repeats} interleaved runs")
    print(f"| model | batch | bare forward (ms) | pipe 'pt' (ms) | overhead 'pt' | pipe 'pil' (ms) | overhead 'pil' |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name in args.models:
        for batch_size in args.batch_sizes:
            t = measure(name, batch_size, args.repeats, args.warmup)
            over = {k: 100 * (t[k] / t["bare"] - 1) for k in ("pt", "pil")}
            print(f"| {name} | {batch_size} | {t['bare'] * 1e3:.3f} | {t['pt'] * 1e3:.3f} | {over['pt']:+.1f}% | "
                  f"{t['pil'] * 1e3:.3f} | {over['pil']:+.1f}% |", flush=True)


if __name__ == "__main__":
    main()
