"""The Accelerate trainer, its typed config and presets (imported on first use: the config needs no torch)."""

import importlib
from typing import Any, List

_LAZY = {
    **dict.fromkeys(["TrainConfig", "config_fields", "parse_overrides"], ".config"),
    **dict.fromkeys(["EMAModel", "recalibrate_batchnorm"], ".ema"),
    **dict.fromkeys(["get_preset", "list_presets", "load_config", "load_run_config"], ".presets"),
    **dict.fromkeys(["GANTrainer", "NonFiniteLossError"], ".trainer"),
}

__all__ = [
    "TrainConfig", "load_config", "load_run_config", "parse_overrides", "config_fields", "EMAModel",
    "recalibrate_batchnorm", "get_preset", "list_presets", "GANTrainer", "NonFiniteLossError",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'hfgan.training' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> List[str]:
    return sorted(set(globals()) | set(_LAZY))
