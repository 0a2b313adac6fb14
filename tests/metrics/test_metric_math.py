"""The metric formulas against direct NumPy / SciPy computations and torchmetrics, on known distributions."""

import numpy as np
import pytest
import scipy.linalg
import torch

from hfgan.errors import HFGANError
from hfgan.metrics import (
    feature_statistics,
    fid_from_features,
    frechet_distance,
    inception_score,
    is_better,
    kernel_inception_distance,
    merge_card_metrics,
    parse_metrics,
    precision_recall,
)


def scipy_frechet(mu1, sigma1, mu2, sigma2) -> float:
    """The textbook formula with SciPy's matrix square root (as pytorch-fid computes it)."""
    covmean = scipy.linalg.sqrtm(sigma1 @ sigma2).real
    return float(((mu1 - mu2) ** 2).sum() + np.trace(sigma1 + sigma2 - 2 * covmean))


def random_gaussian(rng, dim):
    a = rng.normal(size=(dim, dim))
    return rng.normal(size=dim), a @ a.T / dim + 0.1 * np.eye(dim)


def test_frechet_distance_matches_scipy_on_known_gaussians():
    rng = np.random.default_rng(0)
    for dim in (1, 8, 64):
        (mu1, s1), (mu2, s2) = random_gaussian(rng, dim), random_gaussian(rng, dim)
        assert frechet_distance(mu1, s1, mu2, s2) == pytest.approx(scipy_frechet(mu1, s1, mu2, s2), rel=1e-8, abs=1e-9)


def test_frechet_distance_closed_form_for_diagonal_covariances():
    # N(mu1, diag(a)) vs N(mu2, diag(b)): |mu1 - mu2|^2 + sum (sqrt(a) - sqrt(b))^2
    mu1, mu2 = np.array([0.0, 1.0, 2.0]), np.array([1.0, 1.0, 0.0])
    a, b = np.array([1.0, 4.0, 9.0]), np.array([4.0, 4.0, 1.0])
    expected = ((mu1 - mu2) ** 2).sum() + ((np.sqrt(a) - np.sqrt(b)) ** 2).sum()  # 5 + 1 + 0 + 4
    assert frechet_distance(mu1, np.diag(a), mu2, np.diag(b)) == pytest.approx(expected, rel=1e-10)
    assert frechet_distance(mu1, np.diag(a), mu1, np.diag(a)) == pytest.approx(0.0, abs=1e-9)


def test_fid_from_features_matches_numpy_statistics():
    rng = np.random.default_rng(1)
    real = rng.normal(size=(3000, 8)) @ rng.normal(size=(8, 8))
    fake = rng.normal(size=(2000, 8)) * 1.3 + 0.5
    mu, sigma = feature_statistics(real)
    np.testing.assert_allclose(mu, real.mean(0), rtol=1e-10)
    np.testing.assert_allclose(sigma, np.cov(real, rowvar=False), rtol=1e-10)
    expected = scipy_frechet(real.mean(0), np.cov(real, rowvar=False), fake.mean(0), np.cov(fake, rowvar=False))
    assert fid_from_features(torch.from_numpy(fake), mu, sigma, len(real)) == pytest.approx(expected, rel=1e-6)


def test_kid_equals_torchmetrics_with_the_same_seed():
    from torchmetrics.image.kid import KernelInceptionDistance

    from hfgan.metrics._torchmetrics import Precomputed, seeded

    g = torch.Generator().manual_seed(0)
    real, fake = torch.randn(300, 16, generator=g), torch.randn(250, 16, generator=g) * 1.1 + 0.2
    with pytest.warns(UserWarning, match="save all extracted features"):
        metric = KernelInceptionDistance(feature=Precomputed(16), subsets=7, subset_size=100)
    metric.update(real.double(), real=True)
    metric.update(fake.double(), real=False)
    with seeded(3):
        mean, std = metric.compute()
    assert kernel_inception_distance(real, fake, subsets=7, subset_size=100, seed=3) == pytest.approx(
        (float(mean), float(std)), rel=1e-5)


