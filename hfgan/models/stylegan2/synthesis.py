"""StyleGAN2's synthesis network, as in NVlabs' stylegan2-ada-pytorch (``training/networks.py``): the modulated
convolution, the synthesis and toRGB layers, the skip-architecture blocks ``b4, b8, ...`` and the network that runs
them from ws to images.

Attribute names follow the reference's state dicts (``affine``, ``conv0``, ``torgb``, ``b4``, ...), so the
generator's parameter names are the reference's.
"""

import math
from typing import Dict, Optional, Sequence

import torch
from diffusers.utils.torch_utils import randn_tensor
from torch import nn

from .layers import FullyConnectedLayer, bias_act
from .resample import RESAMPLE_FILTER, conv2d_resample, make_filter, upsample2d


def modulated_conv2d(x: torch.Tensor, weight: torch.Tensor, styles: torch.Tensor, noise: Optional[torch.Tensor] = None,
                     up: int = 1, padding: int = 0, resample_filter: Optional[torch.Tensor] = None,
                     demodulate: bool = True, fused: bool = True) -> torch.Tensor:
    """StyleGAN2's modulated convolution: the weight's input channels scaled per sample by ``styles [N, I]``, then
    each output channel renormalized to unit norm (demodulation); ``noise`` is added after.

    ``fused`` builds one weight per sample and runs a grouped convolution (the reference's inference path); otherwise
    the styles scale the activations before an ordinary convolution and the demodulation scales them after, with
    the demodulation coefficients from ``styles^2 @ sum_k(weight^2)`` instead of per-sample weights (faster for
    batches, and for training). The two are equal up to rounding.
    ``x [N, I, H, W]``, ``weight [O, I, k, k]`` -> ``[N, O, H * up, W * up]``."""
    n = x.shape[0]
    out_channels, in_channels, kh, kw = weight.shape
    if x.dtype == torch.float16 and demodulate:  # keep half-precision products in range; demodulation undoes it
        weight = weight * (1 / math.sqrt(in_channels * kh * kw) / weight.norm(float("inf"), dim=[1, 2, 3], keepdim=True))
        styles = styles / styles.norm(float("inf"), dim=1, keepdim=True)
    if not fused:
        demod = None
        if demodulate:  # sum over i, k of (w[o, i, k] s[n, i])^2 = sum_i s[n, i]^2 sum_k w[o, i, k]^2
            demod = (styles.square() @ weight.square().sum(dim=[2, 3]).t() + 1e-8).rsqrt()  # [N, O]
        x = x * styles.to(x.dtype).reshape(n, -1, 1, 1)
        x = conv2d_resample(x, weight.to(x.dtype), resample_filter, up=up, padding=padding)
        if demodulate and noise is not None:
            return torch.addcmul(noise.to(x.dtype), x, demod.to(x.dtype).reshape(n, -1, 1, 1))
        if demodulate:
            return x * demod.to(x.dtype).reshape(n, -1, 1, 1)
        return x + noise.to(x.dtype) if noise is not None else x
    per_sample = weight.unsqueeze(0) * styles.reshape(n, 1, -1, 1, 1)  # [N, O, I, k, k]
    if demodulate:
        demod = (per_sample.square().sum(dim=[2, 3, 4]) + 1e-8).rsqrt()  # [N, O]
        per_sample = per_sample * demod.reshape(n, -1, 1, 1, 1)
    x = x.reshape(1, -1, *x.shape[2:])  # [1, N * I, H, W]: one group per sample
    per_sample = per_sample.reshape(-1, in_channels, kh, kw)  # [N * O, I, k, k]
    x = conv2d_resample(x, per_sample.to(x.dtype), resample_filter, up=up, padding=padding, groups=n)
    x = x.reshape(n, -1, *x.shape[2:])  # [N, O, H', W']
    return x + noise.to(x.dtype) if noise is not None else x


class SynthesisLayer(nn.Module):
    """Modulated 3x3 convolution (optionally with 2x upsampling) + per-pixel noise of learned strength + bias, leaky
    ReLU. The style is ``affine(w)`` (bias initialized to 1); the weight needs no gain (demodulation normalizes)."""

    def __init__(self, in_channels: int, out_channels: int, w_dim: int, resolution: int, up: int = 1,
                 use_noise: bool = True, conv_clamp: Optional[float] = None,
                 resample_filter: Sequence[float] = RESAMPLE_FILTER):
        super().__init__()
        self.resolution, self.up, self.use_noise, self.conv_clamp = resolution, up, use_noise, conv_clamp
        self.register_buffer("resample_filter", make_filter(resample_filter), persistent=False)
        self.padding = 1
        self.affine = FullyConnectedLayer(w_dim, in_channels, bias_init=1)
        self.weight = nn.Parameter(torch.randn(out_channels, in_channels, 3, 3))
        if use_noise:
            self.register_buffer("noise_const", torch.randn(resolution, resolution))
            self.noise_strength = nn.Parameter(torch.zeros([]))
        self.bias = nn.Parameter(torch.zeros(out_channels))

    def forward(self, x: torch.Tensor, w: torch.Tensor, noise_mode: str = "random", fused: bool = True,
                gain: float = 1.0, generator=None) -> torch.Tensor:
        styles = self.affine(w)  # [N, I]
        noise = None
        if self.use_noise and noise_mode == "random":
            noise = randn_tensor((x.shape[0], 1, self.resolution, self.resolution), generator=generator,
                                 device=x.device, dtype=torch.float32) * self.noise_strength
        elif self.use_noise and noise_mode == "const":
            noise = self.noise_const * self.noise_strength
        x = modulated_conv2d(x, self.weight, styles, noise, up=self.up, padding=self.padding,
                             resample_filter=self.resample_filter, fused=fused)
        clamp = self.conv_clamp * gain if self.conv_clamp is not None else None
        return bias_act(x, self.bias, "lrelu", gain=gain, clamp=clamp)


