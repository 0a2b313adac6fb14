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

The building blocks are in :mod:`.resample` (FIR resampling), :mod:`.layers` (equalized-lr layers), :mod:`.mapping`,
:mod:`.synthesis` (modulated convolution and the synthesis network) and :mod:`.discriminator_blocks`; this module
holds the two models and their config checks.
"""

import math
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
import torch
import torch.nn.functional as F
from diffusers.configuration_utils import ConfigMixin, register_to_config
from diffusers.models.modeling_utils import ModelMixin

from ...errors import ConfigError, HFGANError
from ..capabilities import TRUNCATION_W_SPACE
from ..validation import check_class_labels, check_latents, check_pixel_values, is_int, validate_config
from .discriminator_blocks import DiscriminatorBlock, DiscriminatorEpilogue
from .mapping import MappingNetwork
from .resample import RESAMPLE_FILTER
from .synthesis import SynthesisNetwork

NOISE_MODES = ("random", "const", "none")


def _resolution_for(name: str, sample_size) -> int:
    """The power-of-two resolution (>= 8) a ``sample_size`` renders at: itself, or the next one with an even margin."""
    if not (is_int(sample_size) and sample_size >= 4):
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
        if not (is_int(value) and value > 0):
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
    as the reference's image export does (the clamp lets gradients through unchanged). Training must not clamp: the
    reference's discriminator sees the raw synthesis output, so pixels out of range are penalized rather than hidden
    (``clamp=False``, as the training tasks pass it to a generator with ``clamps_output``). ``mapping`` holds the
    parameters whose runtime learning-rate multiplier is ``mapping_lr_multiplier`` (already in their scaling: give
    them the same optimizer learning rate as the rest, as the reference does).

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

    truncation = TRUNCATION_W_SPACE  # a W space (map / synthesize); GANPipeline truncates towards w_avg (latents unscaled)
    clamps_output = True  # images are clamped unless forward / synthesize get clamp=False (what training passes)

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
        if not (is_int(w_dim) and w_dim > 0):
            raise ConfigError(f"{name}: config 'w_dim' must be a positive integer, got {w_dim!r}")
        for key, value in (("embed_features", embed_features), ("layer_features", layer_features)):
            if value is not None and not (is_int(value) and value > 0):
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
        if truncation_cutoff is not None and not (is_int(truncation_cutoff) and truncation_cutoff >= 0):
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
                   generator: Optional[Union[torch.Generator, List[torch.Generator]]] = None,
                   clamp: bool = True) -> torch.Tensor:
        """``ws [N, num_ws, w_dim]`` -> images ``[N, out_channels, sample_size, sample_size]`` in [-1, 1].

        ``noise_mode``: ``"random"`` (fresh noise, drawn with ``generator`` when given), ``"const"`` (the stored
        ``noise_const`` buffers: deterministic) or ``"none"``. ``clamp=False`` returns the raw synthesis output, not
        clamped to [-1, 1]: what the reference trains its discriminator on (a clamp would hide pixels out of range
        from it, and they would drift without bound)."""
        if noise_mode not in NOISE_MODES:
            raise HFGANError(f"noise_mode must be one of {NOISE_MODES}, got {noise_mode!r}")
        if not isinstance(ws, torch.Tensor) or ws.ndim != 3 or tuple(ws.shape[1:]) != (self.num_ws, self.config.w_dim):
            got = list(ws.shape) if isinstance(ws, torch.Tensor) else type(ws).__name__
            raise HFGANError(f"ws must be a tensor of shape [batch_size, {self.num_ws}, {self.config.w_dim}], got {got}")
        images = self.synthesis(ws, noise_mode=noise_mode, generator=generator)  # [N, C, R, R]
        margin = (self.resolution - self.config.sample_size) // 2
        if margin:
            images = images[:, :, margin: margin + self.config.sample_size, margin: margin + self.config.sample_size]
        return _StraightThroughClamp.apply(images) if clamp else images

    def forward(self, latents: torch.Tensor, class_labels: Optional[torch.Tensor] = None, truncation_psi: float = 1.0,
                truncation_cutoff: Optional[int] = None, noise_mode: str = "random",
                generator: Optional[Union[torch.Generator, List[torch.Generator]]] = None,
                clamp: bool = True) -> torch.Tensor:
        """``latents [N, latent_dim]`` (+ ``class_labels [N]``) -> images ``[N, out_channels, H, W]`` in [-1, 1]
        (``clamp=False``: the raw output, for training; see :meth:`synthesize`)."""
        ws = self.map(latents, class_labels, truncation_psi, truncation_cutoff)
        return self.synthesize(ws, noise_mode=noise_mode, generator=generator, clamp=clamp)


# -- discriminator ---------------------------------------------------------------------------------------------------
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
        if mbstd_group_size is not None and not (is_int(mbstd_group_size) and mbstd_group_size > 0):
            raise ConfigError(f"{name}: config 'mbstd_group_size' must be None or a positive integer, got {mbstd_group_size!r}")
        if not (is_int(mbstd_num_channels) and mbstd_num_channels >= 0):
            raise ConfigError(f"{name}: config 'mbstd_num_channels' must be an integer >= 0, got {mbstd_num_channels!r}")
        if cmap_dim is not None and not (is_int(cmap_dim) and cmap_dim > 0):
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
