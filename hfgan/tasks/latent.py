"""``generation``: latents (and class labels) to images, unconditional or class-conditional.

Per step, ``n_critic`` runs of ``D_main`` (adversarial loss on real and generated images, plus the WGAN-GP
gradient penalty and lazy R1 when configured), then one ``G_main`` (adversarial loss, plus feature matching
when configured, and BigGAN's orthogonal regularization of the generator's weights when
``orthogonal_reg_weight > 0``). With one critic run and no gradient accumulation, ``G_main`` reuses the images
``D_main`` generated (as the DCGAN reference loop does): one generator forward per step instead of two. These
settings are the task's ``task_kwargs`` (:class:`GenerationKwargs`); the phases and their randomness are
:class:`LatentGANTask`'s, which the progressive task shares.
"""

from dataclasses import dataclass
from typing import ClassVar, Dict, List, Optional, Tuple

import torch

from ..errors import HFGANError
from ..training.ranges import AT_LEAST_ONE, LABEL_SMOOTHING, NONNEGATIVE
from ..losses import feature_matching_loss, get_objective
from ..regularizers import gradient_penalty, orthogonal_penalty, r1_penalty
from ..training.ranges import Range
from .base import GANTask, Phase, StepContext, TaskKwargs, to_unit

D_KEY, G_KEY, SAMPLE_KEY, RECALIBRATE_KEY = 1, 2, 3, 4  # randomness keys: (seed, key, counter)


@dataclass
class GenerationKwargs(TaskKwargs):
    """The generation task's regularizers and tricks (the objective is the config's ``loss``)."""

    n_critic: int = 1  # discriminator steps per generator step
    gp_weight: float = 0.0  # WGAN-GP gradient penalty weight (10 in the paper)
    r1_gamma: float = 0.0  # R1 penalty weight (gamma / 2 * ||grad||^2)
    r1_interval: int = 1  # lazy regularization: apply R1 every N discriminator steps
    label_smoothing: float = 0.0  # one-sided: real target = 1 - label_smoothing
    feature_matching_weight: float = 0.0  # add feature matching to the generator loss
    orthogonal_reg_weight: float = 0.0  # BigGAN's off-diagonal orthogonal regularization of G's weights (1e-4 there)

    ranges: ClassVar[Dict[str, Range]] = {
        "n_critic": AT_LEAST_ONE, "gp_weight": NONNEGATIVE, "r1_gamma": NONNEGATIVE, "r1_interval": AT_LEAST_ONE,
        "label_smoothing": LABEL_SMOOTHING, "feature_matching_weight": NONNEGATIVE,
        "orthogonal_reg_weight": NONNEGATIVE}


class LatentGANTask(GANTask):
    """Latents (and, for a conditional model, labels) to images: per step ``n_critic`` runs of ``D_main`` (its
    ``task_kwargs``), then one ``G_main``, which reuses ``D_main``'s images when it can (one critic run, no
    accumulation). Subclasses set ``latent_dim`` and ``num_classes`` as they load the data, and compute the losses."""

    latent_dim = 0
    num_classes: Optional[int] = None

    def reuse_fake(self) -> bool:
        return self.kwargs.n_critic == 1 and self.config.gradient_accumulation_steps == 1

    def phases(self) -> List[Phase]:
        # D_main keeps the generator's graph for G_main when reusing, so it detaches by itself
        return [Phase("D_main", "D", repeats=self.kwargs.n_critic, key=D_KEY, freeze_others=False),
                Phase("G_main", "G", key=G_KEY)]

    def draw(self, phase: Phase, rng: torch.Generator, n: int) -> Dict[str, torch.Tensor]:
        if phase.name == "G_main" and self.reuse_fake():
            return self.draw_augment(rng, n, "fake")
        drawn = {"latents": torch.randn(n, self.latent_dim, generator=rng)}  # [n, Z]
        if self.num_classes:
            drawn["class_labels"] = torch.randint(0, self.num_classes, (n,), generator=rng)  # [n]
        if phase.name == "D_main":
            if self.config.random_flip:
                drawn["flips"] = torch.rand(n, generator=rng) < 0.5  # [n]
            drawn["alphas"] = torch.rand(n, 1, 1, 1, generator=rng)  # gradient-penalty interpolation weights
        drawn.update(self.draw_augment(rng, n, *(("real", "fake") if phase.name == "D_main" else ("fake",))))
        return drawn


