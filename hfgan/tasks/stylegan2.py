"""``stylegan2``: StyleGAN2's training recipe (Karras et al. 2020; stylegan2-ada-pytorch's ``StyleGAN2Loss``) as
phases of the one loop, for a generator with a mapping network (``map`` / ``synthesize``).

Per step, as the reference orders its phases:

* ``G_main``: the generator's adversarial loss (the config's ``loss``; the reference's is ``nonsaturating``).
* ``G_reg`` every ``pl_interval`` (4) steps: path-length regularization, ``pl_weight * (|J_w^T y| - a)^2`` on
  ``batch / pl_batch_shrink`` samples, ``a`` the running mean of the path lengths (decay ``pl_decay``, kept
  as task state, checkpointed). The running mean is detached (the reference lets a 0.01-weighted gradient through
  it) and follows the mean over every process, so N processes match one.
* ``D_main``: the discriminator's adversarial loss on real and generated images.
* ``D_reg`` every ``r1_interval`` (16 in the preset) steps: R1, ``r1_gamma / 2 * |grad_x D(x)|^2`` on reals.

These settings, R1's included, are the task's ``task_kwargs`` (:class:`StyleGAN2Kwargs`). A regularization phase is
*lazy*: the loop multiplies its loss by its interval, and multiplies the learning rate of its optimizer and raises
that optimizer's Adam betas to the power ``mb_ratio = interval / (interval + 1)``, as the reference's training loop
does. Every generator run uses style mixing: with
probability ``style_mixing_prob`` (0.9) a sample takes the ws of a second latent from a random cutoff layer on
(drawn per sample; the reference draws one cutoff per batch). The mapping network's ``w_avg`` (the truncation
centre) follows the mean w of each run's first latents, with the generator's ``w_avg_beta``, over every process.
The mapping network's 0.01 learning-rate multiplier is in its equalized-lr weights (as in the reference), so every
parameter gets the same optimizer learning rate. Noise inputs are drawn per sample from seeds of the phase's
randomness, so resumes and any number of processes give the same noise. Augmentation (``augment``) applies to the
discriminator's inputs in every phase, the R1 reals included. The discriminator sees the generator's raw output, not
clamped to [-1, 1], as in the reference: a clamp would hide out-of-range pixels from it, and they would drift without
bound (with them the path lengths).

Fidelity: with style mixing off and the same noise, each phase's gradients match those of the reference's
``StyleGAN2Loss.accumulate_gradients`` (with the training loop's gain, the phase interval) to float32 rounding
(tests/training/test_stylegan2_reference_loss.py). The differences, all deliberate: the detached running path-length
mean (the reference's penalty ``(l - lerp(pl_mean, mean(l), decay))^2`` also sends ``-2 decay mean(l - m)`` times the
gradient of ``mean(l)``: nothing once ``pl_mean`` has settled), the per-sample style-mixing cutoff, noise drawn from
per-sample seeds, and no ``nan_to_num`` of gradients (the trainer stops on non-finite losses instead).
"""

import math
from dataclasses import dataclass
from typing import Callable, ClassVar, Dict, List, Tuple

import torch
from torch import nn

from ..errors import ConfigError
from ..models.capabilities import has_w_space
from ..regularizers import path_length_penalty, path_lengths, r1_penalty, update_path_length_mean
from ..training.ranges import AT_LEAST_ONE, LABEL_SMOOTHING, NONNEGATIVE, Range
from .base import Phase, StepContext, TaskKwargs, to_unit
from .latent import D_KEY, G_KEY, GenerationTask

G_REG_KEY, D_REG_KEY = 5, 6  # randomness keys of the regularization phases (generation's are 1-4)


