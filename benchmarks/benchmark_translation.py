"""Image-to-image throughput: training (hfgan trainer vs a plain loop) and translation (pipeline vs bare forward).

Part 1, training. Each translation preset (``pix2pix-edges2fashion``: paired, ``cyclegan-sneaker2boot``: unpaired)
is trained for the same number of steps, at the same batch size and on the same in-memory data, by

* ``GANTrainer`` with the preset (its task, phases, learning-rate schedule, loss logging), timed from
  ``trainer.step_end_times`` as ``benchmark_training.py`` does;
* a plain PyTorch loop over the same hfgan networks and configs, written the way the reference Pix2Pix /
  CycleGAN implementation trains: Pix2Pix computes ``fake = G(source)``, then a D step (``requires_grad`` on,
  criterion on real and detached fake pairs, times 0.5, ``backward``, ``step``) and a G step (``requires_grad``
  off for D, criterion against "real" + 100 * L1, ``backward``, ``step``); CycleGAN runs both generators
  forward and back, a G step with both discriminators frozen (adversarial + cycle + identity, one ``backward``),
  then a D step with an image pool of past fakes per discriminator and one ``backward`` per discriminator. The
  criterion is BCE-with-logits for the non-saturating preset and MSE for the least-squares one, as the
  reference's ``GANLoss`` ("vanilla" / "lsgan").

By default (``--interleave steps``) one plain step runs beside every trainer step, inside the trainer's loop,
alternately just before and just after it, and its time is taken out of that trainer step's interval: load that
comes and goes on a shared machine then hits both alike. ``--interleave runs`` times whole runs one after the
other instead, alternating which goes first. Each round builds fresh networks. Reported: images (rows of the batch:
pairs for Pix2Pix, one A and one B image for CycleGAN) per wall-clock second, per round and their median, the
median of the per-round ratios, and images per CPU second of this thread (on one thread torch computes on the
calling thread, so CPU time counts a step's work whatever share of a core the rest of the machine leaves it).

Part 2, translation. ``GANImageToImagePipeline`` of each preset's networks (default initialization, eval mode)
on a ``[N, C, 28, 28]`` tensor in [0, 1] with ``output_type="pt"`` and ``"pil"``, and on a list of PIL images
with ``"pil"`` output, against a bare ``generator(pixel_values)`` under ``torch.no_grad()``, interleaved in
rotating order. Rates are the batch over the median wall-clock time and over the median CPU time; overheads are
medians of per-repeat ratios to the bare forward measured next to them, in wall-clock and in CPU time.

    python benchmarks/benchmark_translation.py                       # 10 steps x 3 rounds, batch of the presets
    python benchmarks/benchmark_translation.py --steps 20 --rounds 3 --repeats 40
    python benchmarks/benchmark_translation.py --tasks cyclegan --batch-size 32 --skip-translation

Everything runs on one thread (``--threads``) on the CPU.
"""

import argparse
import os
import random
import statistics
import tempfile
import time
from typing import Dict, List, Tuple

import torch
from torch import nn

from hfgan.models import create_components, get_model_entry
from hfgan.pipelines import GANImageToImagePipeline
from hfgan.tasks import get_task_class
from hfgan.training import GANTrainer, load_config

PRESETS = {"pix2pix": "pix2pix-edges2fashion", "cyclegan": "cyclegan-sneaker2boot"}
CRITERIA = {"nonsaturating": "bce", "least_squares": "mse"}
UNUSED_DIR = "unused-output-dir"  # configs that never reach a trainer write nothing


# ----------------------------------------------------------------------------------------------------- config
def benchmark_config(preset: str, args, output_dir: str, steps: int):
    overrides = {"output_dir": output_dir, "max_train_steps": steps, "num_threads": args.threads,
                 "logging_steps": args.logging_steps, "sample_steps": 10**9, "checkpointing_steps": 10**9}
    if args.batch_size:
        overrides["train_batch_size"] = args.batch_size
    return load_config(preset, overrides)


def load_data(preset: str, args):
    """The preset's training data in memory, loaded once and shared by every run of both loops."""
    cfg = benchmark_config(preset, args, UNUSED_DIR, 1)
    nets = create_components(cfg.model, {"generator": cfg.generator_kwargs, "discriminator": cfg.discriminator_kwargs})
    task = get_task_class(cfg.task or get_model_entry(cfg.model).task)(cfg, lambda *keys: _seeded(cfg.seed, *keys))
    return task.load_data(nets)


