"""Training tasks: what each kind of GAN trains (networks, phases, losses), for the one trainer.

``generation`` (latent -> image), ``paired-translation`` (Pix2Pix), ``unpaired-translation`` (CycleGAN),
``progressive`` (Progressive GAN: latent -> image on a growth schedule), ``stylegan2`` (StyleGAN2's recipe: path
length, lazy R1, style mixing). Each task's recipe is its ``TaskKwargs`` dataclass (``task_kwargs``). The task
modules are imported on first use: naming the tasks imports no torch.
"""

import importlib
from typing import Dict, List, Optional, Tuple

from .._lazy import lazy_exports
from ..errors import ConfigError, HFGANError

_TASKS: Dict[str, Tuple[str, str]] = {
    "generation": (".latent", "GenerationTask"),
    "paired-translation": (".pix2pix", "PairedTranslationTask"),
    "unpaired-translation": (".cyclegan", "UnpairedTranslationTask"),
    "progressive": (".progan", "ProgressiveTask"),
    "stylegan2": (".stylegan2", "StyleGAN2Task"),
}


def list_tasks() -> List[str]:
    return sorted(_TASKS)


def task_class_path(name: str) -> Tuple[str, str]:
    """``(module, class name)`` of task ``name``, the module relative to this package (``".latent"``), without
    importing it."""
    if name not in _TASKS:
        raise ConfigError(f"unknown task {name!r}; tasks: {', '.join(list_tasks())}")
    return _TASKS[name]


def get_task_class(name: str):
    module, cls = task_class_path(name)
    return getattr(importlib.import_module(module, __package__), cls)


def task_name(config) -> Optional[str]:
    """The task a training config trains: its ``task``, else its model's (a registry name, or a family such as
    ``dcgan``); None for a model the registry does not know."""
    if config.task:
        return config.task
    from ..models.registry import get_model_entry, variants_of

    variants = variants_of(config.model)
    try:
        return get_model_entry(next(iter(variants.values()), config.model), resolve=False).task
    except HFGANError:
        return None


def task_recipe(config):
    """``config.task_kwargs`` as its task's :class:`TaskKwargs` dataclass, which validates every key (None while the
    task is unknown: a model the registry does not know)."""
    name = task_name(config)
    if name is None:
        return None
    return get_task_class(name).kwargs_class.from_dict(name, config.task_kwargs)


__getattr__, __dir__ = lazy_exports(__name__, dict.fromkeys(["GANTask", "Phase", "StepContext", "TaskKwargs"], ".base"))

__all__ = ["GANTask", "Phase", "StepContext", "TaskKwargs", "get_task_class", "list_tasks", "task_class_path",
           "task_name", "task_recipe"]
