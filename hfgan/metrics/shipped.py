"""What the feature networks shipped with the package share: where they live (``hfgan/metrics/assets/<name>``),
how they load (config + safetensors only, in eval mode, without gradients), the short hash of their weights that
keys the reference-statistics cache, and their common interface (input check, ``features_and_logits``).

Used by :mod:`.classifier` (``fashion-mnist-classifier``), :mod:`.reporter` (``fashion-mnist-reporter``) and their
feature extractors in :mod:`.features`.
"""

import os
from typing import Tuple, Type, TypeVar

import torch

from ..errors import HFGANError

ASSETS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "assets")
WEIGHTS_FILE = "diffusion_pytorch_model.safetensors"

Network = TypeVar("Network")


def asset_dir(name: str) -> str:
    """The folder of the shipped network ``name``: ``hfgan/metrics/assets/<name>``."""
    return os.path.join(ASSETS_DIR, name)


def load_network(model_class: Type[Network], path: str, what: str, train_command: str) -> Network:
    """``model_class`` saved in ``path``, in eval mode without gradients, weights read from safetensors only;
    a folder without ``config.json`` and weights is a one-line error naming ``what`` and ``train_command``."""
    if not os.path.isfile(os.path.join(path, "config.json")) or not os.path.isfile(os.path.join(path, WEIGHTS_FILE)):
        raise HFGANError(f"{path} holds no {what} (config.json + {WEIGHTS_FILE}); train one with `{train_command}`")
    model = model_class.from_pretrained(path, use_safetensors=True, local_files_only=True)
    return model.eval().requires_grad_(False)


def weights_hash(path: str) -> str:
    """The short sha256 of the weights of the network saved in ``path`` (part of the reference-statistics key)."""
    from .inception import file_hash

    return file_hash(os.path.join(path, WEIGHTS_FILE))


class FeatureNetworkMixin:
    """The interface of a shipped classifier (a ``ModelMixin`` whose config has ``in_channels``, ``sample_size`` and
    ``feature_dim``, and whose ``forward(pixel_values, return_features=True)`` returns ``(logits, features)``)."""

    @property
    def num_features(self) -> int:
        return self.config.feature_dim

    def _check_pixel_values(self, pixel_values: torch.Tensor) -> None:
        """A one-line error unless ``pixel_values`` is ``[N, in_channels, sample_size, sample_size]``."""
        cfg = self.config
        expected = (cfg.in_channels, cfg.sample_size, cfg.sample_size)
        if not isinstance(pixel_values, torch.Tensor) or pixel_values.ndim != 4 or tuple(pixel_values.shape[1:]) != expected:
            got = list(pixel_values.shape) if isinstance(pixel_values, torch.Tensor) else type(pixel_values).__name__
            raise HFGANError(f"{type(self).__name__} expects pixel_values [N, {', '.join(map(str, expected))}], got {got}")

    def features_and_logits(self, pixel_values: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """``(features [N, feature_dim], logits [N, num_classes])``."""
        logits, features = self.forward(pixel_values, return_features=True)
        return features, logits