def _seeded(seed: int, *keys: int) -> torch.Generator:
    """A generator seeded from ``(seed, *keys)`` the way the trainer seeds a task's randomness."""
    value = seed
    for key in keys:
        value = (value * 1_000_003 + key) % (2**62)
    return torch.Generator().manual_seed(value)


# -------------------------------------------------------------------------------------------- the hfgan trainer
Durations = List[Tuple[float, float]]  # per timed step: (wall-clock seconds, CPU seconds of this thread)


class StepClock(list):
    """Stands in for ``trainer.step_end_times``: keeps the wall-clock step ends the trainer appends, and notes this
    thread's CPU time at each of them in ``cpu``. On one thread torch computes on the calling thread, so CPU time
    counts the work of a step, whatever share of a core the rest of the machine leaves it."""

    def __init__(self):
        super().__init__()
        self.cpu: List[float] = []

    def append(self, wall: float) -> None:
        self.cpu.append(time.thread_time())
        super().append(wall)


def time_trainer(preset: str, data, args, plain_step=None) -> Tuple[Durations, Durations]:
    """Durations of steps ``warmup + 1 .. warmup + steps`` of ``GANTrainer``, from ``step_end_times``, and of the
    plain loop's steps run beside them (empty without ``plain_step``).

    With ``plain_step`` (a callable running one plain step and returning its durations), one plain step runs next
    to every trainer step, alternately just before and just after it, inside the trainer's loop; its durations
    are taken out of that trainer step's interval. The run goes one step further than measured: after its last
    step the trainer writes samples and a checkpoint before it records that step's end time.
    """
    plain: Durations = []
    with tempfile.TemporaryDirectory() as tmp:
        cfg = benchmark_config(preset, args, tmp, args.warmup + args.steps + 1)
        trainer = GANTrainer(cfg, data=data)
        trainer.step_end_times = ends = StepClock()
        if plain_step is not None:
            run_step = trainer._run_step

            def run_step_beside_plain():
                if len(plain) % 2 == 0:
                    plain.append(plain_step())
                    return run_step()
                logs = run_step()
                plain.append(plain_step())
                return logs

            trainer._run_step = run_step_beside_plain
        trainer.train()
    measured = range(args.warmup, args.warmup + args.steps)
    beside = plain if plain else [(0.0, 0.0)] * len(ends)
    ours = [(ends[i] - ends[i - 1] - beside[i][0], ends.cpu[i] - ends.cpu[i - 1] - beside[i][1]) for i in measured]
    return ours, [plain[i] for i in measured] if plain else []


# ------------------------------------------------------------------------------------- plain reference-style loops
def set_requires_grad(networks: List[nn.Module], flag: bool) -> None:
    for net in networks:
        for p in net.parameters():
            p.requires_grad = flag


def gan_criterion(kind: str):
    """``criterion(prediction, target_is_real)``: BCE on logits or MSE against a target map of 1s or 0s."""
    loss = nn.BCEWithLogitsLoss() if kind == "bce" else nn.MSELoss()

    def criterion(prediction: torch.Tensor, target_is_real: bool) -> torch.Tensor:
        target = torch.tensor(1.0 if target_is_real else 0.0).expand_as(prediction)
        return loss(prediction, target)

    return criterion


class HistoryPool:
    """A buffer of up to ``size`` past fakes; once full, each query image is swapped with a stored one with
    probability one half (the stored one is returned), as in Shrivastava et al. (2017)."""

    def __init__(self, size: int):
        self.size, self.images = size, []

    def query(self, images: torch.Tensor) -> torch.Tensor:
        if self.size == 0:
            return images
        out = []
        for image in images.detach():
            image = image.unsqueeze(0)
            if len(self.images) < self.size:
                self.images.append(image)
                out.append(image)
            elif random.uniform(0, 1) > 0.5:
                slot = random.randint(0, self.size - 1)
                out.append(self.images[slot].clone())
                self.images[slot] = image
            else:
                out.append(image)
        return torch.cat(out)


def plain_batches(data, cfg, seed: int):
    """Endless batches from the shared in-memory data: a new permutation each epoch, the preset's flips."""
    g = torch.Generator().manual_seed(seed)
    b = cfg.train_batch_size
    while True:
        perm = torch.randperm(len(data), generator=g)
        for start in range(0, len(data) - b + 1, b):
            flips = torch.rand(b, generator=g) < 0.5 if cfg.random_flip else None
            yield data.batch(perm[start:start + b], None, flips)


def _adam(cfg, modules: List[nn.Module], lr: float):
    params = [p for m in modules for p in m.parameters()]
    return torch.optim.Adam(params, lr=lr, betas=(cfg.adam_beta1, cfg.adam_beta2))


