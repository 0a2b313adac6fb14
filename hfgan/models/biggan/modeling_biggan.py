"""BigGAN-deep (Brock et al., 2019): a class-conditional generator of bottleneck residual blocks whose batch
norms are conditioned on ``[latents, embed(class)]`` and, at inference, use *standing statistics* chosen by the
truncation; and a residual projection discriminator with self-attention.

The generator is laid out so that the BigGAN-deep checkpoints of Hugging Face's ``pytorch-pretrained-biggan``
(``biggan-deep-128/256/512``) map onto it one tensor to one tensor (see :mod:`hfgan.convert.biggan`); its images
for the same latents, classes and truncation are the same.

Generator::

    condition = [latents [N, Z], class_embedding(class_labels) [N, E]]            # [N, Z + E]
      -> SN-Linear -> [N, b, b, C_0] -> permute -> [N, C_0, b, b]                 # C_0 = channel_width * layers[0][1]
      -> for each layer (upsample, m_in, m_out):   (self-attention before layer `attention_layer_position`)
           x -> CBN, ReLU, 1x1 conv (C_in -> C_in/4)
             -> CBN, ReLU, [nearest 2x], 3x3 conv -> CBN, ReLU, 3x3 conv
             -> CBN, ReLU, 1x1 conv (-> C_out)
           + x[:, :C_out] [nearest 2x]                                            # skip drops channels, no weights
      -> BN, ReLU, SN 3x3 conv -> first `out_channels` channels -> tanh -> [N, out_channels, H, W]

Every conditional batch norm (CBN) scales by ``1 + SN-Linear(condition)`` and shifts by ``SN-Linear(condition)``.

Discriminator::

    pixel_values [N, C, H, W] -> residual blocks (2 SN 3x3 convs, [2x avg-pool], SN 1x1 shortcut)
      (self-attention before block `attention_layer_position`)
      -> ReLU -> sum over H, W -> [N, F] -> SN-Linear -> logits [N] + <SN-embed(y), features>  (projection)
"""

import math
from typing import Callable, List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from diffusers.configuration_utils import ConfigMixin, register_to_config
from diffusers.models.modeling_utils import ModelMixin
from torch import nn

from ...errors import ConfigError, HFGANError
from ..capabilities import TRUNCATION_STANDING_STATS
from ..layers import add_projection, apply_spectral_norm
from ..validation import (check_class_inputs, check_class_labels, check_class_labels_alone, check_latents,
                          check_pixel_values, is_int, validate_config)

BOTTLENECK_REDUCTION = 4  # a block's middle width is its input width / 4
RUNNING_STATS_MOMENTUM = 0.1
TRUNCATION_BOUND = 2.0  # sampled latents come from N(0, 1) truncated to [-2, 2], times the truncation

# The generators of pytorch-pretrained-biggan's checkpoints, in this class's config keys (their ``output_dim`` is
# ``sample_size``, ``z_dim`` is ``latent_dim``). Their last convolution has ``channel_width`` outputs of which the
# first three are the image, hence ``image_conv_channels``.
_DEEP_LAYERS_128 = [[False, 16, 16], [True, 16, 16], [False, 16, 16], [True, 16, 8], [False, 8, 8], [True, 8, 4],
                    [False, 4, 4], [True, 4, 2], [False, 2, 2], [True, 2, 1]]
_DEEP_LAYERS_256 = [[False, 16, 16], [True, 16, 16], [False, 16, 16], [True, 16, 8], [False, 8, 8], [True, 8, 8],
                    [False, 8, 8], [True, 8, 4], [False, 4, 4], [True, 4, 2], [False, 2, 2], [True, 2, 1]]
_DEEP_LAYERS_512 = [[False, 16, 16], [True, 16, 16], [False, 16, 16], [True, 16, 8], [False, 8, 8], [True, 8, 8],
                    [False, 8, 8], [True, 8, 4], [False, 4, 4], [True, 4, 2], [False, 2, 2], [True, 2, 1],
                    [False, 1, 1], [True, 1, 1]]
REFERENCE_CONFIGS = {
    name: {"latent_dim": 128, "class_embed_dim": 128, "num_classes": 1000, "channel_width": 128, "layers": layers,
           "attention_layer_position": attention, "sample_size": size, "out_channels": 3, "image_conv_channels": 128,
           "n_stats": 51, "eps": 1e-4}
    for name, size, layers, attention in [("biggan-deep-128", 128, _DEEP_LAYERS_128, 8),
                                          ("biggan-deep-256", 256, _DEEP_LAYERS_256, 8),
                                          ("biggan-deep-512", 512, _DEEP_LAYERS_512, 8)]
}


def _layer_list(name: str, layers, width: int) -> List[list]:
    """``layers`` as a list of ``[flag, int, ...]`` lists of ``width`` entries, or a ConfigError."""
    if not isinstance(layers, (list, tuple)) or not layers:
        raise ConfigError(f"{name}: config 'layers' must be a non-empty list, got {layers!r}")
    out = []
    for layer in layers:
        ok = isinstance(layer, (list, tuple)) and len(layer) == width and isinstance(layer[0], bool) \
            and all(is_int(m) and m > 0 for m in layer[1:])
        if not ok:
            shape = "[upsample, in_multiplier, out_multiplier]" if width == 3 else "[downsample, out_multiplier]"
            raise ConfigError(f"{name}: config 'layers' entries must be {shape} (a bool, then positive integers), "
                              f"got {layer!r}")
        out.append(list(layer))
    return out


def _check_common(model, name: str) -> None:
    cfg = model.config
    if not (is_int(cfg.channel_width) and cfg.channel_width > 0):
        raise ConfigError(f"{name}: config 'channel_width' must be a positive integer, got {cfg.channel_width!r}")
    position = cfg.attention_layer_position
    if position is not None and not (is_int(position) and 0 <= position <= len(cfg.layers)):
        raise ConfigError(f"{name}: config 'attention_layer_position' must be None or in [0, {len(cfg.layers)}], "
                          f"got {position!r}")