class ToRGBLayer(nn.Module):
    """Modulated 1x1 convolution without demodulation (style times ``1 / sqrt(in_channels)``) + bias."""

    def __init__(self, in_channels: int, out_channels: int, w_dim: int, conv_clamp: Optional[float] = None):
        super().__init__()
        self.conv_clamp = conv_clamp
        self.affine = FullyConnectedLayer(w_dim, in_channels, bias_init=1)
        self.weight = nn.Parameter(torch.randn(out_channels, in_channels, 1, 1))
        self.bias = nn.Parameter(torch.zeros(out_channels))
        self.weight_gain = 1 / math.sqrt(in_channels)

    def forward(self, x: torch.Tensor, w: torch.Tensor, fused: bool = True) -> torch.Tensor:
        styles = self.affine(w) * self.weight_gain
        x = modulated_conv2d(x, self.weight, styles, demodulate=False, fused=fused)
        return bias_act(x, self.bias, clamp=self.conv_clamp)


class SynthesisBlock(nn.Module):
    """One resolution of the skip architecture: (const input | upsampling conv0), conv1, toRGB added to the
    upsampled image. Takes ``num_conv + 1`` ws: its convolutions' and its toRGB's (shared with the next block)."""

    def __init__(self, in_channels: int, out_channels: int, w_dim: int, resolution: int, img_channels: int,
                 use_noise: bool = True, conv_clamp: Optional[float] = None,
                 resample_filter: Sequence[float] = RESAMPLE_FILTER):
        super().__init__()
        self.in_channels, self.resolution = in_channels, resolution
        self.register_buffer("resample_filter", make_filter(resample_filter), persistent=False)
        layer_kwargs = dict(w_dim=w_dim, resolution=resolution, use_noise=use_noise, conv_clamp=conv_clamp,
                            resample_filter=resample_filter)
        if in_channels == 0:
            self.const = nn.Parameter(torch.randn(out_channels, resolution, resolution))
        else:
            self.conv0 = SynthesisLayer(in_channels, out_channels, up=2, **layer_kwargs)
        self.conv1 = SynthesisLayer(out_channels, out_channels, **layer_kwargs)
        self.torgb = ToRGBLayer(out_channels, img_channels, w_dim, conv_clamp=conv_clamp)
        self.num_conv = 1 if in_channels == 0 else 2

    def forward(self, x: Optional[torch.Tensor], img: Optional[torch.Tensor], ws: torch.Tensor, noise_mode: str,
                fused: bool, generator=None):
        """``ws [N, num_conv + 1, w_dim]``; ``x [N, C_in, R/2, R/2]``, ``img [N, C, R/2, R/2]`` (None in the first
        block) -> ``x [N, C_out, R, R]``, ``img [N, C, R, R]``."""
        dtype = ws.dtype if x is None else x.dtype
        if self.in_channels == 0:
            x = self.const.to(dtype).unsqueeze(0).repeat(ws.shape[0], 1, 1, 1)  # [N, C_4, 4, 4]
            x = self.conv1(x, ws[:, 0], noise_mode, fused, generator=generator)
        else:
            x = self.conv0(x, ws[:, 0], noise_mode, fused, generator=generator)
            x = self.conv1(x, ws[:, 1], noise_mode, fused, generator=generator)
        if img is not None:
            img = upsample2d(img, self.resample_filter)
        y = self.torgb(x, ws[:, self.num_conv], fused).to(torch.float32)
        img = img + y if img is not None else y
        return x, img


class SynthesisNetwork(nn.Module):
    """ws ``[N, num_ws, w_dim]`` -> images ``[N, C, R, R]`` through blocks ``b4, b8, ..., b{R}``."""

    def __init__(self, w_dim: int, img_resolution: int, img_channels: int, channels: Dict[int, int],
                 use_noise: bool = True, conv_clamp: Optional[float] = None,
                 resample_filter: Sequence[float] = RESAMPLE_FILTER):
        super().__init__()
        self.w_dim, self.img_resolution = w_dim, img_resolution
        self.block_resolutions = [2**i for i in range(2, int(math.log2(img_resolution)) + 1)]
        self.num_ws = 0
        for res in self.block_resolutions:
            block = SynthesisBlock(channels[res // 2] if res > 4 else 0, channels[res], w_dim, res, img_channels,
                                   use_noise, conv_clamp, resample_filter)
            self.num_ws += block.num_conv
            setattr(self, f"b{res}", block)
        self.num_ws += 1  # the last toRGB

    def forward(self, ws: torch.Tensor, noise_mode: str = "random", fused: Optional[bool] = None,
                generator=None) -> torch.Tensor:
        """``fused`` (default: for one image in eval mode) picks the grouped-convolution form of the modulated
        convolutions; batches and training run the per-activation form, which is faster there (same results up to
        rounding)."""
        if fused is None:
            fused = not self.training and ws.shape[0] == 1
        ws = ws.to(self.b4.const.dtype)  # float32 unless the model was cast
        x = img = None
        index = 0
        for res in self.block_resolutions:
            block = getattr(self, f"b{res}")
            x, img = block(x, img, ws.narrow(1, index, block.num_conv + 1), noise_mode, fused, generator)
            index += block.num_conv
        return img.contiguous()  # an RGB image leaves the channels-last layout of CPU convolutions (a no-op for gray)