@dataclass
class StyleGAN2Kwargs(TaskKwargs):
    """The reference's defaults (stylegan2-ada-pytorch ``StyleGAN2Loss`` and ``training_loop``)."""

    style_mixing_prob: float = 0.9  # probability that a sample mixes the ws of two latents
    pl_weight: float = 2.0  # path-length regularization weight (0: no G_reg phase)
    pl_decay: float = 0.01  # decay of the running mean of path lengths
    pl_batch_shrink: int = 2  # G_reg runs on batch / pl_batch_shrink samples
    pl_interval: int = 4  # G_reg every this many steps
    r1_gamma: float = 0.0  # R1 weight, gamma / 2 * ||grad||^2 (0: no D_reg phase)
    r1_interval: int = 1  # D_reg every this many steps (16 in the reference)
    label_smoothing: float = 0.0  # one-sided: real target = 1 - label_smoothing

    ranges: ClassVar[Dict[str, Range]] = {"r1_gamma": NONNEGATIVE, "r1_interval": AT_LEAST_ONE,
                                          "label_smoothing": LABEL_SMOOTHING}

    def validate(self):
        if not 0.0 <= self.style_mixing_prob <= 1.0:
            raise ConfigError(f"task_kwargs.style_mixing_prob must be in [0, 1], got {self.style_mixing_prob}")
        if self.pl_weight < 0 or not 0.0 < self.pl_decay <= 1.0:
            raise ConfigError(f"task_kwargs: pl_weight must be >= 0 and pl_decay in (0, 1], got {self.pl_weight}, "
                              f"{self.pl_decay}")
        for key in ("pl_batch_shrink", "pl_interval"):
            if getattr(self, key) < 1:
                raise ConfigError(f"task_kwargs.{key} must be >= 1, got {getattr(self, key)}")
        return self


def forward_with(net: nn.Module, fn: Callable, *args):
    """``fn(module, *args)`` run as the forward of ``net``: through a DistributedDataParallel wrapper, so that it
    prepares its gradient reduction as for a forward call; a plain call otherwise."""
    if not isinstance(net, nn.parallel.DistributedDataParallel):
        return fn(net, *args)
    module = net.module
    previous = module.__dict__.get("forward")  # e.g. a mixed-precision wrapper of the forward
    module.forward = lambda *inputs: fn(module, *inputs)
    try:
        return net(*args)
    finally:
        if previous is None:
            del module.forward
        else:
            module.forward = previous


