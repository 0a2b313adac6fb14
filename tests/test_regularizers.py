"""Regularizers: BigGAN's orthogonal regularization against its definition."""

import torch
from torch import nn

from hfgan.models.layers import apply_spectral_norm
from hfgan.regularizers import orthogonal_penalty


def _reference(weights):
    total = torch.zeros((), dtype=torch.float64)
    for w in weights:
        w = w.detach().double().flatten(1)
        gram = w @ w.t()
        total += (gram * (1 - torch.eye(w.shape[0], dtype=torch.float64))).pow(2).sum()
    return total


def test_orthogonal_penalty_matches_the_definition_for_wide_tall_and_spectrally_normalized_weights():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(4, 48),  # tall: computed through the small Gram matrix
                        nn.Conv2d(3, 5, 3), nn.ConvTranspose2d(5, 2, 4), nn.Embedding(7, 6),
                        apply_spectral_norm(nn.Conv2d(5, 6, 1), 1e-12), nn.BatchNorm2d(6))
    raw = [net[0].weight, net[1].weight, net[2].weight, net[4].parametrizations.weight.original]  # no embedding
    got = orthogonal_penalty(net)
    assert got.dtype == torch.float32 and got.ndim == 0
    torch.testing.assert_close(got.double(), _reference(raw), rtol=1e-5, atol=1e-6)
    got.backward()
    assert net[3].weight.grad is None and all(w.grad is not None and torch.isfinite(w.grad).all() for w in raw)


def test_orthogonal_penalty_leaves_norms_free_and_vanishes_on_orthogonal_rows():
    linear = nn.Linear(6, 3, bias=False)
    with torch.no_grad():
        q, _ = torch.linalg.qr(torch.randn(6, 3, generator=torch.Generator().manual_seed(0)))
        linear.weight.copy_(q.t() * torch.tensor([[1.0], [5.0], [0.1]]))  # orthogonal rows of different norms
    assert float(orthogonal_penalty(linear).detach()) < 1e-6
    assert float(orthogonal_penalty(nn.ReLU())) == 0.0