# -- building blocks -------------------------------------------------------------------------------------------
class SelfAttention(nn.Module):
    """SAGAN self-attention over positions: keys and values are 2x max-pooled; ``x + gamma * attention(x)``."""

    def __init__(self, channels: int, eps: float = 1e-4):
        super().__init__()
        self.query = apply_spectral_norm(nn.Conv2d(channels, channels // 8, 1, bias=False), eps)
        self.key = apply_spectral_norm(nn.Conv2d(channels, channels // 8, 1, bias=False), eps)
        self.value = apply_spectral_norm(nn.Conv2d(channels, channels // 2, 1, bias=False), eps)
        self.out = apply_spectral_norm(nn.Conv2d(channels // 2, channels, 1, bias=False), eps)
        self.gamma = nn.Parameter(torch.zeros(1))  # starts as the identity

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, c, h, w = x.shape
        query = self.query(x).view(n, c // 8, h * w)                        # [N, C/8, HW]
        key = F.max_pool2d(self.key(x), 2).view(n, c // 8, h * w // 4)     # [N, C/8, HW/4]
        attention = torch.softmax(torch.bmm(query.transpose(1, 2), key), dim=-1)  # [N, HW, HW/4]
        value = F.max_pool2d(self.value(x), 2).view(n, c // 2, h * w // 4)  # [N, C/2, HW/4]
        attended = torch.bmm(value, attention.transpose(1, 2)).view(n, c // 2, h, w)  # [N, C/2, H, W]
        return x + self.gamma * self.out(attended)


class StandingStatsBatchNorm(nn.Module):
    """Batch norm whose inference statistics depend on the truncation: ``n_stats`` slots of running means and
    variances for truncations ``0, 1/(n_stats-1), ..., 1``.

    Conditional (``condition_dim`` given): scale ``1 + scale(condition)`` and shift ``offset(condition)`` per sample;
    otherwise a learned ``weight`` and ``bias``. Training normalizes with the batch's statistics and moves every
    slot towards them (momentum 0.1), so a model trained here samples at any truncation; after training,
    :meth:`BigGANDeepGenerator.accumulate_standing_stats` measures each slot at its own truncation (between
    :meth:`start_accumulating` and :meth:`store_accumulated`), as checkpoints converted from
    pytorch-pretrained-biggan come.
    """

    def __init__(self, num_features: int, condition_dim: Optional[int] = None, n_stats: int = 51, eps: float = 1e-4):
        super().__init__()
        self.eps = eps
        self.n_stats = n_stats
        self.register_buffer("running_means", torch.zeros(n_stats, num_features))
        self.register_buffer("running_vars", torch.ones(n_stats, num_features))
        if condition_dim is not None:
            self.scale = apply_spectral_norm(nn.Linear(condition_dim, num_features, bias=False), eps)
            self.offset = apply_spectral_norm(nn.Linear(condition_dim, num_features, bias=False), eps)
        else:
            self.weight = nn.Parameter(torch.ones(num_features))
            self.bias = nn.Parameter(torch.zeros(num_features))
        self._standing: Optional[List[torch.Tensor]] = None  # [sum of means, sum of vars, batches] while accumulating

    @property
    def conditional(self) -> bool:
        return hasattr(self, "scale")

    def start_accumulating(self) -> None:
        """From now on, normalize with each batch's statistics and add them up (see :meth:`store_accumulated`)."""
        self._standing = [torch.zeros_like(self.running_means[0]), torch.zeros_like(self.running_vars[0]), 0]

    def store_accumulated(self, slot: int) -> None:
        """Write the average of the batch statistics seen since :meth:`start_accumulating` into ``slot``, and stop."""
        mean_sum, var_sum, batches = self._standing
        self._standing = None
        if batches:
            self.running_means[slot] = mean_sum / batches
            self.running_vars[slot] = var_sum / batches

    def standing_stats(self, truncation: float) -> Tuple[torch.Tensor, torch.Tensor]:
        """``(mean, var)`` ``[C]`` for ``truncation`` in (0, 1], picked exactly as the converted checkpoints expect:
        slot ``k = floor(truncation / step)`` with ``step = 1 / (n_stats - 1)``; off the grid, the fraction ``f``
        weighs slot ``k`` and ``1 - f`` slot ``k + 1`` (the convention the published statistics come with)."""
        step = 1.0 / (self.n_stats - 1)
        fraction, index = math.modf(truncation / step)
        index = int(index)
        if fraction == 0.0 or index + 1 >= self.n_stats:
            index = min(index, self.n_stats - 1)
            return self.running_means[index], self.running_vars[index]
        mean = self.running_means[index] * fraction + self.running_means[index + 1] * (1 - fraction)
        var = self.running_vars[index] * fraction + self.running_vars[index + 1] * (1 - fraction)
        return mean, var

    def forward(self, x: torch.Tensor, truncation: float, condition: Optional[torch.Tensor] = None) -> torch.Tensor:
        if self.training or self._standing is not None:
            return self._forward_batch_stats(x, condition)
        mean, var = self.standing_stats(truncation)
        if not self.conditional:
            return F.batch_norm(x, mean, var, self.weight, self.bias, training=False, momentum=0.0, eps=self.eps)
        weight = 1 + self.scale(condition)[:, :, None, None]  # [N, C, 1, 1]
        bias = self.offset(condition)[:, :, None, None]
        if not torch.is_grad_enabled():  # the same arithmetic in one buffer (generation)
            out = x - mean[None, :, None, None]
            return out.div_(torch.sqrt(var[None, :, None, None] + self.eps)).mul_(weight).add_(bias)
        return (x - mean[None, :, None, None]) / torch.sqrt(var[None, :, None, None] + self.eps) * weight + bias

    def _forward_batch_stats(self, x: torch.Tensor, condition: Optional[torch.Tensor]) -> torch.Tensor:
        """Normalize with the batch's statistics (biased variance) and record them (unbiased variance). The fused
        ``F.batch_norm`` with ``momentum=1`` normalizes and writes the batch's mean and unbiased variance into
        ``batch_mean`` / ``batch_var`` in one pass, with a fused backward (BENCHMARKS.md: on CPU it took less time per
        call than ``torch.var_mean`` alone)."""
        batch_mean = torch.zeros(x.shape[1], dtype=x.dtype, device=x.device)  # [C]
        batch_var = torch.ones(x.shape[1], dtype=x.dtype, device=x.device)
        affine = (None, None) if self.conditional else (self.weight, self.bias)  # conditional: applied below
        normalized = F.batch_norm(x, batch_mean, batch_var, *affine, training=True, momentum=1.0, eps=self.eps)
        with torch.no_grad():
            batch_mean, batch_var = batch_mean.to(self.running_means.dtype), batch_var.to(self.running_vars.dtype)
            if self._standing is not None:  # standing statistics: a plain average over the batches
                self._standing[0] += batch_mean
                self._standing[1] += batch_var
                self._standing[2] += 1
            else:
                self.running_means.lerp_(batch_mean.expand_as(self.running_means), RUNNING_STATS_MOMENTUM)
                self.running_vars.lerp_(batch_var.expand_as(self.running_vars), RUNNING_STATS_MOMENTUM)
        if not self.conditional:
            return normalized
        weight = 1 + self.scale(condition)[:, :, None, None]  # [N, C, 1, 1]
        bias = self.offset(condition)[:, :, None, None]
        return torch.addcmul(bias, normalized, weight)


class BigGANDeepBlock(nn.Module):
    """Bottleneck residual block: four (CBN, ReLU, conv) with widths ``C_in -> C_in/4 -> C_in/4 -> C_in/4 -> C_out``,
    nearest 2x upsampling before the first 3x3 conv; the skip keeps the first ``C_out`` channels (no weights)."""

    def __init__(self, in_channels: int, out_channels: int, condition_dim: int, upsample: bool, n_stats: int, eps: float):
        super().__init__()
        middle = in_channels // BOTTLENECK_REDUCTION
        self.upsample = upsample
        self.out_channels = out_channels
        self.norm0 = StandingStatsBatchNorm(in_channels, condition_dim, n_stats, eps)
        self.conv0 = apply_spectral_norm(nn.Conv2d(in_channels, middle, 1), eps)
        self.norm1 = StandingStatsBatchNorm(middle, condition_dim, n_stats, eps)
        self.conv1 = apply_spectral_norm(nn.Conv2d(middle, middle, 3, padding=1), eps)
        self.norm2 = StandingStatsBatchNorm(middle, condition_dim, n_stats, eps)
        self.conv2 = apply_spectral_norm(nn.Conv2d(middle, middle, 3, padding=1), eps)
        self.norm3 = StandingStatsBatchNorm(middle, condition_dim, n_stats, eps)
        self.conv3 = apply_spectral_norm(nn.Conv2d(middle, out_channels, 1), eps)

    def forward(self, x: torch.Tensor, condition: torch.Tensor, truncation: float) -> torch.Tensor:
        inplace = not torch.is_grad_enabled()  # generation: ReLU in the batch norm's fresh output
        h = self.conv0(F.relu(self.norm0(x, truncation, condition), inplace))  # [N, C_in/4, H, W]
        h = F.relu(self.norm1(h, truncation, condition), inplace)
        if self.upsample:
            h = F.interpolate(h, scale_factor=2, mode="nearest")               # [N, C_in/4, 2H, 2W]
        h = self.conv1(h)
        h = self.conv2(F.relu(self.norm2(h, truncation, condition), inplace))
        h = self.conv3(F.relu(self.norm3(h, truncation, condition), inplace))  # [N, C_out, ., .]
        skip = x[:, : self.out_channels]
        if self.upsample:
            skip = F.interpolate(skip, scale_factor=2, mode="nearest")
        return h.add_(skip) if inplace else h + skip


# -- generator -------------------------------------------------------------------------------------------------
class BigGANDeepGenerator(ModelMixin, ConfigMixin):
    r"""
    BigGAN-deep generator, class-conditional, with standing statistics selected by the truncation.

    Its defaults are those of pytorch-pretrained-biggan's ``biggan-deep-128`` (see ``REFERENCE_CONFIGS`` for 256 and
    512), whose ``z_dim`` is ``latent_dim`` here and ``output_dim`` is ``sample_size``.

    Parameters:
        latent_dim (`int`, defaults to 128): Size of the latent vector (the reference's `z_dim`).
        num_classes (`int`, defaults to 1000): Number of classes (>= 2; the generator is always conditional).
        class_embed_dim (`int`, defaults to 128): Size of the class embedding concatenated to the latents; the
            conditioning vector of every batch norm has `latent_dim + class_embed_dim` entries.
        channel_width (`int`, defaults to 128): Base width; layer widths are multiples of it.
        layers (`List[[bool, int, int]]`): One `[upsample, in_multiplier, out_multiplier]` per residual block; a
            block maps `channel_width * in_multiplier` channels to `channel_width * out_multiplier`
            (`out <= in`), doubling H and W when `upsample`. Consecutive blocks must chain. The first block's input
            is the `sample_size / 2**upsamplings` square the linear layer makes.
        attention_layer_position (`int`, *optional*, defaults to 8): Self-attention before the block of this index
            (`len(layers)`: after the last); None for none. The resolution there must be even.
        sample_size (`int`, defaults to 128): Output height and width (the reference's `output_dim`); a multiple of
            `2**upsamplings`.
        out_channels (`int`, defaults to 3): Image channels (1 or 3).
        image_conv_channels (`int`, *optional*): Outputs of the last convolution, of which the first `out_channels`
            are the image; the reference's checkpoints have `channel_width` there. Default: `out_channels`.
        n_stats (`int`, defaults to 51): Slots of standing statistics, for truncations `0, 1/(n_stats-1), ..., 1`.
        eps (`float`, defaults to 1e-4): Epsilon of the batch norms and of spectral normalization.
        class_names (`List[str]`, *optional*): Human-readable class names, index = class label.
    """

    truncation = TRUNCATION_STANDING_STATS  # how GANPipeline truncates: it passes truncation_psi here, latents unscaled

    @register_to_config
    def __init__(
        self,
        latent_dim: int = 128,
        num_classes: int = 1000,
        class_embed_dim: int = 128,
        channel_width: int = 128,
        layers: Sequence[Sequence] = tuple(map(tuple, _DEEP_LAYERS_128)),
        attention_layer_position: Optional[int] = 8,
        sample_size: int = 128,
        out_channels: int = 3,
        image_conv_channels: Optional[int] = None,
        n_stats: int = 51,
        eps: float = 1e-4,
        class_names: Optional[List[str]] = None,
    ):
        super().__init__()
        name = type(self).__name__
        layers = _layer_list(name, layers, 3)
        self.register_to_config(layers=layers)  # lists, as they come back from config.json
        validate_config(self, image=True, conditional=True)
        _check_common(self, name)
        if not (is_int(num_classes) and num_classes >= 2):
            raise ConfigError(f"{name}: config 'num_classes' must be an integer >= 2, got {num_classes!r}")
        if not (is_int(n_stats) and n_stats >= 2):
            raise ConfigError(f"{name}: config 'n_stats' must be an integer >= 2, got {n_stats!r}")
        if isinstance(eps, bool) or not isinstance(eps, (int, float)) or not eps > 0:
            raise ConfigError(f"{name}: config 'eps' must be a positive number, got {eps!r}")
        conv_channels = out_channels if image_conv_channels is None else image_conv_channels
        if not (is_int(conv_channels) and conv_channels >= out_channels):
            raise ConfigError(f"{name}: config 'image_conv_channels' must be None or an integer >= out_channels, "
                              f"got {image_conv_channels!r}")
        for i, (_, m_in, m_out) in enumerate(layers):
            if i and m_in != layers[i - 1][2]:
                raise ConfigError(f"{name}: config 'layers' do not chain: block {i} takes {m_in}x channel_width, "
                                  f"block {i - 1} gives {layers[i - 1][2]}x")
            if m_out > m_in or channel_width * m_in < BOTTLENECK_REDUCTION:
                raise ConfigError(f"{name}: config 'layers' block {i} must keep or reduce its width and have at least "
                                  f"{BOTTLENECK_REDUCTION} input channels, got {[m_in, m_out]} x {channel_width}")
        num_ups = sum(1 for up, _, _ in layers if up)
        if sample_size % 2**num_ups:
            raise ConfigError(f"{name}: config 'sample_size'={sample_size} is not a multiple of 2**{num_ups} "
                              f"(the upsamplings in 'layers')")
        self.base_size = sample_size // 2**num_ups
        if attention_layer_position is not None:
            size = self.base_size * 2 ** sum(1 for up, _, _ in layers[:attention_layer_position] if up)
            width = channel_width * (layers[attention_layer_position][1] if attention_layer_position < len(layers)
                                     else layers[-1][2])
            if size % 2 or width < 8:
                raise ConfigError(f"{name}: self-attention at position {attention_layer_position} sees {width} channels "
                                  f"at {size}x{size}; it needs an even size and at least 8 channels")

        condition_dim = latent_dim + class_embed_dim
        self.top_channels = channel_width * layers[0][1]
        # an embedding lookup: the same numbers as a bias-free linear layer on one-hot labels
        self.class_embedding = nn.Embedding(num_classes, class_embed_dim)
        self.project = apply_spectral_norm(nn.Linear(condition_dim, self.base_size**2 * self.top_channels), eps)
        blocks: List[nn.Module] = []
        for i, (upsample, m_in, m_out) in enumerate(layers):
            if i == attention_layer_position:
                blocks.append(SelfAttention(channel_width * m_in, eps))
            blocks.append(BigGANDeepBlock(channel_width * m_in, channel_width * m_out, condition_dim, upsample, n_stats, eps))
        if attention_layer_position == len(layers):
            blocks.append(SelfAttention(channel_width * layers[-1][2], eps))
        self.blocks = nn.ModuleList(blocks)
        final_channels = channel_width * layers[-1][2]
        self.norm_out = StandingStatsBatchNorm(final_channels, None, n_stats, eps)
        self.to_image = apply_spectral_norm(nn.Conv2d(final_channels, conv_channels, 3, padding=1), eps)

    def embed_classes(self, class_labels: torch.Tensor) -> torch.Tensor:
        """``class_labels [N]`` -> ``class_embeddings [N, class_embed_dim]``, what :meth:`forward` concatenates to
        the latents. Linear in the one-hot labels, so a blend of two classes' embeddings is a blend of the classes:
        pass it to ``forward(..., class_embeddings=)`` to move from one class to another."""
        return self.class_embedding(check_class_labels_alone(class_labels, self.config.num_classes))

    def forward(self, latents: torch.Tensor, class_labels: Optional[torch.Tensor] = None,
                truncation_psi: float = 1.0, class_embeddings: Optional[torch.Tensor] = None) -> torch.Tensor:
        """``latents [N, latent_dim]``, ``class_labels [N]`` -> images in [-1, 1], ``[N, out_channels, H, W]``.

        ``truncation_psi`` in (0, 1] picks the standing statistics (eval mode); the latents are used as given, so
        pass latents drawn at the same truncation (``GANPipeline`` does). Instead of ``class_labels``,
        ``class_embeddings [N, class_embed_dim]`` (from :meth:`embed_classes`, or blends of them) may be given."""
        cfg = self.config
        check_latents(latents, cfg.latent_dim)
        if isinstance(truncation_psi, bool) or not isinstance(truncation_psi, (int, float)) or not 0 < truncation_psi <= 1:
            raise HFGANError(f"truncation_psi of a BigGAN-deep generator must be a number in (0, 1], got {truncation_psi!r}")
        class_labels = check_class_inputs(class_labels, class_embeddings, cfg.num_classes, cfg.class_embed_dim,
                                          latents.shape[0])
        if class_labels is not None:
            class_embeddings = self.class_embedding(class_labels)
        truncation = float(truncation_psi)
        condition = torch.cat([latents, class_embeddings.to(latents.dtype)], dim=1)  # [N, Z + E]
        # the projection is laid out height, width, channels (as the converted checkpoints are)
        h = self.project(condition).view(-1, self.base_size, self.base_size, self.top_channels)
        h = h.permute(0, 3, 1, 2).contiguous()  # [N, C_0, b, b]
        for block in self.blocks:
            h = block(h, condition, truncation) if isinstance(block, BigGANDeepBlock) else block(h)
        h = F.relu(self.norm_out(h, truncation))  # [N, channel_width * m_last, H, W]
        h = self.to_image(h)[:, : cfg.out_channels]
        return torch.tanh(h)

    @torch.no_grad()
    def accumulate_standing_stats(
        self,
        sample_inputs: Optional[Callable[[], Tuple[torch.Tensor, torch.Tensor]]] = None,
        num_batches: int = 16,
        batch_size: int = 64,
        generator: Optional[torch.Generator] = None,
        progress: bool = False,
    ) -> None:
        r"""
        Standing statistics, as BigGAN's ``accumulate_standing_stats``: for every slot ``k`` of every batch norm, the
        average over ``num_batches`` forward passes of the batch means and variances at truncation
        ``psi_k = k / (n_stats - 1)``. Generation in eval mode then normalizes with them (the running averages of
        training are replaced).

        Each batch's latents come from the prior the pipeline samples at ``psi_k``: N(0, 1) truncated to [-2, 2]
        (mapped from the given N(0, 1) draws through the normal CDF), times ``psi_k``. The same batches serve every
        slot, so neighbouring slots differ by the truncation alone. The weights, spectral-norm vectors and the
        train/eval mode are left as they were.

        Args:
            sample_inputs (`Callable`, *optional*): Returns ``(latents [B, latent_dim] from N(0, I), class_labels
                [B])`` on the model's device; called ``num_batches`` times. Default: ``batch_size`` latents and
                uniform labels drawn with ``generator``.
            num_batches (`int`, defaults to 16): Forward passes per slot (BigGAN's ``num_standing_accumulations``).
            batch_size (`int`, defaults to 64): Batch size of the default ``sample_inputs``.
            generator (`torch.Generator`, *optional*): Randomness of the default ``sample_inputs``.
            progress (`bool`, defaults to False): Show a progress bar over the slots.
        """
        if not is_int(num_batches) or num_batches < 1:
            raise HFGANError(f"num_batches must be an integer >= 1, got {num_batches!r}")
        cfg = self.config
        device = self.class_embedding.weight.device
        if sample_inputs is None:
            def sample_inputs():
                latents = torch.randn(batch_size, cfg.latent_dim, generator=generator)
                labels = torch.randint(0, cfg.num_classes, (batch_size,), generator=generator)
                return latents.to(device), labels.to(device)
        batches = [sample_inputs() for _ in range(num_batches)]
        batches = [(truncate_normal_draws(latents), labels) for latents, labels in batches]
        norms = [m for m in self.modules() if isinstance(m, StandingStatsBatchNorm)]
        was_training = self.training
        self.eval()  # no power iterations; the batch norms use batch statistics while accumulating
        slots = range(cfg.n_stats)
        if progress:
            from tqdm.auto import tqdm

            slots = tqdm(slots, desc="standing statistics", unit="truncation")
        try:
            for slot in slots:
                psi = slot / (cfg.n_stats - 1)
                for norm in norms:
                    norm.start_accumulating()
                for latents, labels in batches:
                    self(latents * psi, labels)
                for norm in norms:
                    norm.store_accumulated(slot)
        finally:
            for norm in norms:
                norm._standing = None
            self.train(was_training)

    # Standing statistics after training: forward passes per truncation level, each of one ``sample_inputs()`` batch
    # (256 in the generation task), so 256 samples per level (BigGAN-PyTorch averages 16 batches of its G batch size).
    # The biggan-deep-28 preset's generator took 54 CPU-s for 2 passes at each of its 51 levels on the 2-core
    # development machine (shared), so about half that for 1; the pipeline is built for each in-training evaluation.
    recalibration_batches = 1

    def recalibrate_batchnorm(self, sample_inputs: Callable[[], Tuple[torch.Tensor, torch.Tensor]]) -> None:
        """Re-estimate the statistics after training changed (or averaged) the weights, as
        :func:`hfgan.training.ema.recalibrate_batchnorm` asks a model that keeps its own: the standing statistics,
        every level from ``recalibration_batches`` batches of ``sample_inputs()``."""
        self.accumulate_standing_stats(sample_inputs, num_batches=self.recalibration_batches)


def truncate_normal_draws(latents: torch.Tensor, bound: float = TRUNCATION_BOUND) -> torch.Tensor:
    """Draws from N(0, 1) mapped one to one onto N(0, 1) truncated to [-bound, bound] (through the normal CDF:
    ``ndtri(Phi(-b) + Phi(z) * (Phi(b) - Phi(-b)))``), the prior ``GANPipeline`` samples BigGAN's latents from."""
    z = latents.double()
    low, high = torch.special.ndtr(torch.tensor(-bound, dtype=z.dtype)), torch.special.ndtr(torch.tensor(bound, dtype=z.dtype))
    out = torch.special.ndtri(low + torch.special.ndtr(z) * (high - low)).clamp(-bound, bound)
    return out.to(latents.dtype)


# -- discriminator ---------------------------------------------------------------------------------------------
class BigGANDiscriminatorBlock(nn.Module):
    """Residual block: [ReLU], SN 3x3 conv, ReLU, SN 3x3 conv, [2x avg-pool]; shortcut SN 1x1 conv, [2x avg-pool]
    when the width or size changes. The first block sees the image, so it has no ReLU in front."""

    def __init__(self, in_channels: int, out_channels: int, downsample: bool, preactivation: bool, eps: float):
        super().__init__()
        self.downsample = downsample
        self.preactivation = preactivation
        self.conv0 = apply_spectral_norm(nn.Conv2d(in_channels, out_channels, 3, padding=1), eps)
        self.conv1 = apply_spectral_norm(nn.Conv2d(out_channels, out_channels, 3, padding=1), eps)
        needs_shortcut = in_channels != out_channels or downsample
        self.shortcut = apply_spectral_norm(nn.Conv2d(in_channels, out_channels, 1), eps) if needs_shortcut else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = F.relu(x) if self.preactivation else x
        h = self.conv1(F.relu(self.conv0(h)))
        skip = x if self.shortcut is None else self.shortcut(x)
        if self.downsample:
            h, skip = F.avg_pool2d(h, 2), F.avg_pool2d(skip, 2)
        return h + skip


class BigGANDiscriminator(ModelMixin, ConfigMixin):
    r"""
    BigGAN discriminator: spectrally normalized residual blocks, self-attention, class projection; one logit per
    image (no sigmoid: the loss owns it).

    Parameters:
        in_channels (`int`, defaults to 1): Channels of the input image.
        sample_size (`int`, defaults to 28): Input height and width; each downsampling needs an even size.
        channel_width (`int`, defaults to 32): Base width; block widths are multiples of it.
        layers (`List[[bool, int]]`, defaults to `[[True, 1], [True, 2], [False, 4]]`): One
            `[downsample, out_multiplier]` per residual block (28 -> 14 -> 7 -> 7 by default).
        attention_layer_position (`int`, *optional*, defaults to 1): Self-attention before the block of this index;
            None for none. The resolution there must be even.
        num_classes (`int`, *optional*): Number of classes; when set, adds the projection term.
        eps (`float`, defaults to 1e-4): Epsilon of spectral normalization.
    """

    @register_to_config
    def __init__(
        self,
        in_channels: int = 1,
        sample_size: int = 28,
        channel_width: int = 32,
        layers: Sequence[Sequence] = ((True, 1), (True, 2), (False, 4)),
        attention_layer_position: Optional[int] = 1,
        num_classes: Optional[int] = None,
        eps: float = 1e-4,
    ):
        super().__init__()
        name = type(self).__name__
        layers = _layer_list(name, layers, 2)
        self.register_to_config(layers=layers)
        validate_config(self, image=True, conditional=True, in_channels=True)
        _check_common(self, name)
        if isinstance(eps, bool) or not isinstance(eps, (int, float)) or not eps > 0:
            raise ConfigError(f"{name}: config 'eps' must be a positive number, got {eps!r}")
        blocks: List[nn.Module] = []
        size, channels = sample_size, in_channels
        for i, (downsample, m_out) in enumerate(layers + [[False, None]]):
            if i == attention_layer_position:
                if size % 2 or channels < 8:
                    raise ConfigError(f"{name}: self-attention at position {i} sees {channels} channels at "
                                      f"{size}x{size}; it needs an even size and at least 8 channels")
                blocks.append(SelfAttention(channels, eps))
            if m_out is None:
                break
            if downsample and size % 2:
                raise ConfigError(f"{name}: block {i} halves an odd size {size} (sample_size={sample_size})")
            blocks.append(BigGANDiscriminatorBlock(channels, channel_width * m_out, downsample, i > 0, eps))
            size, channels = size // 2 if downsample else size, channel_width * m_out
        self.blocks = nn.Sequential(*blocks)
        self.to_logit = apply_spectral_norm(nn.Linear(channels, 1), eps)
        self.class_embedding = apply_spectral_norm(nn.Embedding(num_classes, channels), eps) if num_classes else None

    def forward(self, pixel_values: torch.Tensor, class_labels: Optional[torch.Tensor] = None) -> torch.Tensor:
        """``pixel_values [N, C, H, W]`` (+ ``class_labels [N]``) -> logits ``[N]``."""
        cfg = self.config
        check_pixel_values(pixel_values, cfg.in_channels, cfg.sample_size)
        class_labels = check_class_labels(class_labels, cfg.num_classes, pixel_values.shape[0])
        features = F.relu(self.blocks(pixel_values)).sum(dim=(2, 3))  # [N, F]
        logits = self.to_logit(features).squeeze(1)  # [N]
        return add_projection(logits, features, self.class_embedding, class_labels)