class GenerationTask(LatentGANTask):
    name = "generation"
    kwargs_class = GenerationKwargs
    periodic_eval = True
    supports_augment = True

    def __init__(self, config, seed_rng, global_batch=None):
        super().__init__(config, seed_rng, global_batch)
        self.d_loss_fn, self.g_loss_fn = get_objective(config.loss)
        self.num_classes: Optional[int] = None

    # -- networks and data -------------------------------------------------------------------------
    def load_data(self, nets, data=None):
        from accelerate import PartialState

        from ..data import load_image_data

        cfg, generator = self.config, nets["generator"]
        self.latent_dim = generator.config.latent_dim
        self.num_classes = generator.config.get("num_classes")
        # in memory when it fits, else Arrow rows read by DataLoader workers (hfgan.data.stream)
        data = data if data is not None else load_image_data(
            cfg.dataset, cfg.dataset_split, resolution=generator.config.sample_size, channels=generator.config.out_channels,
            image_column=cfg.image_column, label_column=cfg.label_column, center_crop=cfg.center_crop,
            max_samples=cfg.max_train_samples, data_dir=cfg.train_data_dir, in_memory=cfg.data_in_memory,
            random_crop=cfg.random_crop, seed=cfg.seed, num_workers=cfg.dataloader_num_workers,
            log=PartialState().print)
        if self.num_classes:
            if data.class_labels is None:
                raise HFGANError(f"model {cfg.model} is class-conditional but the dataset has no label column")
            if data.num_classes != self.num_classes:
                raise HFGANError(f"model {cfg.model} has {self.num_classes} classes, the dataset {data.num_classes}: "
                                 "leave num_classes unset to take the dataset's")
            if not generator.config.get("class_names") and data.class_names:
                generator.register_to_config(class_names=list(data.class_names))
            self._class_names = generator.config.get("class_names")
        n = cfg.num_sample_images  # fixed latents for the progress grids: one row per class for conditional models
        self.sample_latents = torch.randn(n, self.latent_dim, generator=self.rng(SAMPLE_KEY))
        self.sample_labels = torch.arange(n) % self.num_classes if self.num_classes else None
        self.data = data
        return data

    def card_data(self):
        from ..data import dataset_name

        return {"dataset": dataset_name(self.config)}

    # -- one step ----------------------------------------------------------------------------------
    def _generate(self, ctx: StepContext, drawn) -> Tuple[torch.Tensor, Optional[torch.Tensor]]:
        latents, labels = ctx.slice(drawn["latents"]), ctx.slice(drawn.get("class_labels"))
        generator = ctx.nets["generator"]
        # a generator that clamps its images (StyleGAN2) gives the discriminator its raw output, as in its reference
        raw = {"clamp": False} if getattr(getattr(generator, "module", generator), "clamps_output", False) else {}
        fake = generator(latents, labels, **raw) if labels is not None else generator(latents, **raw)  # [B, C, H, W]
        return fake, labels

    def _disc(self, ctx: StepContext, pixel_values, class_labels, features: bool = False):
        discriminator = ctx.nets["discriminator"]
        extra = {"return_features": True} if features else {}  # not every discriminator returns features
        if class_labels is not None:
            return discriminator(pixel_values, class_labels, **extra)
        return discriminator(pixel_values, **extra)

    def loss(self, phase, drawn, ctx):
        return self._d_loss(drawn, ctx) if phase.optimizer == "D" else self._g_loss(drawn, ctx)

    def _d_loss(self, drawn, ctx: StepContext):
        k = self.kwargs
        use_r1 = k.r1_gamma > 0 and ctx.counter % k.r1_interval == 0
        keep_graph = self.reuse_fake()
        real, real_labels = ctx.real(drawn.get("flips"))
        if not self.num_classes:
            real_labels = None
        with torch.set_grad_enabled(keep_graph), ctx.autocast():
            fake, fake_labels = self._generate(ctx, drawn)
        if keep_graph:
            ctx.scratch["fake"] = (fake, fake_labels)
        if use_r1:
            real.requires_grad_(True)  # R1 differentiates through the augmentation, as the reference does
        real_seen = self.augment(ctx, real, drawn, "real")  # the discriminator's inputs (augmented, if configured)
        fake_seen = self.augment(ctx, fake.detach().float(), drawn, "fake")
        with ctx.autocast():
            real_out = self._disc(ctx, real_seen, real_labels, features=k.feature_matching_weight > 0)
            fake_logits = self._disc(ctx, fake_seen, fake_labels)
            real_logits, real_features = real_out if isinstance(real_out, tuple) else (real_out, None)
            loss = self.d_loss_fn(real_logits.float(), fake_logits.float(), 1.0 - k.label_smoothing)
        if k.gp_weight > 0:
            alpha = ctx.slice(drawn["alphas"])
            penalty = gradient_penalty(lambda x: self._disc(ctx, x, real_labels), real_seen, fake_seen, alpha)
            loss = loss + k.gp_weight * penalty
        if use_r1:
            loss = loss + k.r1_gamma / 2 * r1_penalty(real_logits.float(), real) * k.r1_interval
        if real_features is not None:
            ctx.scratch["real_features"] = real_features.detach()
        return loss, {"loss_d": loss.detach(), **self.observe_real_logits(ctx, real_logits)}

    def _g_loss(self, drawn, ctx: StepContext):
        k = self.kwargs
        with ctx.autocast():
            if self.reuse_fake():
                fake, fake_labels = ctx.scratch["fake"]
            else:
                fake, fake_labels = self._generate(ctx, drawn)
            fake = self.augment(ctx, fake, drawn, "fake")
            if k.feature_matching_weight > 0:
                fake_logits, fake_features = self._disc(ctx, fake, fake_labels, features=True)
                loss = self.g_loss_fn(fake_logits.float()) + k.feature_matching_weight * feature_matching_loss(
                    ctx.scratch["real_features"].float(), fake_features.float())
            else:
                loss = self.g_loss_fn(self._disc(ctx, fake, fake_labels).float())
        logs = {}
        if k.orthogonal_reg_weight > 0:  # float32, outside autocast; only then, so other runs are unchanged
            penalty = orthogonal_penalty(ctx.accelerator.unwrap_model(ctx.nets["generator"]))
            loss = loss + k.orthogonal_reg_weight * penalty
            logs["orthogonal_penalty"] = penalty.detach()
        return loss, {"loss_g": loss.detach(), **logs}

    # -- outputs -----------------------------------------------------------------------------------
    def sample_images(self, nets):
        generator = nets["generator"]
        device = next(generator.parameters()).device
        latents = self.sample_latents.to(device)
        if self.sample_labels is not None:
            images = generator(latents, self.sample_labels.to(device))
        else:
            images = generator(latents)
        nrow = self.num_classes if self.num_classes and self.num_classes <= 16 else None
        return to_unit(images), nrow

    def column_labels(self):
        names = self.class_names()
        return names[:self.num_classes] if names and self.num_classes <= 16 else None

    def class_names(self):
        """The class names of a conditional model (its data's, else their indices), or None."""
        if not self.num_classes:
            return None
        names = getattr(self, "_class_names", None)
        return list(names) if names else [str(i) for i in range(self.num_classes)]

    def recalibration_inputs(self, device):
        g = self.rng(RECALIBRATE_KEY)

        def inputs():
            latents = torch.randn(256, self.latent_dim, generator=g).to(device)
            labels = torch.randint(0, self.num_classes, (256,), generator=g).to(device) if self.num_classes else None
            return latents, labels

        return inputs

    def build_pipeline(self, nets):
        from ..pipelines import GANPipeline

        return GANPipeline(generator=nets["generator"], discriminator=nets.get("discriminator"))

    def final_grid(self, pipe):
        from ..viz import label_columns, make_image_grid

        # the class count is the pipeline's, so a saved pipeline (``best/``) gets its grid without the data loaded
        shown = min(pipe.num_classes, 16) if pipe.num_classes else None  # one column per class, 8 rows
        labels = list(range(shown)) * 8 if shown else None
        images = pipe(batch_size=len(labels) if labels else 64, class_labels=labels,
                      generator=torch.Generator().manual_seed(self.config.seed)).images
        grid = make_image_grid(images, nrow=shown or 8, scale=2)
        if shown and pipe.class_names:  # each column captioned with its class
            grid = label_columns(grid, pipe.class_names[:shown], cell_width=(images[0].width + 2) * 2, padding=4)
        return grid
