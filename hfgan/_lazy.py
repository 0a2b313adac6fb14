"""Public names imported on first use (PEP 562), for the packages whose import must stay light.

``import hfgan`` and ``hfgan --help`` import neither torch nor diffusers: a package lists where each public
name comes from and takes its module-level ``__getattr__`` / ``__dir__`` from :func:`lazy_exports`::

    __getattr__, __dir__ = lazy_exports(__name__, {"GANPipeline": ".pipelines", ...})
"""

import importlib
import sys
from typing import Any, Callable, Dict, List, Tuple


def lazy_exports(package: str, sources: Dict[str, str]) -> Tuple[Callable[[str], Any], Callable[[], List[str]]]:
    """``(__getattr__, __dir__)`` for ``package``: a name of ``sources`` (name -> module, relative to ``package``
    or absolute) is imported from its module on first access and kept in the package's namespace; any other name
    is an ``AttributeError``."""

    def __getattr__(name: str) -> Any:
        module = sources.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module, package), name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> List[str]:
        return sorted(set(vars(sys.modules[package])) | set(sources))

    return __getattr__, __dir__
