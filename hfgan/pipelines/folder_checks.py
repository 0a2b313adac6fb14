"""Checks on a saved pipeline folder before diffusers reads any of it: what ``model_index.json`` may name, which
files may be opened, what the weights may hold, and whether the configured networks fit in memory.

Every refusal is a :class:`~hfgan.errors.CheckpointError` (or :class:`~hfgan.errors.ConfigError`) of one line.
"""

import importlib
import json
import math
import os
import re
import stat
from typing import Dict, Iterable, Optional, Set, Tuple

import torch

from ..errors import CheckpointError, HFGANError, one_line

WEIGHTS_NAME = "diffusion_pytorch_model"
PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".ckpt", ".pkl", ".pickle")
MAX_JSON_BYTES = 16 * 2**20  # model_index.json and config.json files are a few kB
_PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Integer tensors a network may hold legitimately (BatchNorm's step counter); every other tensor is floating point.
_INTEGER_BUFFERS = ("num_batches_tracked",)


def _is_regular_file(path: str) -> bool:
    """True for a regular file (symlinks followed, as in the Hub cache); False for folders, FIFOs, devices, sockets."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


def read_json(path: str) -> dict:
    """A JSON object from a regular file of at most :data:`MAX_JSON_BYTES`, or a one-line :class:`CheckpointError`."""
    if not _is_regular_file(path):
        kind = "missing" if not os.path.lexists(path) else "not a regular file"
        raise CheckpointError(f"{path} is {kind}")
    size = os.path.getsize(path)
    if size > MAX_JSON_BYTES:
        raise CheckpointError(f"{path} is {size} bytes, more than the {MAX_JSON_BYTES} bytes a config may have")
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except RecursionError:
        raise CheckpointError(f"{path} is not a readable JSON file (it nests too deeply)") from None
    except (OSError, ValueError) as err:
        raise CheckpointError(f"{path} is not a readable JSON file ({one_line(err)})") from None
    if not isinstance(data, dict):
        raise CheckpointError(f"{path} must hold a JSON object, got {type(data).__name__}")
    return data


def index_class_name(index: dict):
    """The pipeline class a ``model_index.json`` names: its ``_class_name``, written either as ``"GANPipeline"`` or,
    as hfgan saves it so that diffusers' ``DiffusionPipeline.from_pretrained`` can find the class, as
    ``["pipeline_hfgan", "GANPipeline"]`` (the module file in the folder, then the class)."""
    name = index.get("_class_name")
    if isinstance(name, list) and len(name) == 2 and all(isinstance(part, str) for part in name):
        return name[1]
    return name


def read_model_index(folder: str) -> dict:
    index_path = os.path.join(folder, "model_index.json")
    if not os.path.lexists(index_path):
        raise CheckpointError(f"{folder} has no model_index.json: it is not a saved hfgan pipeline")
    return read_json(index_path)


def _component_specs(index: dict, index_path: str, components: Optional[Iterable[str]]) -> Dict[str, list]:
    """``{name: [library, class]}`` of the components to read, after checking every key of ``model_index.json``.

    Keys must be plain names (letters, digits, ``_``): one that looks like a path is refused before anything
    is looked up, so the message says nothing about what exists outside the folder.
    """
    for key in index:
        if not isinstance(key, str) or not _PLAIN_NAME.fullmatch(key):
            shown = key if len(key) <= 40 else key[:40] + "..."
            looks_like_path = os.path.isabs(key) or any(s in key for s in ("/", "\\", ".."))
            what = "a path" if looks_like_path else "not a plain name (letters, digits and _)"
            raise CheckpointError(f"{index_path}: the key {shown!r} is {what}; component names are folder names "
                                  "inside the pipeline folder")
    specs: Dict[str, list] = {}
    for name, spec in index.items():
        if name.startswith("_"):
            continue
        if components is not None and name not in components:
            raise CheckpointError(f"{index_path} lists a component {name!r}, which this pipeline does not have "
                                  f"(it has {', '.join(sorted(components))})")
        if spec is None or (isinstance(spec, list) and len(spec) == 2 and spec[1] is None):
            continue  # an optional component saved as absent
        if not (isinstance(spec, list) and len(spec) == 2 and all(isinstance(s, str) for s in spec)):
            raise CheckpointError(f"{index_path}: {name} must be [library, class], got {str(spec)[:60]}")
        library, class_name = spec
        if not (library == "hfgan" or library.startswith("hfgan.")) or not _PLAIN_NAME.fullmatch(class_name):
            raise CheckpointError(f"{index_path}: {name} is a {(library + '.' + class_name)[:60]}; hfgan pipelines hold hfgan "
                                  "models only, e.g. [\"hfgan\", \"DCGANGenerator\"]")
        specs[name] = spec
    return specs


def _all_finite(weights, key: str, chunk: int = 2**24) -> bool:
    """Whether a tensor of an open safetensors file is finite, read a slab of about ``chunk`` values at a time."""
    tensor = weights.get_slice(key)
    shape = tensor.get_shape()
    row = math.prod(shape[1:]) if shape else 1
    if not shape or shape[0] * row <= chunk:
        return bool(torch.isfinite(weights.get_tensor(key)).all())
    step = max(1, chunk // max(row, 1))
    return all(bool(torch.isfinite(tensor[i:i + step]).all()) for i in range(0, shape[0], step))


def _check_tensors(path: str, weights, allow_nonfinite: bool) -> None:
    """Floating-point tensors of finite values only (integer step counters aside), unless ``allow_nonfinite``."""
    if allow_nonfinite:
        return
    for key in weights.keys():
        dtype = weights.get_slice(key).get_dtype()
        if not dtype.startswith(("F", "BF")):  # safetensors dtypes: F16, F32, F64, BF16, F8_*, I64, BOOL, ...
            if key.endswith(_INTEGER_BUFFERS) and dtype.startswith(("I", "U")):
                continue
            raise CheckpointError(f"{path}: tensor {key!r} is {dtype}, not floating point (allow_nonfinite=True, or "
                                  "--allow-nonfinite, loads it anyway, for research use)")
        if not _all_finite(weights, key):
            raise CheckpointError(f"{path}: tensor {key!r} holds NaN or inf values (allow_nonfinite=True, or "
                                  "--allow-nonfinite, loads it anyway, for research use)")


def check_pipeline_folder(folder: str, class_name: str, variant: Optional[str] = None,
                          components: Optional[Iterable[str]] = None, allow_nonfinite: bool = False) -> Dict[str, Set[str]]:
    """Check a saved pipeline folder before diffusers reads it; return each component's safetensors keys.

    ``components``: the names the pipeline class declares (default: those of the hfgan pipeline ``class_name``);
    nothing else is read. Raises :class:`CheckpointError` naming the file for: no or unreadable
    ``model_index.json``, another pipeline class, keys that are not plain names (paths above all), components
    the class does not declare or that are not hfgan models, a missing component folder or config, configs and
    weights that are not regular files (a FIFO would block), JSON that nests too deeply, pickle-only weights
    (never unpickled), a corrupt or truncated safetensors file, and, unless ``allow_nonfinite``, weights that are
    not floating point or hold NaN or inf.
    """
    from safetensors import safe_open

    index = read_model_index(folder)
    index_path = os.path.join(folder, "model_index.json")
    if index_class_name(index) != class_name:
        raise CheckpointError(f"{index_path} describes a {str(index_class_name(index))[:60]!r}, not a {class_name}")
    if components is None:
        from .pipeline_utils import pipeline_classes

        cls = pipeline_classes().get(class_name)
        components = cls._get_signature_keys(cls)[0] if cls is not None else None
    prefix = WEIGHTS_NAME + (f".{variant}" if variant else "")
    weights_pattern = re.compile(re.escape(prefix) + r"(-\d{5}-of-\d{5})?\.safetensors")
    keys: Dict[str, Set[str]] = {}
    for name in _component_specs(index, index_path, components):
        component = os.path.join(folder, name)
        if not os.path.isdir(component) or not os.path.lexists(os.path.join(component, "config.json")):
            raise CheckpointError(f"{component}/config.json is missing (model_index.json lists a {name})")
        read_json(os.path.join(component, "config.json"))
        files = sorted(f for f in os.listdir(component) if weights_pattern.fullmatch(f))
        if not files:
            pickled = sorted(f for f in os.listdir(component) if f.endswith(PICKLE_SUFFIXES))
            if pickled:
                raise CheckpointError(f"{component} holds only pickled weights ({pickled[0]}); hfgan loads safetensors only "
                                      f"and never unpickles: convert them to {prefix}.safetensors")
            raise CheckpointError(f"{component} has no {prefix}.safetensors weights file")
        keys[name] = set()
        for filename in files:
            path = os.path.join(component, filename)
            if not _is_regular_file(path):
                raise CheckpointError(f"{path} is not a regular file")
            try:
                with safe_open(path, framework="pt") as weights:
                    keys[name].update(weights.keys())
                    _check_tensors(path, weights, allow_nonfinite)
            except HFGANError:
                raise
            except Exception as err:  # noqa: BLE001 - safetensors raises its own error types
                raise CheckpointError(f"{path} is corrupt or truncated ({one_line(err)})") from None
    return keys


# -- memory ----------------------------------------------------------------------------------------------------
def _available_memory() -> int:
    """Bytes of memory that can be allocated now without swapping."""
    try:
        import psutil

        return int(psutil.virtual_memory().available)
    except ImportError:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")


def _gib(n: float) -> str:
    return f"{n / 2**30:.1f} GiB" if n >= 2**28 else f"{n / 2**20:.1f} MiB" if n >= 2**18 else f"{n:.0f} bytes"


def component_dtype(dtype, name: str) -> Optional[torch.dtype]:
    """The dtype of component ``name`` under ``dtype``: one ``torch.dtype`` for all, or diffusers' per-component dict
    (``{"generator": torch.bfloat16, "default": torch.float32}``; float32 for a name it lacks and no default)."""
    if isinstance(dtype, dict):
        return dtype.get(name, dtype.get("default", torch.float32))
    return dtype


def estimate_size(folder: str, names: Iterable[str], dtype=None) -> Dict[str, Tuple[int, int]]:
    """``{name: (values, bytes)}``: the parameters and buffers of each named component once loaded, from its
    ``config.json`` alone: the network is built on the ``meta`` device, which allocates nothing. ``dtype`` is a
    ``torch.dtype`` or a per-component dict, as :func:`component_dtype` reads it."""
    index = read_model_index(folder)
    sizes = {}
    for name in names:
        cast_to = component_dtype(dtype, name)
        cast = torch.empty((), dtype=cast_to, device="meta").element_size() if cast_to is not None else 0
        library, class_name = index[name]
        cls = getattr(importlib.import_module(library), class_name, None)
        if cls is None or not hasattr(cls, "from_config"):
            raise CheckpointError(f"{os.path.join(folder, 'model_index.json')}: {name} names {library}.{class_name}, "
                                  "which is not an hfgan model class")
        config = read_json(os.path.join(folder, name, "config.json"))
        with torch.device("meta"):
            model = cls.from_config(config)
        tensors = list(model.parameters()) + list(model.buffers())
        sizes[name] = (sum(t.numel() for t in tensors),
                       sum(t.numel() * (cast if cast and t.is_floating_point() else t.element_size()) for t in tensors))
    return sizes


def check_memory(folder: str, names: Iterable[str], dtype=None) -> None:
    """Refuse, before anything is allocated, components whose configs describe networks larger than the memory
    available now, saying how much they would need."""
    sizes = estimate_size(folder, names, dtype)
    needed, available = sum(size for _, size in sizes.values()), _available_memory()
    if needed > available:
        name = max(sizes, key=lambda n: sizes[n][1])
        values, size = sizes[name]
        raise CheckpointError(f"{os.path.join(folder, name, 'config.json')} describes a network of {values:.3g} values "
                              f"({_gib(size)}); loading the pipeline needs {_gib(needed)}, but only {_gib(available)} "
                              "of memory is available")
