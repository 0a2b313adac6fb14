"""StyleGAN2 training step: hfgan's ``stylegan2`` task against NVlabs' stylegan2-ada-pytorch, side by side.

    python benchmarks/benchmark_stylegan2_train.py /path/to/stylegan2-ada-pytorch [--threads 1 2] [--rounds 3]

Both programs train the ``stylegan2-fashion-mnist`` preset's configuration on the same machine in one process:
resolution 32 (hfgan renders 32 and crops to 28; its discriminator pads back to 32), channel_base 1024,
channel_max 64, latent and w 128, two mapping layers, batch 32, style mixing 0.9, path length weight 2 on half
batches every 4 steps, lazy R1 (gamma 0.0064) every 16 steps, Adam 0.0025 (0, 0.99) with the lazy-regularization
lr / beta adjustment, EMA; no augmentation, float32, no conv clamp.

- hfgan: the trainer that ``hfgan train stylegan2-fashion-mnist`` builds (``GANTrainer._setup``, real
  Fashion-MNIST rows), timed over ``GANTrainer._run_step()`` (every phase due, EMA).
- reference: its ``Generator`` / ``Discriminator`` and ``training.loss.StyleGAN2Loss.accumulate_gradients`` driven
  as its ``training/training_loop.py`` drives them per step (latents for every phase, requires_grad toggling,
  ``nan_to_num`` of the gradients, Adam with the same adjustment, its EMA update), imported from the checkout
  path given on the command line. Nothing of it is copied here.

The two alternate in timed blocks (a block is ``--steps`` consecutive steps, 16 by default: one full cycle of the
regularization phases, so both run the same phase mix) after a warm-up, reference first in odd rounds and hfgan
first in even ones, so background load hits both alike. Reported per program: the median over rounds of the
block's wall and CPU (``time.process_time``) seconds per step, img/s, the FLOPs of a step (convolutions and
matmuls, ``torch.utils.flop_counter.FlopCounterMode`` over one 16-step cycle), achieved GFLOP/s and its share of
this CPU's float32 ``torch.mm`` peak at the same thread count, and the load average around the blocks. The peak is
measured between the blocks of every round: per wall second (under the same load as the steps; the median over
rounds) and per CPU second (what a free core gives; the best). On a machine shared with other work the CPU-time
columns are the steadier comparison: wall time then also measures how the scheduler shared the cores.

``--profile N`` instead prints torch.profiler's table (by op, self CPU time) of N steps of each program.
"""

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from typing import Callable, Dict, List

import numpy as np
import torch

BATCH = 32
CONFIG = dict(resolution=32, channel_base=1024, channel_max=64, latent_dim=128, w_dim=128, mapping_layers=2,
              mbstd_group_size=4, lr=0.0025, betas=(0.0, 0.99), r1_gamma=0.0064, r1_interval=16, pl_weight=2.0,
              pl_interval=4, pl_batch_shrink=2, pl_decay=0.01, style_mixing_prob=0.9, ema_kimg=BATCH * 10 / 32,
              ema_rampup=0.05)


