"""MLP GAN: the fully connected generator and discriminator of the original GAN tutorials.

Generator: ``latents [N, latent_dim]`` -> Linear/LeakyReLU(/BatchNorm) stack -> ``tanh`` -> ``[N, C, H, W]``.
Discriminator: flattened ``pixel_values`` -> Linear/LeakyReLU stack -> one logit per image ``[N]``.

With ``num_classes`` set both become class-conditional: the generator concatenates a learned class
embedding to the latents, the discriminator adds a projection term ``<embed(y), features>`` to its logit
(Miyato & Koyama, 2018).
"""

from typing import List, Optional, Sequence, Tuple, Union

import torch
from diffusers.configuration_utils import ConfigMixin, register_to_config
from diffusers.models.modeling_utils import ModelMixin
from torch import nn

from ...errors import HFGANError
from ..layers import add_projection, spectral_norm_wrapper
from ..validation import check_class_labels, check_latents, check_pixel_values, validate_config


class MLPGANGenerator(ModelMixin, ConfigMixin):
    r"""
    Fully connected GAN generator.

    Parameters:
        latent_dim (`int`, defaults to 100): Size of the latent vector.
        hidden_dims (`Sequence[int]`, defaults to `(128, 256, 512, 1024)`): Widths of the hidden layers.
        out_channels (`int`, defaults to 1): Channels of the generated image (1 or 3).
        sample_size (`int`, defaults to 28): Height and width of the generated image.
        num_classes (`int`, *optional*): Number of classes; when set the generator is class-conditional.
        class_embed_dim (`int`, defaults to 50): Size of the class embedding concatenated to the latents.
        class_names (`List[str]`, *optional*): Human-readable class names, index = class label.
        negative_slope (`float`, defaults to 0.2): LeakyReLU slope.
    """

    @register_to_config
    def __init__(
        self,
        latent_dim: int = 100,
        hidden_dims: Sequence[int] = (128, 256, 512, 1024),
        out_channels: int = 1,
        sample_size: int = 28,
        num_classes: Optional[int] = None,
        class_embed_dim: int = 50,
        class_names: Optional[List[str]] = None,
        negative_slope: float = 0.2,
    ):
        super().__init__()
        validate_config(self, image=True, conditional=True)
        self.class_embedding = nn.Embedding(num_classes, class_embed_dim) if num_classes else None
        in_features = latent_dim + (class_embed_dim if num_classes else 0)
        layers: List[nn.Module] = []
        for i, width in enumerate(hidden_dims):
            layers.append(nn.Linear(in_features, width))
            if i > 0:  # the seeds' layout: no normalization right after the latent projection
                layers.append(nn.BatchNorm1d(width))
            layers.append(nn.LeakyReLU(negative_slope))
            in_features = width
        layers.append(nn.Linear(in_features, out_channels * sample_size * sample_size))
        self.net = nn.Sequential(*layers)

    def forward(self, latents: torch.Tensor, class_labels: Optional[torch.Tensor] = None) -> torch.Tensor:
        """``latents [N, latent_dim]`` (+ ``class_labels [N]``) -> images in [-1, 1], ``[N, C, H, W]``."""
        cfg = self.config
        check_latents(latents, cfg.latent_dim)
        if self.training and latents.shape[0] == 1 and len(cfg.hidden_dims) > 1:
            raise HFGANError("MLPGANGenerator needs batch_size >= 2 in training mode (BatchNorm); call .eval() to sample one image")
        class_labels = check_class_labels(class_labels, cfg.num_classes, latents.shape[0])
        hidden_states = latents
        if self.class_embedding is not None:
            hidden_states = torch.cat([latents, self.class_embedding(class_labels).to(latents.dtype)], dim=1)
        images = torch.tanh(self.net(hidden_states))  # [N, C*H*W]
        return images.view(-1, cfg.out_channels, cfg.sample_size, cfg.sample_size)


class MLPGANDiscriminator(ModelMixin, ConfigMixin):
    r"""
    Fully connected GAN discriminator returning one logit per image (no sigmoid: the loss owns it).

    Parameters:
        in_channels (`int`, defaults to 1): Channels of the input image.
        sample_size (`int`, defaults to 28): Height and width of the input image.
        hidden_dims (`Sequence[int]`, defaults to `(512, 256)`): Widths of the hidden layers.
        num_classes (`int`, *optional*): Number of classes; when set, adds a projection term.
        dropout (`float`, defaults to 0.0): Dropout after each hidden layer.
        spectral_norm (`bool`, defaults to False): Spectral normalization on every linear layer (SNGAN).
        negative_slope (`float`, defaults to 0.2): LeakyReLU slope.
    """

    @register_to_config
    def __init__(
        self,
        in_channels: int = 1,
        sample_size: int = 28,
        hidden_dims: Sequence[int] = (512, 256),
        num_classes: Optional[int] = None,
        dropout: float = 0.0,
        spectral_norm: bool = False,
        negative_slope: float = 0.2,
    ):
        super().__init__()
        validate_config(self, image=True, conditional=True, in_channels=True)
        wrap = spectral_norm_wrapper(spectral_norm)
        layers: List[nn.Module] = [nn.Flatten()]
        in_features = in_channels * sample_size * sample_size
        for width in hidden_dims:
            layers += [wrap(nn.Linear(in_features, width)), nn.LeakyReLU(negative_slope)]
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
            in_features = width
        self.features = nn.Sequential(*layers)
        self.to_logit = wrap(nn.Linear(in_features, 1))
        self.class_embedding = wrap(nn.Embedding(num_classes, in_features)) if num_classes else None

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
        features = self.features(pixel_values)  # [N, F]
        logits = self.to_logit(features).squeeze(1)  # [N]
        logits = add_projection(logits, features, self.class_embedding, class_labels)
        return (logits, features) if return_features else logits