def test_kid_matches_numpy_unbiased_mmd():
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(200, 6)), rng.normal(size=(200, 6)) + 0.3
    kernel = lambda a, b: (a @ b.T / a.shape[1] + 1) ** 3  # noqa: E731
    m = len(x)
    kxx, kyy, kxy = kernel(x, x), kernel(y, y), kernel(x, y)
    expected = ((kxx.sum() - np.trace(kxx)) + (kyy.sum() - np.trace(kyy))) / (m * (m - 1)) - 2 * kxy.mean()
    mean, std = kernel_inception_distance(x, y, subsets=3, subset_size=200)  # the whole set: every subset is equal
    assert mean == pytest.approx(expected, rel=1e-5) and std == pytest.approx(0.0, abs=1e-6)


def test_inception_score_matches_numpy_and_its_bounds():
    rng = np.random.default_rng(3)
    logits = rng.normal(size=(500, 10)) * 3
    p = np.exp(logits - logits.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    expected = np.exp((p * (np.log(p) - np.log(p.mean(0, keepdims=True)))).sum(1).mean())
    assert inception_score(logits, splits=1)[0] == pytest.approx(expected, rel=1e-6)
    assert inception_score(np.zeros((100, 10)))[0] == pytest.approx(1.0)  # uniform predictions
    confident = np.eye(10)[np.arange(1000) % 10] * 50  # sure and balanced
    assert inception_score(confident, splits=1)[0] == pytest.approx(10.0, rel=1e-6)
    assert 9.0 < inception_score(confident)[0] < 10.0  # 10 random splits are not exactly balanced


def test_precision_recall_matches_brute_force_and_extremes():
    g = torch.Generator().manual_seed(4)
    real, fake = torch.randn(300, 5, generator=g), torch.randn(260, 5, generator=g) * 1.5 + 0.3
    radius = lambda a, k=3: torch.cdist(a, a).sort(1).values[:, k]  # noqa: E731 - index 0 is the point itself
    distances = torch.cdist(fake, real)
    expected = ((distances <= radius(real)[None]).any(1).float().mean().item(),
                (distances.T <= radius(fake)[None]).any(1).float().mean().item())
    assert precision_recall(real, fake, batch_size=64) == pytest.approx(expected, abs=1e-6)
    assert precision_recall(real, real) == (1.0, 1.0)
    assert precision_recall(real, real + 100.0) == (0.0, 0.0)


def test_bad_inputs_are_one_line_errors():
    with pytest.raises(HFGANError, match="unknown metric 'fd'"):
        parse_metrics("fid,fd")
    with pytest.raises(HFGANError, match="no metrics"):
        parse_metrics(" , ")
    with pytest.raises(HFGANError, match="at least 2"):
        fid_from_features(torch.zeros(1, 4), np.zeros(4), np.eye(4), 10)
    with pytest.raises(HFGANError, match="dimensions"):
        fid_from_features(torch.zeros(5, 3), np.zeros(4), np.eye(4), 10)
    with pytest.raises(HFGANError, match="k-NN"):
        precision_recall(torch.zeros(3, 2), torch.zeros(3, 2), k=3)
    with pytest.raises(HFGANError, match="KID needs"):
        kernel_inception_distance(torch.zeros(1, 2), torch.zeros(5, 2))


def test_parse_metrics_is_better_and_card_merge():
    assert parse_metrics("FID, kid,precision,recall,is") == ("fid", "kid", "pr", "is")
    assert is_better("fid", 10.0, None) and is_better("fid", 9.0, 10.0) and not is_better("fid", 11.0, 10.0)
    assert is_better("is", 3.0, 2.0) and not is_better("recall", 0.1, 0.2) and not is_better("fid", float("nan"), 1.0)
    with pytest.raises(HFGANError, match="no direction"):
        is_better("loss", 1.0, 2.0)
    old = [{"type": "fid", "features": "inception", "split": "test", "value": 30.0},
           {"type": "fid", "features": "fashion-mnist-classifier", "split": "test", "value": 9.0}]
    new = [{"type": "fid", "features": "fashion-mnist-classifier", "split": "test", "value": 5.0},
           {"type": "kid", "features": "fashion-mnist-classifier", "split": "test", "value": 0.1}]
    assert [m["value"] for m in merge_card_metrics(old, new)] == [30.0, 5.0, 0.1]
