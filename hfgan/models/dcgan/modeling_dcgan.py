"""DCGAN (Radford et al., 2016): transposed-convolution generator, strided-convolution discriminator.

Sizes are ``base * 2**k`` with base 4 or 7 (8, 14, 16, 28, 32, 56, 64, ...). Channel widths double at
every halving of the resolution, ``base_channels`` at full resolution, capped at ``max_channels``.

Generator::

    latents [N, Z] (+ embed(class_labels)) -> Linear -> [N, C_k, base, base]
      -> k x (ConvTranspose 4x4 s2, BatchNorm, ReLU)   # doubles H, W each time
      -> Conv 3x3 -> tanh -> [N, out_channels, H, W]

Discriminator::

    pixel_values [N, C, H, W] -> Conv 3x3 -> LeakyReLU
      -> k x (Conv 4x4 s2, norm, LeakyReLU)            # halves H, W each time
      -> flatten [N, C_k * base * base] -> Linear -> logits [N]  (+ projection <embed(y), features>)
"""

from typing import List, Optional, Tuple, Union

import torch
from diffusers.configuration_utils import ConfigMixin, register_to_config
from diffusers.models.modeling_utils import ModelMixin
from torch import nn

from ...errors import ConfigError
from ..layers import add_projection, gan_init_, norm_layer, spectral_norm_wrapper
from ..validation import (check_class_inputs, check_class_labels, check_class_labels_alone, check_latents,
                          check_pixel_values, num_upsamplings, validate_config)

NORM_TYPES = ("batch", "instance", "layer", "none")


def _channels(level: int, base_channels: int, max_channels: int) -> int:
    """Width at ``level`` halvings below full resolution."""
    return min(base_channels * 2**level, max_channels)


class DCGANGenerator(ModelMixin, ConfigMixin):
    r"""
    DCGAN generator.

    Parameters:
        latent_dim (`int`, defaults to 100): Size of the latent vector.
        out_channels (`int`, defaults to 1): Channels of the generated image (1 or 3).
        sample_size (`int`, defaults to 28): Output height and width, 4 or 7 times a power of two.
        base_channels (`int`, defaults to 64): Width at full resolution; doubles at every halving.
        max_channels (`int`, defaults to 512): Cap on the width.
        num_classes (`int`, *optional*): Number of classes; when set the generator is class-conditional.
        class_embed_dim (`int`, defaults to 50): Size of the class embedding concatenated to the latents.
        class_names (`List[str]`, *optional*): Human-readable class names, index = class label.
    """

    @register_to_config
    def __init__(
        self,
        latent_dim: int = 100,
        out_channels: int = 1,
        sample_size: int = 28,
        base_channels: int = 64,
        max_channels: int = 512,
        num_classes: Optional[int] = None,
        class_embed_dim: int = 50,
        class_names: Optional[List[str]] = None,
    ):
        super().__init__()
        validate_config(self, image=True, conditional=True)
        self.base_size, num_ups = num_upsamplings(sample_size)
        self.class_embedding = nn.Embedding(num_classes, class_embed_dim) if num_classes else None
        in_features = latent_dim + (class_embed_dim if num_classes else 0)
        self.top_channels = _channels(num_ups, base_channels, max_channels)
        self.project = nn.Sequential(
            nn.Linear(in_features, self.top_channels * self.base_size**2, bias=False),
        )
        self.project_norm = nn.Sequential(nn.BatchNorm2d(self.top_channels), nn.ReLU(inplace=True))
        blocks: List[nn.Module] = []
        for level in range(num_ups, 0, -1):
            c_in = _channels(level, base_channels, max_channels)
            c_out = _channels(level - 1, base_channels, max_channels)
            blocks += [
                nn.ConvTranspose2d(c_in, c_out, 4, stride=2, padding=1, bias=False),
                nn.BatchNorm2d(c_out),
                nn.ReLU(inplace=True),
            ]
        self.blocks = nn.Sequential(*blocks)
        self.to_image = nn.Conv2d(_channels(0, base_channels, max_channels), out_channels, 3, padding=1)
        gan_init_(self)

    def embed_classes(self, class_labels: torch.Tensor) -> torch.Tensor:
        """``class_labels [N]`` -> ``class_embeddings [N, class_embed_dim]`` (conditional models), what
        :meth:`forward` concatenates to the latents. Linear in the one-hot labels, so a blend of two classes'
        embeddings is a blend of the classes: pass it to ``forward(latents, class_embeddings=)``."""
        class_labels = check_class_labels_alone(class_labels, self.config.num_classes)
        return self.class_embedding(class_labels)

    def forward(self, latents: torch.Tensor, class_labels: Optional[torch.Tensor] = None,
                class_embeddings: Optional[torch.Tensor] = None) -> torch.Tensor:
        """``latents [N, latent_dim]`` (+ ``class_labels [N]``, or ``class_embeddings [N, class_embed_dim]`` from
        :meth:`embed_classes`) -> images in [-1, 1], ``[N, C, H, W]``."""
        check_latents(latents, self.config.latent_dim)
        class_labels = check_class_inputs(class_labels, class_embeddings, self.config.num_classes,
                                          self.config.class_embed_dim, latents.shape[0])
        hidden_states = latents
        if self.class_embedding is not None:
            if class_embeddings is None:
                class_embeddings = self.class_embedding(class_labels)
            hidden_states = torch.cat([latents, class_embeddings.to(latents.dtype)], dim=1)
        hidden_states = self.project(hidden_states)
        hidden_states = hidden_states.view(-1, self.top_channels, self.base_size, self.base_size)  # [N, C_k, b, b]
        hidden_states = self.blocks(self.project_norm(hidden_states))  # [N, base_channels, H, W]
        return torch.tanh(self.to_image(hidden_states))


