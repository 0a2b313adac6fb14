"""Progressive GAN (Karras et al., 2018): networks that grow from ``start_resolution`` to ``sample_size``.

Both networks hold every resolution of their *ladder* ``start_resolution * 2**k`` (k = 0..K) at once; the
training task (:mod:`hfgan.tasks.progan`) decides from the step which resolution is trained and how far the
newest one is faded in (``alpha``). For Fashion-MNIST the ladder is 7 -> 14 -> 28: 28 = 7 * 2**2, so the
images are never padded or resized to a power of two and every level is an exact 2x2 average pooling of
the next one (the paper's 4 -> 8 -> ... -> 1024 ladder with 4 replaced by 7).

The paper's three tricks are layers of this module: equalized learning rate (weights drawn from N(0, 1) and
scaled at run time by He's constant, :class:`EqualizedConv2d` / :class:`EqualizedLinear`), pixel-wise
feature normalization in the generator (:class:`PixelNorm`) and minibatch standard deviation in the
discriminator (:class:`MinibatchStdDev`).

Generator at resolution ``r_k`` with fade-in weight ``alpha``::

    latents [N, Z] -> PixelNorm -> EqualizedLinear -> [N, C_0, r_0, r_0] -> LReLU, PixelNorm
      -> Conv 3x3, LReLU, PixelNorm                                  # block 0, r_0 x r_0
      -> k x (upsample 2x nearest, 2 x (Conv 3x3, LReLU, PixelNorm))  # blocks 1..k, doubles H, W
    image = alpha * toRGB_k(h_k) + (1 - alpha) * upsample(toRGB_{k-1}(h_{k-1}))   # 1x1 convolutions
    -> tanh -> [N, out_channels, r_k, r_k]

Discriminator, the mirror image::

    pixel_values [N, C, r_k, r_k]
    h = alpha * block_k(fromRGB_k(x)) + (1 - alpha) * fromRGB_{k-1}(avgpool(x))   # [N, C_{k-1}, r_{k-1}, ..]
      -> blocks k-1..1 (2 x (Conv 3x3, LReLU), avgpool 2x)
      -> MinibatchStdDev (+1 channel) -> Conv 3x3, LReLU -> flatten -> EqualizedLinear, LReLU
      -> EqualizedLinear -> logits [N]
"""

import math
from typing import List, Optional, Tuple

import torch
import torch.nn.functional as F
from diffusers.configuration_utils import ConfigMixin, register_to_config
from diffusers.models.modeling_utils import ModelMixin
from torch import nn

from ...errors import ConfigError, HFGANError
from ..validation import check_latents, is_int, validate_config


