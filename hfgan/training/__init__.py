"""The Accelerate trainer, its typed config and presets.

The trainer (torch, accelerate) is imported on first use, so that the command line's listings and
``--help-config`` read the config and presets alone.
"""

import importlib

from .config import TrainConfig, config_fields, parse_overrides
from .presets import get_preset, list_presets, load_config

_LAZY = {"EMAModel": ".ema", "recalibrate_batchnorm": ".ema", "GANTrainer": ".trainer", "NonFiniteLossError": ".trainer"}

__all__ = [
    "TrainConfig", "load_config", "parse_overrides", "config_fields", "EMAModel", "recalibrate_batchnorm",
    "get_preset", "list_presets", "GANTrainer", "NonFiniteLossError",
]


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
