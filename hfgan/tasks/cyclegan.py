"""``unpaired-translation`` (CycleGAN, Zhu et al. 2017): two domains, no pairs, both directions.

Networks: ``generator`` (A -> B), ``generator_reverse`` (B -> A), ``discriminator`` (judges B),
``discriminator_reverse`` (judges A). ``G_main`` trains both generators: adversarial terms, cycle consistency
``lambda_cycle * |F(G(a)) - a|`` (and for b), identity ``lambda_identity * lambda_cycle * |G(b) - b|`` (and
for a). ``D_main`` then trains both discriminators on real images against generated ones drawn through an
:class:`ImagePool` of past fakes. The pool holds the *global* batch's fakes (gathered from every rank, with
randomness drawn for the global batch), so N processes train exactly like one, and it is checkpointed.
"""

from dataclasses import dataclass
from typing import ClassVar, Dict, List, Optional

import torch
import torch.nn.functional as F

from ..data.base import TrainingData
from ..errors import ConfigError, HFGANError
from ..losses import get_objective
from ..training.ranges import LABEL_SMOOTHING, Range
from .base import GANTask, Phase, StepContext, TaskKwargs, to_unit
from .pix2pix import reference_scales, to_channels

D_KEY, G_KEY, PAIRING_KEY, RECALIBRATE_KEY = 1, 2, 5, 4
NUM_EXAMPLES = 8


class ImagePool:
    """Shrivastava et al. (2017)'s history of generated images, as CycleGAN uses it.

    Until ``size`` images are stored, each query image is stored and returned. Afterwards, with probability
    one half an image is swapped with a random stored one (the stored one is returned), else returned as is.
    The coin flips ``u`` and slots ``slot`` come from the caller, so the pool is a pure function of its state
    and its inputs.
    """

    def __init__(self, size: int):
        self.size = size
        self.images: Optional[torch.Tensor] = None  # [num, C, H, W]

    def __len__(self) -> int:
        return 0 if self.images is None else len(self.images)

    @torch.no_grad()
    def query(self, images: torch.Tensor, u: torch.Tensor, slot: torch.Tensor) -> torch.Tensor:
        """``images`` ``[N, C, H, W]``, ``u`` ``[N]`` in [0, 1), ``slot`` ``[N]`` ints in [0, size) -> ``[N, C, H, W]``."""
        if self.size == 0:
            return images
        images = images.detach()
        out = []
        for image, coin, where in zip(images, u.tolist(), slot.tolist()):
            if len(self) < self.size:
                stored = image[None].clone()
                self.images = stored if self.images is None else torch.cat([self.images, stored])
                out.append(image)
            elif coin > 0.5:
                out.append(self.images[where].clone())
                self.images[where] = image
            else:
                out.append(image)
        return torch.stack(out)


class UnpairedData(TrainingData):
    """Two image domains for unpaired training. Index ``i`` of an epoch's permutation takes domain A's image
    ``i mod |A|`` and domain B's image ``pairing[i mod |B|]`` (a fixed seeded permutation), so A and B images
    meet in a new random combination every epoch."""

    def __init__(self, domain_a, domain_b, pairing_rng: torch.Generator):
        self.a, self.b = domain_a, domain_b
        self.pairing = torch.randperm(len(domain_b), generator=pairing_rng)

    def __len__(self) -> int:
        return max(len(self.a), len(self.b))

    def batch(self, indices, device=None, flip_mask=None):
        """``(pixel_values_a, pixel_values_b)`` floats in [-1, 1] on ``device``."""
        indices = torch.as_tensor(indices)
        real_a, _ = self.a.batch(indices % len(self.a), device, flip_mask)
        real_b, _ = self.b.batch(self.pairing[indices % len(self.b)], device, flip_mask)
        return real_a, real_b


@dataclass
class UnpairedTranslationKwargs(TaskKwargs):
    lambda_cycle: float = 10.0  # cycle-consistency weight (the reference's lambda_A = lambda_B)
    lambda_identity: float = 0.5  # identity loss, as a fraction of lambda_cycle (0: off)
    pool_size: int = 50  # generated images kept per discriminator (0: no pool)
    label_smoothing: float = 0.0  # one-sided: the discriminator's real target = 1 - label_smoothing

    ranges: ClassVar[Dict[str, Range]] = {"label_smoothing": LABEL_SMOOTHING}

    def validate(self):
        if self.lambda_cycle < 0 or self.lambda_identity < 0 or self.pool_size < 0:
            raise ConfigError(f"task_kwargs lambda_cycle, lambda_identity and pool_size must be >= 0, got {self}")
        return self


