"""Reference statistics of a real dataset split, computed once per feature extractor and cached as ``.npz``.

A cache file holds ``mu [D]`` and ``sigma [D, D]`` (float64, over every image of the split, for FID) and up to
``max_features`` rows of ``features [M, D]`` (float32, a seeded random subset, for KID and precision/recall).
Its name is keyed by dataset, split, extractor name and a hash of the extractor's weights, so retraining the
classifier or swapping Inception files never reuses stale numbers; a dataset other than the built-in Fashion-MNIST
(a local image folder or a Hub dataset name, loaded by :mod:`hfgan.data`) is also keyed by the resolution and
channels its images were loaded at::

    ~/.cache/hfgan/reference/fashion_mnist-test-fashion-mnist-classifier-<hash>-v1.npz
    ~/.cache/hfgan/reference/my_faces_<hash>-64px-3ch-train-inception-<hash>-v1.npz

The folder is ``cache_dir`` if given, else ``$HFGAN_CACHE/reference``, else ``~/.cache/hfgan/reference``.
"""

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from typing import Callable, Iterator, Optional, Tuple

import numpy as np
import torch

from ..errors import HFGANError
from .features import FeatureExtractor, extract
from .frechet import feature_statistics

CACHE_ENV = "HFGAN_CACHE"
CACHE_VERSION = 1
DATASETS = ("fashion_mnist",)


@dataclass
class ReferenceStats:
    """Statistics of one real split in one feature space."""

    dataset: str
    split: str
    extractor: str
    weights_hash: str
    num_images: int  # images behind mu / sigma
    mu: np.ndarray  # [D] float64
    sigma: np.ndarray  # [D, D] float64
    features: np.ndarray  # [M, D] float32, M <= max_features

    def save(self, path: str) -> None:
        """Write atomically (a temporary file renamed), so concurrent evaluations never read half a file."""
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        meta = {"version": CACHE_VERSION, "dataset": self.dataset, "split": self.split, "extractor": self.extractor,
                "weights_hash": self.weights_hash, "num_images": self.num_images}
        fd, tmp = tempfile.mkstemp(suffix=".npz", dir=os.path.dirname(os.path.abspath(path)))
        try:
            with os.fdopen(fd, "wb") as f:
                np.savez(f, mu=self.mu, sigma=self.sigma, features=self.features, meta=np.array(json.dumps(meta)))
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.remove(tmp)
            raise

    @classmethod
    def load(cls, path: str) -> "ReferenceStats":
        try:
            with np.load(path, allow_pickle=False) as data:
                meta = json.loads(str(data["meta"]))
                return cls(meta["dataset"], meta["split"], meta["extractor"], meta["weights_hash"], int(meta["num_images"]),
                           data["mu"], data["sigma"], data["features"])
        except (OSError, ValueError, KeyError) as err:
            raise HFGANError(f"{path} is not an hfgan reference-statistics file ({type(err).__name__}: {err}); delete it") from None


def reference_cache_dir(cache_dir: Optional[str] = None) -> str:
    """``cache_dir``, else ``$HFGAN_CACHE/reference``, else ``~/.cache/hfgan/reference``."""
    if cache_dir:
        return os.path.expanduser(cache_dir)
    root = os.environ.get(CACHE_ENV) or os.path.join(os.path.expanduser("~"), ".cache", "hfgan")
    return os.path.join(root, "reference")


def reference_cache_path(dataset: str, split: str, extractor: FeatureExtractor, cache_dir: Optional[str] = None,
                         num_images: Optional[int] = None) -> str:
    """The cache file of ``(dataset, split, extractor, weights)`` (and a subset size, when not the whole split)."""
    subset = f"-n{num_images}" if num_images else ""
    name = f"{dataset}-{split}{subset}-{extractor.name}-{extractor.weights_hash}-v{CACHE_VERSION}.npz"
    return os.path.join(reference_cache_dir(cache_dir), name)


def load_real_images(dataset: str = "fashion_mnist", split: str = "test") -> Tuple[np.ndarray, np.ndarray]:
    """Real images of a split: ``images`` uint8 ``[N, C, H, W]``, ``labels`` int64 ``[N]``."""
    if dataset != "fashion_mnist":
        raise HFGANError(f"reference statistics are available for {', '.join(DATASETS)}, not {dataset!r}")
    from ..data import load_fashion_mnist_arrays

    images, labels = load_fashion_mnist_arrays(split)
    return images[:, None], labels  # [N, 1, 28, 28]


