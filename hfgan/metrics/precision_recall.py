"""Improved precision and recall (Kynkäänniemi et al., 2019) with k-NN manifolds in feature space.

Each sample set defines a manifold: the union of balls around its samples, each with the radius of that sample's
distance to its k-th nearest neighbour in the same set. **Precision** is the fraction of generated samples inside
the real manifold (fidelity); **recall** the fraction of real samples inside the generated manifold (diversity).

Distances come in row batches from one matrix product each (``|a|^2 + |b|^2 - 2 a.b``), so 10k x 10k needs
``batch_size x 10k`` floats at a time, and the real-to-generated distances are computed once for both numbers.
"""

from typing import Tuple, Union

import numpy as np
import torch

from ..errors import HFGANError

ArrayLike = Union[np.ndarray, torch.Tensor]


def squared_distances(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """``a [M, D]``, ``b [N, D]`` -> squared Euclidean distances ``[M, N]`` (clamped at 0)."""
    d2 = torch.addmm((b * b).sum(1)[None, :], a, b.T, alpha=-2.0)  # |b|^2 - 2 a.b
    return d2.add_((a * a).sum(1, keepdim=True)).clamp_(min=0)


def knn_radii(features: torch.Tensor, k: int = 3, batch_size: int = 1000) -> torch.Tensor:
    """``features [N, D]`` -> ``radii [N]``: distance of each sample to its k-th nearest other sample."""
    if not 1 <= k < features.shape[0]:
        raise HFGANError(f"k-NN radii need 1 <= k < number of samples, got k={k} for {features.shape[0]} samples")
    radii = []
    for start in range(0, features.shape[0], batch_size):
        d2 = squared_distances(features[start:start + batch_size], features)  # [B, N]
        radii.append(d2.topk(k + 1, dim=1, largest=False).values[:, -1])  # the nearest is the sample itself
    return torch.cat(radii).sqrt()


def precision_recall(real_features: ArrayLike, fake_features: ArrayLike, k: int = 3, batch_size: int = 1000) -> Tuple[float, float]:
    """``(precision, recall)`` of ``fake_features [N_f, D]`` against ``real_features [N_r, D]`` (use equal N)."""
    real = torch.as_tensor(real_features).float()
    fake = torch.as_tensor(fake_features).float()
    if real.ndim != 2 or fake.ndim != 2 or real.shape[1] != fake.shape[1]:
        raise HFGANError(f"precision/recall need features [N, D] on both sides, got {list(real.shape)} and {list(fake.shape)}")
    real_radii2 = knn_radii(real, k, batch_size).square()  # [N_r]
    fake_radii2 = knn_radii(fake, k, batch_size).square()  # [N_f]
    fake_in_real = 0
    real_in_fake = torch.zeros(real.shape[0], dtype=torch.bool)
    for start in range(0, fake.shape[0], batch_size):
        d2 = squared_distances(fake[start:start + batch_size], real)  # [B, N_r]
        fake_in_real += (d2 <= real_radii2[None, :]).any(dim=1).sum().item()
        real_in_fake |= (d2 <= fake_radii2[start:start + batch_size, None]).any(dim=0)
    return fake_in_real / fake.shape[0], real_in_fake.float().mean().item()
