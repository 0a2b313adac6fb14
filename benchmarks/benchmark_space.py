"""Latency of the Space's Generate endpoint under concurrent load.

Launches ``spaces/hfgan-playground/app.py`` in a subprocess on 127.0.0.1, serving one pipeline folder,
then runs ``--clients`` gradio_client clients at once (one process each), each asking ``--requests`` times
for a grid of ``--num-images`` images after ``--warmup`` untimed ones, and prints p50 / p95 of the
end-to-end latency (request until the PNG is downloaded) next to the time the app reports for generating
the grid, and the CPU time the server and the clients spend per request (the clients run on the same
cores here; on the Space they run on the users' machines).

    python benchmarks/benchmark_space.py                                  # pipelines/dcgan-fashion-mnist
    python benchmarks/benchmark_space.py path/to/pipeline --clients 8 --requests 20
    python benchmarks/benchmark_space.py --clients 40 --duration 45         # each client sends for 45 s

When the default folder does not exist yet, a freshly initialised ``hfgan.create_model("dcgan-28")``
pipeline (the shipped DCGAN's architecture) is saved to a temp folder and measured instead; the output
says so.
"""

import argparse
import multiprocessing
import os
import re
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
APP = REPO / "spaces" / "hfgan-playground" / "app.py"
DEFAULT_PIPELINE = REPO / "pipelines" / "dcgan-fashion-mnist"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, proc: subprocess.Popen, timeout: float = 600.0) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the app exited with code {proc.returncode} before serving")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"the app did not answer on {url} within {timeout:.0f} s")


