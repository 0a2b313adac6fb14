"""A registry of every family and variant, in the spirit of timm's ``_registry``.

An entry names its networks (``components``: name -> class and default config) and the training task that
fits them: a latent GAN holds ``generator`` and ``discriminator``; a two-way translation model (CycleGAN)
also ``generator_reverse`` and ``discriminator_reverse``. Each family registers its own entries, in its package's
``__init__`` (imported by :mod:`hfgan.models`). ``list_models()`` names the entries, ``create_components(name)``
builds every network, ``create_model(name)`` the generator and discriminator, and the parametrized model test runs
every entry.
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


def registered_classes(package: str) -> Dict[str, str]:
    """``{class name: module}`` of the classes under ``package`` that the registrations name by reference
    (``"<module>:<Class>"``), sorted by name; nothing is imported."""
    classes: Dict[str, str] = {}
    for entry in _REGISTRY.values():
        for reference, _ in entry.components.values():
            module, _, class_name = reference.partition(":") if isinstance(reference, str) else ("", "", "")
            if module.startswith(f"{package}."):
                classes.setdefault(class_name, module)
    return dict(sorted(classes.items()))


def family_of(module, two_way: Optional[bool] = None) -> Optional[str]:
    """The registered family whose entries build ``module``'s class as their generator (a subclass counts when no
    entry builds the class itself), else None.

    One class can serve two families: a U-Net is Pix2Pix's generator one way and a CycleGAN variant's with a
    reverse generator. ``two_way`` (whether the pipeline has a reverse generator) picks the entry that agrees;
    without it, or when that leaves a tie, the family whose package defines the class wins.
    """
    entries = [get_model_entry(name) for name in list(_REGISTRY)]
    exact = [e for e in entries if type(module) is e.generator_cls]
    matches = exact or [e for e in entries if isinstance(module, e.generator_cls)]
    if two_way is not None:
        matches = [e for e in matches if ("generator_reverse" in e.components) == two_way] or matches
    families = list(dict.fromkeys(e.family for e in matches))
    home = [family for family in families if type(module).__module__.startswith(f"{__package__}.{family}.")]
    return (home or families or [None])[0]


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


def create_model(name: str, generator_kwargs: Optional[Dict] = None, discriminator_kwargs: Optional[Dict] = None,
                 pretrained: bool = False) -> Tuple[Any, Any]:
    """Build ``(generator, discriminator)`` of a registered variant, with config overrides.

    Registered variants have no pretrained weights: ``pretrained=True`` is a :class:`~hfgan.errors.ConfigError`
    (``hfgan.create_model("hf-hub:org/name", pretrained=True)`` loads a published model's networks).
    """
    if pretrained:
        raise ConfigError(f"{name}: registered variants have no pretrained weights; load a published model with "
                          "create_model('hf-hub:org/repo', pretrained=True) or GANPipeline.from_pretrained('org/repo')")
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


# --------------------------------------------------------------------------------------------------
# model names for a resolution: ``--model dcgan --resolution 64`` -> dcgan-64
# --------------------------------------------------------------------------------------------------

def model_stem(name: str) -> str:
    """A registry name without its size suffix: ``dcgan-64`` -> ``dcgan``, ``sngan-resnet-32`` -> ``sngan-resnet``."""
    head, _, tail = name.rpartition("-")
    return head if head and tail.isdigit() else name


def variants_of(stem: str) -> Dict[int, str]:
    """``{sample_size: name}`` of the registered variants named ``<stem>-<size>``."""
    return {int(e.generator_config["sample_size"]): n for n, e in _REGISTRY.items()
            if model_stem(n) == stem and "sample_size" in e.generator_config}


def _fits(entry: ModelEntry, resolution: int) -> bool:
    """Whether every network of ``entry`` builds with ``sample_size=resolution`` and the generator makes
    ``resolution``-px images (a zero latent through it, in eval mode)."""
    import torch

    entry = get_model_entry(entry.name)  # the classes, imported
    try:
        nets = {name: cls(**{**defaults, "sample_size": resolution}) for name, (cls, defaults) in entry.components.items()}
        generator = nets["generator"].eval()
        inputs = [torch.zeros(1, generator.config.latent_dim)]  # [1, Z]
        if generator.config.get("num_classes"):
            inputs.append(torch.zeros(1, dtype=torch.long))
        with torch.no_grad():
            images = generator(*inputs)  # [1, C, H, W]
    except (HFGANError, TypeError, ValueError, RuntimeError, AssertionError, IndexError, KeyError, AttributeError):
        return False
    return tuple(images.shape[-2:]) == (resolution, resolution)


def resolve_model_name(name: str, resolution: Optional[int] = None) -> Tuple[str, Optional[int]]:
    """The registry entry to train for ``name`` at ``resolution``, and the ``sample_size`` to override (or None).

    ``name`` is a registry name (``dcgan-64``) or its stem (``dcgan``). A stem picks the variant made for
    ``resolution``; when there is none, the nearest variant whose networks build at that size (sizes follow from
    ``sample_size`` in DCGAN or SNGAN, not in BigGAN's fixed block lists). A registry name must make
    ``resolution``-px images. Anything else is an error that names the variants and sizes that would do.
    """
    if name in _REGISTRY:
        size = _REGISTRY[name].generator_config.get("sample_size")
        if resolution is None or size == resolution:
            return name, None
        stem = model_stem(name)
        if resolution in variants_of(stem):
            raise ConfigError(f"{name} makes {size}-px images, not {resolution}: use --model {variants_of(stem)[resolution]} "
                              f"(or --model {stem} --resolution {resolution})")
        raise ConfigError(f"{name} makes {size}-px images, not {resolution}: use --model {stem} --resolution {resolution} "
                          f"to size it, or --resolution {size}")
    variants = variants_of(name)
    if not variants:
        raise HFGANError(f"unknown model '{name}'; known models: {', '.join(list_models())} "
                         f"(or a family name: {', '.join(sorted({model_stem(n) for n in _REGISTRY}))})")
    sizes = ", ".join(str(s) for s in sorted(variants))
    if resolution is None:
        if len(variants) == 1:
            return next(iter(variants.values())), None
        raise ConfigError(f"{name} comes at {sizes} px: pass --resolution (or a variant name, e.g. --model {variants[max(variants)]})")
    if resolution in variants:
        return variants[resolution], None
    nearest = sorted(variants, key=lambda s: (abs(s - resolution), -s))[0]
    if _REGISTRY[variants[nearest]].task in ("generation", "progressive") and _fits(_REGISTRY[variants[nearest]], resolution):
        return variants[nearest], resolution
    others = sorted(n for n, e in _REGISTRY.items() if e.generator_config.get("sample_size") == resolution)
    hint = f"; models made for {resolution} px: {', '.join(others)}" if others else ""
    raise ConfigError(f"{name} cannot make {resolution}-px images (its variants: {sizes} px, and its networks "
                      f"do not build at {resolution}){hint}")
