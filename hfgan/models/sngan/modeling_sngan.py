"""SNGAN-ResNet (Miyato et al., 2018): residual generator with batch norm (class-conditional batch norm for
conditional models, Miyato & Koyama 2018), residual discriminator with spectral normalization on every weight and,
for conditional models, a projection term.

Sizes are ``base * 2**k`` with base 4 or 7 (28: 7 -> 14 -> 28; 32: 4 -> 8 -> 16 -> 32; 64, ...). Every block has
the same width, as in the paper's CIFAR-10 networks (``base_channels``: 256 in G and 128 in D there).

Generator::

    latents [N, Z] -> Linear -> [N, C, base, base]
      -> k x GBlock:  x -> BN, ReLU, nearest 2x, conv 3x3 -> BN, ReLU, conv 3x3      # doubles H, W
                       + conv 1x1(nearest 2x(x))                                       # shortcut
      -> BN, ReLU, conv 3x3 -> tanh -> [N, out_channels, H, W]

Each BN is conditional when ``num_classes`` is set: ``BN(x) * gamma(y) + beta(y)``, with per-class embeddings.

Discriminator (spectral norm on every conv, linear and embedding)::

    pixel_values [N, C, H, W]
      -> optimized block: conv 3x3, ReLU, conv 3x3, 2x avg-pool  + conv 1x1(2x avg-pool(x))    # no leading ReLU
      -> (d - 1) x DBlock down: ReLU, conv 3x3, ReLU, conv 3x3, 2x avg-pool + avg-pool(conv 1x1(x))
      -> num_extra_blocks x DBlock: ReLU, conv 3x3, ReLU, conv 3x3 + x
      -> ReLU -> sum over H, W -> features [N, C] -> Linear -> logits [N]  (+ <embed(y), features>: projection)

``d`` halvings take the input down to 8x8 (32, 64, ...) or 7x7 (28, 56, ...), at least one.
"""

import math
from typing import List, Optional, Tuple, Union

import torch
import torch.nn.functional as F
from diffusers.configuration_utils import ConfigMixin, register_to_config
from diffusers.models.modeling_utils import ModelMixin
from torch import nn

from ...errors import ConfigError
from ..layers import add_projection, apply_spectral_norm
from ..validation import (check_class_inputs, check_class_labels, check_class_labels_alone, check_latents,
                          check_pixel_values, is_int, num_upsamplings, validate_config)

SN_EPS = 1e-12  # torch.nn.utils.parametrizations.spectral_norm's default


def _init(module: nn.Module, gain: float = 1.0) -> nn.Module:
    """The reference code's initialization: Xavier-uniform weights (gain sqrt(2) inside residual branches), zero
    biases."""
    nn.init.xavier_uniform_(module.weight, gain)
    if getattr(module, "bias", None) is not None:
        nn.init.zeros_(module.bias)
    return module


def _sn(module: nn.Module, gain: float = 1.0) -> nn.Module:
    """``module`` initialized, then spectrally normalized (the power iteration starts from the initial weight)."""
    return apply_spectral_norm(_init(module, gain), SN_EPS)


def _num_downsamplings(sample_size: int) -> int:
    """Halvings that take ``sample_size`` to 8 or below (7 for 28, 8 for 32 and 64), at least one."""
    size, count = sample_size, 0
    while size > 8 and size % 2 == 0:
        size //= 2
        count += 1
    return max(count, 1)


def _check_positive_int(model, key: str, minimum: int = 1) -> None:
    value = model.config[key]
    if not is_int(value) or value < minimum:
        raise ConfigError(f"{type(model).__name__}: config '{key}' must be an integer >= {minimum}, got {value!r}")


# -- generator -------------------------------------------------------------------------------------------------
class ConditionalBatchNorm2d(nn.Module):
    """Batch norm whose scale and shift are looked up per class (``num_classes`` set), else a plain affine BN.

    The running statistics live in an affine-free ``nn.BatchNorm2d``, so the trainer's batch-norm recalibration of
    the EMA generator sees them. A class's ``[scale, shift]`` (``embed``, ``[N, 2C]``) may also be given directly,
    e.g. a blend of two classes'.
    """

    def __init__(self, num_features: int, num_classes: Optional[int] = None):
        super().__init__()
        self.num_features = num_features
        self.norm = nn.BatchNorm2d(num_features, affine=num_classes is None)
        if num_classes:
            self.gamma = nn.Embedding(num_classes, num_features)
            self.beta = nn.Embedding(num_classes, num_features)
            nn.init.ones_(self.gamma.weight)
            nn.init.zeros_(self.beta.weight)
        else:
            self.gamma = self.beta = None

    def embed(self, class_labels: torch.Tensor) -> torch.Tensor:
        """``class_labels [N]`` -> ``[scale, shift]`` ``[N, 2C]``."""
        return torch.cat([self.gamma(class_labels), self.beta(class_labels)], dim=1)

    def forward(self, x: torch.Tensor, class_embedding: Optional[torch.Tensor] = None) -> torch.Tensor:
        """``x [N, C, H, W]``, ``class_embedding [N, 2C]`` (from :meth:`embed`; None for unconditional models)."""
        h = self.norm(x)
        if self.gamma is None:
            return h
        gamma = class_embedding[:, : self.num_features].to(h.dtype)[:, :, None, None]  # [N, C, 1, 1]
        beta = class_embedding[:, self.num_features:].to(h.dtype)[:, :, None, None]
        return h * gamma + beta