def cpu_seconds(pid: int):
    """User + system CPU time of a process (Linux), or None."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def client_process(url, model, index, num_images, warmup, requests, download, barrier, results, duration=0.0) -> None:
    """One client in its own process (as real users are: their client-side Python does not share one GIL).

    ``download``: a folder for the downloaded PNGs (removed with the run), or False."""
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    from gradio_client import Client

    latencies, model_ms = [], []
    try:
        # gradio_client opens three httpx clients per request, and each one loads the CA bundle into a new SSL
        # context (~110 ms of CPU per request here) unless it is handed a ready one: build it once per client.
        # a generous timeout: 40 clients starting at once on 2 busy cores wait seconds for the app's config
        client = Client(url, verbose=False, download_files=download, ssl_verify=ssl.create_default_context(),
                        httpx_kwargs={"timeout": 300})
        for i in range(warmup):
            client.predict(model, num_images, i, "", 1.0, api_name="/generate")
        barrier.wait(timeout=600)
        cpu = sum(os.times()[:2])
        deadline = time.perf_counter() + duration
        i = 0
        while (time.perf_counter() < deadline) if duration > 0 else (i < requests):
            start = time.perf_counter()
            _, caption = client.predict(model, num_images, 1000 * index + i, "", 1.0, api_name="/generate")
            latencies.append(time.perf_counter() - start)
            match = re.search(r"· (\d+) ms", caption)
            if match:
                model_ms.append(float(match.group(1)))
            i += 1
        results.put((index, latencies, model_ms, sum(os.times()[:2]) - cpu, None))
    except Exception as err:  # noqa: BLE001 - reported by the parent
        barrier.abort()
        results.put((index, latencies, model_ms, 0.0, f"client {index}: {type(err).__name__}: {err}"))


def folder_usage(folder: Path):
    """``(bytes, files)`` of the regular files under ``folder``."""
    total = count = 0
    for root, _, files in os.walk(folder):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
                count += 1
            except OSError:
                pass
    return total, count


def percentile(values, q: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * q / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pipeline", nargs="?", default=None, help=f"saved pipeline folder (default: {DEFAULT_PIPELINE.relative_to(REPO)})")
    parser.add_argument("--clients", type=int, default=8, help="concurrent gradio_client clients")
    parser.add_argument("--requests", type=int, default=20, help="timed requests per client")
    parser.add_argument("--duration", type=float, default=0.0,
                        help="seconds each client keeps sending requests (overrides --requests when > 0)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed requests per client first")
    parser.add_argument("--num-images", type=int, default=16, help="images per grid")
    parser.add_argument("--concurrency", type=int, default=None, help="the app's queue concurrency (HFGAN_SPACE_CONCURRENCY)")
    parser.add_argument("--app", default=str(APP), help="the Space's app.py (default: this repository's)")
    parser.add_argument("--temp-max-mb", type=float, default=None,
                        help="the app's temp budget in MB (HFGAN_SPACE_TEMP_MAX_MB; default: the app's)")
    parser.add_argument("--temp-min-age", type=float, default=None,
                        help="seconds a temp file is kept whatever the budget (HFGAN_SPACE_TEMP_MIN_AGE_S)")
    parser.add_argument("--threads", type=int, default=None, help="torch threads in the app (default: the app's choice)")
    parser.add_argument("--no-download", action="store_true",
                        help="stop the clock when the answer arrives, without downloading the PNG (default: download it, as a browser does)")
    parser.add_argument("--target", type=float, default=1.0, help="p95 target in seconds (reported)")
    parser.add_argument("--fail-above-target", action="store_true", help="exit 1 when p95 exceeds --target")
    args = parser.parse_args(argv)

    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    workdir = tempfile.TemporaryDirectory(prefix="hfgan-space-bench-")
    pipelines_dir = Path(workdir.name) / "pipelines"
    pipelines_dir.mkdir()
    if args.pipeline is None and not DEFAULT_PIPELINE.is_dir():
        import hfgan

        model = "dcgan-28-random-init"
        generator, discriminator = hfgan.create_model("dcgan-28")
        hfgan.GANPipeline(generator, discriminator).save_pretrained(pipelines_dir / model)
        print(f"NOTE: {DEFAULT_PIPELINE.relative_to(REPO)} does not exist yet: measuring a freshly initialised "
              f"hfgan.create_model('dcgan-28') pipeline (same architecture as the shipped DCGAN)")
    else:
        folder = Path(args.pipeline).resolve() if args.pipeline else DEFAULT_PIPELINE
        if not (folder / "model_index.json").is_file():
            raise SystemExit(f"{folder} is not a saved pipeline (no model_index.json)")
        model = folder.name
        (pipelines_dir / model).symlink_to(folder, target_is_directory=True)

    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    # The app's temp files (gradio's cache and any of its own) go to a folder of this run, measured at the end.
    temp_dir = Path(workdir.name) / "tmp"
    temp_dir.mkdir()
    env = dict(os.environ, GRADIO_ANALYTICS_ENABLED="False", HF_HUB_OFFLINE="1", HF_HUB_DISABLE_TELEMETRY="1",
               GRADIO_TEMP_DIR=str(temp_dir / "gradio"), TMPDIR=str(temp_dir))
    if args.concurrency:
        env["HFGAN_SPACE_CONCURRENCY"] = str(args.concurrency)
    if args.temp_max_mb is not None:
        env["HFGAN_SPACE_TEMP_MAX_MB"] = str(args.temp_max_mb)
    if args.temp_min_age is not None:
        env["HFGAN_SPACE_TEMP_MIN_AGE_S"] = str(args.temp_min_age)
    command = [sys.executable, str(Path(args.app).resolve()), "--pipelines-dir", str(pipelines_dir), "--host", "127.0.0.1", "--port", str(port)]
    if args.threads:
        command += ["--threads", str(args.threads)]
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        wait_until_up(url, proc)
        ctx = multiprocessing.get_context("spawn")
        barrier = ctx.Barrier(args.clients + 1)  # the clients, once warmed up, and this process
        results = ctx.Queue()
        clients = [ctx.Process(target=client_process, daemon=True,
                               args=(url, model, i, args.num_images, args.warmup, args.requests,
                                     False if args.no_download else str(Path(workdir.name) / "downloads"),
                                     barrier, results, args.duration)) for i in range(args.clients)]
        load_before = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        for c in clients:
            c.start()
        try:
            barrier.wait(timeout=600)
        except threading.BrokenBarrierError:
            pass
        wall, cpu_start = time.perf_counter(), cpu_seconds(proc.pid)
        peak = [0]
        done = threading.Event()

        def sample_temp():  # the peak of the app's temp usage during the timed run, sampled every second
            while not done.wait(1.0):
                peak[0] = max(peak[0], folder_usage(temp_dir)[0])

        threading.Thread(target=sample_temp, daemon=True).start()
        latencies, model_ms, errors, client_cpu = [], [], [], 0.0
        for _ in clients:
            _, lat, ms, cpu, error = results.get(timeout=1800)
            latencies += lat
            model_ms += ms
            client_cpu += cpu
            if error:
                errors.append(error)
        wall, cpu_end = time.perf_counter() - wall, cpu_seconds(proc.pid)
        done.set()
        timed = len(latencies)
        for c in clients:
            c.join(timeout=30)
        temp_bytes, temp_files = folder_usage(temp_dir)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        workdir.cleanup()

    if errors or not latencies:
        print("\n".join(errors) or "no request finished", file=sys.stderr)
        return 1
    p50, p95 = percentile(latencies, 50), percentile(latencies, 95)
    load = f"{args.duration:g} s" if args.duration > 0 else f"{args.requests} requests"
    print(f"model: {model}  ({args.num_images}-image grid, {args.clients} concurrent clients x {load}, "
          f"{os.cpu_count()} CPU cores, PNG {'not ' if args.no_download else ''}downloaded)")
    print(f"latency  p50 {p50 * 1000:.0f} ms   p95 {p95 * 1000:.0f} ms   mean {sum(latencies) / len(latencies) * 1000:.0f} ms"
          f"   max {max(latencies) * 1000:.0f} ms   ({len(latencies)} requests, {len(latencies) / wall:.1f} req/s)")
    if model_ms:
        print(f"in-app generation + PNG (caption): p50 {percentile(model_ms, 50):.0f} ms   p95 {percentile(model_ms, 95):.0f} ms")
    if cpu_start is not None and cpu_end is not None and timed:
        print(f"server CPU per request: {(cpu_end - cpu_start) / timed * 1000:.0f} ms "
              f"(on {os.cpu_count()} idle cores that caps throughput near {timed * os.cpu_count() / (cpu_end - cpu_start):.0f} req/s)")
    print(f"client CPU per request (the {args.clients} gradio_client client processes share these cores): "
          f"{client_cpu / timed * 1000:.0f} ms")
    total_requests = timed + args.clients * args.warmup
    print(f"temp files left by the app: {temp_bytes / 1e6:.1f} MB in {temp_files} files "
          f"({temp_bytes / 1e3 / max(1, total_requests):.0f} KB per request over {total_requests} requests, warmup included); "
          f"peak during the run {max(peak[0], temp_bytes) / 1e6:.1f} MB")
    load_after = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"load average before the run: {load_before:.1f}, at its end: {load_after:.1f} "
          "(other processes on this machine slow every number above)")
    verdict = "within" if p95 <= args.target else "ABOVE"
    print(f"p95 is {verdict} the {args.target:g} s target")
    return 1 if args.fail_above_target and p95 > args.target else 0


if __name__ == "__main__":
    sys.exit(main())
