"""GAN objectives as pure functions of discriminator logits (never probabilities: the sigmoid lives here).

Each objective has a discriminator loss ``d_loss(real_logits, fake_logits)`` and a generator loss
``g_loss(fake_logits)``; both return a scalar mean over the batch.

=================  =====================================================  ==================================
name               discriminator                                          generator
=================  =====================================================  ==================================
``minimax``        ``-log D(x) - log(1 - D(G(z)))``                       ``log(1 - D(G(z)))``
``nonsaturating``  same as minimax                                        ``-log D(G(z))``
``hinge``          ``relu(1 - D(x)) + relu(1 + D(G(z)))``                 ``-D(G(z))``
``wasserstein``    ``D(G(z)) - D(x)`` (add a gradient penalty)            ``-D(G(z))``
``least_squares``  ``((D(x) - 1)^2 + D(G(z))^2) / 2``                     ``(D(G(z)) - 1)^2 / 2``
=================  =====================================================  ==================================
"""

from typing import Callable, Dict, Tuple

import torch
import torch.nn.functional as F

from .errors import ConfigError


def _bce_real(real_logits: torch.Tensor, real_label: float) -> torch.Tensor:
    """``-[t log s(x) + (1 - t) log(1 - s(x))]`` with target ``t = real_label`` (one-sided label smoothing < 1)."""
    if real_label == 1.0:
        return F.softplus(-real_logits).mean()
    return F.binary_cross_entropy_with_logits(real_logits, torch.full_like(real_logits, real_label))


def bce_d_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor, real_label: float = 1.0) -> torch.Tensor:
    return _bce_real(real_logits, real_label) + F.softplus(fake_logits).mean()


def minimax_g_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    return -F.softplus(fake_logits).mean()  # log(1 - sigmoid(x)) = -softplus(x)


def nonsaturating_g_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    return F.softplus(-fake_logits).mean()  # -log(sigmoid(x)) = softplus(-x)


def hinge_d_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor, real_label: float = 1.0) -> torch.Tensor:
    return F.relu(real_label - real_logits).mean() + F.relu(1.0 + fake_logits).mean()


def hinge_g_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    return -fake_logits.mean()


def wasserstein_d_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor, real_label: float = 1.0) -> torch.Tensor:
    return fake_logits.mean() - real_logits.mean()


def wasserstein_g_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    return -fake_logits.mean()


def least_squares_d_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor, real_label: float = 1.0) -> torch.Tensor:
    return 0.5 * ((real_logits - real_label).pow(2).mean() + fake_logits.pow(2).mean())


def least_squares_g_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    return 0.5 * (fake_logits - 1.0).pow(2).mean()


def feature_matching_loss(real_features: torch.Tensor, fake_features: torch.Tensor) -> torch.Tensor:
    """Salimans et al. (2016): match the batch mean of discriminator features ``[N, F]``."""
    return F.mse_loss(fake_features.mean(0), real_features.detach().mean(0))


OBJECTIVES: Dict[str, Tuple[Callable, Callable]] = {
    "minimax": (bce_d_loss, minimax_g_loss),
    "nonsaturating": (bce_d_loss, nonsaturating_g_loss),
    "hinge": (hinge_d_loss, hinge_g_loss),
    "wasserstein": (wasserstein_d_loss, wasserstein_g_loss),
    "least_squares": (least_squares_d_loss, least_squares_g_loss),
}


def get_objective(name: str) -> Tuple[Callable, Callable]:
    """``(d_loss, g_loss)`` of a named objective."""
    try:
        return OBJECTIVES[name]
    except KeyError:
        raise ConfigError(f"unknown loss {name!r}; choose one of {sorted(OBJECTIVES)}") from None
