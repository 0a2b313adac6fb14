"""The Accelerate trainer, its typed config and presets (imported on first use: the config needs no torch)."""

from .._lazy import lazy_exports

_LAZY = {
    **dict.fromkeys(["TrainConfig", "config_fields", "parse_overrides"], ".config"),
    **dict.fromkeys(["EMAModel", "recalibrate_batchnorm"], ".ema"),
    **dict.fromkeys(["get_preset", "list_presets", "load_config", "load_run_config"], ".presets"),
    **dict.fromkeys(["NonFiniteLossError"], ".guards"),
    **dict.fromkeys(["GANTrainer"], ".trainer"),
}

__all__ = [
    "TrainConfig", "load_config", "load_run_config", "parse_overrides", "config_fields", "EMAModel",
    "recalibrate_batchnorm", "get_preset", "list_presets", "GANTrainer", "NonFiniteLossError",
]


__getattr__, __dir__ = lazy_exports(__name__, _LAZY)
