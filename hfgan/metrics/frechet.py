"""Fréchet distance (FID) between Gaussians fitted to two sets of features, through torchmetrics.

``FID = ||mu_1 - mu_2||^2 + Tr(S_1 + S_2 - 2 (S_1 S_2)^(1/2))`` (Heusel et al., 2017). The real side usually comes
from cached statistics (mean, covariance, count), the generated side from features.
"""

import warnings
from typing import Tuple, Union

import numpy as np
import torch

from ..errors import HFGANError
from ._torchmetrics import Precomputed, require_torchmetrics

ArrayLike = Union[np.ndarray, torch.Tensor]


def feature_statistics(features: ArrayLike) -> Tuple[np.ndarray, np.ndarray]:
    """``features [N, D]`` -> ``(mu [D], sigma [D, D])`` in float64; sigma is the unbiased covariance (N - 1)."""
    x = torch.as_tensor(features).double()
    if x.ndim != 2 or x.shape[0] < 2:
        raise HFGANError(f"feature statistics need features [N >= 2, D], got {list(x.shape)}")
    mu = x.mean(0)
    centered = x - mu
    sigma = centered.T @ centered / (x.shape[0] - 1)
    return mu.numpy(), sigma.numpy()


def _fid_metric(num_features: int):
    return require_torchmetrics().fid(feature=Precomputed(num_features), reset_real_features=False)


def _load_statistics(metric, mu: ArrayLike, sigma: ArrayLike, num_samples: int, real: bool) -> None:
    """Put ``(mu, sigma, n)`` into the metric's running sums: ``sum = n mu``, ``sum x x^T = (n - 1) sigma + n mu mu^T``,
    from which its ``compute()`` recovers exactly ``mu`` and ``sigma``."""
    mu = torch.as_tensor(np.asarray(mu), dtype=torch.float64)
    sigma = torch.as_tensor(np.asarray(sigma), dtype=torch.float64)
    n = int(num_samples)
    prefix = "real" if real else "fake"
    setattr(metric, f"{prefix}_features_sum", mu * n)
    setattr(metric, f"{prefix}_features_cov_sum", (n - 1) * sigma + n * torch.outer(mu, mu))
    setattr(metric, f"{prefix}_features_num_samples", torch.tensor(n, dtype=torch.long))


def _check_stats(mu, sigma, name: str) -> None:
    mu, sigma = np.asarray(mu), np.asarray(sigma)
    if mu.ndim != 1 or sigma.shape != (mu.shape[0], mu.shape[0]):
        raise HFGANError(f"{name}: mu must be [D] and sigma [D, D], got {list(mu.shape)} and {list(sigma.shape)}")


def frechet_distance(mu1: ArrayLike, sigma1: ArrayLike, mu2: ArrayLike, sigma2: ArrayLike) -> float:
    """Fréchet distance between ``N(mu1, sigma1)`` and ``N(mu2, sigma2)`` (torchmetrics' FID formula)."""
    _check_stats(mu1, sigma1, "first Gaussian")
    _check_stats(mu2, sigma2, "second Gaussian")
    if np.asarray(mu1).shape != np.asarray(mu2).shape:
        raise HFGANError(f"the two Gaussians have different dimensions: {np.asarray(mu1).shape[0]} and {np.asarray(mu2).shape[0]}")
    metric = _fid_metric(np.asarray(mu1).shape[0])
    _load_statistics(metric, mu1, sigma1, 2, real=True)
    _load_statistics(metric, mu2, sigma2, 2, real=False)
    metric.orig_dtype = torch.float64
    with warnings.catch_warnings():  # "compute called before update": the states were loaded directly
        warnings.simplefilter("ignore", UserWarning)
        return float(metric.compute())


def fid_from_features(fake_features: ArrayLike, real_mu: ArrayLike, real_sigma: ArrayLike, real_num_samples: int,
                      batch_size: int = 10000) -> float:
    """FID of ``fake_features [N, D]`` against real statistics: the features go through ``metric.update``."""
    fake = torch.as_tensor(fake_features)
    if fake.ndim != 2 or fake.shape[0] < 2:
        raise HFGANError(f"FID needs at least 2 generated samples, got features of shape {list(fake.shape)}")
    _check_stats(real_mu, real_sigma, "reference statistics")
    if fake.shape[1] != np.asarray(real_mu).shape[0]:
        raise HFGANError(f"features have {fake.shape[1]} dimensions but the reference statistics {np.asarray(real_mu).shape[0]}")
    metric = _fid_metric(fake.shape[1])
    _load_statistics(metric, real_mu, real_sigma, real_num_samples, real=True)
    for start in range(0, fake.shape[0], batch_size):
        metric.update(fake[start:start + batch_size].double(), real=False)  # float64 all the way to the result
    return float(metric.compute())
