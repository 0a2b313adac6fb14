"""BigGAN / SNGAN throughput: generation against pytorch-pretrained-biggan, training against a plain loop.

Part 1, generation. ``BigGANDeepGenerator`` against the reference ``pytorch_pretrained_biggan.BigGAN`` on the
same small random configuration (``REFERENCE``: 32x32, BigGAN-deep blocks, self-attention, 1000 classes) with the
same weights (the reference's state dict through ``hfgan.convert.biggan``; the images are checked to agree), in
eval mode under ``torch.no_grad()``, at truncation 0.5. The reference takes one-hot class vectors (made once,
outside the timing), ours class indices. At each batch size, ``--calls`` pairs (half as many from batch 16): one
call of each, in alternating order, so load that comes and goes hits both alike. Reported: images per wall-clock
second and per CPU second of this thread at the median call, and the median of the per-pair ratios (reference
time / ours: above 1 when ours is faster).

Part 2, training. The ``sngan-resnet-fashion-mnist`` and ``biggan-fashion-mnist`` presets: ``GANTrainer`` (one
trainer step = the preset's ``n_critic`` D steps and one G step, EMA, loss logging) against a plain PyTorch loop
over the same hfgan networks, optimizers and batch, written as BigGAN-PyTorch's ``train_fns`` train: per D step a
real batch, ``G(z, y)`` without gradients, hinge loss, ``backward``, ``step``; then a G step (hinge, plus the
orthogonal penalty when the preset sets it), ``backward``, ``step``, and an EMA update of G. One plain step runs
beside every trainer step, alternately before and after it, and its time is taken out of that trainer step
(``benchmark_translation.time_trainer``).

    python benchmarks/benchmark_biggan.py                              # both parts, 1 thread
    python benchmarks/benchmark_biggan.py --skip-training --calls 100

Everything runs on one thread (``--threads``) on the CPU.
"""

import argparse
import os
import statistics
import sys
import time
from typing import Dict, List, Tuple

import torch

sys.path.insert(0, os.path.dirname(__file__))
from benchmark_translation import cpu_name, load_average, load_data, rates, time_trainer  # noqa: E402

from hfgan.convert.biggan import convert_state_dict, generator_config  # noqa: E402
from hfgan.losses import get_objective  # noqa: E402
from hfgan.models import BigGANDeepGenerator, create_components  # noqa: E402
from hfgan.regularizers import orthogonal_penalty  # noqa: E402
from hfgan.tasks import task_recipe  # noqa: E402
from hfgan.training import load_config  # noqa: E402

REFERENCE = dict(output_dim=32, z_dim=64, class_embed_dim=64, channel_width=16, num_classes=1000,
                 layers=[[False, 16, 16], [True, 16, 8], [True, 8, 4], [False, 4, 2], [True, 2, 1]],
                 attention_layer_position=2, eps=1e-4, n_stats=51)
TRUNCATION = 0.5
PRESETS = ["sngan-resnet-fashion-mnist", "biggan-fashion-mnist"]


# ------------------------------------------------------------------------------------------------ generation
def build_pair():
    """``(reference, ours)``: a random reference BigGAN-deep and ours with its weights, both in eval mode."""
    import pytorch_pretrained_biggan as ppb

    torch.manual_seed(0)
    reference = ppb.BigGAN(ppb.BigGANConfig(**REFERENCE))
    with torch.no_grad():
        reference.train()
        for _ in range(3):  # spectral-norm vectors and running statistics that mean something
            reference(torch.randn(8, REFERENCE["z_dim"]), torch.eye(1000)[:8], 1.0)
        for name, param in reference.named_parameters():
            if name.endswith("gamma"):
                param.fill_(0.5)  # self-attention on
    reference.eval()
    ours = BigGANDeepGenerator(**generator_config(json_round_trip(REFERENCE)))
    ours.load_state_dict(convert_state_dict(reference.state_dict(), ours))
    return reference, ours.eval()


def json_round_trip(config: Dict) -> Dict:
    import json

    return json.loads(json.dumps(config))


