"""Discriminator regularizers: WGAN-GP gradient penalty and R1, computed in float32 outside autocast."""

from typing import Callable, Optional

import torch


def gradient_penalty(discriminator: Callable[[torch.Tensor], torch.Tensor], real: torch.Tensor, fake: torch.Tensor,
                     alpha: Optional[torch.Tensor] = None, target: float = 1.0) -> torch.Tensor:
    """Gulrajani et al. (2017): ``E[(||grad_x D(x_hat)|| - target)^2]`` on interpolates of real and fake.

    ``discriminator`` maps ``pixel_values`` to logits (bind class labels in a closure); ``alpha [N, 1, 1, 1]``
    are the interpolation weights (uniform random when not given).
    """
    if alpha is None:
        alpha = torch.rand(real.shape[0], 1, 1, 1, device=real.device, dtype=real.dtype)
    interpolates = (alpha * real.detach() + (1 - alpha) * fake.detach()).requires_grad_(True)  # [N, C, H, W]
    logits = discriminator(interpolates)
    (grads,) = torch.autograd.grad(logits.sum(), interpolates, create_graph=True)
    norms = grads.flatten(1).norm(2, dim=1)  # [N]
    return (norms - target).pow(2).mean()


def r1_penalty(real_logits: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
    """Mescheder et al. (2018): ``E[||grad_x D(x)||^2]`` on real data; ``real`` must require grad."""
    (grads,) = torch.autograd.grad(real_logits.sum(), real, create_graph=True)
    return grads.flatten(1).pow(2).sum(1).mean()