# -- the two programs ------------------------------------------------------------------------------------------------
class HFGANProgram:
    """The preset's trainer, set up as ``hfgan train stylegan2-fashion-mnist`` sets it up; one call = one step."""

    name = "hfgan"

    def __init__(self, threads: int, samples: int, seed: int = 0):
        from hfgan.training import GANTrainer, load_config

        self._tmp = tempfile.TemporaryDirectory()
        cfg = load_config("stylegan2-fashion-mnist", {
            "output_dir": self._tmp.name, "report_to": "none", "num_threads": threads, "max_train_samples": samples,
            "train_batch_size": BATCH, "seed": seed, "eval_steps": 0})
        self.trainer = GANTrainer(cfg)
        self.trainer._setup()
        self.check(cfg)

    def check(self, cfg) -> None:
        """The configuration is the one compared (a changed preset would make the comparison unfair)."""
        g, d = self.trainer.nets["generator"].config, self.trainer.nets["discriminator"].config
        k = cfg.task_kwargs
        got = dict(resolution=self.trainer.nets["generator"].resolution, channel_base=g.channel_base, channel_max=g.channel_max,
                   latent_dim=g.latent_dim, w_dim=g.w_dim, mapping_layers=g.mapping_layers,
                   mbstd_group_size=d.mbstd_group_size, lr=cfg.learning_rate_g, betas=(cfg.adam_beta1, cfg.adam_beta2),
                   r1_gamma=k["r1_gamma"], r1_interval=k["r1_interval"], pl_weight=k["pl_weight"],
                   pl_interval=k["pl_interval"], pl_batch_shrink=k["pl_batch_shrink"], pl_decay=0.01,
                   style_mixing_prob=k["style_mixing_prob"], ema_kimg=CONFIG["ema_kimg"], ema_rampup=cfg.ema_rampup)
        assert (d.channel_base, d.channel_max) == (g.channel_base, g.channel_max)
        assert got == CONFIG, f"the preset changed: {got} != {CONFIG}"
        assert abs(cfg.ema_decay - 0.5 ** (BATCH / (CONFIG["ema_kimg"] * 1000))) < 1e-6
        assert cfg.augment == "none" and cfg.mixed_precision in ("no", None) and g.conv_clamp is None

    def __call__(self) -> None:
        self.trainer._run_step()

    def close(self) -> None:
        self._tmp.cleanup()


class ReferenceProgram:
    """stylegan2-ada-pytorch's per-step work of ``training_loop.training_loop`` (one process, batch_gpu = batch)."""

    name = "reference"

    def __init__(self, reference: str, threads: int, samples: int, seed: int = 0):
        torch.set_num_threads(threads)
        if reference not in sys.path:
            sys.path.insert(0, reference)
        from torch_utils import misc  # noqa: F401 - the reference's
        from training import loss, networks

        from hfgan.data import load_image_tensor_data

        self.misc = misc
        torch.manual_seed(seed)
        np.random.seed(seed)
        c = CONFIG
        images = load_image_tensor_data("fashion_mnist", "train", max_samples=samples).images  # uint8 [N, 1, 28, 28]
        self.images = torch.nn.functional.pad(images, [2, 2, 2, 2])  # [N, 1, 32, 32]: the reference's dataset size
        self.G = networks.Generator(
            z_dim=c["latent_dim"], c_dim=0, w_dim=c["w_dim"], img_resolution=c["resolution"], img_channels=1,
            mapping_kwargs=dict(num_layers=c["mapping_layers"]),
            synthesis_kwargs=dict(channel_base=c["channel_base"], channel_max=c["channel_max"], num_fp16_res=0,
                                  conv_clamp=None)).train().requires_grad_(False)
        self.D = networks.Discriminator(
            c_dim=0, img_resolution=c["resolution"], img_channels=1, channel_base=c["channel_base"],
            channel_max=c["channel_max"], num_fp16_res=0, conv_clamp=None,
            epilogue_kwargs=dict(mbstd_group_size=c["mbstd_group_size"])).train().requires_grad_(False)
        import copy

        self.G_ema = copy.deepcopy(self.G).eval()
        self.loss = loss.StyleGAN2Loss(
            device=torch.device("cpu"), G_mapping=self.G.mapping, G_synthesis=self.G.synthesis, D=self.D,
            augment_pipe=None, style_mixing_prob=c["style_mixing_prob"], r1_gamma=c["r1_gamma"],
            pl_batch_shrink=c["pl_batch_shrink"], pl_decay=c["pl_decay"], pl_weight=c["pl_weight"])
        self.phases = []
        for name, module, interval in (("G", self.G, c["pl_interval"]), ("D", self.D, c["r1_interval"])):
            mb_ratio = interval / (interval + 1)  # lazy regularization
            opt = torch.optim.Adam(module.parameters(), lr=c["lr"] * mb_ratio, betas=[b ** mb_ratio for b in c["betas"]],
                                   eps=1e-8)
            self.phases += [(name + "main", module, opt, 1), (name + "reg", module, opt, interval)]
        self.cur_nimg = 0
        self.batch_idx = 0

    def __call__(self) -> None:
        c, n = CONFIG, BATCH
        idx = torch.from_numpy(np.random.randint(len(self.images), size=n))
        real_img = (self.images[idx].to(torch.float32) / 127.5 - 1).split(n)  # one round: batch_gpu = batch
        real_c = torch.zeros([n, 0]).split(n)
        all_gen_z = torch.randn([len(self.phases) * n, self.G.z_dim])
        all_gen_z = [z.split(n) for z in all_gen_z.split(n)]
        all_gen_c = torch.from_numpy(np.stack([np.zeros([0], np.float32) for _ in range(len(self.phases) * n)]))
        all_gen_c = [gc.split(n) for gc in all_gen_c.split(n)]
        for (name, module, opt, interval), gen_z, gen_c in zip(self.phases, all_gen_z, all_gen_c):
            if self.batch_idx % interval != 0:
                continue
            opt.zero_grad(set_to_none=True)
            module.requires_grad_(True)
            for ri, rc, gz, gc in zip(real_img, real_c, gen_z, gen_c):
                self.loss.accumulate_gradients(phase=name, real_img=ri, real_c=rc, gen_z=gz, gen_c=gc, sync=True,
                                               gain=interval)
            module.requires_grad_(False)
            for param in module.parameters():
                if param.grad is not None:
                    self.misc.nan_to_num(param.grad, nan=0, posinf=1e5, neginf=-1e5, out=param.grad)
            opt.step()
        ema_nimg = c["ema_kimg"] * 1000
        if c["ema_rampup"] is not None:
            ema_nimg = min(ema_nimg, self.cur_nimg * c["ema_rampup"])
        ema_beta = 0.5 ** (n / max(ema_nimg, 1e-8))
        with torch.no_grad():
            for p_ema, p in zip(self.G_ema.parameters(), self.G.parameters()):
                p_ema.copy_(p.lerp(p_ema, ema_beta))
            for b_ema, b in zip(self.G_ema.buffers(), self.G.buffers()):
                b_ema.copy_(b)
        self.cur_nimg += n
        self.batch_idx += 1

    def close(self) -> None:
        pass


