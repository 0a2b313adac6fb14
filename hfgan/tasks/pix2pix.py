"""``paired-translation`` (Pix2Pix, Isola et al. 2017): source image to target image, trained on aligned pairs.

``D_main``: the conditional discriminator sees (target, source) as real and (G(source), source) as fake.
``G_main``: fool it, plus ``lambda_l1`` times the L1 distance to the target. As in the reference, the
discriminator's loss is the mean of its real and fake terms and the generator's adversarial term is the
criterion against "real" (see :func:`reference_scales`). With no gradient accumulation ``G_main`` reuses the
images ``D_main`` generated.
"""

from dataclasses import dataclass
from typing import ClassVar, Dict, List, Optional, Tuple

import torch
import torch.nn.functional as F

from ..errors import ConfigError
from ..losses import get_objective
from ..training.ranges import LABEL_SMOOTHING, Range
from .base import GANTask, Phase, StepContext, TaskKwargs, to_unit

D_KEY, G_KEY, SAMPLE_KEY = 1, 2, 3
NUM_EXAMPLES = 16  # columns of the progress and published grids


def reference_scales(objective: str) -> Tuple[float, float]:
    """``(d_scale, g_scale)`` that turn :mod:`hfgan.losses` into the reference's weighting: D's loss is
    ``(crit(real, 1) + crit(fake, 0)) / 2`` and G's is ``crit(fake, 1)``, with BCE or MSE as ``crit``."""
    return (1.0, 2.0) if objective == "least_squares" else (0.5, 1.0)


def to_channels(images: torch.Tensor, channels: int) -> torch.Tensor:
    """Repeat a grayscale batch to 3 channels when a grid mixes 1- and 3-channel images."""
    return images.expand(-1, channels, -1, -1) if images.shape[1] == 1 and channels == 3 else images


@dataclass
class PairedTranslationKwargs(TaskKwargs):
    lambda_l1: float = 100.0  # weight of the L1 distance to the target
    label_smoothing: float = 0.0  # one-sided: the discriminator's real target = 1 - label_smoothing

    ranges: ClassVar[Dict[str, Range]] = {"label_smoothing": LABEL_SMOOTHING}

    def validate(self):
        if self.lambda_l1 < 0:
            raise ConfigError(f"task_kwargs.lambda_l1 must be >= 0, got {self.lambda_l1}")
        return self


