"""A small residual network of Fashion-MNIST: the second, independent feature extractor, used for reporting.

The shipped ``fashion-mnist-classifier`` (:mod:`hfgan.metrics.classifier`) selects checkpoints during training; a
checkpoint chosen by the best number under one network and reported under the same one is flattered by that
choice. This network differs from it in everything that can differ cheaply: architecture (residual blocks with
strided convolutions and global average pooling instead of two conv / max-pool blocks and a flattened map),
seed, and training data (only train images 30000..59999, where the classifier saw all 60,000). Trained by
``scripts/train_classifier.py --extractor fashion-mnist-reporter`` and shipped in
``hfgan/metrics/assets/fashion-mnist-reporter``::

    pixel_values [N, 1, 28, 28] in [-1, 1]
      -> Conv 3x3 -> BatchNorm -> ReLU                          # [N, C0, 28, 28]
      -> ResidualBlock (stride 2)                               # [N, C1, 14, 14]
      -> ResidualBlock (stride 2)                               # [N, C2, 7, 7]
      -> ResidualBlock (stride 2)                               # [N, C3, 4, 4]
      -> global average pool -> Linear -> BatchNorm             # features [N, feature_dim] (pre-ReLU)
      -> ReLU -> Dropout -> Linear                              # logits [N, num_classes]
"""

from typing import List, Optional, Sequence

import torch
from diffusers.configuration_utils import ConfigMixin, register_to_config
from diffusers.models.modeling_utils import ModelMixin
from torch import nn

from ..errors import ConfigError
from .shipped import FeatureNetworkMixin, asset_dir, load_network

REPORTER_DIR = asset_dir("fashion-mnist-reporter")


class ResidualBlock(nn.Module):
    """Pre-activation-free basic block: ``[N, C_in, H, W] -> [N, C_out, ceil(H / stride), ceil(W / stride)]``.

    Conv 3x3 (stride) -> BN -> ReLU -> Conv 3x3 -> BN, plus a 1x1 strided projection of the input, then ReLU.
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int = 2):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False)
        self.norm1 = nn.BatchNorm2d(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False)
        self.norm2 = nn.BatchNorm2d(out_channels)
        self.shortcut = nn.Sequential(nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False),
                                      nn.BatchNorm2d(out_channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = torch.relu(self.norm1(self.conv1(x)))  # [N, C_out, H / s, W / s]
        h = self.norm2(self.conv2(h))
        return torch.relu(h + self.shortcut(x))


class FashionMNISTResNet(FeatureNetworkMixin, ModelMixin, ConfigMixin):
    r"""
    Residual classifier whose penultimate layer is the reporting feature space (``fashion-mnist-reporter``).

    Parameters:
        in_channels (`int`, defaults to 1): Channels of `pixel_values`.
        sample_size (`int`, defaults to 28): Height and width of `pixel_values`.
        num_classes (`int`, defaults to 10): Number of classes (logits).
        stem_channels (`int`, defaults to 16): Width of the first 3x3 convolution (full resolution).
        block_channels (`Tuple[int, ...]`, defaults to `(32, 64, 128)`): Width of each residual block; every block
            halves the resolution (rounding up).
        feature_dim (`int`, defaults to 128): Width of the penultimate layer (the feature vector).
        dropout (`float`, defaults to 0.2): Dropout before the last layer (training only).
        class_names (`List[str]`, *optional*): Names of the classes, in label order.
    """

    @register_to_config
    def __init__(
        self,
        in_channels: int = 1,
        sample_size: int = 28,
        num_classes: int = 10,
        stem_channels: int = 16,
        block_channels: Sequence[int] = (32, 64, 128),
        feature_dim: int = 128,
        dropout: float = 0.2,
        class_names: Optional[List[str]] = None,
    ):
        super().__init__()
        if not block_channels:
            raise ConfigError("FashionMNISTResNet: block_channels needs at least one width")
        self.stem = nn.Sequential(nn.Conv2d(in_channels, stem_channels, 3, padding=1, bias=False),
                                  nn.BatchNorm2d(stem_channels), nn.ReLU(inplace=True))
        widths = [stem_channels, *block_channels]
        self.blocks = nn.Sequential(*[ResidualBlock(c_in, c_out) for c_in, c_out in zip(widths, widths[1:])])
        self.to_features = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                                         nn.Linear(widths[-1], feature_dim, bias=False), nn.BatchNorm1d(feature_dim))
        self.head = nn.Sequential(nn.ReLU(), nn.Dropout(dropout), nn.Linear(feature_dim, num_classes))

    def forward(self, pixel_values: torch.Tensor, return_features: bool = False):
        """``pixel_values [N, C, H, W]`` in [-1, 1] -> ``logits [N, num_classes]`` (and ``features [N, feature_dim]``)."""
        self._check_pixel_values(pixel_values)
        features = self.to_features(self.blocks(self.stem(pixel_values)))  # [N, feature_dim]
        logits = self.head(features)  # [N, num_classes]
        return (logits, features) if return_features else logits


def load_fashion_mnist_reporter(path: Optional[str] = None) -> FashionMNISTResNet:
    """The shipped reporting network (or the one saved in ``path``), in eval mode, weights read from safetensors only."""
    return load_network(FashionMNISTResNet, path or REPORTER_DIR, "reporting network",
                        "python scripts/train_classifier.py --extractor fashion-mnist-reporter")