class SNGANGeneratorBlock(nn.Module):
    """Residual up-block: (BN, ReLU, nearest 2x, conv 3x3), (BN, ReLU, conv 3x3); shortcut nearest 2x, conv 1x1."""

    def __init__(self, in_channels: int, out_channels: int, num_classes: Optional[int]):
        super().__init__()
        self.norm0 = ConditionalBatchNorm2d(in_channels, num_classes)
        self.conv0 = _init(nn.Conv2d(in_channels, out_channels, 3, padding=1), math.sqrt(2))
        self.norm1 = ConditionalBatchNorm2d(out_channels, num_classes)
        self.conv1 = _init(nn.Conv2d(out_channels, out_channels, 3, padding=1), math.sqrt(2))
        self.shortcut = _init(nn.Conv2d(in_channels, out_channels, 1))

    def forward(self, x: torch.Tensor, class_embeddings: Optional[Tuple[torch.Tensor, torch.Tensor]] = None) -> torch.Tensor:
        """``x [N, C_in, H, W]``, the two batch norms' ``[scale, shift]`` (conditional models) -> ``[N, C_out, 2H, 2W]``."""
        embed0, embed1 = class_embeddings if class_embeddings is not None else (None, None)
        h = F.relu(self.norm0(x, embed0))
        h = self.conv0(F.interpolate(h, scale_factor=2, mode="nearest"))  # [N, C_out, 2H, 2W]
        h = self.conv1(F.relu(self.norm1(h, embed1)))
        return h + self.shortcut(F.interpolate(x, scale_factor=2, mode="nearest"))


class SNGANGenerator(ModelMixin, ConfigMixin):
    r"""
    SNGAN-ResNet generator, unconditional or with class-conditional batch norm.

    Parameters:
        latent_dim (`int`, defaults to 128): Size of the latent vector.
        out_channels (`int`, defaults to 1): Channels of the generated image (1 or 3).
        sample_size (`int`, defaults to 32): Output height and width, 4 or 7 times a power of two; one residual
            up-block per doubling from the 4x4 (or 7x7) start.
        base_channels (`int`, defaults to 256): Width of the linear layer's output and of every block.
        num_classes (`int`, *optional*): Number of classes; when set, every batch norm takes its scale and shift
            from per-class embeddings.
        class_names (`List[str]`, *optional*): Human-readable class names, index = class label.
    """

    @register_to_config
    def __init__(
        self,
        latent_dim: int = 128,
        out_channels: int = 1,
        sample_size: int = 32,
        base_channels: int = 256,
        num_classes: Optional[int] = None,
        class_names: Optional[List[str]] = None,
    ):
        super().__init__()
        validate_config(self, image=True, conditional=True)
        self.base_size, num_ups = num_upsamplings(sample_size)
        self.project = _init(nn.Linear(latent_dim, base_channels * self.base_size**2))
        self.blocks = nn.ModuleList([SNGANGeneratorBlock(base_channels, base_channels, num_classes)
                                     for _ in range(num_ups)])
        self.norm_out = nn.BatchNorm2d(base_channels)
        self.to_image = _init(nn.Conv2d(base_channels, out_channels, 3, padding=1))

    @property
    def class_embed_dim(self) -> int:
        """Size of :meth:`embed_classes`'s vectors: a scale and a shift per channel of every conditional batch norm."""
        return 2 * sum(block.norm0.num_features + block.norm1.num_features for block in self.blocks)

    def embed_classes(self, class_labels: torch.Tensor) -> torch.Tensor:
        """``class_labels [N]`` -> ``class_embeddings [N, class_embed_dim]`` (conditional models): every
        conditional batch norm's per-class scale and shift, block by block. Linear in the one-hot labels, so a blend
        of two classes' embeddings is a blend of the classes: pass it to ``forward(latents, class_embeddings=)``."""
        class_labels = check_class_labels_alone(class_labels, self.config.num_classes)
        return torch.cat([norm.embed(class_labels) for block in self.blocks for norm in (block.norm0, block.norm1)], dim=1)

    def forward(self, latents: torch.Tensor, class_labels: Optional[torch.Tensor] = None,
                class_embeddings: Optional[torch.Tensor] = None) -> torch.Tensor:
        """``latents [N, latent_dim]`` (+ ``class_labels [N]``, or ``class_embeddings [N, class_embed_dim]`` from
        :meth:`embed_classes`) -> images in [-1, 1], ``[N, C, H, W]``."""
        cfg = self.config
        check_latents(latents, cfg.latent_dim)
        class_labels = check_class_inputs(class_labels, class_embeddings, cfg.num_classes, self.class_embed_dim,
                                          latents.shape[0])
        if class_labels is not None:
            class_embeddings = self.embed_classes(class_labels)
        per_block = [None] * len(self.blocks)
        if class_embeddings is not None:  # [N, sum of 2C] -> one ([N, 2C_0], [N, 2C_1]) pair per block
            sizes = [2 * norm.num_features for block in self.blocks for norm in (block.norm0, block.norm1)]
            chunks = torch.split(class_embeddings, sizes, dim=1)
            per_block = [(chunks[2 * i], chunks[2 * i + 1]) for i in range(len(self.blocks))]
        h = self.project(latents).view(-1, cfg.base_channels, self.base_size, self.base_size)  # [N, C, b, b]
        for block, embeddings in zip(self.blocks, per_block):
            h = block(h, embeddings)  # [N, C, 2h, 2w]
        h = F.relu(self.norm_out(h))
        return torch.tanh(self.to_image(h))  # [N, out_channels, H, W]


