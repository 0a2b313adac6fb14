"""StyleGAN2's building blocks, as in NVlabs' stylegan2-ada-pytorch (``torch_utils/ops`` and ``training/networks.py``),
bottom-up: FIR resampling and convolutions with up/down-sampling, bias + activation, the modulated convolution,
equalized-learning-rate layers, the mapping network, the synthesis layers, blocks and network, and the
discriminator's blocks. The generator and discriminator that compose them are in :mod:`.modeling_stylegan2`.

Attribute names follow the reference's state dicts (``fc0``, ``affine``, ``conv0``, ``torgb``, ``b4``, ...), so the
models' parameter names are the reference's.
"""

import math
from typing import Dict, Optional, Sequence

import torch
import torch.nn.functional as F
from diffusers.utils.torch_utils import randn_tensor
from torch import nn

LRELU_SLOPE = 0.2
LRELU_GAIN = math.sqrt(2.0)  # keeps the activations' magnitude through leaky ReLU
RESAMPLE_FILTER = (1, 3, 3, 1)
# Dense convolutions on the CPU run on channels-last activations, oneDNN's native layout (at the stylegan2-28
# preset's sizes a 3x3 convolution's forward took half the time, forward + backward two thirds); elementwise
# ops keep the layout, so a network converts once. Results differ from the default layout by rounding only.
CPU_CHANNELS_LAST = True


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


# -- discriminator blocks --------------------------------------------------------------------------------------------
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
