"""StyleGAN2 (Karras et al., 2020) as in NVlabs' stylegan2-ada-pytorch: a mapping network to W space, a synthesis
network of modulated convolutions with skip connections to RGB, and a residual discriminator with minibatch standard
deviation and (for conditional models) a projection on mapped labels.

The parameters are laid out and named as the reference's ``G_ema`` / ``D`` state dicts (``mapping.fc0.weight``,
``synthesis.b8.conv0.affine.bias``, ``b4.fc.weight``, ...) and store the same *unscaled* values: equalized learning
rate scales weights at runtime (``weight_gain``), and the mapping network's learning-rate multiplier lives entirely
in that runtime scaling (weights are stored divided by it), so the optimizer's learning rate is the same for every
parameter. A reference state dict loads by dropping its ``resample_filter`` buffers (see
:mod:`hfgan.convert.stylegan2`); the images it gives are the same.

Generator::

    latents [N, Z] -> normalize 2nd moment --+-- (conditional) normalize(embed(one_hot(class_labels)))  [N, Z + E]
      -> mapping_layers x (equalized FC, lrelu; lr multiplier 0.01)        -> w [N, w_dim]
      -> broadcast to ws [N, num_ws, w_dim]; truncation lerps towards w_avg (the tracked mean of w)
    synthesis(ws):
      const [C_4, 4, 4] -> b4: modulated 3x3 conv (+ noise), toRGB
      -> b8 ... b{resolution}: modulated 3x3 conv with 2x FIR upsampling, modulated 3x3 conv, toRGB;
         img = upsample_FIR(img) + toRGB(x)                                 -> img [N, C, R, R]
      -> center crop to sample_size (28-px data renders at 32 and loses 2 px on each side)

Discriminator::

    pixel_values [N, C, S, S] -> zero-pad to R x R (28 -> 32) -> b{R}: fromRGB (1x1), then per block
      x = skip_1x1_FIRdown(x) * sqrt(.5) + conv3x3_FIRdown(conv3x3(x)) * sqrt(.5)      (R -> R/2 ... -> 4)
    -> b4: minibatch std (groups of 4) -> 3x3 conv -> FC -> FC to 1 (or to cmap_dim) -> logits [N]
       conditional: logits = <out, mapping(one_hot(class_labels))> / sqrt(cmap_dim)
"""

import math
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
import torch
import torch.nn.functional as F
from diffusers.configuration_utils import ConfigMixin, register_to_config
from diffusers.models.modeling_utils import ModelMixin
from diffusers.utils.torch_utils import randn_tensor
from torch import nn

from ...errors import ConfigError, HFGANError
from ..validation import check_class_labels, check_latents, check_pixel_values, validate_config

LRELU_SLOPE = 0.2
LRELU_GAIN = math.sqrt(2.0)  # keeps the activations' magnitude through leaky ReLU
NOISE_MODES = ("random", "const", "none")
RESAMPLE_FILTER = (1, 3, 3, 1)
# Dense convolutions on the CPU run on channels-last activations, oneDNN's native layout (at the stylegan2-28
# preset's sizes a 3x3 convolution's forward took half the time, forward + backward two thirds); elementwise
# ops keep the layout, so a network converts once. Results differ from the default layout by rounding only.
CPU_CHANNELS_LAST = True


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# -- resampling: FIR filters and convolutions with up/down-sampling ------------------------------------------------
def make_filter(taps: Sequence[float]) -> torch.Tensor:
    """A separable low-pass filter ``[k, k]``: the outer product of ``taps`` with itself, normalized to sum 1."""
    f = torch.as_tensor(taps, dtype=torch.float32)
    f = torch.outer(f, f)
    return f / f.sum()


