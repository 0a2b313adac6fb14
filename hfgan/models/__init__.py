"""GAN families: one folder each, ``hfgan/models/<family>/`` with ``modeling_<family>.py``.

A family's ``__init__`` registers its variants (:func:`register_model`: name -> classes and default configs) and
exports its classes lazily (PEP 562). Importing this package imports every family package (:func:`import_families`),
which costs no torch: a registration names its classes by reference (``"hfgan.models.dcgan:DCGANGenerator"``), and
they are imported on first use (``from hfgan.models import DCGANGenerator``, ``get_model_entry``). So ``hfgan list``
imports no network code, and adding a family touches its folder alone: the public class names of this package and
of ``hfgan`` are those its registrations name.
"""

import importlib
import os
import sys
from typing import List

from .._lazy import lazy_exports
from .capabilities import has_w_space, truncation_kind
from .defaults import FASHION_MNIST_CLASSES
from .registry import (
    ModelEntry,
    create_components,
    create_model,
    family_of,
    gan_entry,
    get_model_entry,
    list_models,
    register_model,
    registered_classes,
)


def _family_names() -> List[str]:
    """The family folders on this package's path: subpackages ``<name>/`` holding ``modeling_<name>.py``, sorted."""
    names = set()
    for folder in __path__:
        for entry in os.scandir(folder):
            if entry.is_dir() and os.path.isfile(os.path.join(entry.path, f"modeling_{entry.name}.py")):
                names.add(entry.name)
    return sorted(names)


def import_families() -> List[str]:
    """Import every family package not imported yet, so that it registers its variants; the names of those imported."""
    new = [name for name in _family_names() if f"{__name__}.{name}" not in sys.modules]
    for name in new:
        importlib.import_module(f"{__name__}.{name}")
    return new


import_families()
MODEL_CLASSES = registered_classes(__name__)  # the public network classes: class name -> the family package that has it

__getattr__, __dir__ = lazy_exports(__name__, MODEL_CLASSES)

__all__ = [
    *MODEL_CLASSES, "FASHION_MNIST_CLASSES", "ModelEntry", "create_components", "create_model", "family_of",
    "gan_entry", "get_model_entry", "has_w_space", "import_families", "list_models", "register_model",
    "truncation_kind",
]