def pix2pix_step_fn(nets: Dict[str, nn.Module], cfg):
    G, D = nets["generator"], nets["discriminator"]
    opt_g, opt_d = _adam(cfg, [G], cfg.learning_rate_g), _adam(cfg, [D], cfg.learning_rate_d)
    criterion, l1 = gan_criterion(CRITERIA[cfg.loss]), nn.L1Loss()
    lambda_l1 = cfg.task_kwargs.get("lambda_l1", 100.0)

    def step(real_a: torch.Tensor, real_b: torch.Tensor) -> None:
        fake_b = G(real_a)
        # D: real pairs against detached fake pairs
        set_requires_grad([D], True)
        opt_d.zero_grad()
        loss_d_fake = criterion(D(fake_b.detach(), real_a), False)
        loss_d_real = criterion(D(real_b, real_a), True)
        ((loss_d_fake + loss_d_real) * 0.5).backward()
        opt_d.step()
        # G: fool D and stay close to the target
        set_requires_grad([D], False)
        opt_g.zero_grad()
        loss_g = criterion(D(fake_b, real_a), True) + l1(fake_b, real_b) * lambda_l1
        loss_g.backward()
        opt_g.step()

    return step


def cyclegan_step_fn(nets: Dict[str, nn.Module], cfg):
    g_ab, g_ba = nets["generator"], nets["generator_reverse"]
    d_b, d_a = nets["discriminator"], nets["discriminator_reverse"]
    opt_g = _adam(cfg, [g_ab, g_ba], cfg.learning_rate_g)
    opt_d = _adam(cfg, [d_b, d_a], cfg.learning_rate_d)
    kw = {"lambda_cycle": 10.0, "lambda_identity": 0.5, "pool_size": 50, **cfg.task_kwargs}
    criterion, l1 = gan_criterion(CRITERIA[cfg.loss]), nn.L1Loss()
    pool_b, pool_a = HistoryPool(kw["pool_size"]), HistoryPool(kw["pool_size"])
    lam, lam_idt = kw["lambda_cycle"], kw["lambda_identity"]

    def d_backward(d: nn.Module, real: torch.Tensor, fake: torch.Tensor) -> None:
        loss = (criterion(d(real), True) + criterion(d(fake.detach()), False)) * 0.5
        loss.backward()

    def step(real_a: torch.Tensor, real_b: torch.Tensor) -> None:
        fake_b = g_ab(real_a)
        rec_a = g_ba(fake_b)
        fake_a = g_ba(real_b)
        rec_b = g_ab(fake_a)
        # G: both discriminators frozen
        set_requires_grad([d_b, d_a], False)
        opt_g.zero_grad()
        loss = criterion(d_b(fake_b), True) + criterion(d_a(fake_a), True)
        loss = loss + l1(rec_a, real_a) * lam + l1(rec_b, real_b) * lam
        if lam_idt > 0:
            loss = loss + l1(g_ab(real_b), real_b) * lam * lam_idt + l1(g_ba(real_a), real_a) * lam * lam_idt
        loss.backward()
        opt_g.step()
        # D: real images against pooled past fakes, one backward per discriminator
        set_requires_grad([d_b, d_a], True)
        opt_d.zero_grad()
        d_backward(d_b, real_b, pool_b.query(fake_b))
        d_backward(d_a, real_a, pool_a.query(fake_a))
        opt_d.step()

    return step


def plain_loop(name: str, preset: str, data, args):
    """A callable that runs one step of the plain loop on the next batch and returns its durations (wall, CPU);
    fresh networks and optimizers, seeded like the trainer's."""
    cfg = benchmark_config(preset, args, UNUSED_DIR, args.warmup + args.steps)
    torch.manual_seed(cfg.seed)
    random.seed(cfg.seed)
    nets = create_components(cfg.model, {"generator": cfg.generator_kwargs, "discriminator": cfg.discriminator_kwargs})
    for net in nets.values():
        net.train()
    step = (pix2pix_step_fn if name == "pix2pix" else cyclegan_step_fn)(nets, cfg)
    batches = plain_batches(data, cfg, cfg.seed)

    def timed_step() -> Tuple[float, float]:
        wall, cpu = time.perf_counter(), time.thread_time()
        step(*next(batches))  # taking the batch is part of the step, as in the trainer
        return time.perf_counter() - wall, time.thread_time() - cpu

    return timed_step


def time_plain(name: str, preset: str, data, args) -> Durations:
    """Durations of steps ``warmup + 1 .. warmup + steps`` of a run of the plain loop on its own."""
    timed_step = plain_loop(name, preset, data, args)
    return [timed_step() for _ in range(args.warmup + args.steps)][args.warmup:]


