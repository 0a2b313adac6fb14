"""A registry of every family and variant, in the spirit of timm's ``_registry``.

``list_models()`` names them, ``create_model(name)`` builds ``(generator, discriminator)``, and the
parametrized model test runs every entry.
"""

import fnmatch
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple, Type

from ..errors import ConfigError, HFGANError


@dataclass(frozen=True)
class ModelEntry:
    """One registered variant: classes and the default configs of both networks."""

    name: str
    family: str
    generator_cls: Type
    discriminator_cls: Type
    generator_config: Dict[str, Any] = field(default_factory=dict)
    discriminator_config: Dict[str, Any] = field(default_factory=dict)
    description: str = ""


_REGISTRY: Dict[str, ModelEntry] = {}


def register_model(entry: ModelEntry) -> ModelEntry:
    if entry.name in _REGISTRY:
        raise HFGANError(f"model '{entry.name}' is already registered")
    _REGISTRY[entry.name] = entry
    return entry


def list_models(pattern: Optional[str] = None, family: Optional[str] = None) -> List[str]:
    """Registered variant names, sorted; ``pattern`` is a shell wildcard (``"dcgan-*"``)."""
    names = sorted(n for n, e in _REGISTRY.items() if family is None or e.family == family)
    return [n for n in names if pattern is None or fnmatch.fnmatch(n, pattern)]


def get_model_entry(name: str) -> ModelEntry:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise HFGANError(f"unknown model '{name}'; known models: {', '.join(list_models())}") from None


def create_model(name: str, generator_kwargs: Optional[Dict] = None, discriminator_kwargs: Optional[Dict] = None) -> Tuple[Any, Any]:
    """Build ``(generator, discriminator)`` of a registered variant, with config overrides."""
    entry = get_model_entry(name)
    try:
        generator = entry.generator_cls(**{**entry.generator_config, **(generator_kwargs or {})})
        discriminator = entry.discriminator_cls(**{**entry.discriminator_config, **(discriminator_kwargs or {})})
    except TypeError as err:  # an unknown config key
        raise ConfigError(f"{name}: {err}") from None
    return generator, discriminator