class PairedTranslationTask(GANTask):
    name = "paired-translation"
    kwargs_class = PairedTranslationKwargs

    def __init__(self, config, seed_rng, global_batch=None):
        super().__init__(config, seed_rng, global_batch)
        self.d_loss_fn, self.g_loss_fn = get_objective(config.loss)
        self.d_scale, self.g_scale = reference_scales(config.loss)

    def check_networks(self, nets):
        super().check_networks(nets)
        g, d = nets["generator"].config, nets["discriminator"].config
        if d.get("conditioning_channels") != g.in_channels or d.in_channels != g.out_channels:
            raise ConfigError(f"{self.config.model}: the discriminator must take the target ({g.out_channels} channels) "
                              f"conditioned on the source ({g.in_channels}); it takes {d.in_channels} + "
                              f"{d.get('conditioning_channels')}")

    def _load(self, nets, split: str, max_samples: Optional[int]):
        from ..data import load_paired_tensor_data

        cfg, g = self.config, nets["generator"].config
        # side by side, image_column names the combined image; in columns, it names the target
        columns = ({"image_column": cfg.image_column} if cfg.paired_layout == "side_by_side"
                   else {"source_column": cfg.source_column, "target_column": cfg.image_column})
        return load_paired_tensor_data(
            cfg.dataset, split, resolution=g.sample_size, source_channels=g.in_channels, target_channels=g.out_channels,
            center_crop=cfg.center_crop, max_samples=max_samples, paired_layout=cfg.paired_layout,
            label_column=cfg.label_column, **columns)

    def load_data(self, nets, data=None):
        data = data if data is not None else self._load(nets, self.config.dataset_split, self.config.max_train_samples)
        try:  # fixed examples for the grids: the first test pairs, else the first training pairs
            examples = self._load(nets, "test", NUM_EXAMPLES)
        except Exception:  # noqa: BLE001 - a dataset without a test split
            examples = data
        idx = torch.arange(min(NUM_EXAMPLES, len(examples)))
        self.examples = examples.batch(idx)  # ([K, Cs, H, W], [K, Ct, H, W]) in [-1, 1]
        self.data = data
        return data

    # -- one step ----------------------------------------------------------------------------------
    def reuse_fake(self) -> bool:
        return self.config.gradient_accumulation_steps == 1

    def phases(self) -> List[Phase]:
        return [Phase("D_main", "D", key=D_KEY, freeze_others=False), Phase("G_main", "G", key=G_KEY)]

    def draw(self, phase: Phase, rng: torch.Generator, n: int) -> Dict[str, torch.Tensor]:
        if phase.name == "D_main" and self.config.random_flip:
            return {"flips": torch.rand(n, generator=rng) < 0.5}  # [n]: a pair is mirrored together
        return {}

    def loss(self, phase, drawn, ctx: StepContext):
        generator, discriminator = ctx.nets["generator"], ctx.nets["discriminator"]
        if phase.name == "D_main":
            source, target = ctx.real(drawn.get("flips"))  # [B, Cs, H, W], [B, Ct, H, W]
            with torch.set_grad_enabled(self.reuse_fake()), ctx.autocast():
                fake = generator(source)  # [B, Ct, H, W]
            ctx.scratch[ctx.micro] = (source, target, fake if self.reuse_fake() else None)
            with ctx.autocast():
                real_logits = discriminator(target, source)  # [B, 1, h, w] patch logits
                fake_logits = discriminator(fake.detach().float(), source)
                loss = self.d_scale * self.d_loss_fn(real_logits.float(), fake_logits.float(),
                                                     1.0 - self.kwargs.label_smoothing)
            return loss, {"loss_d": loss.detach()}
        source, target, fake = ctx.scratch[ctx.micro]
        with ctx.autocast():
            if fake is None:
                fake = generator(source)
            adversarial = self.g_scale * self.g_loss_fn(discriminator(fake, source).float())
            l1 = F.l1_loss(fake.float(), target)
            loss = adversarial + self.kwargs.lambda_l1 * l1
        return loss, {"loss_g": loss.detach(), "loss_g_gan": adversarial.detach(), "l1": l1.detach()}

    # -- outputs -----------------------------------------------------------------------------------
    def _rows(self, outputs: torch.Tensor) -> torch.Tensor:
        """input | output | target rows of the fixed examples, ``[3K, C, H, W]`` in [0, 1]."""
        source, target = self.examples
        channels = max(source.shape[1], target.shape[1])
        rows = [to_channels(to_unit(x.cpu()), channels) for x in (source, outputs, target)]
        return torch.cat(rows)

    def sample_images(self, nets):
        generator = nets["generator"]
        device = next(generator.parameters()).device
        return self._rows(generator(self.examples[0].to(device))), len(self.examples[0])

    def recalibration_inputs(self, device):
        g = self.rng(4)

        def inputs():
            idx = torch.randint(0, len(self.data), (256,), generator=g)
            return self.data.batch(idx, device)[0], None

        return inputs

    def build_pipeline(self, nets):
        from ..pipelines import GANImageToImagePipeline

        return GANImageToImagePipeline(generator=nets["generator"], discriminator=nets.get("discriminator"))

    def final_grid(self, pipe):
        from ..viz import make_image_grid

        outputs = pipe(image=to_unit(self.examples[0]), output_type="pt").images  # [K, Ct, H, W] in [0, 1]
        return make_image_grid(self._rows(outputs * 2 - 1), nrow=len(outputs), scale=2)
