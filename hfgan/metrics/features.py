"""Feature extractors for the metrics: a small registry of networks that map images to features and logits.

Every extractor takes ``pixel_values [N, C, H, W]`` in [-1, 1] (1 or 3 channels, any size), quantizes them to
8 bits as a saved image would be, adapts channels and size to its network, and returns
``features [N, num_features]`` (FID, KID, precision/recall) and ``logits [N, num_classes]`` (Inception Score,
class accuracy).

============================ ======== ====== ===================================================================
name                         features logits weights
============================ ======== ====== ===================================================================
``fashion-mnist-classifier`` 128      10     shipped (``hfgan/metrics/assets``): CNN, train images 0..59999, seed 0
``fashion-mnist-reporter``   128      10     shipped: residual net, train images 30000..59999 only, seed 1
``inception``                2048     1008   the FID Inception file, supplied by the user (``weights=``)
============================ ======== ====== ===================================================================

The two Fashion-MNIST networks have different roles: the classifier **selects** checkpoints during training (against
the train split); the reporter, independent of it (architecture, seed, training half), **reports** numbers (against
the test split), so that a checkpoint chosen by the best number under one is not reported under the same one. Both
are 28-px grayscale networks: on other data (e.g. 64-px RGB) :meth:`FeatureExtractor.check_fits` refuses them and
names ``inception``.

>>> extractor = get_feature_extractor("fashion-mnist-classifier")
>>> features, logits = extractor.features_and_logits(pixel_values)  # [N, 128], [N, 10]
"""

import os
from typing import Callable, Dict, Iterable, List, Optional, Tuple

import torch
import torch.nn.functional as F
from torch import nn

from ..errors import HFGANError

#: the Fashion-MNIST networks: the first selects checkpoints (train split), the second reports (test split).
SELECTION_FEATURES = "fashion-mnist-classifier"
REPORTING_FEATURES = "fashion-mnist-reporter"
FASHION_MNIST_FEATURES = (SELECTION_FEATURES, REPORTING_FEATURES)

GRAY_WEIGHTS = (0.299, 0.587, 0.114)  # ITU-R 601 luma, as PIL's convert("L")


def check_pixel_values(pixel_values: torch.Tensor) -> None:
    """Raise :class:`HFGANError` unless ``pixel_values`` is a float ``[N, 1 or 3, H, W]`` tensor."""
    if not isinstance(pixel_values, torch.Tensor):
        raise HFGANError(f"pixel_values must be a torch.Tensor, got {type(pixel_values).__name__}")
    if pixel_values.ndim != 4 or pixel_values.shape[1] not in (1, 3) or pixel_values.shape[0] < 1:
        raise HFGANError(f"pixel_values must have shape [N, 1 or 3, H, W], got {list(pixel_values.shape)}")
    if not pixel_values.is_floating_point():
        raise HFGANError(f"pixel_values must be floats in [-1, 1], got dtype {pixel_values.dtype}")


def quantize(pixel_values: torch.Tensor) -> torch.Tensor:
    """``[-1, 1]`` floats -> the 256 levels of an 8-bit image, as floats in [0, 255]."""
    return ((pixel_values.float().clamp(-1, 1) + 1) * 127.5).round()


def to_channels(images: torch.Tensor, channels: int) -> torch.Tensor:
    """Grayscale <-> RGB: tile one channel to three, or take the luma of three."""
    if images.shape[1] == channels:
        return images
    if channels == 3:
        return images.expand(-1, 3, -1, -1)
    weights = torch.tensor(GRAY_WEIGHTS, dtype=images.dtype, device=images.device).view(1, 3, 1, 1)
    return (images * weights).sum(1, keepdim=True)


