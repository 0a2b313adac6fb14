"""Training tasks: what each kind of GAN trains (networks, phases, losses), for the one trainer.

``generation`` (latent -> image), ``paired-translation`` (Pix2Pix), ``unpaired-translation`` (CycleGAN),
``progressive`` (Progressive GAN: latent -> image on a growth schedule), ``stylegan2`` (StyleGAN2's recipe: path
length, lazy R1, style mixing).
"""

import importlib
from typing import Dict, List, Tuple

from ..errors import ConfigError
from .base import GANTask, Phase, StepContext, TaskKwargs

_TASKS: Dict[str, Tuple[str, str]] = {
    "generation": (".latent", "GenerationTask"),
    "paired-translation": (".pix2pix", "PairedTranslationTask"),
    "unpaired-translation": (".cyclegan", "UnpairedTranslationTask"),
    "progressive": (".progan", "ProgressiveTask"),
    "stylegan2": (".stylegan2", "StyleGAN2Task"),
}


def list_tasks() -> List[str]:
    return sorted(_TASKS)


def get_task_class(name: str):
    if name not in _TASKS:
        raise ConfigError(f"unknown task {name!r}; tasks: {', '.join(list_tasks())}")
    module, cls = _TASKS[name]
    return getattr(importlib.import_module(module, __package__), cls)


__all__ = ["GANTask", "Phase", "StepContext", "TaskKwargs", "get_task_class", "list_tasks"]
