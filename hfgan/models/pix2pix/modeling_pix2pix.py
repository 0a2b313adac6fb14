"""Pix2Pix (Isola et al., 2017): a U-Net generator and a PatchGAN discriminator for paired translation.

Widths are ``min(base_channels * 2**level, max_channels)`` at ``level`` halvings below full resolution.

Generator (U-Net, ``L = num_downs``)::

    pixel_values [N, C_in, H, W] -> pad to a multiple of 2**L (reflect; zeros if the image is too small)
      encoder: Conv 4x4 s2                                 -> e_0 [N, c_0, H/2, W/2]
               l = 1 .. L-1: LeakyReLU, Conv 4x4 s2, norm  -> e_l [N, c_l, H/2**(l+1), ...]   (no norm at l = L-1)
      decoder: l = L-1 .. 1: ReLU, ConvTranspose 4x4 s2, norm, (Dropout 0.5)   # doubles H, W
               then concatenate the skip e_{l-1}           -> [N, 2 c_{l-1}, H/2**l, ...]
               ReLU, ConvTranspose 4x4 s2 -> tanh          -> [N, C_out, H, W]
      -> crop the padding -> images in [-1, 1]

Discriminator (PatchGAN, ``L = num_layers``; ``L = 3`` is the paper's 70x70 PatchGAN)::

    cat(pixel_values, conditioning_pixel_values) [N, C_in + C_cond, H, W]
      -> Conv 4x4 s2, LeakyReLU                            # no norm on the first layer
      -> n = 1 .. L-1: Conv 4x4 s2, norm, LeakyReLU        # halves H, W each time
      -> Conv 4x4 s1, norm, LeakyReLU                      -> features [N, c_L, H/2**L - 1, ...]
      -> Conv 4x4 s1 -> logits [N, 1, H/2**L - 2, W/2**L - 2]   (a patch map, no sigmoid)

Both networks are fully convolutional: ``sample_size`` picks the default depth (``num_downs``,
``num_layers``); other input sizes work as long as they are large enough.
"""

from typing import List, Optional, Tuple, Union

import torch
from diffusers.configuration_utils import ConfigMixin, register_to_config
from diffusers.models.modeling_utils import ModelMixin
from torch import nn

from ...errors import ConfigError, HFGANError
from ..layers import crop, gan_init_, norm_layer, pad_to_multiple, spectral_norm_wrapper
from ..validation import check_image_tensor, is_int, validate_translation_config

NEGATIVE_SLOPE = 0.2  # LeakyReLU slope of the U-Net encoder and of the PatchGAN
DROPOUT = 0.5  # the paper's dropout, which also serves as the generator's noise


def default_num_downs(sample_size: int) -> int:
    """ceil(log2(sample_size)), at least 2: the U-Net bottleneck is 1x1 after padding (8 at 256 px, 5 at 28 and 32 px)."""
    return max(2, (sample_size - 1).bit_length())


def default_num_layers(sample_size: int) -> int:
    """The deepest PatchGAN, up to the paper's 3, whose patch map is at least 4x4; at least 1.

    The map side is ``sample_size // 2**num_layers - 2``: 3 layers from 48 px up (30x30 at 256 px, 6x6 at
    64 px), 2 layers at 24-47 px (5x5 at 28 px, 6x6 at 32 px), 1 layer below (6x6 at 16 px, 2x2 at 8 px).
    """
    for num_layers in (3, 2, 1):
        if sample_size // 2**num_layers - 2 >= 4:
            return num_layers
    return 1


# ---------------------------------------------------------------------------------------------------------------------
# Generator
# ---------------------------------------------------------------------------------------------------------------------


