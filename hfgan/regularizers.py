"""Regularizers: WGAN-GP gradient penalty and R1 for the discriminator, computed in float32 outside autocast;
BigGAN's orthogonal regularization and StyleGAN2's path-length regularization for the generator."""

from typing import Callable, Optional

import torch
from torch import nn


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


def path_lengths(images: torch.Tensor, ws: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
    """Karras et al. (2020), StyleGAN2's path length of each sample: ``||J_w^T y||_2`` with ``J_w`` the Jacobian of
    the ``images [N, C, H, W]`` with respect to ``ws [N, num_ws, w_dim]`` (which they were synthesized from) and
    ``y = noise [N, C, H, W]``, N(0, 1) divided by ``sqrt(H * W)``; averaged over the ws as the reference does:
    ``sqrt(mean_k ||grad_{w_k}||^2)``. Keeps the graph, so a penalty on it trains the generator. Returns ``[N]``."""
    (grads,) = torch.autograd.grad((images * noise).sum(), ws, create_graph=True)  # [N, num_ws, w_dim]
    return grads.square().sum(2).mean(1).sqrt()


def path_length_penalty(lengths: torch.Tensor, pl_mean: torch.Tensor) -> torch.Tensor:
    """``mean((lengths - pl_mean)^2)``: path lengths ``[N]`` held near their running mean ``pl_mean`` (a scalar,
    detached here: :func:`update_path_length_mean` keeps it). Multiply by the weight (2 in StyleGAN2)."""
    return (lengths - pl_mean.detach()).square().mean()


def update_path_length_mean(pl_mean: torch.Tensor, batch_mean: torch.Tensor, decay: float = 0.01) -> torch.Tensor:
    """The running mean of the path lengths after a batch with mean ``batch_mean``: ``pl_mean + decay * (batch_mean
    - pl_mean)`` (detached)."""
    return pl_mean.detach().lerp(batch_mean.detach().to(pl_mean.dtype), decay)


def orthogonal_penalty(module: nn.Module) -> torch.Tensor:
    """Brock et al. (2019), BigGAN's off-diagonal orthogonal regularization: the sum over every convolution and
    linear weight ``W`` (as ``[out, -1]``) of ``||W W^T * (1 - I)||_F^2``, in float32; multiply by the weight
    (``1e-4`` in BigGAN).

    The diagonal (each filter's squared norm) is left free: only the inner products of different filters count.
    Spectrally normalized layers are penalized on
    their raw weight (``parametrizations.weight.original``); embeddings are left out, as BigGAN leaves out its shared
    class embedding. A tall weight (``out > in``) is computed as ``||W^T W||_F^2 - sum_i ||w_i||^4`` (the same number: ``||W W^T||_F = ||W^T W||_F``)
    so a wide projection never builds its ``[out, out]`` Gram matrix.
    """
    total = None
    for m in module.modules():
        if not isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            continue
        weight = m.parametrizations.weight.original if hasattr(m, "parametrizations") else m.weight
        w = weight.float().flatten(1)  # [out, in * k * k]
        if w.shape[0] <= w.shape[1]:
            gram = w @ w.t()  # [out, out]
            term = (gram - torch.diag_embed(torch.diagonal(gram))).pow(2).sum()
        else:  # tall: the [in, in] Gram matrix has the same Frobenius norm
            term = (w.t() @ w).pow(2).sum() - w.pow(2).sum(1).pow(2).sum()
        total = term if total is None else total + term
    if total is None:
        return torch.zeros((), device=next(iter(module.parameters()), torch.zeros(())).device)
    return total