class UnpairedTranslationTask(GANTask):
    name = "unpaired-translation"
    kwargs_class = UnpairedTranslationKwargs
    optimizers = {"G": ("generator", "generator_reverse"), "D": ("discriminator", "discriminator_reverse")}
    ema = ("generator", "generator_reverse")

    def __init__(self, config, seed_rng, global_batch=None):
        super().__init__(config, seed_rng, global_batch)
        self.d_loss_fn, self.g_loss_fn = get_objective(config.loss)
        self.d_scale, self.g_scale = reference_scales(config.loss)
        self.pools = {"b": ImagePool(self.kwargs.pool_size), "a": ImagePool(self.kwargs.pool_size)}

    def check_networks(self, nets):
        super().check_networks(nets)
        g = nets["generator"].config
        if self.kwargs.lambda_identity > 0 and g.in_channels != g.out_channels:
            raise ConfigError(f"the identity loss needs as many input as output channels ({g.in_channels} vs "
                              f"{g.out_channels}): set task_kwargs.lambda_identity to 0")

    def _domains(self, nets, split: str, max_samples: Optional[int]):
        from ..data import load_domain_tensor_data

        cfg, g = self.config, nets["generator"].config
        if not cfg.dataset_a or not cfg.dataset_b:
            raise ConfigError("unpaired translation needs --dataset_a and --dataset_b (e.g. 'fashion_mnist:Sneaker')")
        return [load_domain_tensor_data(spec, split, resolution=g.sample_size, channels=channels,
                                        max_samples=max_samples, center_crop=cfg.center_crop)
                for spec, channels in ((cfg.dataset_a, g.in_channels), (cfg.dataset_b, g.out_channels))]

    def load_data(self, nets, data=None):
        if data is None:
            data = UnpairedData(*self._domains(nets, self.config.dataset_split, self.config.max_train_samples),
                                self.rng(PAIRING_KEY))
        try:
            examples = self._domains(nets, "test", NUM_EXAMPLES)
        except HFGANError:
            examples = [data.a, data.b]
        self.examples = [domain.batch(torch.arange(min(NUM_EXAMPLES, len(domain))))[0] for domain in examples]
        self.data = data
        return data

    # -- one step ----------------------------------------------------------------------------------
    def phases(self) -> List[Phase]:
        return [Phase("G_main", "G", key=G_KEY), Phase("D_main", "D", key=D_KEY)]

    def draw(self, phase: Phase, rng: torch.Generator, n: int) -> Dict[str, torch.Tensor]:
        drawn = {}
        if phase.name == "G_main" and self.config.random_flip:
            drawn["flips"] = torch.rand(n, generator=rng) < 0.5
        if phase.name == "D_main":
            size = max(self.kwargs.pool_size, 1)
            for domain in ("b", "a"):
                drawn[f"u_{domain}"] = torch.rand(n, generator=rng)  # [n] swap coins
                drawn[f"slot_{domain}"] = torch.randint(0, size, (n,), generator=rng)  # [n] pool slots
        return drawn

    def loss(self, phase, drawn, ctx: StepContext):
        return self._g_loss(drawn, ctx) if phase.name == "G_main" else self._d_loss(drawn, ctx)

    def _g_loss(self, drawn, ctx: StepContext):
        nets, kw = ctx.nets, self.kwargs
        g_ab, g_ba = nets["generator"], nets["generator_reverse"]
        real_a, real_b = ctx.real(drawn.get("flips"))  # [B, Ca, H, W], [B, Cb, H, W]
        with ctx.autocast():
            fake_b = g_ab(real_a)
            fake_a = g_ba(real_b)
            adv_ab = self.g_scale * self.g_loss_fn(nets["discriminator"](fake_b).float())
            adv_ba = self.g_scale * self.g_loss_fn(nets["discriminator_reverse"](fake_a).float())
            cycle = F.l1_loss(g_ba(fake_b).float(), real_a) + F.l1_loss(g_ab(fake_a).float(), real_b)
            loss = adv_ab + adv_ba + kw.lambda_cycle * cycle
            logs = {"loss_g": None, "loss_g_gan": (adv_ab + adv_ba).detach(), "cycle": cycle.detach()}
            if kw.lambda_identity > 0:
                identity = F.l1_loss(g_ab(real_b).float(), real_b) + F.l1_loss(g_ba(real_a).float(), real_a)
                loss = loss + kw.lambda_identity * kw.lambda_cycle * identity
                logs["identity"] = identity.detach()
        logs["loss_g"] = loss.detach()
        ctx.scratch[ctx.micro] = (real_a, real_b, fake_a.detach(), fake_b.detach())
        return loss, logs

    def _pooled(self, domain: str, fake: torch.Tensor, drawn, ctx: StepContext) -> torch.Tensor:
        gathered = ctx.gather(fake.float())  # [p * B, C, H, W]: this micro-batch of every rank
        pooled = self.pools[domain].query(gathered, ctx.micro_rows(drawn[f"u_{domain}"]),
                                          ctx.micro_rows(drawn[f"slot_{domain}"]))
        return ctx.rank_rows(pooled)

    def _d_loss(self, drawn, ctx: StepContext):
        real_a, real_b, fake_a, fake_b = ctx.scratch[ctx.micro]
        fake_b = self._pooled("b", fake_b, drawn, ctx)
        fake_a = self._pooled("a", fake_a, drawn, ctx)
        smooth = 1.0 - self.kwargs.label_smoothing
        with ctx.autocast():
            d_b, d_a = ctx.nets["discriminator"], ctx.nets["discriminator_reverse"]
            loss_b = self.d_scale * self.d_loss_fn(d_b(real_b).float(), d_b(fake_b).float(), smooth)
            loss_a = self.d_scale * self.d_loss_fn(d_a(real_a).float(), d_a(fake_a).float(), smooth)
        return loss_b + loss_a, {"loss_d": (loss_b + loss_a).detach()}

    # -- state -------------------------------------------------------------------------------------
    def state_dict(self) -> Dict[str, torch.Tensor]:
        return {f"pool_{k}": pool.images for k, pool in self.pools.items() if pool.images is not None}

    def load_state_dict(self, state: Dict[str, torch.Tensor]) -> None:
        for key, pool in self.pools.items():
            pool.images = state.get(f"pool_{key}")

    # -- outputs -----------------------------------------------------------------------------------
    def _grid_rows(self, outputs_b: torch.Tensor, outputs_a: torch.Tensor) -> torch.Tensor:
        """Rows: A inputs | A -> B | B inputs | B -> A, ``[4K, C, H, W]`` in [0, 1] (K examples per domain)."""
        a, b = self.examples
        k = min(len(a), len(b))
        rows = [a[:k], outputs_b[:k], b[:k], outputs_a[:k]]
        channels = max(r.shape[1] for r in rows)
        return torch.cat([to_channels(to_unit(r.cpu()), channels) for r in rows]), k

    def sample_images(self, nets):
        device = next(nets["generator"].parameters()).device
        a, b = self.examples
        return self._grid_rows(nets["generator"](a.to(device)), nets["generator_reverse"](b.to(device)))

    def recalibration_inputs(self, device):
        return None  # instance norm: nothing to re-estimate

    def card_data(self):
        datasets = sorted({spec.partition(":")[0] for spec in (self.config.dataset_a, self.config.dataset_b)})
        return {"dataset": datasets[0] if len(datasets) == 1 else ", ".join(datasets),
                "domains": {"A": self.config.dataset_a, "B": self.config.dataset_b}}

    def build_pipeline(self, nets):
        from ..pipelines import GANImageToImagePipeline

        return GANImageToImagePipeline(**nets)

    def final_grid(self, pipe):
        from ..viz import make_image_grid

        a, b = self.examples
        out_b = pipe(image=to_unit(a), direction="forward", output_type="pt").images * 2 - 1
        out_a = pipe(image=to_unit(b), direction="reverse", output_type="pt").images * 2 - 1
        rows, k = self._grid_rows(out_b, out_a)
        return make_image_grid(rows, nrow=k, scale=2)