class StyleGAN2Task(GenerationTask):
    name = "stylegan2"
    kwargs_class = StyleGAN2Kwargs

    def __init__(self, config, seed_rng, global_batch=None):
        super().__init__(config, seed_rng, global_batch)
        self.pl_mean = torch.zeros((), dtype=torch.float64)

    def check_networks(self, nets):
        super().check_networks(nets)
        generator = nets["generator"]
        if not has_w_space(generator):
            raise ConfigError(f"task 'stylegan2' needs a generator with a mapping network (map / synthesize), "
                              f"{self.config.model} has a {type(generator).__name__}")

    def load_data(self, nets, data=None):
        data = super().load_data(nets, data)
        generator = nets["generator"]
        self.num_ws = generator.num_ws
        self.image_shape = (generator.config.out_channels, generator.config.sample_size, generator.config.sample_size)
        self.w_avg_beta = generator.config.get("w_avg_beta")
        return data

    # -- one step ----------------------------------------------------------------------------------
    def reuse_fake(self) -> bool:
        return False  # every phase draws its own latents, as the reference

    def reg_interval(self, optimizer: str) -> int:
        """The interval of the optimizer's regularization phase (0: none)."""
        if optimizer == "G":
            return self.kwargs.pl_interval if self.kwargs.pl_weight > 0 else 0
        return self.kwargs.r1_interval if self.kwargs.r1_gamma > 0 else 0

    def phases(self) -> List[Phase]:
        phases = [Phase("G_main", "G", key=G_KEY)]
        if self.reg_interval("G"):
            phases.append(Phase("G_reg", "G", interval=self.kwargs.pl_interval, key=G_REG_KEY, lazy=True))
        phases.append(Phase("D_main", "D", key=D_KEY))
        if self.reg_interval("D"):
            phases.append(Phase("D_reg", "D", interval=self.kwargs.r1_interval, key=D_REG_KEY, lazy=True))
        return phases

    def pl_rows(self) -> int:
        """Rows per process and micro-batch of the path-length phase."""
        return max(1, self.config.train_batch_size // self.kwargs.pl_batch_shrink)

    def draw(self, phase: Phase, rng: torch.Generator, n: int) -> Dict[str, torch.Tensor]:
        drawn: Dict[str, torch.Tensor] = {}
        if phase.name == "G_reg":  # a smaller global batch: pl_rows per process and micro-batch
            n = n // self.config.train_batch_size * self.pl_rows()
        if phase.name != "D_reg":  # a generator run: latents, mixing and per-sample noise seeds
            drawn["latents"] = torch.randn(n, self.latent_dim, generator=rng)  # [n, Z]
            if self.num_classes:
                drawn["class_labels"] = torch.randint(0, self.num_classes, (n,), generator=rng)  # [n]
            drawn["mix_latents"] = torch.randn(n, self.latent_dim, generator=rng)  # [n, Z]
            cutoffs = torch.randint(1, self.num_ws, (n,), generator=rng) if self.num_ws > 1 else torch.ones(n, dtype=torch.long)
            mixing = torch.rand(n, generator=rng) < self.kwargs.style_mixing_prob
            drawn["cutoffs"] = torch.where(mixing, cutoffs, torch.full_like(cutoffs, self.num_ws))  # [n]
            drawn["noise_seeds"] = torch.randint(0, 2**62, (n,), generator=rng)  # [n]
        if phase.name == "G_reg":
            drawn["pl_noise"] = torch.randn(n, *self.image_shape, generator=rng) / math.sqrt(
                self.image_shape[1] * self.image_shape[2])  # [n, C, H, W]
        if phase.optimizer == "D" and self.config.random_flip:
            drawn["flips"] = torch.rand(n, generator=rng) < 0.5  # [n]
        augment = {"G_main": ("fake",), "D_main": ("real", "fake"), "D_reg": ("real",)}.get(phase.name, ())
        drawn.update(self.draw_augment(rng, n, *augment))
        return drawn

    def _run_generator(self, ctx: StepContext, drawn, rows=None) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Images ``[B, C, H, W]``, the ws they come from ``[B, num_ws, w_dim]`` (style-mixed) and the labels, for
        this rank's rows of the micro-batch (``rows`` per rank and micro-batch when given: the draw was that size)."""
        take = lambda t: ctx.slice(t, rows)  # noqa: E731
        latents, mix = take(drawn["latents"]), take(drawn["mix_latents"])
        labels = take(drawn["class_labels"]) if "class_labels" in drawn else None
        cutoffs, seeds = take(drawn["cutoffs"]), ctx.slice(drawn["noise_seeds"], rows, device=False).tolist()

        def run(generator, latents, mix, cutoffs):
            ws = generator.map(latents, labels, update_w_avg=False)  # [B, num_ws, w_dim]
            if generator.training:
                self._track_w_avg(ctx, generator, ws[:, 0])
            if bool((cutoffs < self.num_ws).any()):
                mixed = generator.map(mix, labels, update_w_avg=False)
                keep = torch.arange(self.num_ws, device=ws.device)[None] < cutoffs[:, None]  # [B, num_ws]
                ws = torch.where(keep[..., None], ws, mixed)
            noise = [torch.Generator().manual_seed(seed) for seed in seeds]  # one per sample
            return generator.synthesize(ws, noise_mode="random", generator=noise, clamp=False), ws  # raw, as the reference

        images, ws = forward_with(ctx.nets["generator"], run, latents, mix, cutoffs)
        return images, ws, labels

    @torch.no_grad()
    def _track_w_avg(self, ctx: StepContext, generator, w: torch.Tensor) -> None:
        """``w_avg <- lerp(mean w, w_avg, w_avg_beta)`` with the mean over every process's rows."""
        if self.w_avg_beta is None:
            return
        mean = ctx.gather(w.detach().float()).mean(0)  # [w_dim]
        generator.mapping.w_avg.copy_(mean.lerp(generator.mapping.w_avg.float(), self.w_avg_beta))

    def loss(self, phase, drawn, ctx):
        return {"G_main": self._g_main, "G_reg": self._g_reg, "D_main": self._d_main, "D_reg": self._d_reg}[phase.name](
            drawn, ctx)

    def _g_main(self, drawn, ctx: StepContext):
        with ctx.autocast():
            fake, _, labels = self._run_generator(ctx, drawn)
            fake = self.augment(ctx, fake, drawn, "fake")
            loss = self.g_loss_fn(self._disc(ctx, fake, labels).float())
        return loss, {"loss_g": loss.detach(), "pl_mean": self.pl_mean.float().clone()}

    def _g_reg(self, drawn, ctx: StepContext):
        rows = self.pl_rows()
        fake, ws, _ = self._run_generator(ctx, drawn, rows=rows)  # float32: a second derivative
        lengths = path_lengths(fake.float(), ws, ctx.slice(drawn["pl_noise"], rows))  # [rows]
        batch_mean = ctx.gather(lengths.detach()[None].float()).mean()  # every process's rows
        self.pl_mean = update_path_length_mean(self.pl_mean.to(batch_mean.device), batch_mean, self.kwargs.pl_decay)
        penalty = path_length_penalty(lengths, self.pl_mean)
        # fake * 0 keeps every synthesis parameter in the graph (DDP expects a gradient for each)
        loss = self.kwargs.pl_weight * penalty + fake[:, 0, 0, 0].sum() * 0
        return loss, {}

    def _d_main(self, drawn, ctx: StepContext):
        real, real_labels = ctx.real(drawn.get("flips"))
        if not self.num_classes:
            real_labels = None
        with torch.no_grad(), ctx.autocast():
            fake, _, fake_labels = self._run_generator(ctx, drawn)
        real_seen = self.augment(ctx, real, drawn, "real")
        fake_seen = self.augment(ctx, fake.float(), drawn, "fake")
        with ctx.autocast():
            real_logits = self._disc(ctx, real_seen, real_labels)
            fake_logits = self._disc(ctx, fake_seen, fake_labels)
            loss = self.d_loss_fn(real_logits.float(), fake_logits.float(), 1.0 - self.kwargs.label_smoothing)
        return loss, {"loss_d": loss.detach(), **self.observe_real_logits(ctx, real_logits)}

    def _d_reg(self, drawn, ctx: StepContext):
        real, real_labels = ctx.real(drawn.get("flips"))
        if not self.num_classes:
            real_labels = None
        real = real.detach().requires_grad_(True)  # R1 differentiates through the augmentation, as the reference
        real_logits = self._disc(ctx, self.augment(ctx, real, drawn, "real"), real_labels).float()
        penalty = r1_penalty(real_logits, real)
        # real_logits * 0 keeps the discriminator's last layers in the graph (DDP expects a gradient for each)
        loss = self.kwargs.r1_gamma / 2 * penalty + real_logits.sum() * 0
        return loss, {}

    # -- state and outputs -------------------------------------------------------------------------
    def state_dict(self) -> Dict[str, torch.Tensor]:
        return {"pl_mean": self.pl_mean.detach().double().cpu(), **super().state_dict()}

    def load_state_dict(self, state: Dict[str, torch.Tensor]) -> None:
        super().load_state_dict(state)
        if "pl_mean" in state:
            self.pl_mean = state["pl_mean"].double()

    def sample_images(self, nets):
        """The fixed latents rendered with the generator's constant noise (frames differ only by training)."""
        generator = nets["generator"]
        device = next(generator.parameters()).device
        labels = self.sample_labels.to(device) if self.sample_labels is not None else None
        images = generator(self.sample_latents.to(device), labels, noise_mode="const")
        nrow = self.num_classes if self.num_classes and self.num_classes <= 16 else None
        return to_unit(images), nrow

    def card_data(self):
        k, cfg = self.kwargs, self.config
        parts = [f"StyleGAN2 recipe: style mixing p={k.style_mixing_prob}"]
        if self.reg_interval("G"):
            parts.append(f"path-length regularization {k.pl_weight} every {k.pl_interval} steps "
                         f"(batch / {k.pl_batch_shrink})")
        if self.reg_interval("D"):
            parts.append(f"lazy R1 gamma {k.r1_gamma} every {k.r1_interval} steps")
        if cfg.augment != "none":
            parts.append(f"{cfg.augment} augmentation")
        return {**super().card_data(), "training_note": ", ".join(parts) + "."}
