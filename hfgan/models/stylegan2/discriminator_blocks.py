"""StyleGAN2's discriminator blocks, as in NVlabs' stylegan2-ada-pytorch (``training/networks.py``): the residual
block with FIR downsampling, minibatch standard deviation, and the 4x4 epilogue that ends in the logit (or in the
features a conditional discriminator projects on its mapped labels).

Attribute names follow the reference's state dicts (``fromrgb``, ``conv0``, ``skip``, ``fc``, ``out``, ...), so the
discriminator's parameter names are the reference's.
"""

import math
from typing import Optional, Sequence

import torch
from torch import nn

from .layers import Conv2dLayer, FullyConnectedLayer


class DiscriminatorBlock(nn.Module):
    """Residual block: ``skip_1x1_down(x) * sqrt(0.5) + conv1_down(conv0(x)) * sqrt(0.5)`` (the gains inside the layers'
    activations); the first block starts with a 1x1 fromRGB convolution."""

    def __init__(self, in_channels: int, tmp_channels: int, out_channels: int, img_channels: int,
                 conv_clamp: Optional[float], resample_filter: Sequence[float]):
        super().__init__()
        self.in_channels = in_channels
        if in_channels == 0:
            self.fromrgb = Conv2dLayer(img_channels, tmp_channels, 1, activation="lrelu", conv_clamp=conv_clamp)
        self.conv0 = Conv2dLayer(tmp_channels, tmp_channels, 3, activation="lrelu", conv_clamp=conv_clamp)
        self.conv1 = Conv2dLayer(tmp_channels, out_channels, 3, activation="lrelu", down=2, conv_clamp=conv_clamp,
                                 resample_filter=resample_filter)
        self.skip = Conv2dLayer(tmp_channels, out_channels, 1, bias=False, down=2, resample_filter=resample_filter)

    def forward(self, x: Optional[torch.Tensor], img: Optional[torch.Tensor]) -> torch.Tensor:
        if self.in_channels == 0:
            x = self.fromrgb(img)  # [N, C_tmp, R, R]
        y = self.skip(x, gain=math.sqrt(0.5))  # [N, C_out, R/2, R/2]
        x = self.conv1(self.conv0(x), gain=math.sqrt(0.5))
        return y + x


class MinibatchStdLayer(nn.Module):
    """Appends the mean standard deviation over groups of ``group_size`` samples as ``num_channels`` extra feature
    maps. A batch that ``group_size`` does not divide uses its largest divisor below it (the reference fails there)."""

    def __init__(self, group_size: Optional[int] = 4, num_channels: int = 1):
        super().__init__()
        self.group_size, self.num_channels = group_size, num_channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, c, h, w = x.shape
        g = min(self.group_size, n) if self.group_size is not None else n
        while n % g:
            g -= 1
        f = self.num_channels
        y = x.reshape(g, -1, f, c // f, h, w)      # [G, n, F, c, H, W]: sample i is in group i % n
        y = y - y.mean(dim=0)
        y = (y.square().mean(dim=0) + 1e-8).sqrt()  # [n, F, c, H, W] standard deviation over the group
        y = y.mean(dim=[2, 3, 4]).reshape(-1, f, 1, 1)  # [n, F, 1, 1]
        y = y.repeat(g, 1, h, w)                   # [N, F, H, W]
        return torch.cat([x, y], dim=1)


class DiscriminatorEpilogue(nn.Module):
    """At 4x4: minibatch std, 3x3 conv, FC over the flattened map, FC to one logit (or to ``cmap_dim`` features)."""

    def __init__(self, in_channels: int, cmap_dim: int, mbstd_group_size: Optional[int], mbstd_num_channels: int,
                 conv_clamp: Optional[float]):
        super().__init__()
        self.cmap_dim = cmap_dim
        self.mbstd = MinibatchStdLayer(mbstd_group_size, mbstd_num_channels) if mbstd_num_channels > 0 else None
        self.conv = Conv2dLayer(in_channels + mbstd_num_channels, in_channels, 3, activation="lrelu", conv_clamp=conv_clamp)
        self.fc = FullyConnectedLayer(in_channels * 16, in_channels, activation="lrelu")
        self.out = FullyConnectedLayer(in_channels, cmap_dim if cmap_dim else 1)

    def forward(self, x: torch.Tensor, cmap: Optional[torch.Tensor]) -> torch.Tensor:
        if self.mbstd is not None:
            x = self.mbstd(x)
        x = self.fc(self.conv(x).flatten(1))
        x = self.out(x)  # [N, 1] or [N, cmap_dim]
        if self.cmap_dim:
            x = (x * cmap).sum(dim=1, keepdim=True) * (1 / math.sqrt(self.cmap_dim))
        return x