# -- discriminator ---------------------------------------------------------------------------------------------
class SNGANDiscriminatorBlock(nn.Module):
    """Residual down-block. ``optimized`` (the first block): conv, ReLU, conv, avg-pool, shortcut avg-pool then conv
    1x1, no leading ReLU (the input is the image). Otherwise ReLU, conv, ReLU, conv, [avg-pool]; shortcut conv 1x1
    then [avg-pool], only when the width or size changes."""

    def __init__(self, in_channels: int, out_channels: int, downsample: bool, optimized: bool = False):
        super().__init__()
        self.downsample = downsample
        self.optimized = optimized
        self.conv0 = _sn(nn.Conv2d(in_channels, out_channels, 3, padding=1), math.sqrt(2))
        self.conv1 = _sn(nn.Conv2d(out_channels, out_channels, 3, padding=1), math.sqrt(2))
        needs_shortcut = optimized or downsample or in_channels != out_channels
        self.shortcut = _sn(nn.Conv2d(in_channels, out_channels, 1)) if needs_shortcut else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = x if self.optimized else F.relu(x)
        h = self.conv1(F.relu(self.conv0(h)))
        if self.downsample:
            h = F.avg_pool2d(h, 2)  # [N, C_out, H/2, W/2]
        if self.optimized:
            return h + self.shortcut(F.avg_pool2d(x, 2))
        skip = x
        if self.shortcut is not None:
            skip = self.shortcut(skip)
            if self.downsample:
                skip = F.avg_pool2d(skip, 2)
        return h + skip


class SNGANDiscriminator(ModelMixin, ConfigMixin):
    r"""
    SNGAN-ResNet discriminator: spectrally normalized residual blocks, global sum pooling, one logit per image (no
    sigmoid: the loss owns it), plus the projection term for conditional models.

    Parameters:
        in_channels (`int`, defaults to 1): Channels of the input image.
        sample_size (`int`, defaults to 32): Input height and width, 4 or 7 times a power of two; the down-blocks
            halve it to 8x8 (or 7x7 for 28, 56, ...).
        base_channels (`int`, defaults to 128): Width of every block.
        num_extra_blocks (`int`, defaults to 2): Residual blocks at the final resolution, after the down-blocks.
        num_classes (`int`, *optional*): Number of classes; when set, adds the projection ``<embed(y), features>``.
    """

    @register_to_config
    def __init__(
        self,
        in_channels: int = 1,
        sample_size: int = 32,
        base_channels: int = 128,
        num_extra_blocks: int = 2,
        num_classes: Optional[int] = None,
    ):
        super().__init__()
        validate_config(self, image=True, conditional=True, in_channels=True)
        _check_positive_int(self, "num_extra_blocks", minimum=0)
        num_upsamplings(sample_size)  # the sizes the generator makes
        num_down = _num_downsamplings(sample_size)
        blocks: List[nn.Module] = [SNGANDiscriminatorBlock(in_channels, base_channels, True, optimized=True)]
        blocks += [SNGANDiscriminatorBlock(base_channels, base_channels, True) for _ in range(num_down - 1)]
        blocks += [SNGANDiscriminatorBlock(base_channels, base_channels, False) for _ in range(num_extra_blocks)]
        self.blocks = nn.Sequential(*blocks)
        self.to_logit = _sn(nn.Linear(base_channels, 1))
        self.class_embedding = _sn(nn.Embedding(num_classes, base_channels)) if num_classes else None

    def forward(
        self,
        pixel_values: torch.Tensor,
        class_labels: Optional[torch.Tensor] = None,
        return_features: bool = False,
    ) -> Union[torch.Tensor, Tuple[torch.Tensor, torch.Tensor]]:
        """``pixel_values [N, C, H, W]`` (+ ``class_labels [N]``) -> logits ``[N]`` (and features ``[N, C]``)."""
        cfg = self.config
        check_pixel_values(pixel_values, cfg.in_channels, cfg.sample_size)
        class_labels = check_class_labels(class_labels, cfg.num_classes, pixel_values.shape[0])
        features = F.relu(self.blocks(pixel_values)).sum(dim=(2, 3))  # [N, C]
        logits = self.to_logit(features).squeeze(1)  # [N]
        logits = add_projection(logits, features, self.class_embedding, class_labels)
        return (logits, features) if return_features else logits