# -- measurements ----------------------------------------------------------------------------------------------------
def time_block(program: Callable[[], None], steps: int) -> Dict[str, float]:
    load0 = os.getloadavg()[0]
    wall0, cpu0 = time.perf_counter(), time.process_time()
    for _ in range(steps):
        program()
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    return {"wall_s_per_step": wall / steps, "cpu_s_per_step": cpu / steps, "load_1min": (load0 + os.getloadavg()[0]) / 2}


class _GlobalOnly:
    """Stands in for FlopCounterMode's module tracker, whose backward hooks break ``torch.autograd.grad`` of a
    leaf (R1's gradient with respect to the real images); every FLOP then counts under "Global" alone."""

    parents = ("Global",)

    def __enter__(self):
        return self

    def __exit__(self, *args):
        return None


def count_flops(program: Callable[[], None], steps: int) -> Dict[str, float]:
    """FLOPs per step (mean over ``steps`` steps) counted by FlopCounterMode, total and by op."""
    from torch.utils.flop_counter import FlopCounterMode

    counter = FlopCounterMode(display=False)
    counter.mod_tracker = _GlobalOnly()
    with counter:
        for _ in range(steps):
            program()
    by_op: Dict[str, float] = {}
    for op, flops in counter.get_flop_counts().get("Global", {}).items():
        by_op[str(op).split(".")[1] if str(op).startswith("aten.") else str(op)] = flops / steps
    return {"flops_per_step": counter.get_total_flops() / steps, "by_op": by_op}