def upfirdn2d(x: torch.Tensor, f: torch.Tensor, up: int = 1, down: int = 1, padding: Sequence[int] = (0, 0, 0, 0),
              gain: float = 1.0) -> torch.Tensor:
    """Upsample (insert zeros), pad (negative = crop), convolve with the FIR filter ``f [k, k]`` times ``gain``, and
    downsample (keep every ``down``-th pixel). ``padding`` is ``(left, right, top, bottom)``."""
    n, c, h, w = x.shape
    if up > 1:  # [N, C, H, W] -> [N, C, H * up, W * up], the samples at the top-left of each up x up cell
        x = x.reshape(n, c, h, 1, w, 1)
        x = F.pad(x, [0, up - 1, 0, 0, 0, up - 1])
        x = x.reshape(n, c, h * up, w * up)
    left, right, top, bottom = padding
    x = F.pad(x, [max(left, 0), max(right, 0), max(top, 0), max(bottom, 0)])
    x = x[:, :, max(-top, 0): x.shape[2] - max(-bottom, 0), max(-left, 0): x.shape[3] - max(-right, 0)]
    kernel = (f * gain).to(x.dtype).flip([0, 1])  # a convolution, not a correlation
    kernel = kernel[None, None].repeat(c, 1, 1, 1)  # depthwise [C, 1, k, k]
    x = F.conv2d(x, kernel, groups=c)
    if down > 1:
        x = x[:, :, ::down, ::down]
    return x


