"""Fixtures of the metric tests: a private reference cache and small real-image sets (fast on a shared 2-core CPU)."""

import numpy as np
import pytest
import torch

from hfgan.data import fashion_mnist_available


def pytest_configure(config):
    config.addinivalue_line("markers", "fashion_mnist: needs the Fashion-MNIST IDX files (skipped where missing)")


def pytest_collection_modifyitems(items):
    """``@pytest.mark.fashion_mnist`` tests need the real data files: skip them (with the reason) where they are missing."""
    if fashion_mnist_available():
        return
    skip = pytest.mark.skip(reason="Fashion-MNIST IDX files not installed (apt-get install dataset-fashion-mnist)")
    for item in items:
        if "fashion_mnist" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session", autouse=True)
def private_cache(tmp_path_factory):
    """Every metric test caches reference statistics in a temporary folder, never in ~/.cache."""
    path = tmp_path_factory.mktemp("hfgan-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HFGAN_CACHE", str(path))
        yield path


@pytest.fixture(scope="session")
def cache_dir(private_cache):
    return str(private_cache / "reference")


def to_pixel_values(images: np.ndarray) -> torch.Tensor:
    """uint8 ``[N, 28, 28]`` -> ``[N, 1, 28, 28]`` in [-1, 1]."""
    return torch.from_numpy(np.asarray(images)).float().div(127.5).sub(1).unsqueeze(1)


@pytest.fixture(scope="session")
def test_split():
    """The whole Fashion-MNIST test split: ``(pixel_values [10000, 1, 28, 28], labels [10000])``."""
    from hfgan.data import load_fashion_mnist_arrays

    images, labels = load_fashion_mnist_arrays("test")
    return to_pixel_values(images), labels


@pytest.fixture(scope="session")
def train_images():
    """1000 real train images (pixel_values), a seeded subset."""
    from hfgan.data import load_fashion_mnist_arrays

    images, _ = load_fashion_mnist_arrays("train")
    idx = np.random.default_rng(0).choice(len(images), 1000, replace=False)
    return to_pixel_values(images[idx])