def matmul_peak(threads: int, n: int = 2048, repeats: int = 3, seconds: float = 0.5) -> Dict[str, float]:
    """Best GFLOP/s of a float32 ``torch.mm`` of two ``n x n`` matrices on ``threads`` threads, per wall second
    and per CPU second of this process (the second is what a free core gives, whatever the load)."""
    torch.set_num_threads(threads)
    a, b = torch.randn(n, n), torch.randn(n, n)
    out = torch.empty(n, n)
    torch.mm(a, b, out=out)
    best_wall = best_cpu = 0.0
    for _ in range(repeats):
        count, wall0, cpu0 = 0, time.perf_counter(), time.process_time()
        while time.perf_counter() - wall0 < seconds:
            torch.mm(a, b, out=out)
            count += 1
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
        best_wall = max(best_wall, 2 * n**3 * count / wall / 1e9)
        best_cpu = max(best_cpu, 2 * n**3 * count / cpu / 1e9)
    return {"gflops_wall": best_wall, "gflops_per_cpu_s": best_cpu}


def profile(programs: List, steps: int) -> None:
    from torch.profiler import ProfilerActivity
    from torch.profiler import profile as torch_profile

    for program in programs:
        with torch_profile(activities=[ProfilerActivity.CPU]) as prof:
            for _ in range(steps):
                program()
        print(f"\n== {program.name}: {steps} steps, by op (self CPU time)")
        print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=30))


# -- run -------------------------------------------------------------------------------------------------------------
def run_threads(args, threads: int) -> Dict:
    torch.set_num_threads(threads)
    print(f"\n### {threads} thread{'s' if threads > 1 else ''}", flush=True)
    programs = [ReferenceProgram(args.reference, threads, args.samples, args.seed),
                HFGANProgram(threads, args.samples, args.seed)]
    torch.set_num_threads(threads)
    if args.profile:
        for p in programs:
            for _ in range(args.warmup):
                p()
        profile(programs, args.profile)
        return {}
    result = {"threads": threads}
    flops = {}
    for p in programs:  # one regularization cycle each, counted; it warms up too
        flops[p.name] = count_flops(p, args.flop_steps) if args.flop_steps else None
        for _ in range(args.warmup):
            p()
    blocks = {p.name: [] for p in programs}
    peaks = []
    for r in range(args.rounds):
        peaks.append(matmul_peak(threads))  # under the same load as the blocks around it
        print(f"round {r + 1} torch.mm  : {peaks[-1]['gflops_wall']:.1f} GFLOP/s wall, "
              f"{peaks[-1]['gflops_per_cpu_s']:.1f} GFLOP per CPU-s", flush=True)
        order = programs if r % 2 == 0 else programs[::-1]
        for p in order:
            block = time_block(p, args.steps)
            blocks[p.name].append(block)
            print(f"round {r + 1} {p.name:9s}: {block['wall_s_per_step']:.3f} s/step wall, "
                  f"{block['cpu_s_per_step']:.3f} s/step CPU, load {block['load_1min']:.2f}", flush=True)
    peak = statistics.median(p["gflops_wall"] for p in peaks)
    peak_cpu = max(p["gflops_per_cpu_s"] for p in peaks)
    result.update(matmul_peak_gflops_wall=peak, matmul_peak_gflops_per_cpu_s=peak_cpu, matmul_peaks=peaks)
    for p in programs:
        wall = statistics.median(b["wall_s_per_step"] for b in blocks[p.name])
        cpu = statistics.median(b["cpu_s_per_step"] for b in blocks[p.name])
        entry = {"wall_s_per_step": wall, "cpu_s_per_step": cpu, "img_per_s": BATCH / wall,
                 "img_per_cpu_s": BATCH / cpu, "blocks": blocks[p.name]}
        if flops[p.name]:
            f = flops[p.name]["flops_per_step"]
            entry.update(flops_per_step=f, flops_by_op=flops[p.name]["by_op"], gflops=f / wall / 1e9,
                         pct_of_peak=100 * f / wall / 1e9 / peak, gflops_per_cpu_s=f / cpu / 1e9,
                         pct_of_peak_cpu=100 * f / cpu / 1e9 / peak_cpu)
        result[p.name] = entry
        p.close()
    result["ratio_wall"] = result["reference"]["wall_s_per_step"] / result["hfgan"]["wall_s_per_step"]
    result["ratio_cpu"] = result["reference"]["cpu_s_per_step"] / result["hfgan"]["cpu_s_per_step"]
    result["ratio_wall_per_round"] = [r_["wall_s_per_step"] / h["wall_s_per_step"]
                                      for r_, h in zip(blocks["reference"], blocks["hfgan"])]
    loads = [b["load_1min"] for p in programs for b in blocks[p.name]]
    result["load_1min"] = {"min": min(loads), "median": statistics.median(loads), "max": max(loads)}
    return result