def run_round(name: str, data, args, r: int) -> Tuple[Durations, Durations]:
    """``(plain, trainer)`` step durations of one round."""
    preset = PRESETS[name]
    if args.interleave == "steps":
        trainer, plain = time_trainer(preset, data, args, plain_loop(name, preset, data, args))
        return plain, trainer
    if r % 2 == 0:  # whole runs, alternating which goes first
        plain = time_plain(name, preset, data, args)
        return plain, time_trainer(preset, data, args)[0]
    trainer = time_trainer(preset, data, args)[0]
    return time_plain(name, preset, data, args), trainer


# ------------------------------------------------------------------------------------------------- translation
def translation_pipeline(preset: str, args):
    """The pipeline a run of ``preset`` publishes, with freshly initialized networks (speed does not depend on
    the weights), in eval mode."""
    cfg = benchmark_config(preset, args, UNUSED_DIR, 1)
    torch.manual_seed(cfg.seed)
    nets = create_components(cfg.model, {"generator": cfg.generator_kwargs, "discriminator": cfg.discriminator_kwargs})
    nets = {name: net.eval() for name, net in nets.items()}
    if "generator_reverse" in nets:
        return GANImageToImagePipeline(**nets)
    return GANImageToImagePipeline(generator=nets["generator"], discriminator=nets["discriminator"])


def measure_translation(pipe, batch_size: int, repeats: int, warmup: int):
    """Images per second of the four calls (batch over the median wall-clock and CPU time), and each pipeline
    call's overhead over the bare forward measured next to it (median of per-repeat ratios, wall-clock and CPU)."""
    from PIL import Image

    generator = pipe.generator
    c, size = generator.config.in_channels, generator.config.sample_size
    images = torch.rand(batch_size, c, size, size, generator=torch.Generator().manual_seed(0))  # [N, C, H, W] in [0, 1]
    pil_images = [Image.fromarray((img[0] * 255).round().byte().numpy(), mode="L") if c == 1 else
                  Image.fromarray((img.permute(1, 2, 0) * 255).round().byte().numpy(), mode="RGB") for img in images]

    def bare():
        with torch.no_grad():
            generator(images * 2 - 1)

    calls = {
        "bare": bare,
        "pt": lambda: pipe(image=images, output_type="pt"),
        "pil": lambda: pipe(image=images, output_type="pil"),
        "pil_in": lambda: pipe(image=pil_images, output_type="pil"),
    }
    keys = list(calls)
    wall = {key: [] for key in keys}
    cpu = {key: [] for key in keys}
    for i in range(warmup + repeats):
        order = keys[i % len(keys):] + keys[:i % len(keys)]  # rotating order: noise hits all alike
        for key in order:
            start_wall, start_cpu = time.perf_counter(), time.thread_time()
            calls[key]()
            if i >= warmup:
                wall[key].append(time.perf_counter() - start_wall)
                cpu[key].append(time.thread_time() - start_cpu)

    def overhead(times, key):
        return statistics.median(t / b for t, b in zip(times[key], times["bare"])) - 1

    per_second = {key: (batch_size / statistics.median(wall[key]), batch_size / statistics.median(cpu[key]))
                  for key in keys}
    return per_second, {key: (overhead(wall, key), overhead(cpu, key)) for key in keys[1:]}


# ------------------------------------------------------------------------------------------------------- main
def train_batch_size(name: str, args) -> int:
    return args.batch_size or load_config(PRESETS[name]).train_batch_size


def rates(batch: int, runs: List[Durations]) -> Tuple[float, float]:
    """Images per wall-clock second and per CPU second over all steps of ``runs``."""
    steps = [step for run in runs for step in run]
    return (batch * len(steps) / sum(w for w, _ in steps), batch * len(steps) / sum(c for _, c in steps))


def cpu_name() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            return next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        return "unknown CPU"


