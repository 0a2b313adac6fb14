"""Cached reference statistics, and the sanity checks: real data scores near zero, noise and blur score worse."""

import os

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from hfgan.errors import HFGANError
from hfgan.metrics import (
    evaluate_images,
    evaluate_pipeline,
    fid_from_features,
    get_feature_extractor,
    get_reference_stats,
    kernel_inception_distance,
    reference_cache_dir,
)
from hfgan.metrics.reference import ReferenceStats, reference_cache_path

pytestmark = pytest.mark.fashion_mnist
N_REF = 1000  # a seeded 1000-image subset of the test split keeps these tests to seconds


def blur(pixel_values: torch.Tensor) -> torch.Tensor:
    """5x5 binomial blur (reflect padding): ``[N, 1, H, W] -> [N, 1, H, W]``."""
    k = torch.tensor([1.0, 4.0, 6.0, 4.0, 1.0])
    kernel = (k[:, None] * k[None]) / 256
    return F.conv2d(F.pad(pixel_values, (2, 2, 2, 2), mode="reflect"), kernel[None, None])


@pytest.fixture(scope="module")
def scores(train_images, cache_dir):
    """FID / KID of 1000 real train images, their blurred copies and uniform noise, against 1000 test images."""
    extractor = get_feature_extractor("fashion-mnist-classifier")
    reference, _ = get_reference_stats(extractor, cache_dir=cache_dir, num_images=N_REF, progress=False)
    noise = torch.rand(train_images.shape, generator=torch.Generator().manual_seed(0)) * 2 - 1
    results = {}
    for name, images in (("real", train_images), ("blurred", blur(train_images)), ("noise", noise)):
        features = extractor(images)
        results[name] = {"fid": fid_from_features(features, reference.mu, reference.sigma, reference.num_images),
                         "kid": kernel_inception_distance(reference.features, features, subsets=10, subset_size=500)[0]}
    return results


def test_real_train_vs_test_scores_near_zero_and_far_below_noise(scores):
    real, noise = scores["real"], scores["noise"]
    assert 0 <= real["fid"] < 4.0 and abs(real["kid"]) < 0.02  # sampling noise of 1000 vs 1000 images
    assert noise["fid"] > 50 * real["fid"] and noise["fid"] > 100
    assert noise["kid"] > 1.0


def test_sharper_samples_score_better_than_blurred(scores):
    assert scores["real"]["fid"] < scores["blurred"]["fid"] < scores["noise"]["fid"]
    assert scores["real"]["kid"] < scores["blurred"]["kid"] < scores["noise"]["kid"]


def test_reference_statistics_are_cached_and_not_recomputed(tmp_path, monkeypatch):
    extractor = get_feature_extractor("fashion-mnist-classifier")
    calls = []
    original = extractor.features_and_logits
    monkeypatch.setattr(extractor, "features_and_logits", lambda pv: calls.append(len(pv)) or original(pv))

    stats, cached = get_reference_stats(extractor, "fashion_mnist", "test", cache_dir=str(tmp_path), num_images=300,
                                        progress=False)
    assert not cached and sum(calls) == 300
    path = reference_cache_path("fashion_mnist", "test", extractor, str(tmp_path), 300)
    assert os.path.basename(path) == f"fashion_mnist-test-n300-fashion-mnist-classifier-{extractor.weights_hash}-v1.npz"
    assert os.path.isfile(path)
    assert stats.mu.shape == (128,) and stats.sigma.shape == (128, 128) and stats.features.shape == (300, 128)
    assert stats.features.dtype == np.float32 and stats.num_images == 300

    again, cached = get_reference_stats(extractor, "fashion_mnist", "test", cache_dir=str(tmp_path), num_images=300,
                                        progress=False)
    assert cached and sum(calls) == 300  # no image went through the network a second time
    np.testing.assert_array_equal(again.sigma, stats.sigma)
    np.testing.assert_array_equal(again.features, stats.features)

    with open(path, "wb") as f:
        f.write(b"truncated")
    with pytest.raises(HFGANError, match="not an hfgan reference-statistics file"):
        ReferenceStats.load(path)


def test_cache_location(monkeypatch, tmp_path):
    monkeypatch.setenv("HFGAN_CACHE", str(tmp_path / "root"))
    assert reference_cache_dir() == str(tmp_path / "root" / "reference")
    assert reference_cache_dir(str(tmp_path / "mine")) == str(tmp_path / "mine")
    monkeypatch.delenv("HFGAN_CACHE")
    assert reference_cache_dir() == os.path.join(os.path.expanduser("~"), ".cache", "hfgan", "reference")
    with pytest.raises(HFGANError, match="available for fashion_mnist, not 'cifar10'"):
        get_reference_stats(get_feature_extractor(), "cifar10", "test", cache_dir=str(tmp_path))


def test_evaluate_pipeline_for_the_trainer(make_tiny_pipeline, cache_dir):
    """A bare generator works (what a trainer holds), keeps its training mode, and results are reproducible."""
    pipe = make_tiny_pipeline()
    pipe.generator.train()
    kwargs = dict(num_samples=64, batch_size=32, cache_dir=cache_dir, reference_num_images=N_REF, progress=False)
    metrics = evaluate_pipeline(pipe.generator, **kwargs)
    assert set(metrics) == {"fid", "kid", "kid_std", "is", "is_std", "precision", "recall"}
    assert pipe.generator.training
    assert evaluate_pipeline(pipe, **kwargs) == metrics
    assert evaluate_pipeline(pipe, **{**kwargs, "seed": 1})["fid"] != metrics["fid"]
    report = evaluate_pipeline(pipe, metrics="fid", return_report=True, **kwargs)
    assert set(report.metrics) == {"fid"} and report.reference_cached and report.num_samples == 64
    assert [m["type"] for m in report.card_metrics()] == ["fid"]
    with pytest.raises(HFGANError, match="num_samples must be an integer >= 2"):
        evaluate_pipeline(pipe, num_samples=1)
    with pytest.raises(HFGANError, match="expected a GANPipeline or a generator"):
        evaluate_pipeline(torch.nn.Linear(2, 2))
    with pytest.raises(HFGANError, match="'accuracy' needs a class-conditional model"):
        evaluate_pipeline(pipe, metrics="fid,accuracy", **{k: v for k, v in kwargs.items() if k != "num_samples"}, num_samples=8)


def test_conditional_pipelines_report_class_accuracy(cache_dir, test_split):
    from hfgan import DCGANGenerator

    torch.manual_seed(0)
    generator = DCGANGenerator(latent_dim=8, sample_size=28, base_channels=8, max_channels=16, num_classes=10)
    metrics = evaluate_pipeline(generator, num_samples=40, metrics="fid", cache_dir=cache_dir, reference_num_images=N_REF,
                                progress=False)
    assert set(metrics) == {"fid", "accuracy"} and 0.0 <= metrics["accuracy"] <= 1.0
    pixel_values, labels = test_split
    real = evaluate_images(pixel_values[:500], torch.from_numpy(labels[:500]), metrics="accuracy",
                           cache_dir=cache_dir, reference_num_images=N_REF, progress=False)
    assert real.metrics["accuracy"] > 0.9  # real images of the requested classes