# ------------------------------------------------------------------------------------------------ layers
class EqualizedLinear(nn.Module):
    """A linear layer with equalized learning rate: ``weight ~ N(0, 1)`` stored, ``weight * gain / sqrt(fan_in)``
    used, so Adam's per-parameter step sizes act alike on every layer whatever its fan-in."""

    def __init__(self, in_features: int, out_features: int, bias: bool = True, gain: float = math.sqrt(2)):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_features, in_features))
        self.bias = nn.Parameter(torch.zeros(out_features)) if bias else None
        self.scale = gain / math.sqrt(in_features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(x, self.weight * self.scale, self.bias)


class EqualizedConv2d(nn.Module):
    """A stride-1, same-padded convolution with equalized learning rate (scale ``gain / sqrt(C_in * k * k)``)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, gain: float = math.sqrt(2)):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_channels, in_channels, kernel_size, kernel_size))
        self.bias = nn.Parameter(torch.zeros(out_channels))
        self.scale = gain / math.sqrt(in_channels * kernel_size * kernel_size)
        self.padding = kernel_size // 2

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(x, self.weight * self.scale, self.bias, padding=self.padding)


class PixelNorm(nn.Module):
    """Normalize each pixel's feature vector to unit average square: ``x / sqrt(mean_c(x^2) + eps)``."""

    def __init__(self, eps: float = 1e-8):
        super().__init__()
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.rsqrt(x.pow(2).mean(dim=1, keepdim=True) + self.eps)


class MinibatchStdDev(nn.Module):
    """Append one feature map: the standard deviation of every feature over a group of images, averaged.

    Groups are *consecutive* images (``group_size`` of them, or the largest divisor of the batch below it), so
    a batch split across processes in contiguous slices gives every image the same group as one process does.
    """

    def __init__(self, group_size: int = 4, eps: float = 1e-8):
        super().__init__()
        self.group_size = group_size
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, c, h, w = x.shape
        g = min(self.group_size, n)
        while n % g:
            g -= 1
        y = x.float().reshape(n // g, g, c, h, w)  # [M, G, C, H, W]
        y = (y.var(dim=1, unbiased=False) + self.eps).sqrt()  # [M, C, H, W]
        y = y.mean(dim=(1, 2, 3))  # [M]
        y = y.to(x.dtype).repeat_interleave(g).view(n, 1, 1, 1).expand(n, 1, h, w)  # [N, 1, H, W]
        return torch.cat([x, y], dim=1)


# ------------------------------------------------------------------------------------------------ helpers
def resolution_ladder(start_resolution: int, sample_size: int) -> List[int]:
    """``[start_resolution, 2 * start_resolution, ..., sample_size]``; a ConfigError if there is no such ladder."""
    if not (isinstance(start_resolution, int) and start_resolution >= 2):
        raise ConfigError(f"start_resolution must be an integer >= 2, got {start_resolution!r}")
    ladder = [start_resolution]
    while ladder[-1] < sample_size:
        ladder.append(ladder[-1] * 2)
    if ladder[-1] != sample_size:
        raise ConfigError(f"sample_size={sample_size} is not start_resolution={start_resolution} times a power of two "
                          f"(e.g. {[start_resolution * 2**k for k in range(1, 4)]})")
    return ladder


# Copied from hfgan.models.dcgan.modeling_dcgan._channels
def _channels(level: int, base_channels: int, max_channels: int) -> int:
    """Width at ``level`` halvings below full resolution."""
    return min(base_channels * 2**level, max_channels)


def _level(model, resolution: Optional[int], alpha: float) -> Tuple[int, float]:
    """The ladder index of ``resolution`` (default: the final one), checked, and ``alpha`` as a float."""
    ladder = model.resolutions
    if resolution is None:
        resolution = ladder[-1]
    if resolution not in ladder:
        raise HFGANError(f"{type(model).__name__} renders at resolutions {ladder}, got resolution={resolution!r}")
    if not isinstance(alpha, (int, float)) or isinstance(alpha, bool) or not 0.0 <= alpha <= 1.0:
        raise HFGANError(f"alpha must be a number in [0, 1], got {alpha!r}")
    return ladder.index(resolution), float(alpha)


def _check_progan_config(model, channels_key: str) -> List[int]:
    validate_config(model, image=True, in_channels=channels_key == "in_channels")
    return resolution_ladder(model.config.start_resolution, model.config.sample_size)


# ------------------------------------------------------------------------------------------------ generator
class ProGANGenerator(ModelMixin, ConfigMixin):
    r"""
    Progressive GAN generator; renders at any resolution of its ladder, with an optional fade-in.

    Parameters:
        latent_dim (`int`, defaults to 128): Size of the latent vector (pixel-normalized before use).
        out_channels (`int`, defaults to 1): Channels of the generated image (1 or 3).
        sample_size (`int`, defaults to 28): Final height and width, `start_resolution` times a power of two.
        start_resolution (`int`, defaults to 7): The first resolution trained (7 for 28x28 Fashion-MNIST: 7, 14, 28).
        base_channels (`int`, defaults to 64): Width at the final resolution; doubles at every halving.
        max_channels (`int`, defaults to 256): Cap on the width.
        negative_slope (`float`, defaults to 0.2): LeakyReLU slope.

    Example:

    ```py
    >>> import torch
    >>> from hfgan.models.progan import ProGANGenerator
    >>> g = ProGANGenerator(latent_dim=16, base_channels=8, max_channels=16)
    >>> g.resolutions
    [7, 14, 28]
    >>> g(torch.randn(2, 16), resolution=14, alpha=0.5).shape
    torch.Size([2, 1, 14, 14])
    ```
    """

    @register_to_config
    def __init__(
        self,
        latent_dim: int = 128,
        out_channels: int = 1,
        sample_size: int = 28,
        start_resolution: int = 7,
        base_channels: int = 64,
        max_channels: int = 256,
        negative_slope: float = 0.2,
    ):
        super().__init__()
        ladder = _check_progan_config(self, "out_channels")
        top = len(ladder) - 1
        widths = [_channels(top - k, base_channels, max_channels) for k in range(len(ladder))]  # per level
        self.norm = PixelNorm()
        self.act = nn.LeakyReLU(negative_slope)
        r0 = start_resolution
        self.project = EqualizedLinear(latent_dim, widths[0] * r0 * r0, gain=math.sqrt(2) / r0)  # paper: gain/4 at 4x4
        self.blocks = nn.ModuleList([nn.ModuleList([EqualizedConv2d(widths[0], widths[0], 3)])])
        for k in range(1, len(ladder)):
            self.blocks.append(nn.ModuleList([EqualizedConv2d(widths[k - 1], widths[k], 3),
                                              EqualizedConv2d(widths[k], widths[k], 3)]))
        self.to_rgb = nn.ModuleList([EqualizedConv2d(w, out_channels, 1, gain=1.0) for w in widths])
        self.widths = widths

    @property
    def resolutions(self) -> List[int]:
        """Every resolution of this network's ladder, lowest first (its last is ``sample_size``)."""
        return resolution_ladder(self.config.start_resolution, self.config.sample_size)

    def _block(self, k: int, h: torch.Tensor) -> torch.Tensor:
        if k > 0:
            h = F.interpolate(h, scale_factor=2, mode="nearest")
        for conv in self.blocks[k]:
            h = self.norm(self.act(conv(h)))
        return h

    def forward(self, latents: torch.Tensor, resolution: Optional[int] = None, alpha: float = 1.0) -> torch.Tensor:
        """``latents [N, latent_dim]`` -> images in [-1, 1], ``[N, C, r, r]`` at ``resolution`` (default the final
        one); with ``alpha < 1`` the newest level is blended with the 2x-upsampled output of the level below."""
        check_latents(latents, self.config.latent_dim)
        level, alpha = _level(self, resolution, alpha)
        r0 = self.config.start_resolution
        h = self.project(self.norm(latents)).view(-1, self.widths[0], r0, r0)  # [N, C_0, r0, r0]
        h = self._block(0, self.norm(self.act(h)))
        previous = h
        for k in range(1, level + 1):
            previous, h = h, self._block(k, h)  # [N, C_k, r_k, r_k]
        rgb = self.to_rgb[level](h)
        if level > 0 and alpha < 1.0:
            low = F.interpolate(self.to_rgb[level - 1](previous), scale_factor=2, mode="nearest")
            rgb = torch.lerp(low, rgb, alpha)
        return torch.tanh(rgb)


# ------------------------------------------------------------------------------------------------ discriminator
class ProGANDiscriminator(ModelMixin, ConfigMixin):
    r"""
    Progressive GAN discriminator returning one logit per image (no sigmoid: the loss owns it); takes images at any
    resolution of its ladder, with an optional fade-in of the newest level.

    Parameters:
        in_channels (`int`, defaults to 1): Channels of the input image.
        sample_size (`int`, defaults to 28): Final height and width, `start_resolution` times a power of two.
        start_resolution (`int`, defaults to 7): The lowest resolution (7 for 28x28 Fashion-MNIST: 7, 14, 28).
        base_channels (`int`, defaults to 64): Width at the final resolution; doubles at every halving.
        max_channels (`int`, defaults to 256): Cap on the width.
        mbstd_group_size (`int`, defaults to 4): Images per minibatch-standard-deviation group (consecutive images;
            the largest divisor of the batch size up to this).
        negative_slope (`float`, defaults to 0.2): LeakyReLU slope.
    """

    @register_to_config
    def __init__(
        self,
        in_channels: int = 1,
        sample_size: int = 28,
        start_resolution: int = 7,
        base_channels: int = 64,
        max_channels: int = 256,
        mbstd_group_size: int = 4,
        negative_slope: float = 0.2,
    ):
        super().__init__()
        ladder = _check_progan_config(self, "in_channels")
        if not (is_int(mbstd_group_size) and mbstd_group_size >= 1):
            raise ConfigError(f"ProGANDiscriminator: config 'mbstd_group_size' must be an integer >= 1, got {mbstd_group_size!r}")
        top = len(ladder) - 1
        widths = [_channels(top - k, base_channels, max_channels) for k in range(len(ladder))]
        self.act = nn.LeakyReLU(negative_slope)
        self.from_rgb = nn.ModuleList([EqualizedConv2d(in_channels, w, 1) for w in widths])
        # block k > 0 takes level k to level k - 1: two convolutions, then a 2x2 average pooling
        self.blocks = nn.ModuleList([nn.ModuleList()])
        for k in range(1, len(ladder)):
            self.blocks.append(nn.ModuleList([EqualizedConv2d(widths[k], widths[k], 3),
                                              EqualizedConv2d(widths[k], widths[k - 1], 3)]))
        r0, c0 = start_resolution, widths[0]
        self.mbstd = MinibatchStdDev(mbstd_group_size)
        self.final_conv = EqualizedConv2d(c0 + 1, c0, 3)
        self.final_dense = EqualizedLinear(c0 * r0 * r0, c0)
        self.to_logit = EqualizedLinear(c0, 1, gain=1.0)

    # Copied from hfgan.models.progan.modeling_progan.ProGANGenerator.resolutions
    @property
    def resolutions(self) -> List[int]:
        """Every resolution of this network's ladder, lowest first (its last is ``sample_size``)."""
        return resolution_ladder(self.config.start_resolution, self.config.sample_size)

    def _block(self, k: int, h: torch.Tensor) -> torch.Tensor:
        for conv in self.blocks[k]:
            h = self.act(conv(h))
        return F.avg_pool2d(h, 2)

    def forward(self, pixel_values: torch.Tensor, resolution: Optional[int] = None, alpha: float = 1.0) -> torch.Tensor:
        """``pixel_values [N, C, r, r]`` at ``resolution`` (default: the final one) -> logits ``[N]``; with
        ``alpha < 1`` the newest level is blended with the level below fed the 2x2-average-pooled input."""
        level, alpha = _level(self, resolution, alpha)
        cfg = self.config
        r = self.resolutions[level]
        if not isinstance(pixel_values, torch.Tensor) or not pixel_values.is_floating_point() \
                or pixel_values.ndim != 4 or tuple(pixel_values.shape[1:]) != (cfg.in_channels, r, r):
            shape = list(pixel_values.shape) if isinstance(pixel_values, torch.Tensor) else type(pixel_values).__name__
            raise HFGANError(f"pixel_values must be a floating-point tensor of shape [batch_size, {cfg.in_channels}, {r}, {r}] "
                             f"at resolution {r}, got {shape}")
        h = self.act(self.from_rgb[level](pixel_values))  # [N, C_k, r_k, r_k]
        if level > 0:
            h = self._block(level, h)  # [N, C_{k-1}, r_{k-1}, r_{k-1}]
            if alpha < 1.0:
                low = self.act(self.from_rgb[level - 1](F.avg_pool2d(pixel_values, 2)))
                h = torch.lerp(low, h, alpha)
        for k in range(level - 1, 0, -1):
            h = self._block(k, h)
        h = self.act(self.final_conv(self.mbstd(h)))  # [N, C_0, r0, r0]
        h = self.act(self.final_dense(h.flatten(1)))  # [N, C_0]
        return self.to_logit(h).squeeze(1)  # [N]