def generation(args) -> List[str]:
    import pytorch_pretrained_biggan as ppb

    reference, ours = build_pair()
    lines = []
    for batch in args.batch_sizes:
        latents = torch.from_numpy(ppb.truncated_noise_sample(batch_size=batch, dim_z=REFERENCE["z_dim"],
                                                              truncation=TRUNCATION, seed=batch))
        labels = torch.arange(batch) % REFERENCE["num_classes"]
        one_hot = torch.nn.functional.one_hot(labels, REFERENCE["num_classes"]).float()
        pairs = args.calls if batch < 16 else max(2, args.calls // 2)
        calls = {"reference": lambda: reference(latents, one_hot, TRUNCATION),
                 "hfgan": lambda: ours(latents, labels, TRUNCATION)}
        with torch.no_grad():
            diff = (calls["reference"]() - calls["hfgan"]()).abs().max().item()
            for call in calls.values():  # warm-up
                call()
            wall: Dict[str, List[float]] = {k: [] for k in calls}
            cpu: Dict[str, List[float]] = {k: [] for k in calls}
            for i in range(pairs):  # one call of each, in alternating order
                for key in (list(calls) if i % 2 == 0 else list(calls)[::-1]):
                    start_wall, start_cpu = time.perf_counter(), time.thread_time()
                    calls[key]()
                    wall[key].append(time.perf_counter() - start_wall)
                    cpu[key].append(time.thread_time() - start_cpu)
        ratio_wall = statistics.median(t / o for o, t in zip(wall["hfgan"], wall["reference"]))
        ratio_cpu = statistics.median(t / o for o, t in zip(cpu["hfgan"], cpu["reference"]))
        wall = {k: batch / statistics.median(v) for k, v in wall.items()}  # img/s at the median call
        cpu = {k: batch / statistics.median(v) for k, v in cpu.items()}
        lines.append(f"| {batch} | {wall['reference']:.1f} | {wall['hfgan']:.1f} | {ratio_wall:.2f}x | "
                     f"{cpu['reference']:.1f} | {cpu['hfgan']:.1f} | {ratio_cpu:.2f}x | {diff:.1e} |")
        print(lines[-1], flush=True)
    return lines


# ------------------------------------------------------------------------------------------------- training
class PlainLoop:
    """The preset's training step written directly in PyTorch over hfgan's networks (see the module docstring)."""

    def __init__(self, preset: str, data, batch_size: int):
        cfg = load_config(preset)
        torch.manual_seed(cfg.seed)
        nets = create_components(cfg.model, {"generator": cfg.generator_kwargs, "discriminator": cfg.discriminator_kwargs})
        self.G, self.D = nets["generator"].train(), nets["discriminator"].train()
        self.G_ema = create_components(cfg.model, {"generator": cfg.generator_kwargs,
                                                   "discriminator": cfg.discriminator_kwargs})["generator"].eval()
        self.G_ema.load_state_dict(self.G.state_dict())
        self.G_ema.requires_grad_(False)
        betas = (cfg.adam_beta1, cfg.adam_beta2)
        self.opt_g = torch.optim.Adam(self.G.parameters(), lr=cfg.learning_rate_g, betas=betas)
        self.opt_d = torch.optim.Adam(self.D.parameters(), lr=cfg.learning_rate_d, betas=betas)
        self.d_loss, self.g_loss = get_objective(cfg.loss)
        self.cfg, self.data, self.batch = cfg, data, batch_size
        self.recipe = task_recipe(cfg)  # n_critic, orthogonal_reg_weight: the task's
        self.num_classes = self.G.config.get("num_classes")
        self.latent_dim = self.G.config.latent_dim

    def sample(self):
        z = torch.randn(self.batch, self.latent_dim)
        y = torch.randint(0, self.num_classes, (self.batch,)) if self.num_classes else None
        return z, y

    def gen(self, z, y):
        return self.G(z, y) if y is not None else self.G(z)

    def disc(self, x, y):
        return self.D(x, y) if y is not None else self.D(x)

    def step(self) -> Tuple[float, float]:
        start_wall, start_cpu = time.perf_counter(), time.thread_time()
        self.D.requires_grad_(True)
        for _ in range(self.recipe.n_critic):
            real, real_y = self.data.batch(torch.randint(0, len(self.data.images), (self.batch,)))
            z, y = self.sample()
            with torch.no_grad():
                fake = self.gen(z, y)
            self.opt_d.zero_grad(set_to_none=True)
            loss = self.d_loss(self.disc(real, real_y if self.num_classes else None), self.disc(fake, y), 1.0)
            loss.backward()
            self.opt_d.step()
        self.D.requires_grad_(False)
        z, y = self.sample()
        self.opt_g.zero_grad(set_to_none=True)
        loss = self.g_loss(self.disc(self.gen(z, y), y))
        if self.recipe.orthogonal_reg_weight > 0:
            loss = loss + self.recipe.orthogonal_reg_weight * orthogonal_penalty(self.G)
        loss.backward()
        self.opt_g.step()
        with torch.no_grad():
            torch._foreach_lerp_(list(self.G_ema.parameters()), list(self.G.parameters()), 1 - self.cfg.ema_decay)
            for b_ema, b in zip(self.G_ema.buffers(), self.G.buffers()):
                b_ema.copy_(b)
        return time.perf_counter() - start_wall, time.thread_time() - start_cpu


def training(args) -> List[str]:
    lines = []
    for preset in args.presets:
        data = load_data(preset, args)
        batch = args.batch_size or load_config(preset).train_batch_size
        ours_runs, plain_runs = [], []
        for _ in range(args.train_rounds):
            plain = PlainLoop(preset, data, batch)
            ours, beside = time_trainer(preset, data, args, plain.step)
            ours_runs.append(ours)
            plain_runs.append(beside)
        (o_wall, o_cpu), (p_wall, p_cpu) = rates(batch, ours_runs), rates(batch, plain_runs)
        n_critic = task_recipe(load_config(preset)).n_critic
        lines.append(f"| {preset} | {batch} x ({n_critic} D + 1 G) | {p_wall:.1f} | {o_wall:.1f} | {o_wall / p_wall:.2f}x | "
                     f"{p_cpu:.1f} | {o_cpu:.1f} | {o_cpu / p_cpu:.2f}x |")
        print(lines[-1], flush=True)
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batch-sizes", nargs="+", type=int, default=[1, 64], help="generation batch sizes")
    parser.add_argument("--calls", type=int, default=60, help="generation call pairs (batches of 16+: half as many)")
    parser.add_argument("--presets", nargs="+", default=PRESETS)
    parser.add_argument("--steps", type=int, default=6, help="timed training steps per run")
    parser.add_argument("--warmup", type=int, default=2, help="untimed training steps before them")
    parser.add_argument("--train-rounds", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=None, help="training batch; default: each preset's own")
    parser.add_argument("--logging-steps", type=int, default=10)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--skip-generation", action="store_true")
    parser.add_argument("--skip-training", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"{cpu_name()}, torch {torch.__version__}, {args.threads} thread(s), load average {load_average()} at start")
    if not args.skip_generation:
        print(f"\nGeneration, BigGAN-deep {REFERENCE['output_dim']}px (channel_width {REFERENCE['channel_width']}, "
              f"z {REFERENCE['z_dim']}, {len(REFERENCE['layers'])} blocks, 1000 classes), truncation {TRUNCATION}, "
              f"{args.calls} call pairs (batches of 16+: {max(2, args.calls // 2)})")
        print("| batch | reference img/s | hfgan img/s | ratio | reference img/CPU-s | hfgan img/CPU-s | ratio (CPU) "
              "| max abs diff |\n| --- | --- | --- | --- | --- | --- | --- | --- |")
        generation(args)
    if not args.skip_training:
        print(f"\nTraining, {args.train_rounds} rounds x {args.steps} steps (after {args.warmup}), steps interleaved")
        print("| preset | step | plain img/s | trainer img/s | ratio | plain img/CPU-s | trainer img/CPU-s | ratio (CPU) |\n"
              "| --- | --- | --- | --- | --- | --- | --- | --- |")
        training(args)
    print(f"\nload average {load_average()} at the end")


if __name__ == "__main__":
    main()
