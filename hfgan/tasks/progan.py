"""``progressive`` (Progressive GAN, Karras et al. 2018): latents to images, grown one resolution at a time.

The growth is a *schedule* of the one loop, not a loop of its own: ``task_kwargs`` give the images shown per
stabilize phase and per fade phase, and :meth:`ProgressiveTask.on_step` derives the current resolution and
fade-in weight ``alpha`` from the step alone (:func:`growth_schedule`), so a run resumed anywhere, a fade
included, continues exactly. Images are counted as the loop counts them: one global batch per critic step.

Schedule over a ladder ``r_0 < r_1 < ... < r_K`` (7, 14, 28 for Fashion-MNIST)::

    r_0 stable for S images | fade r_1 in over F images (alpha 0 -> 1) | r_1 stable for S | fade r_2 ... | r_K stable

``D_main``: the Wasserstein critic loss (the config's ``loss``; the preset's is ``wasserstein``) on real images
average-pooled to the current resolution and, during a fade, blended with their 2x-pooled-and-upsampled copy
as the generator blends its output; plus ``gp_weight`` times the WGAN-GP penalty and ``drift_weight * D(real)^2``
(the paper's epsilon-drift, 0.001). ``G_main``: the generator's loss on fakes at the same resolution and alpha.
The phases and their randomness are the latent tasks' (:class:`~.latent.LatentGANTask`): ``n_critic`` runs of
``D_main``, and with one of them and no accumulation ``G_main`` reuses its images.

Batch size and learning rate stay fixed across resolutions: the loop fixes the global batch at setup (data
order, the randomness drawn per phase and the DDP split all derive from it; the task counts images with the loop's
``global_batch``), and the learning rate belongs to the loop's optimizers and schedules; the paper's constant
learning rate below 1024x1024 needs neither.
"""

from dataclasses import dataclass
from typing import ClassVar, Dict, List, Sequence, Tuple

import torch
import torch.nn.functional as F

from ..errors import ConfigError
from ..losses import get_objective
from ..regularizers import gradient_penalty
from ..training.ranges import AT_LEAST_ONE, NONNEGATIVE, Range
from .base import StepContext, TaskKwargs, to_unit
from .latent import LatentGANTask

SAMPLE_KEY = 3  # randomness key of the fixed sample latents (phases use generation's keys)


def growth_schedule(images: int, ladder: Sequence[int], stabilize_images: int, fade_images: int) -> Tuple[int, float]:
    """``(resolution, alpha)`` after ``images`` training images: ``ladder[0]`` for ``stabilize_images``, then per
    further level a fade over ``fade_images`` (alpha rising linearly from 0) and ``stabilize_images`` at alpha 1;
    the last level stays."""
    if images < stabilize_images:
        return ladder[0], 1.0
    period = fade_images + stabilize_images
    level, within = divmod(images - stabilize_images, period) if period else (len(ladder), 0)
    level += 1
    if level >= len(ladder):
        return ladder[-1], 1.0
    return ladder[level], (min(within / fade_images, 1.0) if fade_images else 1.0)


@dataclass
class ProgressiveKwargs(TaskKwargs):
    """The growth schedule (images per phase; the paper's are 800k), the drift weight and WGAN-GP's settings."""

    stabilize_images: int = 300_000  # images at each resolution with alpha 1 (the last resolution: until the end)
    fade_images: int = 300_000  # images over which each new resolution fades in
    drift_weight: float = 0.001  # epsilon * D(real)^2 keeps the critic's outputs near 0
    gp_weight: float = 0.0  # WGAN-GP gradient penalty weight (10 in the paper)
    n_critic: int = 1  # critic steps per generator step (the images count one global batch per critic step)

    ranges: ClassVar[Dict[str, Range]] = {"gp_weight": NONNEGATIVE, "n_critic": AT_LEAST_ONE}

    def validate(self):
        for key in ("stabilize_images", "fade_images"):
            if getattr(self, key) < 0:
                raise ConfigError(f"task_kwargs.{key} must be >= 0, got {getattr(self, key)}")
        if self.drift_weight < 0:
            raise ConfigError(f"task_kwargs.drift_weight must be >= 0, got {self.drift_weight}")
        return self


