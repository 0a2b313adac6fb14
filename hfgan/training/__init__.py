"""The Accelerate trainer, its typed config and presets."""

from .config import TrainConfig, config_fields, parse_overrides
from .ema import EMAModel, recalibrate_batchnorm
from .presets import get_preset, list_presets, load_config
from .trainer import GANTrainer, NonFiniteLossError

__all__ = [
    "TrainConfig", "load_config", "parse_overrides", "config_fields", "EMAModel", "recalibrate_batchnorm",
    "get_preset", "list_presets", "GANTrainer", "NonFiniteLossError",
]
