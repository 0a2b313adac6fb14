"""A small CNN classifier of Fashion-MNIST, the offline feature extractor of hfgan's metrics.

Trained by ``scripts/train_classifier.py`` on the train split and shipped with the package in
``hfgan/metrics/assets/fashion-mnist-classifier`` (config + safetensors + model card)::

    pixel_values [N, 1, 28, 28] in [-1, 1]
      -> Conv 3x3 -> MaxPool 2 -> BatchNorm -> ReLU     # [N, C1, 14, 14]
      -> Conv 3x3 -> MaxPool 2 -> BatchNorm -> ReLU     # [N, C2, 7, 7]
      -> flatten -> Linear -> BatchNorm                 # features [N, feature_dim]  (penultimate, pre-ReLU)
      -> ReLU -> Dropout -> Linear                      # logits [N, num_classes]

The penultimate activations are taken before their ReLU so that they are dense and roughly Gaussian,
which is what the Fréchet distance assumes.
"""

from typing import List, Optional, Sequence

import torch
from diffusers.configuration_utils import ConfigMixin, register_to_config
from diffusers.models.modeling_utils import ModelMixin
from torch import nn

from ..errors import ConfigError
from .shipped import FeatureNetworkMixin, asset_dir, load_network

CLASSIFIER_DIR = asset_dir("fashion-mnist-classifier")


def _conv_block(in_channels: int, out_channels: int) -> nn.Sequential:
    """Conv 3x3, 2x2 max-pool, BatchNorm, ReLU: ``[N, C_in, H, W] -> [N, C_out, H/2, W/2]``.

    Pooling before the normalization and the ReLU runs those on a 4x smaller tensor, which matters on a CPU."""
    return nn.Sequential(nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=False), nn.MaxPool2d(2),
                         nn.BatchNorm2d(out_channels), nn.ReLU(inplace=True))


class FashionMNISTClassifier(FeatureNetworkMixin, ModelMixin, ConfigMixin):
    r"""
    CNN classifier whose penultimate layer serves as the feature space of FID / KID / precision-recall and whose
    logits give the Inception Score and the class accuracy of conditional generators.

    Parameters:
        in_channels (`int`, defaults to 1): Channels of `pixel_values`.
        sample_size (`int`, defaults to 28): Height and width of `pixel_values` (at least `2 ** len(block_channels)`).
        num_classes (`int`, defaults to 10): Number of classes (logits).
        block_channels (`Tuple[int, ...]`, defaults to `(32, 64)`): Width of each convolution block; every block
            halves the resolution.
        feature_dim (`int`, defaults to 128): Width of the penultimate layer (the feature vector).
        dropout (`float`, defaults to 0.3): Dropout before the last layer (training only).
        class_names (`List[str]`, *optional*): Names of the classes, in label order.
    """

    @register_to_config
    def __init__(
        self,
        in_channels: int = 1,
        sample_size: int = 28,
        num_classes: int = 10,
        block_channels: Sequence[int] = (32, 64),
        feature_dim: int = 128,
        dropout: float = 0.3,
        class_names: Optional[List[str]] = None,
    ):
        super().__init__()
        if not block_channels:
            raise ConfigError("FashionMNISTClassifier: block_channels needs at least one width")
        final_size = sample_size // 2 ** len(block_channels)
        if final_size < 1:
            raise ConfigError(f"FashionMNISTClassifier: sample_size={sample_size} is too small for {len(block_channels)} blocks")
        widths = [in_channels, *block_channels]
        self.blocks = nn.Sequential(*[_conv_block(c_in, c_out) for c_in, c_out in zip(widths, widths[1:])])
        self.to_features = nn.Sequential(
            nn.Flatten(), nn.Linear(widths[-1] * final_size**2, feature_dim, bias=False), nn.BatchNorm1d(feature_dim)
        )
        self.head = nn.Sequential(nn.ReLU(), nn.Dropout(dropout), nn.Linear(feature_dim, num_classes))

    def forward(self, pixel_values: torch.Tensor, return_features: bool = False):
        """``pixel_values [N, C, H, W]`` in [-1, 1] -> ``logits [N, num_classes]`` (and ``features [N, feature_dim]``)."""
        self._check_pixel_values(pixel_values)
        features = self.to_features(self.blocks(pixel_values))  # [N, feature_dim]
        logits = self.head(features)  # [N, num_classes]
        return (logits, features) if return_features else logits


def load_fashion_mnist_classifier(path: Optional[str] = None) -> FashionMNISTClassifier:
    """The shipped classifier (or the one saved in ``path``), in eval mode, weights read from safetensors only."""
    return load_network(FashionMNISTClassifier, path or CLASSIFIER_DIR, "classifier", "python scripts/train_classifier.py")