class Pix2PixGenerator(ModelMixin, ConfigMixin):
    r"""
    Pix2Pix U-Net generator: encoder-decoder with a skip connection at every resolution.

    Parameters:
        in_channels (`int`, defaults to 1): Channels of the source image (1 or 3).
        out_channels (`int`, defaults to 1): Channels of the translated image (1 or 3).
        sample_size (`int`, defaults to 28): Training height and width; sets the default `num_downs`. Other
            sizes work too: inputs are padded to a multiple of `2**num_downs` and the output cropped back.
        base_channels (`int`, defaults to 64): Width of the outermost encoder block; doubles at every halving.
        num_downs (`int`, *optional*): Number of stride-2 downsamplings (>= 2). Defaults to
            `ceil(log2(sample_size))`, so the bottleneck is 1x1 after padding: 8 at 256 px (the paper), 5 at
            28 px (padded to 32) and at 32 px.
        max_channels (`int`, defaults to 512): Cap on the width.
        norm_type (`str`, defaults to `"batch"`): `"batch"` (the paper), `"instance"` or `"none"`. Batch
            normalization uses running statistics in eval mode.
        use_dropout (`bool`, defaults to True): Dropout 0.5 in the innermost `min(3, num_downs - 2)` decoder
            blocks, as in the paper, where it is the generator's only source of noise. Active in train mode only.
    """

    @register_to_config
    def __init__(
        self,
        in_channels: int = 1,
        out_channels: int = 1,
        sample_size: int = 28,
        base_channels: int = 64,
        num_downs: Optional[int] = None,
        max_channels: int = 512,
        norm_type: str = "batch",
        use_dropout: bool = True,
    ):
        super().__init__()
        validate_translation_config(self, ("in_channels",), (("num_downs", 2),), ("use_dropout",))
        self.num_downs = num_downs if num_downs is not None else default_num_downs(sample_size)
        widths = [min(base_channels * 2**level, max_channels) for level in range(self.num_downs)]
        normed_bias = norm_type == "none"  # a bias just before a normalization is cancelled by it

        # Encoder: down_blocks[l] maps level l-1 (the image for l = 0) to level l, halving H and W.
        down_blocks: List[nn.Module] = [nn.Conv2d(in_channels, widths[0], 4, stride=2, padding=1)]
        for level in range(1, self.num_downs):
            innermost = level == self.num_downs - 1  # the 1x1 bottleneck is not normalized
            down_blocks.append(nn.Sequential(
                nn.LeakyReLU(NEGATIVE_SLOPE),
                nn.Conv2d(widths[level - 1], widths[level], 4, stride=2, padding=1, bias=innermost or normed_bias),
                nn.Identity() if innermost else norm_layer(norm_type, widths[level]),
            ))
        self.down_blocks = nn.ModuleList(down_blocks)

        # Decoder, innermost first: up_blocks[i] maps level l = num_downs-1-i to level l-1, doubling H and W;
        # its input is the bottleneck (i = 0) or the previous output concatenated with the skip at level l.
        num_dropout = min(3, self.num_downs - 2) if use_dropout else 0
        up_blocks: List[nn.Module] = []
        for i, level in enumerate(range(self.num_downs - 1, 0, -1)):
            c_in = widths[level] * (1 if i == 0 else 2)
            up_blocks.append(nn.Sequential(
                nn.ReLU(),
                nn.ConvTranspose2d(c_in, widths[level - 1], 4, stride=2, padding=1, bias=normed_bias),
                norm_layer(norm_type, widths[level - 1]),
                nn.Dropout(DROPOUT) if i < num_dropout else nn.Identity(),
            ))
        self.up_blocks = nn.ModuleList(up_blocks)
        self.to_image = nn.Sequential(nn.ReLU(), nn.ConvTranspose2d(2 * widths[0], out_channels, 4, stride=2, padding=1))
        gan_init_(self)

    def forward(self, pixel_values: torch.Tensor) -> torch.Tensor:
        """``pixel_values [N, in_channels, H, W]`` in [-1, 1] -> images in [-1, 1], ``[N, out_channels, H, W]``."""
        check_image_tensor("pixel_values", pixel_values, self.config.in_channels, 1)
        hidden_states, box = pad_to_multiple(pixel_values, 2**self.num_downs)  # [N, C_in, P, Q]
        skips = []
        for block in self.down_blocks:
            hidden_states = block(hidden_states)  # [N, c_l, P / 2**(l+1), Q / 2**(l+1)]
            skips.append(hidden_states)
        skips.pop()  # the bottleneck is the decoder's input, not a skip
        for block in self.up_blocks:
            hidden_states = block(hidden_states)  # [N, c_{l-1}, P / 2**l, Q / 2**l]
            hidden_states = torch.cat([hidden_states, skips.pop()], dim=1)  # [N, 2 c_{l-1}, ...]
        images = torch.tanh(self.to_image(hidden_states))  # [N, C_out, P, Q]
        return crop(images, box)  # [N, C_out, H, W]


# ---------------------------------------------------------------------------------------------------------------------
# Discriminator
# ---------------------------------------------------------------------------------------------------------------------


