"""CycleGAN (Zhu et al., 2017): a ResNet generator for unpaired translation.

Its discriminators are :class:`hfgan.models.pix2pix.PatchGANDiscriminator` with ``conditioning_channels=0``.
A CycleGAN holds two generators (A -> B and B -> A) and two discriminators; the task owns the pairing.

Generator (``c = base_channels``, ``B = num_res_blocks``)::

    pixel_values [N, C_in, H, W] -> pad to a multiple of 4 (reflect)
      -> ReflectionPad 3, Conv 7x7, norm, ReLU                   -> [N, c, H, W]       (c7s1-c)
      -> 2 x (Conv 3x3 s2, norm, ReLU)                           -> [N, 4c, H/4, W/4]  (d2c, d4c)
      -> B x residual block (ReflectionPad 1, Conv 3x3, norm, ReLU, (Dropout 0.5),
                             ReflectionPad 1, Conv 3x3, norm; plus the input)
      -> 2 x (ConvTranspose 3x3 s2, norm, ReLU)                  -> [N, c, H, W]       (u2c, uc)
      -> ReflectionPad 3, Conv 7x7 -> tanh                       -> [N, C_out, H, W]   (c7s1-C_out)
      -> crop the padding -> images in [-1, 1]

At 28 px the resolutions are 28 -> 14 -> 7 -> 14 -> 28; at 32 px, 32 -> 16 -> 8 -> 16 -> 32.
"""

from typing import Optional

import torch
from diffusers.configuration_utils import ConfigMixin, register_to_config
from diffusers.models.modeling_utils import ModelMixin
from torch import nn

from ..layers import crop, gan_init_, norm_layer, pad_to_multiple
from ..validation import check_image_tensor, validate_translation_config

DROPOUT = 0.5  # the paper's dropout in the residual blocks (off by default: use_dropout)
NUM_DOWNSAMPLINGS = 2  # two stride-2 convolutions: the bottleneck is at 1/4 resolution
MIN_INPUT_SIZE = 5  # reflection padding of 3 needs a side > 3; padded to a multiple of 4 that makes 8, bottleneck 2x2


def default_num_res_blocks(sample_size: int) -> int:
    """9 from 256 px up and 6 from 64 px up (the paper: 9 at 256 px, 6 at 128 px); 4 below 64 px (e.g. 28-32 px),
    where the 7-8 px bottleneck is covered by the receptive field of 4 blocks."""
    if sample_size >= 256:
        return 9
    if sample_size >= 64:
        return 6
    return 4


class ResidualBlock(nn.Module):
    """``x + F(x)``, ``F`` = two reflection-padded 3x3 convolutions with norm (and optional dropout between)."""

    def __init__(self, channels: int, norm_type: str, use_dropout: bool):
        super().__init__()
        bias = norm_type == "none"  # a bias just before a normalization is cancelled by it
        self.block = nn.Sequential(
            nn.ReflectionPad2d(1),
            nn.Conv2d(channels, channels, 3, bias=bias),
            norm_layer(norm_type, channels),
            nn.ReLU(),
            nn.Dropout(DROPOUT) if use_dropout else nn.Identity(),
            nn.ReflectionPad2d(1),
            nn.Conv2d(channels, channels, 3, bias=bias),
            norm_layer(norm_type, channels),
        )

    def forward(self, hidden_states: torch.Tensor) -> torch.Tensor:
        return hidden_states + self.block(hidden_states)  # [N, C, h, w]


class CycleGANGenerator(ModelMixin, ConfigMixin):
    r"""
    CycleGAN ResNet generator (Johnson et al., 2016, as used by Zhu et al., 2017).

    Parameters:
        in_channels (`int`, defaults to 1): Channels of the source image (1 or 3).
        out_channels (`int`, defaults to 1): Channels of the translated image (1 or 3).
        sample_size (`int`, defaults to 28): Training height and width; sets the default `num_res_blocks`.
            Other sizes (at least 5 px) work too: inputs are padded to a multiple of 4 and the output cropped back.
        base_channels (`int`, defaults to 64): Width at full resolution; 2x and 4x after the two downsamplings.
        num_res_blocks (`int`, *optional*): Residual blocks at 1/4 resolution (>= 0). Defaults to 9 from
            256 px up, 6 from 64 px up (6 at 128 px, as in the paper) and 4 below (e.g. at 28 and 32 px).
        norm_type (`str`, defaults to `"instance"`): `"instance"` (the paper), `"batch"` or `"none"`.
        use_dropout (`bool`, defaults to False): Dropout 0.5 inside every residual block (train mode only).
    """

    @register_to_config
    def __init__(
        self,
        in_channels: int = 1,
        out_channels: int = 1,
        sample_size: int = 28,
        base_channels: int = 64,
        num_res_blocks: Optional[int] = None,
        norm_type: str = "instance",
        use_dropout: bool = False,
    ):
        super().__init__()
        validate_translation_config(self, ("in_channels",), (("num_res_blocks", 0),), ("use_dropout",))
        self.num_res_blocks = num_res_blocks if num_res_blocks is not None else default_num_res_blocks(sample_size)
        bias = norm_type == "none"
        widths = [base_channels * 2**level for level in range(NUM_DOWNSAMPLINGS + 1)]  # c, 2c, 4c

        self.from_image = nn.Sequential(  # c7s1-c
            nn.ReflectionPad2d(3),
            nn.Conv2d(in_channels, widths[0], 7, bias=bias),
            norm_layer(norm_type, widths[0]),
            nn.ReLU(),
        )
        down = []
        for level in range(NUM_DOWNSAMPLINGS):  # d2c, d4c
            down += [
                nn.Conv2d(widths[level], widths[level + 1], 3, stride=2, padding=1, bias=bias),
                norm_layer(norm_type, widths[level + 1]),
                nn.ReLU(),
            ]
        self.down_blocks = nn.Sequential(*down)
        self.res_blocks = nn.Sequential(
            *[ResidualBlock(widths[-1], norm_type, use_dropout) for _ in range(self.num_res_blocks)]
        )
        up = []
        for level in range(NUM_DOWNSAMPLINGS, 0, -1):  # u2c, uc
            up += [
                nn.ConvTranspose2d(widths[level], widths[level - 1], 3, stride=2, padding=1, output_padding=1,
                                   bias=bias),
                norm_layer(norm_type, widths[level - 1]),
                nn.ReLU(),
            ]
        self.up_blocks = nn.Sequential(*up)
        self.to_image = nn.Sequential(nn.ReflectionPad2d(3), nn.Conv2d(widths[0], out_channels, 7))  # c7s1-C_out
        gan_init_(self)

    def forward(self, pixel_values: torch.Tensor) -> torch.Tensor:
        """``pixel_values [N, in_channels, H, W]`` in [-1, 1] -> images in [-1, 1], ``[N, out_channels, H, W]``."""
        check_image_tensor("pixel_values", pixel_values, self.config.in_channels, MIN_INPUT_SIZE)
        hidden_states, box = pad_to_multiple(pixel_values, 2**NUM_DOWNSAMPLINGS)  # [N, C_in, P, Q]
        hidden_states = self.from_image(hidden_states)  # [N, c, P, Q]
        hidden_states = self.down_blocks(hidden_states)  # [N, 4c, P/4, Q/4]
        hidden_states = self.res_blocks(hidden_states)  # [N, 4c, P/4, Q/4]
        hidden_states = self.up_blocks(hidden_states)  # [N, c, P, Q]
        images = torch.tanh(self.to_image(hidden_states))  # [N, C_out, P, Q]
        return crop(images, box)  # [N, C_out, H, W]
