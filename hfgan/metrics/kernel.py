"""Kernel Inception Distance (KID; Bińkowski et al., 2018).

The unbiased MMD^2 with the cubic polynomial kernel ``k(x, y) = (x.y / D + 1)^3``, averaged over ``subsets``
random subsets of ``subset_size`` samples from each side (the reference protocol: 100 subsets of 1000).

This is torchmetrics' ``KernelInceptionDistance.compute`` step for step — the same subsets drawn from the same
global-RNG calls, so with equal seeds the numbers agree (``tests/metrics`` checks it) — with the kernel built by one
fused ``addmm`` in float32 and the sums taken in float64: 3-8x faster on a busy 2-core CPU, where torchmetrics'
separate float64 element-wise passes dominate.
"""

from typing import Tuple, Union

import numpy as np
import torch

from ..errors import HFGANError
from ._torchmetrics import seeded


def _polynomial_kernel(x: torch.Tensor, y: torch.Tensor, degree: int, coef: float) -> torch.Tensor:
    """``(x y^T / D + coef)^degree``: ``[M, D] x [N, D] -> [M, N]``."""
    return torch.addmm(torch.full((), coef, dtype=x.dtype), x, y.T, alpha=1.0 / x.shape[1]).pow_(degree)


def mmd2_unbiased(x: torch.Tensor, y: torch.Tensor, degree: int = 3, coef: float = 1.0) -> float:
    """Unbiased MMD^2 of two equally sized samples ``x [m, D]``, ``y [m, D]`` with the polynomial kernel."""
    m = x.shape[0]
    k_xx, k_yy, k_xy = (_polynomial_kernel(a, b, degree, coef) for a, b in ((x, x), (y, y), (x, y)))
    off_diagonal = (k_xx.sum(dtype=torch.float64) - k_xx.diagonal().sum(dtype=torch.float64)
                    + k_yy.sum(dtype=torch.float64) - k_yy.diagonal().sum(dtype=torch.float64))
    return float(off_diagonal / (m * (m - 1)) - 2 * k_xy.sum(dtype=torch.float64) / m**2)


def kernel_inception_distance(real_features: Union[np.ndarray, torch.Tensor], fake_features: Union[np.ndarray, torch.Tensor],
                              subsets: int = 100, subset_size: int = 1000, seed: int = 0, degree: int = 3,
                              coef: float = 1.0) -> Tuple[float, float]:
    """KID ``(mean, std)`` over subsets of ``real_features [N_r, D]`` and ``fake_features [N_f, D]``.

    ``subset_size`` is capped at the smaller sample count (so a quick evaluation of a few hundred samples still
    runs; the card states the sample count). Subsets are drawn from ``seed``; std is the population std over
    subsets, as in torchmetrics.
    """
    real = torch.as_tensor(real_features).float()
    fake = torch.as_tensor(fake_features).float()
    if real.ndim != 2 or fake.ndim != 2 or real.shape[1] != fake.shape[1]:
        raise HFGANError(f"KID needs features [N, D] on both sides, got {list(real.shape)} and {list(fake.shape)}")
    size = min(subset_size, real.shape[0], fake.shape[0])
    if size < 2:
        raise HFGANError(f"KID needs at least 2 samples on each side, got {real.shape[0]} real and {fake.shape[0]} generated")
    if subsets < 1:
        raise HFGANError(f"KID needs subsets >= 1, got {subsets}")
    scores = []
    with seeded(seed):
        for _ in range(subsets):
            x = real[torch.randperm(real.shape[0])[:size]]  # same draws, in the same order, as torchmetrics
            y = fake[torch.randperm(fake.shape[0])[:size]]
            scores.append(mmd2_unbiased(x, y, degree, coef))
    scores_t = torch.tensor(scores, dtype=torch.float64)
    return float(scores_t.mean()), float(scores_t.std(unbiased=False))