class PatchGANDiscriminator(ModelMixin, ConfigMixin):
    r"""
    PatchGAN discriminator: one logit per overlapping image patch (no sigmoid: the loss owns it).

    With `num_layers=3` each logit sees a 70x70 patch (the paper's choice at 256 px). Pix2Pix conditions it on
    the source image (`conditioning_channels > 0`: concatenated on the channel axis); CycleGAN uses it
    unconditionally.

    Parameters:
        in_channels (`int`, defaults to 1): Channels of the judged image (1 or 3).
        conditioning_channels (`int`, defaults to 0): Channels of the conditioning image that `forward` then
            requires (Pix2Pix: the source image); 0 for an unconditional discriminator.
        sample_size (`int`, defaults to 28): Training height and width; sets the default `num_layers`. Other
            sizes work too, with a patch map of side `size // 2**num_layers - 2`.
        base_channels (`int`, defaults to 64): Width of the first layer; doubles at every halving.
        num_layers (`int`, *optional*): Number of stride-2 convolutions (>= 1). Defaults to the deepest of 3, 2,
            1 whose patch map is at least 4x4: 3 from 48 px up (30x30 at 256 px), 2 at 28 px (5x5) and 32 px
            (6x6), 1 at 16 px (6x6) and below.
        max_channels (`int`, defaults to 512): Cap on the width.
        norm_type (`str`, defaults to `"batch"`): `"batch"`, `"instance"` or `"none"`; use `"instance"` or
            `"none"` with a gradient penalty, which is per-sample.
        spectral_norm (`bool`, defaults to False): Spectral normalization on every convolution.
    """

    @register_to_config
    def __init__(
        self,
        in_channels: int = 1,
        conditioning_channels: int = 0,
        sample_size: int = 28,
        base_channels: int = 64,
        num_layers: Optional[int] = None,
        max_channels: int = 512,
        norm_type: str = "batch",
        spectral_norm: bool = False,
    ):
        super().__init__()
        validate_translation_config(self, (), (("num_layers", 1),), ("spectral_norm",))
        if not (is_int(conditioning_channels) and conditioning_channels >= 0):
            raise ConfigError(f"{type(self).__name__}: config 'conditioning_channels' must be an integer >= 0, "
                              f"got {conditioning_channels!r}")
        self.num_layers = num_layers if num_layers is not None else default_num_layers(sample_size)
        widths = [min(base_channels * 2**n, max_channels) for n in range(self.num_layers + 1)]
        wrap = spectral_norm_wrapper(spectral_norm)
        normed_bias = norm_type == "none"
        layers: List[nn.Module] = [
            wrap(nn.Conv2d(in_channels + conditioning_channels, widths[0], 4, stride=2, padding=1)),
            nn.LeakyReLU(NEGATIVE_SLOPE),
        ]
        for n in range(1, self.num_layers + 1):
            stride = 2 if n < self.num_layers else 1  # the last feature layer keeps the resolution
            layers += [
                wrap(nn.Conv2d(widths[n - 1], widths[n], 4, stride=stride, padding=1, bias=normed_bias)),
                norm_layer(norm_type, widths[n]),
                nn.LeakyReLU(NEGATIVE_SLOPE),
            ]
        self.features = nn.Sequential(*layers)
        self.to_logits = wrap(nn.Conv2d(widths[-1], 1, 4, stride=1, padding=1))
        # Smallest input with a 1x1 patch map: size // 2**num_layers - 2 >= 1.
        self.min_input_size = 3 * 2**self.num_layers
        gan_init_(self)

    def patch_map_size(self, size: int) -> int:
        """Side of the logit map for an input of side ``size``."""
        return size // 2**self.num_layers - 2

    def forward(
        self,
        pixel_values: torch.Tensor,
        conditioning_pixel_values: Optional[torch.Tensor] = None,
        return_features: bool = False,
    ) -> Union[torch.Tensor, Tuple[torch.Tensor, torch.Tensor]]:
        """``pixel_values [N, C, H, W]`` (+ ``conditioning_pixel_values [N, C_cond, H, W]``) -> logits
        ``[N, 1, h, w]``, ``h = H // 2**num_layers - 2`` (and features ``[N, F]``: the spatial mean of the last
        feature map)."""
        cfg = self.config
        check_image_tensor("pixel_values", pixel_values, cfg.in_channels, self.min_input_size)
        if cfg.conditioning_channels:
            if conditioning_pixel_values is None:
                raise HFGANError(f"this discriminator is conditional: pass conditioning_pixel_values "
                                 f"[batch_size, {cfg.conditioning_channels}, height, width] (e.g. the source image)")
            check_image_tensor("conditioning_pixel_values", conditioning_pixel_values, cfg.conditioning_channels, 1)
            if conditioning_pixel_values.shape[0] != pixel_values.shape[0] \
                    or conditioning_pixel_values.shape[2:] != pixel_values.shape[2:]:
                raise HFGANError(f"conditioning_pixel_values must match pixel_values in batch size, height and width: "
                                 f"got {list(conditioning_pixel_values.shape)} and {list(pixel_values.shape)}")
            pixel_values = torch.cat([pixel_values, conditioning_pixel_values.to(pixel_values.dtype)], dim=1)
        elif conditioning_pixel_values is not None:
            raise HFGANError("conditioning_pixel_values were given, but this discriminator is unconditional "
                             "(conditioning_channels is 0)")
        hidden_states = self.features(pixel_values)  # [N, c_L, H // 2**L - 1, W // 2**L - 1]
        logits = self.to_logits(hidden_states)  # [N, 1, H // 2**L - 2, W // 2**L - 2]
        if return_features:
            return logits, hidden_states.mean(dim=(2, 3))  # features [N, c_L]
        return logits
