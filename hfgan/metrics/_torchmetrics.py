"""Feeding precomputed features to torchmetrics' image metrics.

torchmetrics' ``FrechetInceptionDistance`` and ``InceptionScore`` (and ``KernelInceptionDistance``, which the tests
compare :mod:`hfgan.metrics.kernel` with) accept any ``nn.Module`` as their ``feature`` network. hfgan extracts features once (and caches those of the real data), so
the module it hands them is the identity: ``metric.update(features, ...)`` then does exactly what
``metric.update(images, ...)`` would do with the extractor inside.
"""

import contextlib
from types import SimpleNamespace

import torch
from torch import nn

from ..errors import HFGANError


class Precomputed(nn.Module):
    """Identity ``feature`` module for torchmetrics: the "images" it is given are features ``[N, num_features]``."""

    def __init__(self, num_features: int):
        super().__init__()
        self.num_features = int(num_features)  # read by FrechetInceptionDistance instead of a dry run

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return features


def require_torchmetrics() -> SimpleNamespace:
    """torchmetrics' ``FrechetInceptionDistance``, ``KernelInceptionDistance`` and ``InceptionScore`` (as attributes
    ``fid``, ``kid``, ``inception``), or an :class:`HFGANError` that says how to install them."""
    try:
        from torchmetrics.image.fid import FrechetInceptionDistance
        from torchmetrics.image.inception import InceptionScore
        from torchmetrics.image.kid import KernelInceptionDistance
    except ImportError as err:
        raise HFGANError(f"hfgan's metrics need torchmetrics: pip install 'hfgan[metrics]' ({err})") from None
    return SimpleNamespace(fid=FrechetInceptionDistance, kid=KernelInceptionDistance, inception=InceptionScore)


@contextlib.contextmanager
def seeded(seed: int):
    """Run a block under ``torch.manual_seed(seed)`` without touching the caller's RNG state (KID and IS
    draw random subsets / permutations from the global generator)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield
