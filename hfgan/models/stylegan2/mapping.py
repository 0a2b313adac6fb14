"""StyleGAN2's mapping network (z and/or a one-hot label -> w), as in NVlabs' stylegan2-ada-pytorch, with the
moving average of w that truncation pulls towards. The generator maps latents with it; a conditional discriminator
maps labels with it.
"""

from typing import Optional

import torch
from torch import nn

from .layers import FullyConnectedLayer


def normalize_2nd_moment(x: torch.Tensor, eps: float = 1e-8) -> torch.Tensor:
    """``x`` divided by the root mean square of its features (dim 1)."""
    return x * (x.square().mean(dim=1, keepdim=True) + eps).rsqrt()


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