class DCGANDiscriminator(ModelMixin, ConfigMixin):
    r"""
    DCGAN discriminator returning one logit per image (no sigmoid: the loss owns it).

    Parameters:
        in_channels (`int`, defaults to 1): Channels of the input image.
        sample_size (`int`, defaults to 28): Input height and width, 4 or 7 times a power of two.
        base_channels (`int`, defaults to 64): Width at full resolution; doubles at every halving.
        max_channels (`int`, defaults to 512): Cap on the width.
        num_classes (`int`, *optional*): Number of classes; when set, adds a projection term.
        norm_type (`str`, defaults to `"batch"`): `"batch"`, `"instance"`, `"layer"` or `"none"`; use
            `"layer"` or `"none"` with a gradient penalty (WGAN-GP), which is per-sample.
        spectral_norm (`bool`, defaults to False): Spectral normalization on every weight (SNGAN).
        dropout (`float`, defaults to 0.0): Dropout before the final linear layer.
        negative_slope (`float`, defaults to 0.2): LeakyReLU slope.
    """

    @register_to_config
    def __init__(
        self,
        in_channels: int = 1,
        sample_size: int = 28,
        base_channels: int = 64,
        max_channels: int = 512,
        num_classes: Optional[int] = None,
        norm_type: str = "batch",
        spectral_norm: bool = False,
        dropout: float = 0.0,
        negative_slope: float = 0.2,
    ):
        super().__init__()
        validate_config(self, image=True, conditional=True, in_channels=True)
        if norm_type not in NORM_TYPES:
            raise ConfigError(f"DCGANDiscriminator: config 'norm_type' must be one of {NORM_TYPES}, got {norm_type!r}")
        base_size, num_ups = num_upsamplings(sample_size)
        wrap = spectral_norm_wrapper(spectral_norm)
        layers: List[nn.Module] = [
            wrap(nn.Conv2d(in_channels, base_channels, 3, padding=1)),
            nn.LeakyReLU(negative_slope, inplace=True),
        ]
        for level in range(num_ups):
            c_in = _channels(level, base_channels, max_channels)
            c_out = _channels(level + 1, base_channels, max_channels)
            layers += [
                wrap(nn.Conv2d(c_in, c_out, 4, stride=2, padding=1, bias=norm_type == "none")),
                norm_layer(norm_type, c_out),
                nn.LeakyReLU(negative_slope, inplace=True),
            ]
        layers.append(nn.Flatten())
        self.features = nn.Sequential(*layers)
        feature_dim = _channels(num_ups, base_channels, max_channels) * base_size**2
        self.feature_dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        self.to_logit = wrap(nn.Linear(feature_dim, 1))
        self.class_embedding = wrap(nn.Embedding(num_classes, feature_dim)) if num_classes else None
        gan_init_(self)

    def forward(
        self,
        pixel_values: torch.Tensor,
        class_labels: Optional[torch.Tensor] = None,
        return_features: bool = False,
    ) -> Union[torch.Tensor, Tuple[torch.Tensor, torch.Tensor]]:
        """``pixel_values [N, C, H, W]`` (+ ``class_labels [N]``) -> logits ``[N]`` (and features ``[N, F]``)."""
        cfg = self.config
        check_pixel_values(pixel_values, cfg.in_channels, cfg.sample_size)
        class_labels = check_class_labels(class_labels, cfg.num_classes, pixel_values.shape[0])
        features = self.features(pixel_values)  # [N, C_k * b * b]
        logits = self.to_logit(self.feature_dropout(features)).squeeze(1)  # [N]
        logits = add_projection(logits, features, self.class_embedding, class_labels)
        return (logits, features) if return_features else logits
