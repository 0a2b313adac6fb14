"""StyleGAN2's equalized-learning-rate layers, as in NVlabs' stylegan2-ada-pytorch (``training/networks.py``), and
the bias + activation they end with (``torch_utils/ops/bias_act.py``): a fully connected layer, and a convolution
with optional 2x FIR downsampling. Weights are stored unscaled and scaled at runtime (``weight_gain``).
"""

import math
from typing import Optional, Sequence

import torch
import torch.nn.functional as F
from torch import nn

from .resample import RESAMPLE_FILTER, conv2d_resample, make_filter

LRELU_SLOPE = 0.2
LRELU_GAIN = math.sqrt(2.0)  # keeps the activations' magnitude through leaky ReLU


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