def dataset_reference(dataset: str, split: str, resolution: int, channels: int
                      ) -> Tuple[str, Optional[Callable[[], np.ndarray]]]:
    """``(cache name, image loader)`` of a dataset split: the built-in ``fashion_mnist`` as it is (``None`` loader:
    :func:`load_real_images`), any other dataset (a local image folder or a Hub name) loaded by
    :func:`hfgan.data.load_image_tensor_data` at ``resolution`` px with ``channels`` channels, when first needed."""
    if dataset in DATASETS:
        return dataset, None
    from .translation_data import reference_name

    source, key = dataset, dataset
    if os.path.isdir(dataset):  # a folder: its name plus a hash of its absolute path
        source = os.path.abspath(dataset)
        key = f"{os.path.basename(source) or 'folder'}_{hashlib.sha256(source.encode('utf-8')).hexdigest()[:8]}"

    def images() -> np.ndarray:
        from ..data import load_image_tensor_data

        return load_image_tensor_data(source, split, resolution, channels).images.numpy()  # uint8 [N, C, H, W]

    return reference_name(key, resolution, channels), images


def subset_indices(total: int, num: Optional[int], seed: int) -> np.ndarray:
    """Sorted indices of a seeded random subset of ``num`` of ``total`` items (all of them when ``num`` is None)."""
    if num is None or num >= total:
        return np.arange(total)
    return np.sort(np.random.default_rng(seed).choice(total, size=num, replace=False))


def iterate_pixel_values(images: np.ndarray, batch_size: int) -> Iterator[torch.Tensor]:
    """uint8 ``[N, C, H, W]`` -> batches of ``pixel_values`` float ``[B, C, H, W]`` in [-1, 1]."""
    for start in range(0, len(images), batch_size):
        yield torch.from_numpy(images[start:start + batch_size]).float().div_(127.5).sub_(1.0)


def compute_reference_stats(extractor: FeatureExtractor, dataset: str = "fashion_mnist", split: str = "test",
                            num_images: Optional[int] = None, max_features: int = 10000, batch_size: int = 1000,
                            seed: int = 0, progress: bool = True,
                            images: Optional[Callable[[], np.ndarray]] = None) -> ReferenceStats:
    """Extract features of a real split (or a seeded subset of ``num_images``) and summarize them.

    ``images``, when given, returns the split's uint8 ``[N, C, H, W]`` images (any dataset; ``dataset`` is then
    only its name); otherwise they are read with :func:`load_real_images`.
    """
    images = images() if images is not None else load_real_images(dataset, split)[0]
    images = images[subset_indices(len(images), num_images, seed)]
    if len(images) < 2:
        raise HFGANError(f"reference statistics need at least 2 images, got {len(images)}")
    features, _ = extract(extractor, iterate_pixel_values(images, batch_size), total=len(images),
                          desc=f"{dataset}/{split} features", progress=progress)
    mu, sigma = feature_statistics(features)
    keep = subset_indices(len(features), max_features, seed + 1)
    return ReferenceStats(dataset, split, extractor.name, extractor.weights_hash, len(images), mu, sigma,
                          features[keep].numpy().astype(np.float32))


def get_reference_stats(extractor: FeatureExtractor, dataset: str = "fashion_mnist", split: str = "test",
                        cache_dir: Optional[str] = None, num_images: Optional[int] = None, batch_size: int = 1000,
                        recompute: bool = False, progress: bool = True,
                        images: Optional[Callable[[], np.ndarray]] = None) -> Tuple[ReferenceStats, bool]:
    """Cached reference statistics: ``(stats, from_cache)``; computed and saved on a miss (or ``recompute``).

    ``images`` (see :func:`compute_reference_stats`) supplies the split of a dataset other than the built-in one,
    named by ``dataset`` in the cache key; it is called on a cache miss only.
    """
    path = reference_cache_path(dataset, split, extractor, cache_dir, num_images)
    if os.path.isfile(path) and not recompute:
        stats = ReferenceStats.load(path)
        if (stats.extractor, stats.weights_hash, stats.dataset, stats.split) == (extractor.name, extractor.weights_hash, dataset, split):
            return stats, True
    stats = compute_reference_stats(extractor, dataset, split, num_images=num_images, batch_size=batch_size, progress=progress,
                                    images=images)
    stats.save(path)
    return stats, False