class FeatureExtractor(nn.Module):
    """Base class: ``features_and_logits(pixel_values)`` -> ``(features [N, D], logits [N, K])``.

    Attributes:
        name: registry name (part of the reference-statistics cache key).
        num_features: ``D``; also read by torchmetrics.
        num_classes: ``K``.
        weights_hash: short sha256 of the weights file, so that a cache never mixes two sets of weights.
    """

    name: str = ""
    num_features: int = 0
    num_classes: int = 0
    weights_hash: str = ""

    def features_and_logits(self, pixel_values: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        raise NotImplementedError

    def check_fits(self, channels: int, resolution: int, dataset: str = "the data") -> None:
        """Raise a one-line :class:`HFGANError` unless this network was made for ``channels`` x ``resolution`` px
        images (every size fits by default)."""

    def forward(self, pixel_values: torch.Tensor) -> torch.Tensor:
        return self.features_and_logits(pixel_values)[0]

    @property
    def device(self) -> torch.device:
        return next(self.parameters()).device

    def train(self, mode: bool = True) -> "FeatureExtractor":
        """Feature extractors stay in eval mode (BatchNorm running statistics)."""
        return super().train(False)


class ClassifierFeatureExtractor(FeatureExtractor):
    """The shipped :class:`~hfgan.metrics.classifier.FashionMNISTClassifier`: 128-d penultimate features, 10 logits.

    Input adaptation: RGB -> luma, any size -> 28x28 (bilinear with antialiasing). It selects checkpoints during
    training; :class:`ReporterFeatureExtractor` reports.
    """

    name = "fashion-mnist-classifier"

    def __init__(self, path: Optional[str] = None):
        super().__init__()
        from .shipped import weights_hash

        path = path or self._default_dir()
        self.classifier = self._load(path)
        self.num_features = self.classifier.config.feature_dim
        self.num_classes = self.classifier.config.num_classes
        self.sample_size = self.classifier.config.sample_size
        self.weights_hash = weights_hash(path)
        self.eval()

    @staticmethod
    def _default_dir() -> str:
        from .classifier import CLASSIFIER_DIR

        return CLASSIFIER_DIR

    @staticmethod
    def _load(path: str) -> nn.Module:
        from .classifier import load_fashion_mnist_classifier

        return load_fashion_mnist_classifier(path)

    def check_fits(self, channels: int, resolution: int, dataset: str = "the data") -> None:
        """Only images like Fashion-MNIST's: grayscale at the network's size (28 px)."""
        from .inception import INCEPTION_WEIGHTS_ENV

        if channels != self.classifier.config.in_channels or resolution != self.sample_size:
            kind = "grayscale" if channels == 1 else "RGB" if channels == 3 else f"{channels}-channel"
            raise HFGANError(
                f"feature extractor {self.name!r} is a {self.sample_size}-px grayscale Fashion-MNIST network and does "
                f"not fit {resolution}-px {kind} images of {dataset}: use --features inception (the FID Inception "
                f"network; its weights via --inception-weights PATH or ${INCEPTION_WEIGHTS_ENV})")

    @torch.no_grad()
    def features_and_logits(self, pixel_values: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        check_pixel_values(pixel_values)
        images = to_channels(quantize(pixel_values.to(self.device)), self.classifier.config.in_channels)  # [N, 1, H, W]
        if images.shape[-2:] != (self.sample_size, self.sample_size):
            images = F.interpolate(images, size=(self.sample_size, self.sample_size), mode="bilinear",
                                   align_corners=False, antialias=True)
        images = (images / 127.5 - 1).contiguous(memory_format=torch.channels_last)  # [N, 1, 28, 28] in [-1, 1]
        logits, features = self.classifier(images, return_features=True)
        return features.float(), logits.float()


class ReporterFeatureExtractor(ClassifierFeatureExtractor):
    """The shipped :class:`~hfgan.metrics.reporter.FashionMNISTResNet`: 128-d penultimate features, 10 logits.

    Independent of ``fashion-mnist-classifier`` (architecture, seed, trained on train images 30000..59999 only); the
    feature space of reported numbers. Same input adaptation as the classifier.
    """

    name = "fashion-mnist-reporter"

    @staticmethod
    def _default_dir() -> str:
        from .reporter import REPORTER_DIR

        return REPORTER_DIR

    @staticmethod
    def _load(path: str) -> nn.Module:
        from .reporter import load_fashion_mnist_reporter

        return load_fashion_mnist_reporter(path)


class InceptionFeatureExtractor(FeatureExtractor):
    """The FID Inception-v3 (:mod:`hfgan.metrics.inception`): 2048-d pool3 features, 1008 unbiased logits.

    Args:
        weights: path of the FID Inception weights (pytorch-fid or torch-fidelity file, or a safetensors copy);
            ``None`` reads ``$HFGAN_INCEPTION_WEIGHTS``. ``random_init=True`` skips them (tests only: the numbers
            mean nothing).
        input_size: network input size; 299 is the FID protocol (smaller values only for tests, >= 75).
    """

    name = "inception"

    def __init__(self, weights: Optional[str] = None, random_init: bool = False, input_size: int = 299):
        super().__init__()
        from .inception import FIDInceptionV3, file_hash, load_inception_weights, resolve_inception_weights

        path = None if random_init else resolve_inception_weights(weights)  # fails before building the network
        if input_size < 75:
            raise HFGANError(f"the Inception network needs an input size >= 75, got {input_size}")
        self.network = FIDInceptionV3()
        if path is not None:
            load_inception_weights(self.network, path)
        self.input_size = input_size
        self.num_features, self.num_classes = 2048, 1008
        self.weights_hash = file_hash(path) if path else "random"
        self.eval()

    @torch.no_grad()
    def features_and_logits(self, pixel_values: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        from .inception import resize_bilinear_tf1

        check_pixel_values(pixel_values)
        images = to_channels(quantize(pixel_values.to(self.device)), 3)  # [N, 3, H, W] in [0, 255]
        images = resize_bilinear_tf1(images, self.input_size)  # [N, 3, 299, 299]
        features, logits = self.network((images - 128) / 128)
        return features.float(), logits.float()


_REGISTRY: Dict[str, Callable[..., FeatureExtractor]] = {
    "fashion-mnist-classifier": lambda weights=None: ClassifierFeatureExtractor(weights),
    "fashion-mnist-reporter": lambda weights=None: ReporterFeatureExtractor(weights),
    "inception": lambda weights=None: InceptionFeatureExtractor(weights),
}
_LOADED: Dict[Tuple[str, Optional[str]], FeatureExtractor] = {}


def list_feature_extractors() -> List[str]:
    """Registered extractor names."""
    return sorted(_REGISTRY)


def register_feature_extractor(name: str, factory: Callable[..., FeatureExtractor]) -> None:
    """Add an extractor: ``factory(weights=None) -> FeatureExtractor``."""
    if name in _REGISTRY:
        raise HFGANError(f"feature extractor {name!r} is already registered")
    _REGISTRY[name] = factory


def get_feature_extractor(name: str = "fashion-mnist-classifier", weights: Optional[str] = None,
                          device: Optional[torch.device] = None) -> FeatureExtractor:
    """Build (once per process) the extractor ``name``, in eval mode, on ``device``.

    ``weights`` is the weights path: required for ``inception`` (or ``$HFGAN_INCEPTION_WEIGHTS``), optional for the
    Fashion-MNIST networks (a folder with another ``FashionMNISTClassifier`` / ``FashionMNISTResNet``). Unknown names raise :class:`HFGANError`.
    """
    if isinstance(name, FeatureExtractor):
        return name.to(device) if device is not None else name
    if name not in _REGISTRY:
        raise HFGANError(f"unknown feature extractor {name!r}; known: {', '.join(list_feature_extractors())}")
    key = (name, os.path.abspath(weights) if weights else None)
    if key not in _LOADED:
        _LOADED[key] = _REGISTRY[name](weights=weights)
    extractor = _LOADED[key]
    return extractor.to(device) if device is not None else extractor


def extract(extractor: FeatureExtractor, batches: Iterable[torch.Tensor], total: Optional[int] = None,
            desc: str = "features", progress: bool = True) -> Tuple[torch.Tensor, torch.Tensor]:
    """Run ``extractor`` over batches of ``pixel_values``: ``(features [N, D], logits [N, K])`` on the CPU, float32."""
    from tqdm.auto import tqdm

    features, logits = [], []
    with tqdm(total=total, desc=desc, unit="img", disable=not progress, leave=False) as bar:
        for pixel_values in batches:
            f, l = extractor.features_and_logits(pixel_values)
            features.append(f.cpu())
            logits.append(l.cpu())
            bar.update(len(pixel_values))
    if not features:
        raise HFGANError("no images to extract features from")
    return torch.cat(features), torch.cat(logits)