def upsample2d(x: torch.Tensor, f: torch.Tensor) -> torch.Tensor:
    """2x FIR upsampling, ``[N, C, H, W] -> [N, C, 2H, 2W]``."""
    k = f.shape[-1]
    pad = [(k + 1) // 2, (k - 2) // 2]
    return upfirdn2d(x, f, up=2, padding=(pad[0], pad[1], pad[0], pad[1]), gain=4.0)


def _conv_layout(x: torch.Tensor) -> torch.Tensor:
    """``x`` in channels-last memory order for a dense convolution on the CPU (see ``CPU_CHANNELS_LAST``); a no-op
    when it is already, on other devices, and for a single channel."""
    if CPU_CHANNELS_LAST and x.device.type == "cpu" and x.ndim == 4 and x.shape[1] > 1:
        return x.contiguous(memory_format=torch.channels_last)
    return x


def conv2d_resample(x: torch.Tensor, weight: torch.Tensor, f: Optional[torch.Tensor], up: int = 1, down: int = 1,
                    padding: int = 0, groups: int = 1) -> torch.Tensor:
    """``conv2d(x, weight)`` (a correlation, as ``F.conv2d``) with 2x FIR upsampling before or downsampling after it.

    Upsampling runs as a stride-2 transposed convolution followed by the FIR filter; downsampling as the FIR filter
    followed by a stride-2 convolution (a 1x1 kernel: filter and subsample first). ``padding`` is relative to the
    upsampled image; ``weight`` is ``[out, in / groups, k, k]``."""
    out_channels, in_per_group, kh, kw = weight.shape
    fk = f.shape[-1] if f is not None else 1
    layout = _conv_layout if groups == 1 else (lambda t: t)  # inputs and outputs of dense convolutions
    x = layout(x)
    if up == 1 and down == 1:
        return layout(F.conv2d(x, weight, padding=padding, groups=groups))
    if down > 1:  # pad for the filter, then subsample: [N, I, H, W] -> [N, O, H/2, W/2]
        p0, p1 = padding + (fk - down + 1) // 2, padding + (fk - down) // 2
        if kh == 1 and kw == 1:
            x = upfirdn2d(x, f, down=down, padding=(p0, p1, p0, p1))
            return layout(F.conv2d(layout(x), weight, groups=groups))
        x = upfirdn2d(x, f, padding=(p0, p1, p0, p1))
        return layout(F.conv2d(x, weight, stride=down, groups=groups))
    # up > 1: transposed convolution takes [in, out / groups, k, k] weights, per group
    p0 = padding + (fk + up - 1) // 2 - (kw - 1)
    p1 = padding + (fk - up) // 2 - (kw - up)
    if groups == 1:
        weight = weight.transpose(0, 1)
    else:
        weight = weight.reshape(groups, out_channels // groups, in_per_group, kh, kw).transpose(1, 2)
        weight = weight.reshape(groups * in_per_group, out_channels // groups, kh, kw)
    crop = max(min(-p0, -p1), 0)
    x = F.conv_transpose2d(x, weight, stride=up, padding=crop, groups=groups)  # [N, O, ~2H, ~2W]
    p0, p1 = p0 + crop, p1 + crop
    return upfirdn2d(x, f, padding=(p0, p1, p0, p1), gain=up**2)


def bias_act(x: torch.Tensor, bias: Optional[torch.Tensor], activation: str = "linear", gain: float = 1.0,
             clamp: Optional[float] = None) -> torch.Tensor:
    """Add ``bias`` (over dim 1), apply leaky ReLU (``"lrelu"``) or nothing (``"linear"``), scale by ``gain`` (times
    sqrt(2) for lrelu), and clamp to ``[-clamp, clamp]`` when ``clamp`` is set."""
    if bias is not None:
        x = x + bias.to(x.dtype).reshape([-1 if i == 1 else 1 for i in range(x.ndim)])
    if activation == "lrelu":
        x = F.leaky_relu(x, LRELU_SLOPE)
        gain = gain * LRELU_GAIN
    if gain != 1:
        x = x * gain
    if clamp is not None:
        x = x.clamp(-clamp, clamp)
    return x


def normalize_2nd_moment(x: torch.Tensor, eps: float = 1e-8) -> torch.Tensor:
    """``x`` divided by the root mean square of its features (dim 1)."""
    return x * (x.square().mean(dim=1, keepdim=True) + eps).rsqrt()


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


# -- layers ----------------------------------------------------------------------------------------------------------
class FullyConnectedLayer(nn.Module):
    """Equalized-lr linear layer: weights stored as N(0, 1) / ``lr_multiplier`` and scaled at runtime by
    ``lr_multiplier / sqrt(in_features)``; the bias by ``lr_multiplier``."""

    def __init__(self, in_features: int, out_features: int, bias: bool = True, activation: str = "linear",
                 lr_multiplier: float = 1.0, bias_init: float = 0.0):
        super().__init__()
        self.activation = activation
        self.weight = nn.Parameter(torch.randn(out_features, in_features) / lr_multiplier)
        self.bias = nn.Parameter(torch.full([out_features], float(bias_init))) if bias else None
        self.weight_gain = lr_multiplier / math.sqrt(in_features)
        self.bias_gain = lr_multiplier

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        weight = self.weight.to(x.dtype) * self.weight_gain
        bias = self.bias
        if bias is not None:
            bias = bias.to(x.dtype)
            if self.bias_gain != 1:
                bias = bias * self.bias_gain
        if self.activation == "linear" and bias is not None:
            return torch.addmm(bias.unsqueeze(0), x, weight.t())
        return bias_act(x.matmul(weight.t()), bias, self.activation)


class Conv2dLayer(nn.Module):
    """Equalized-lr convolution (weight gain ``1 / sqrt(fan_in)``) with optional 2x FIR downsampling, bias, leaky
    ReLU and clamp. The discriminator's layers."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, bias: bool = True,
                 activation: str = "linear", down: int = 1, conv_clamp: Optional[float] = None,
                 resample_filter: Sequence[float] = RESAMPLE_FILTER):
        super().__init__()
        self.activation = activation
        self.down = down
        self.conv_clamp = conv_clamp
        self.register_buffer("resample_filter", make_filter(resample_filter), persistent=False)
        self.padding = kernel_size // 2
        self.weight_gain = 1 / math.sqrt(in_channels * kernel_size**2)
        self.weight = nn.Parameter(torch.randn(out_channels, in_channels, kernel_size, kernel_size))
        self.bias = nn.Parameter(torch.zeros(out_channels)) if bias else None

    def forward(self, x: torch.Tensor, gain: float = 1.0) -> torch.Tensor:
        weight = (self.weight * self.weight_gain).to(x.dtype)
        x = conv2d_resample(x, weight, self.resample_filter, down=self.down, padding=self.padding)
        clamp = self.conv_clamp * gain if self.conv_clamp is not None else None
        return bias_act(x, self.bias, self.activation, gain=gain, clamp=clamp)


class MappingNetwork(nn.Module):
    """z (and/or a one-hot label) -> w: normalized inputs, ``num_layers`` equalized FC layers with leaky ReLU.

    Tracks ``w_avg``, the moving average of w in training mode (decay ``w_avg_beta``), when ``w_avg_beta`` is set."""

    def __init__(self, z_dim: int, c_dim: int, w_dim: int, num_layers: int = 8, embed_features: Optional[int] = None,
                 layer_features: Optional[int] = None, lr_multiplier: float = 0.01, w_avg_beta: Optional[float] = 0.995):
        super().__init__()
        self.z_dim, self.c_dim, self.w_dim, self.num_layers = z_dim, c_dim, w_dim, num_layers
        self.w_avg_beta = w_avg_beta
        embed_features = (w_dim if embed_features is None else embed_features) if c_dim else 0
        layer_features = w_dim if layer_features is None else layer_features
        features = [z_dim + embed_features] + [layer_features] * (num_layers - 1) + [w_dim]
        if c_dim:
            self.embed = FullyConnectedLayer(c_dim, embed_features)
        for i in range(num_layers):
            setattr(self, f"fc{i}", FullyConnectedLayer(features[i], features[i + 1], activation="lrelu",
                                                        lr_multiplier=lr_multiplier))
        if w_avg_beta is not None:
            self.register_buffer("w_avg", torch.zeros(w_dim))

    def forward(self, z: Optional[torch.Tensor], c: Optional[torch.Tensor], update_w_avg: bool = True) -> torch.Tensor:
        """``z [N, z_dim]`` and/or ``c [N, c_dim]`` (one-hot) -> ``w [N, w_dim]``."""
        parts = []
        if self.z_dim:
            parts.append(normalize_2nd_moment(z.to(torch.float32)))
        if self.c_dim:
            parts.append(normalize_2nd_moment(self.embed(c.to(torch.float32))))
        x = torch.cat(parts, dim=1) if len(parts) > 1 else parts[0]
        for i in range(self.num_layers):
            x = getattr(self, f"fc{i}")(x)
        if self.w_avg_beta is not None and self.training and update_w_avg:
            with torch.no_grad():
                self.w_avg.copy_(x.detach().mean(dim=0).lerp(self.w_avg, self.w_avg_beta))
        return x


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


def _resolution_for(name: str, sample_size) -> int:
    """The power-of-two resolution (>= 8) a ``sample_size`` renders at: itself, or the next one with an even margin."""
    if not (_is_int(sample_size) and sample_size >= 4):
        raise ConfigError(f"{name}: config 'sample_size' must be an integer >= 4, got {sample_size!r}")
    resolution = 4
    while resolution < sample_size:
        resolution *= 2
    if (resolution - sample_size) % 2 or sample_size * 2 <= resolution:
        raise ConfigError(f"{name}: config 'sample_size'={sample_size} must be a power of two >= 4 or lie between two "
                          f"with an even margin (e.g. 28 renders at 32); got one that would render at {resolution}")
    return resolution


def _channels(name: str, resolution: int, channel_base, channel_max) -> Dict[int, int]:
    for key, value in (("channel_base", channel_base), ("channel_max", channel_max)):
        if not (_is_int(value) and value > 0):
            raise ConfigError(f"{name}: config '{key}' must be a positive integer, got {value!r}")
    channels = {res: min(channel_base // res, channel_max) for res in [2**i for i in range(1, int(math.log2(resolution)) + 1)]}
    if channels[resolution] < 1:
        raise ConfigError(f"{name}: channel_base={channel_base} gives no channels at {resolution}x{resolution}; "
                          f"use at least {resolution}")
    return channels


def _check_clamp(name: str, conv_clamp) -> None:
    if conv_clamp is not None and (isinstance(conv_clamp, bool) or not isinstance(conv_clamp, (int, float)) or conv_clamp <= 0):
        raise ConfigError(f"{name}: config 'conv_clamp' must be None or a positive number, got {conv_clamp!r}")


def _one_hot(class_labels: Optional[torch.Tensor], num_classes: Optional[int]) -> Optional[torch.Tensor]:
    return F.one_hot(class_labels, num_classes).to(torch.float32) if num_classes else None  # [N, num_classes]


class _StraightThroughClamp(torch.autograd.Function):
    """Clamp to [-1, 1] on the way forward, the identity on the way back."""

    @staticmethod
    def forward(ctx, images):
        return images.clamp(-1, 1)

    @staticmethod
    def backward(ctx, grad):
        return grad


# -- generator -------------------------------------------------------------------------------------------------------
class StyleGAN2Generator(ModelMixin, ConfigMixin):
    r"""
    StyleGAN2 generator (stylegan2-ada-pytorch's ``Generator``: skip architecture, FIR [1, 3, 3, 1] resampling).

    ``forward(latents, class_labels)`` composes :meth:`map` and :meth:`synthesize`. Images are clamped to [-1, 1]
    as the reference's image export does; the clamp lets gradients through unchanged, so training sees the reference's
    gradients. ``mapping`` holds the parameters whose runtime learning-rate multiplier is ``mapping_lr_multiplier``
    (already in their scaling: give them the same optimizer learning rate as the rest, as the reference does).

    Parameters:
        latent_dim (`int`, defaults to 512): Size of z (the reference's `z_dim`).
        w_dim (`int`, defaults to 512): Size of w.
        num_classes (`int`, *optional*): Classes of a conditional model (the reference's `c_dim`, one-hot labels).
        class_names (`List[str]`, *optional*): Human-readable class names, index = class label.
        sample_size (`int`, defaults to 32): Output height and width: a power of two (>= 4), or a size rendered at
            the next power of two and center-cropped (28 renders at 32).
        out_channels (`int`, defaults to 3): Image channels (1 or 3).
        channel_base (`int`, defaults to 32768): Channels at resolution r are `min(channel_base // r, channel_max)`.
        channel_max (`int`, defaults to 512): Most channels of any layer.
        mapping_layers (`int`, defaults to 8): Fully connected layers of the mapping network.
        mapping_lr_multiplier (`float`, defaults to 0.01): Learning-rate multiplier of the mapping network.
        embed_features (`int`, *optional*): Size of the label embedding (default `w_dim`).
        layer_features (`int`, *optional*): Width of the mapping network's hidden layers (default `w_dim`).
        w_avg_beta (`float`, defaults to 0.995): Decay of the tracked mean of w (`w_avg`, the truncation centre).
        use_noise (`bool`, defaults to True): Per-pixel noise inputs with learned strength.
        conv_clamp (`float`, *optional*): Clamp the convolutions' outputs to +-conv_clamp (the reference's
            mixed-precision configs use 256).
        resample_filter (`List[float]`, defaults to `[1, 3, 3, 1]`): Taps of the separable FIR up-sampling filter.
    """

    truncation = "w_space"  # how GANPipeline truncates: towards w_avg, through truncation_psi (latents unscaled)

    @register_to_config
    def __init__(
        self,
        latent_dim: int = 512,
        w_dim: int = 512,
        num_classes: Optional[int] = None,
        class_names: Optional[List[str]] = None,
        sample_size: int = 32,
        out_channels: int = 3,
        channel_base: int = 32768,
        channel_max: int = 512,
        mapping_layers: int = 8,
        mapping_lr_multiplier: float = 0.01,
        embed_features: Optional[int] = None,
        layer_features: Optional[int] = None,
        w_avg_beta: float = 0.995,
        use_noise: bool = True,
        conv_clamp: Optional[float] = None,
        resample_filter: Sequence[float] = RESAMPLE_FILTER,
    ):
        super().__init__()
        name = type(self).__name__
        self.register_to_config(resample_filter=[float(t) for t in resample_filter])
        validate_config(self, image=True, conditional=True)
        if not (_is_int(w_dim) and w_dim > 0):
            raise ConfigError(f"{name}: config 'w_dim' must be a positive integer, got {w_dim!r}")
        for key, value in (("embed_features", embed_features), ("layer_features", layer_features)):
            if value is not None and not (_is_int(value) and value > 0):
                raise ConfigError(f"{name}: config '{key}' must be None or a positive integer, got {value!r}")
        if isinstance(mapping_lr_multiplier, bool) or not isinstance(mapping_lr_multiplier, (int, float)) \
                or mapping_lr_multiplier <= 0:
            raise ConfigError(f"{name}: config 'mapping_lr_multiplier' must be a positive number, got {mapping_lr_multiplier!r}")
        if isinstance(w_avg_beta, bool) or not isinstance(w_avg_beta, (int, float)) or not 0 <= w_avg_beta <= 1:
            raise ConfigError(f"{name}: config 'w_avg_beta' must be a number in [0, 1], got {w_avg_beta!r}")
        _check_clamp(name, conv_clamp)
        self.resolution = _resolution_for(name, sample_size)
        channels = _channels(name, self.resolution, channel_base, channel_max)
        self.synthesis = SynthesisNetwork(w_dim, self.resolution, out_channels, channels, use_noise, conv_clamp,
                                          resample_filter)
        self.num_ws = self.synthesis.num_ws
        self.mapping = MappingNetwork(latent_dim, num_classes or 0, w_dim, mapping_layers, embed_features,
                                      layer_features, mapping_lr_multiplier, w_avg_beta)

    @property
    def w_avg(self) -> torch.Tensor:
        """The tracked mean of w ``[w_dim]``: the image of ``truncation_psi=0``."""
        return self.mapping.w_avg

    def map(self, latents: torch.Tensor, class_labels: Optional[torch.Tensor] = None, truncation_psi: float = 1.0,
            truncation_cutoff: Optional[int] = None, update_w_avg: bool = True) -> torch.Tensor:
        """``latents [N, latent_dim]`` (+ ``class_labels [N]``) -> ``ws [N, num_ws, w_dim]``, one w per style input.

        ``truncation_psi`` lerps ws towards ``w_avg`` (0: the average image; 1: none), for the first
        ``truncation_cutoff`` ws only when that is set. In training mode ``w_avg`` follows the batch's mean w unless
        ``update_w_avg`` is False."""
        cfg = self.config
        check_latents(latents, cfg.latent_dim)
        class_labels = check_class_labels(class_labels, cfg.num_classes, latents.shape[0])
        if isinstance(truncation_psi, bool) or not isinstance(truncation_psi, (int, float, np.floating)):
            raise HFGANError(f"truncation_psi must be a number, got {truncation_psi!r}")
        if truncation_cutoff is not None and not (_is_int(truncation_cutoff) and truncation_cutoff >= 0):
            raise HFGANError(f"truncation_cutoff must be None or an integer >= 0, got {truncation_cutoff!r}")
        w = self.mapping(latents, _one_hot(class_labels, cfg.num_classes), update_w_avg=update_w_avg)  # [N, w_dim]
        ws = w.unsqueeze(1).repeat(1, self.num_ws, 1)  # [N, num_ws, w_dim]
        if truncation_psi != 1:
            w_avg = self.mapping.w_avg.to(ws.dtype)
            if truncation_cutoff is None:
                ws = w_avg.lerp(ws, float(truncation_psi))
            else:
                ws = torch.cat([w_avg.lerp(ws[:, :truncation_cutoff], float(truncation_psi)),
                                ws[:, truncation_cutoff:]], dim=1)
        return ws

    def synthesize(self, ws: torch.Tensor, noise_mode: str = "random",
                   generator: Optional[Union[torch.Generator, List[torch.Generator]]] = None) -> torch.Tensor:
        """``ws [N, num_ws, w_dim]`` -> images ``[N, out_channels, sample_size, sample_size]`` in [-1, 1].

        ``noise_mode``: ``"random"`` (fresh noise, drawn with ``generator`` when given), ``"const"`` (the stored
        ``noise_const`` buffers: deterministic) or ``"none"``."""
        if noise_mode not in NOISE_MODES:
            raise HFGANError(f"noise_mode must be one of {NOISE_MODES}, got {noise_mode!r}")
        if not isinstance(ws, torch.Tensor) or ws.ndim != 3 or tuple(ws.shape[1:]) != (self.num_ws, self.config.w_dim):
            got = list(ws.shape) if isinstance(ws, torch.Tensor) else type(ws).__name__
            raise HFGANError(f"ws must be a tensor of shape [batch_size, {self.num_ws}, {self.config.w_dim}], got {got}")
        images = self.synthesis(ws, noise_mode=noise_mode, generator=generator)  # [N, C, R, R]
        margin = (self.resolution - self.config.sample_size) // 2
        if margin:
            images = images[:, :, margin: margin + self.config.sample_size, margin: margin + self.config.sample_size]
        return _StraightThroughClamp.apply(images)

    def forward(self, latents: torch.Tensor, class_labels: Optional[torch.Tensor] = None, truncation_psi: float = 1.0,
                truncation_cutoff: Optional[int] = None, noise_mode: str = "random",
                generator: Optional[Union[torch.Generator, List[torch.Generator]]] = None) -> torch.Tensor:
        """``latents [N, latent_dim]`` (+ ``class_labels [N]``) -> images ``[N, out_channels, H, W]`` in [-1, 1]."""
        ws = self.map(latents, class_labels, truncation_psi, truncation_cutoff)
        return self.synthesize(ws, noise_mode=noise_mode, generator=generator)


# -- discriminator ---------------------------------------------------------------------------------------------------
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


class StyleGAN2Discriminator(ModelMixin, ConfigMixin):
    r"""
    StyleGAN2 discriminator (stylegan2-ada-pytorch's ``Discriminator``, ResNet architecture): one logit per image
    (no sigmoid). A `sample_size` that is not a power of two is zero-padded to the next one (28 -> 32), as the
    generator crops.

    Parameters:
        in_channels (`int`, defaults to 3): Image channels (1 or 3).
        sample_size (`int`, defaults to 32): Input height and width (see `StyleGAN2Generator`).
        num_classes (`int`, *optional*): Classes of a conditional model: projection on mapped one-hot labels.
        channel_base (`int`, defaults to 32768): Channels at resolution r are `min(channel_base // r, channel_max)`.
        channel_max (`int`, defaults to 512): Most channels of any layer.
        mbstd_group_size (`int`, defaults to 4): Group size of the minibatch standard deviation.
        mbstd_num_channels (`int`, defaults to 1): Feature maps it adds (0: none).
        cmap_dim (`int`, *optional*): Size of the mapped label (default: the channels at 4x4).
        mapping_layers (`int`, defaults to 8): Fully connected layers of the label mapping network.
        mapping_lr_multiplier (`float`, defaults to 0.01): Its learning-rate multiplier.
        conv_clamp (`float`, *optional*): Clamp the convolutions' outputs to +-conv_clamp.
        resample_filter (`List[float]`, defaults to `[1, 3, 3, 1]`): Taps of the FIR down-sampling filter.
    """

    @register_to_config
    def __init__(
        self,
        in_channels: int = 3,
        sample_size: int = 32,
        num_classes: Optional[int] = None,
        channel_base: int = 32768,
        channel_max: int = 512,
        mbstd_group_size: Optional[int] = 4,
        mbstd_num_channels: int = 1,
        cmap_dim: Optional[int] = None,
        mapping_layers: int = 8,
        mapping_lr_multiplier: float = 0.01,
        conv_clamp: Optional[float] = None,
        resample_filter: Sequence[float] = RESAMPLE_FILTER,
    ):
        super().__init__()
        name = type(self).__name__
        self.register_to_config(resample_filter=[float(t) for t in resample_filter])
        validate_config(self, image=True, conditional=True, in_channels=True)
        if mbstd_group_size is not None and not (_is_int(mbstd_group_size) and mbstd_group_size > 0):
            raise ConfigError(f"{name}: config 'mbstd_group_size' must be None or a positive integer, got {mbstd_group_size!r}")
        if not (_is_int(mbstd_num_channels) and mbstd_num_channels >= 0):
            raise ConfigError(f"{name}: config 'mbstd_num_channels' must be an integer >= 0, got {mbstd_num_channels!r}")
        if cmap_dim is not None and not (_is_int(cmap_dim) and cmap_dim > 0):
            raise ConfigError(f"{name}: config 'cmap_dim' must be None or a positive integer, got {cmap_dim!r}")
        _check_clamp(name, conv_clamp)
        self.resolution = _resolution_for(name, sample_size)
        if self.resolution < 8:
            raise ConfigError(f"{name}: config 'sample_size' must be at least 8, got {sample_size!r}")
        channels = _channels(name, self.resolution, channel_base, channel_max)
        if mbstd_num_channels and channels[4] % mbstd_num_channels:
            raise ConfigError(f"{name}: config 'mbstd_num_channels'={mbstd_num_channels} must divide the "
                              f"{channels[4]} channels at 4x4")
        self.block_resolutions = [2**i for i in range(int(math.log2(self.resolution)), 2, -1)]
        for res in self.block_resolutions:
            setattr(self, f"b{res}", DiscriminatorBlock(channels[res] if res < self.resolution else 0, channels[res],
                                                        channels[res // 2], in_channels, conv_clamp, resample_filter))
        cmap = (channels[4] if cmap_dim is None else cmap_dim) if num_classes else 0
        if num_classes:
            self.mapping = MappingNetwork(0, num_classes, cmap, mapping_layers, lr_multiplier=mapping_lr_multiplier,
                                          w_avg_beta=None)
        self.b4 = DiscriminatorEpilogue(channels[4], cmap, mbstd_group_size, mbstd_num_channels, conv_clamp)

    def forward(self, pixel_values: torch.Tensor, class_labels: Optional[torch.Tensor] = None) -> torch.Tensor:
        """``pixel_values [N, C, S, S]`` in [-1, 1] (+ ``class_labels [N]``) -> logits ``[N]``."""
        cfg = self.config
        check_pixel_values(pixel_values, cfg.in_channels, cfg.sample_size)
        class_labels = check_class_labels(class_labels, cfg.num_classes, pixel_values.shape[0])
        margin = (self.resolution - cfg.sample_size) // 2
        img = F.pad(pixel_values, [margin] * 4) if margin else pixel_values  # [N, C, R, R]
        x = None
        for res in self.block_resolutions:
            x = getattr(self, f"b{res}")(x, img)
        cmap = self.mapping(None, _one_hot(class_labels, cfg.num_classes)) if cfg.num_classes else None
        return self.b4(x, cmap).squeeze(1)  # [N]