def load_average() -> str:
    try:
        with open("/proc/loadavg", encoding="utf-8") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", nargs="+", choices=sorted(PRESETS), default=["pix2pix", "cyclegan"])
    parser.add_argument("--steps", type=int, default=10, help="timed training steps per run")
    parser.add_argument("--warmup", type=int, default=3, help="untimed training steps before them")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=None, help="default: each preset's own")
    parser.add_argument("--interleave", choices=["steps", "runs"], default="steps",
                        help="steps: a plain step beside every trainer step (robust to changing load); "
                             "runs: whole runs one after the other")
    parser.add_argument("--logging-steps", type=int, default=10, help="the trainer logs losses this often")
    parser.add_argument("--batch-sizes", nargs="+", type=int, default=[1, 64], help="translation batch sizes")
    parser.add_argument("--repeats", type=int, default=30, help="timed translation calls of each kind")
    parser.add_argument("--translation-warmup", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--skip-training", action="store_true")
    parser.add_argument("--skip-translation", action="store_true")
    args = parser.parse_args()
    if args.warmup < 1:
        parser.error("--warmup must be at least 1 (the first trainer step's end time starts the clock)")
    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {cpu_name()} ({os.cpu_count()} cores), {torch.get_num_threads()} thread(s), "
          f"load average before: {load_average()}", flush=True)

    if not args.skip_training:
        data = {name: load_data(PRESETS[name], args) for name in args.tasks}
        durations = {(name, kind): [] for name in args.tasks for kind in ("plain", "trainer")}  # [round][step]
        for r in range(args.rounds):
            for name in args.tasks:
                plain, trainer = run_round(name, data[name], args, r)
                durations[name, "plain"].append(plain)
                durations[name, "trainer"].append(trainer)
                batch = train_batch_size(name, args)
                (p, pc), (o, oc) = (rates(batch, [d]) for d in (plain, trainer))
                print(f"round {r + 1} {name}: img/s plain {p:.1f}, trainer {o:.1f} (ratio {o / p:.2f}); per CPU "
                      f"second plain {pc:.1f}, trainer {oc:.1f} (ratio {oc / pc:.2f}); load {load_average()}", flush=True)
        how = ("one plain step beside each trainer step" if args.interleave == "steps"
               else "whole runs, alternating which goes first")
        print(f"\nTraining: {args.steps} timed steps after {args.warmup} warm-up per run, {args.rounds} rounds, "
              f"interleaved: {how}; {args.threads} thread(s).\nimg/s = batch x steps / wall-clock time of the timed "
              "steps, per round (median in bold), and their ratio's median over rounds; img per CPU second = batch x "
              "all timed steps / this thread's CPU time in them, which does not depend on the share of a core the "
              "machine's load leaves")
        print("| task (preset) | batch | plain loop, img/s | hfgan trainer, img/s | trainer / plain (wall) | "
              "plain, img per CPU s | trainer, img per CPU s | trainer / plain (CPU) |")
        print("| --- | ---: | --- | --- | ---: | ---: | ---: | ---: |")
        for name in args.tasks:
            batch = train_batch_size(name, args)
            plain, ours = durations[name, "plain"], durations[name, "trainer"]
            wall = {k: [rates(batch, [d])[0] for d in durations[name, k]] for k in ("plain", "trainer")}
            ratio = statistics.median(o / p for p, o in zip(wall["plain"], wall["trainer"]))
            pc, oc = rates(batch, plain)[1], rates(batch, ours)[1]
            cell = lambda xs: " / ".join(f"{x:.1f}" for x in xs) + f" (**{statistics.median(xs):.1f}**)"  # noqa: E731
            print(f"| {name} ({PRESETS[name]}) | {batch} | {cell(wall['plain'])} | {cell(wall['trainer'])} | "
                  f"**{ratio:.2f}x** | {pc:.1f} | {oc:.1f} | **{oc / pc:.2f}x** |")
        print(f"load average after training: {load_average()}", flush=True)

    if not args.skip_translation:
        print(f"\nTranslation: {args.repeats} interleaved repeats after {args.translation_warmup} warm-up. Rates: "
              "batch / median wall-clock time, and batch / median CPU time of this thread. Overheads: median of "
              "per-repeat (pipeline / bare) - 1, in wall-clock and in CPU time")
        print("| pipeline (preset) | batch | bare forward, img/s (wall / CPU) | pipe tensor -> 'pt' | "
              "pipe tensor -> 'pil' | pipe PIL -> 'pil' |")
        print("| --- | ---: | ---: | ---: | ---: | ---: |")
        for name in args.tasks:
            pipe = translation_pipeline(PRESETS[name], args)
            for batch in args.batch_sizes:
                rate, over = measure_translation(pipe, batch, args.repeats, args.translation_warmup)
                cell = lambda key: f"{rate[key][0]:.0f} / {rate[key][1]:.0f} img/s"  # noqa: E731
                cells = " | ".join(f"{cell(key)} (wall {100 * over[key][0]:+.1f}%, CPU {100 * over[key][1]:+.1f}%)"
                                   for key in ("pt", "pil", "pil_in"))
                print(f"| {name} ({PRESETS[name]}) | {batch} | {cell('bare')} | {cells} |", flush=True)
        print(f"load average after translation: {load_average()}")


if __name__ == "__main__":
    main()