def markdown(results: List[Dict]) -> str:
    """The table: wall-clock columns against the torch.mm peak measured between the blocks (same load), CPU-time
    columns against the peak per CPU-second (what a free core gives)."""
    lines = ["| threads | program | s/step wall | img/s | GFLOP/step | GFLOP/s wall | % of mm peak (wall) | s/step CPU | "
             "img per CPU-s | GFLOP per CPU-s | % of mm peak (CPU) | load (1 min) |", "| --- " * 12 + "|"]
    nan = float("nan")
    for r in results:
        load = r["load_1min"]
        for name in ("reference", "hfgan"):
            e = r[name]
            gf = f"{e['flops_per_step'] / 1e9:.2f}" if "flops_per_step" in e else "-"
            lines.append(f"| {r['threads']} | {name} | {e['wall_s_per_step']:.3f} | {e['img_per_s']:.1f} | {gf} | "
                         f"{e.get('gflops', nan):.1f} | {e.get('pct_of_peak', nan):.1f}% | {e['cpu_s_per_step']:.3f} | "
                         f"{e['img_per_cpu_s']:.1f} | {e.get('gflops_per_cpu_s', nan):.1f} | "
                         f"{e.get('pct_of_peak_cpu', nan):.1f}% | {load['min']:.1f}-{load['max']:.1f} |")
        lines.append(f"| {r['threads']} | torch.mm peak | | | | {r['matmul_peak_gflops_wall']:.1f} | 100% | | | "
                     f"{r['matmul_peak_gflops_per_cpu_s']:.1f} | 100% | |")
        lines.append(f"| {r['threads']} | **hfgan / reference** | | **{r['ratio_wall']:.2f}x** | | | | | "
                     f"**{r['ratio_cpu']:.2f}x** | | | |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("reference", help="a checkout of NVlabs/stylegan2-ada-pytorch")
    parser.add_argument("--threads", type=int, nargs="+", default=[1])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=16, help="steps per timed block (16: one regularization cycle)")
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--flop-steps", type=int, default=16, help="steps counted by FlopCounterMode (0: skip)")
    parser.add_argument("--samples", type=int, default=2048, help="Fashion-MNIST training rows to draw from")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="profile N steps of each instead")
    parser.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "stylegan2_train.json"))
    args = parser.parse_args()
    args.reference = os.path.abspath(args.reference)
    results = [run_threads(args, t) for t in args.threads]
    if args.profile:
        return
    out = {"command": " ".join(["python", "benchmarks/benchmark_stylegan2_train.py", *sys.argv[1:]]),
           "date_utc": time.strftime("%Y-%m-%d %H:%M", time.gmtime()), "machine": platform.processor() or platform.machine(),
           "cpu_count": os.cpu_count(), "torch": torch.__version__, "batch": BATCH, "config": CONFIG,
           "steps_per_block": args.steps, "rounds": args.rounds, "results": results}
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print("\n" + markdown(results))
    print(f"\nwrote {os.path.relpath(args.out)}")


if __name__ == "__main__":
    main()