class ProgressiveTask(LatentGANTask):
    name = "progressive"
    kwargs_class = ProgressiveKwargs
    periodic_eval = True  # scores the pipeline at the final resolution: meaningful once the growth is done
    supports_augment = True
    find_unused_parameters = True  # levels above the current resolution sit out a step (DDP must know)

    def __init__(self, config, seed_rng, global_batch=None):
        super().__init__(config, seed_rng, global_batch)
        self.d_loss_fn, self.g_loss_fn = get_objective(config.loss)
        self.ladder: List[int] = []
        self.step, self.resolution, self.alpha = 0, 0, 1.0

    # -- networks and data -------------------------------------------------------------------------
    def check_networks(self, nets):
        super().check_networks(nets)
        g, d = nets["generator"], nets["discriminator"]
        ladders = [getattr(net, "resolutions", None) for net in (g, d)]
        if ladders[0] is None or ladders[0] != ladders[1]:
            raise ConfigError(f"task 'progressive' needs a generator and discriminator that grow over the same "
                              f"resolutions (a `resolutions` property); {self.config.model} has {ladders[0]} and {ladders[1]}")
        if d.config.in_channels != g.config.out_channels:
            raise ConfigError(f"{self.config.model}: the discriminator takes {d.config.in_channels} channels, "
                              f"the generator makes {g.config.out_channels}")

    def load_data(self, nets, data=None):
        from ..data import load_image_tensor_data

        cfg, generator = self.config, nets["generator"]
        self.latent_dim = generator.config.latent_dim
        self.ladder = list(generator.resolutions)
        data = data if data is not None else load_image_tensor_data(
            cfg.dataset, cfg.dataset_split, resolution=generator.config.sample_size, channels=generator.config.out_channels,
            image_column=cfg.image_column, label_column=cfg.label_column, center_crop=cfg.center_crop,
            max_samples=cfg.max_train_samples)
        self.sample_latents = torch.randn(cfg.num_sample_images, self.latent_dim, generator=self.rng(SAMPLE_KEY))
        self.data = data
        self.on_step(0)
        return data

    # -- the schedule ------------------------------------------------------------------------------
    def images_at(self, step: int) -> int:
        """Training images shown before ``step`` (one global batch of the loop's per critic run: the same images at any
        number of processes)."""
        return step * self.global_batch * self.kwargs.n_critic

    def schedule(self, step: int) -> Tuple[int, float]:
        """``(resolution, alpha)`` that ``step`` trains at."""
        k = self.kwargs
        return growth_schedule(self.images_at(step), self.ladder, k.stabilize_images, k.fade_images)

    def on_step(self, step: int) -> None:
        super().on_step(step)
        self.step = step
        self.resolution, self.alpha = self.schedule(step)

    def frame_label(self, step: int) -> str:
        """The progress frame's caption: the step and the resolution and alpha its samples are rendered at."""
        return f"step {step}  {self.resolution}x{self.resolution}  alpha {self.alpha:.2f}"

    def state_dict(self) -> Dict[str, torch.Tensor]:
        """For inspection (``on_step`` recomputes them): the step the resumed run continues at, and its
        resolution and alpha."""
        resolution, alpha = self.schedule(self.step + 1)
        return {"step": torch.tensor(self.step + 1), "resolution": torch.tensor(resolution),
                "alpha": torch.tensor(alpha, dtype=torch.float64), **super().state_dict()}

    def load_state_dict(self, state: Dict[str, torch.Tensor]) -> None:
        super().load_state_dict(state)
        self.step = int(state["step"])
        self.resolution, self.alpha = int(state["resolution"]), float(state["alpha"])

    # -- one step ----------------------------------------------------------------------------------
    def real_at_resolution(self, real: torch.Tensor) -> torch.Tensor:
        """Full-size real images ``[B, C, H, W]`` as the generator renders now: average-pooled to the current
        resolution and, during a fade, blended with the level below (pooled 2x, upsampled nearest)."""
        factor = real.shape[-1] // self.resolution
        x = F.avg_pool2d(real, factor) if factor > 1 else real  # [B, C, r, r]
        if self.alpha < 1.0 and self.resolution != self.ladder[0]:
            low = F.interpolate(F.avg_pool2d(x, 2), scale_factor=2, mode="nearest")
            x = torch.lerp(low, x, self.alpha)
        return x

    def _generate(self, ctx: StepContext, drawn) -> torch.Tensor:
        return ctx.nets["generator"](ctx.slice(drawn["latents"]), resolution=self.resolution, alpha=self.alpha)

    def _disc(self, ctx: StepContext, pixel_values: torch.Tensor) -> torch.Tensor:
        return ctx.nets["discriminator"](pixel_values, resolution=self.resolution, alpha=self.alpha)

    def loss(self, phase, drawn, ctx):
        return self._d_loss(drawn, ctx) if phase.optimizer == "D" else self._g_loss(drawn, ctx)

    def _d_loss(self, drawn, ctx: StepContext):
        k = self.kwargs
        keep_graph = self.reuse_fake()
        real, _ = ctx.real(drawn.get("flips"))
        real = self.real_at_resolution(real)  # [B, C, r, r]
        with torch.set_grad_enabled(keep_graph), ctx.autocast():
            fake = self._generate(ctx, drawn)  # [B, C, r, r]
        if keep_graph:
            ctx.scratch["fake"] = fake
        real = self.augment(ctx, real, drawn, "real")  # the discriminator's inputs (augmented, if configured)
        fake_seen = self.augment(ctx, fake.detach().float(), drawn, "fake")
        with ctx.autocast():
            real_logits = self._disc(ctx, real).float()
            fake_logits = self._disc(ctx, fake_seen).float()
        loss = self.d_loss_fn(real_logits, fake_logits)
        logs = self.observe_real_logits(ctx, real_logits)
        if k.gp_weight > 0:
            penalty = gradient_penalty(lambda x: self._disc(ctx, x), real, fake_seen, ctx.slice(drawn["alphas"]))
            loss = loss + k.gp_weight * penalty
            logs["gradient_penalty"] = penalty.detach()
        if k.drift_weight > 0:
            loss = loss + k.drift_weight * real_logits.pow(2).mean()
        return loss, {"loss_d": loss.detach(), **logs}

    def _g_loss(self, drawn, ctx: StepContext):
        with ctx.autocast():
            fake = ctx.scratch["fake"] if self.reuse_fake() else self._generate(ctx, drawn)
            fake = self.augment(ctx, fake, drawn, "fake")
            loss = self.g_loss_fn(self._disc(ctx, fake).float())
        return loss, {"loss_g": loss.detach()}

    # -- outputs -----------------------------------------------------------------------------------
    def sample_images(self, nets):
        """The fixed latents rendered at the current resolution and alpha, upsampled (nearest) to the final size."""
        generator = nets["generator"]
        device = next(generator.parameters()).device
        images = generator(self.sample_latents.to(device), resolution=self.resolution, alpha=self.alpha)
        final = self.ladder[-1]
        if images.shape[-1] != final:
            images = F.interpolate(images, size=(final, final), mode="nearest")
        return to_unit(images), None

    def build_pipeline(self, nets):
        from ..pipelines import GANPipeline

        return GANPipeline(generator=nets["generator"], discriminator=nets.get("discriminator"))

    def final_grid(self, pipe):
        from ..viz import make_image_grid

        images = pipe(batch_size=64, generator=torch.Generator().manual_seed(self.config.seed)).images
        return make_image_grid(images, nrow=8, scale=2)

    def card_data(self):
        k = self.kwargs
        return {"dataset": self.config.dataset,
                "training_note": f"Grown {' -> '.join(map(str, self.ladder))}: {k.stabilize_images} images per "
                                 f"stabilize phase, {k.fade_images} per fade-in."}
