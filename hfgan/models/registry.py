"""A registry of every family and variant, in the spirit of timm's ``_registry``.

An entry names its networks (``components``: name -> class and default config) and the training task that
fits them: a latent GAN holds ``generator`` and ``discriminator``; a two-way translation model (CycleGAN)
also ``generator_reverse`` and ``discriminator_reverse``. ``list_models()`` names the entries,
``create_components(name)`` builds every network, ``create_model(name)`` the generator and discriminator,
and the parametrized model test runs every entry.
"""

import dataclasses
import fnmatch
import importlib
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple, Type, Union

from ..errors import ConfigError, HFGANError

# (class, default config); the class may be named "package.module:Class", imported when the entry is first used
Component = Tuple[Union[Type, str], Dict[str, Any]]


@dataclass(frozen=True)
class ModelEntry:
    """One registered variant: its networks, by name, with their default configs, and its training task."""

    name: str
    family: str
    components: Dict[str, Component] = field(default_factory=dict)
    task: str = "generation"
    description: str = ""

    @property
    def generator_cls(self) -> Type:
        return self.components["generator"][0]

    @property
    def discriminator_cls(self) -> Type:
        return self.components["discriminator"][0]

    @property
    def generator_config(self) -> Dict[str, Any]:
        return dict(self.components["generator"][1])

    @property
    def discriminator_config(self) -> Dict[str, Any]:
        return dict(self.components["discriminator"][1])


def gan_entry(name: str, family: str, generator_cls: Type, discriminator_cls: Type, generator_config: Dict[str, Any],
              discriminator_config: Dict[str, Any], description: str = "", task: str = "generation") -> ModelEntry:
    """An entry of the usual two networks, ``generator`` and ``discriminator``."""
    return ModelEntry(name, family, {"generator": (generator_cls, dict(generator_config)),
                                     "discriminator": (discriminator_cls, dict(discriminator_config))}, task, description)


_REGISTRY: Dict[str, ModelEntry] = {}


def register_model(entry: ModelEntry) -> ModelEntry:
    if entry.name in _REGISTRY:
        raise HFGANError(f"model '{entry.name}' is already registered")
    if "generator" not in entry.components:
        raise HFGANError(f"model '{entry.name}' has no 'generator' component")
    _REGISTRY[entry.name] = entry
    return entry


def list_models(pattern: Optional[str] = None, family: Optional[str] = None) -> List[str]:
    """Registered variant names, sorted; ``pattern`` is a shell wildcard (``"dcgan-*"``)."""
    names = sorted(n for n, e in _REGISTRY.items() if family is None or e.family == family)
    return [n for n in names if pattern is None or fnmatch.fnmatch(n, pattern)]


def _import_class(reference: Union[Type, str]) -> Type:
    if not isinstance(reference, str):
        return reference
    module, _, class_name = reference.partition(":")
    return getattr(importlib.import_module(module), class_name)


def get_model_entry(name: str, resolve: bool = True) -> ModelEntry:
    """The registered entry ``name``; its classes are imported (``resolve``) unless only its name, family,
    task and description are wanted (``resolve=False`` imports nothing)."""
    try:
        entry = _REGISTRY[name]
    except KeyError:
        raise HFGANError(f"unknown model '{name}'; known models: {', '.join(list_models())}") from None
    if resolve and any(isinstance(cls, str) for cls, _ in entry.components.values()):
        components = {key: (_import_class(cls), config) for key, (cls, config) in entry.components.items()}
        entry = _REGISTRY[name] = dataclasses.replace(entry, components=components)
    return entry


def family_of(module) -> Optional[str]:
    """The registered family whose entries use ``type(module)`` as a generator, else None."""
    for name in list(_REGISTRY):
        entry = get_model_entry(name)
        if type(module) is entry.generator_cls:
            return entry.family
    return None


def create_components(name: str, overrides: Optional[Dict[str, Dict]] = None) -> Dict[str, Any]:
    """Build every network of a registered variant, ``{component: module}``, with per-component config overrides.

    ``overrides["generator"]`` also applies to ``generator_reverse`` and ``overrides["discriminator"]`` to
    ``discriminator_reverse`` unless those are given on their own.
    """
    entry = get_model_entry(name)
    overrides = dict(overrides or {})
    unknown = set(overrides) - set(entry.components) - {"generator", "discriminator"}
    if unknown:
        raise ConfigError(f"{name} has no component {sorted(unknown)}; components: {list(entry.components)}")
    modules = {}
    for component, (cls, defaults) in entry.components.items():
        base = component[: -len("_reverse")] if component.endswith("_reverse") else component
        extra = overrides.get(component, overrides.get(base)) or {}
        try:
            modules[component] = cls(**{**defaults, **extra})
        except TypeError as err:  # an unknown config key
            raise ConfigError(f"{name} {component}: {err}") from None
    return modules


def create_model(name: str, generator_kwargs: Optional[Dict] = None, discriminator_kwargs: Optional[Dict] = None) -> Tuple[Any, Any]:
    """Build ``(generator, discriminator)`` of a registered variant, with config overrides."""
    entry = get_model_entry(name)
    if "discriminator" not in entry.components:
        raise HFGANError(f"model '{name}' has no discriminator")
    overrides = {"generator": generator_kwargs or {}, "discriminator": discriminator_kwargs or {}}
    modules = {}
    for component in ("generator", "discriminator"):
        cls, defaults = entry.components[component]
        try:
            modules[component] = cls(**{**defaults, **overrides[component]})
        except TypeError as err:
            raise ConfigError(f"{name}: {err}") from None
    return modules["generator"], modules["discriminator"]
