"""Pipeline overhead over a bare generator forward, on CPU.

Measures the wall time of (a) ``generator(latents)`` under ``torch.no_grad()`` in eval mode and (b)
``pipe(latents=latents, output_type=...)`` for "pt" and "pil", at batch 1 and 64, interleaving the three
measurements (in rotating order) so that machine noise hits them alike. Prints a markdown table: median and
minimum times, and the overhead over the bare forward in percent (from the medians, and from the minima, which
a busy shared machine disturbs least).

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
    keys = list(calls)
    for i in range(warmup + repeats):
        for key in keys[i % 3:] + keys[:i % 3]:  # interleaved, in rotating order: noise hits all three alike
            start = time.perf_counter()
            calls[key]()
            elapsed = time.perf_counter() - start
            if i >= warmup:
                times[key].append(elapsed)
    return {key: (statistics.median(values), min(values)) for key, values in times.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", nargs="+", default=["dcgan-28", "mlp-gan-28"])
    parser.add_argument("--batch-sizes", nargs="+", type=int, default=[1, 64])
    parser.add_argument("--repeats", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {args.repeats} interleaved runs; "
          "times in ms as median (min), overhead over the bare forward from the medians (from the minima)")
    print("| model | batch | bare forward | pipe 'pt' | overhead 'pt' | pipe 'pil' | overhead 'pil' |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name in args.models:
        for batch_size in args.batch_sizes:
            t = measure(name, batch_size, args.repeats, args.warmup)
            cells = [f"{t[k][0] * 1e3:.2f} ({t[k][1] * 1e3:.2f})" for k in ("bare", "pt", "pil")]
            over = [f"{100 * (t[k][0] / t['bare'][0] - 1):+.1f}% ({100 * (t[k][1] / t['bare'][1] - 1):+.1f}%)" for k in ("pt", "pil")]
            print(f"| {name} | {batch_size} | {cells[0]} | {cells[1]} | {over[0]} | {cells[2]} | {over[1]} |", flush=True)


if __name__ == "__main__":
    main()
