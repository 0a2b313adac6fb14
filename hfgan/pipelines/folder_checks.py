"""Checks on a saved pipeline folder before diffusers reads any of it: what ``model_index.json`` may name, which
files may be opened, and what the weights may hold. Whether the networks fit in memory is
:mod:`hfgan.pipelines.memory`'s.

Every refusal is a :class:`~hfgan.errors.CheckpointError` of one line.
"""

import json
import math
import os
import re
import stat
from typing import Dict, Iterable, Optional, Set

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


def check_pipeline_folder(folder: str, class_name: str, components: Iterable[str], variant: Optional[str] = None,
                          allow_nonfinite: bool = False) -> Dict[str, Set[str]]:
    """Check a saved pipeline folder before diffusers reads it; return each component's safetensors keys.

    ``components``: the names the pipeline class ``class_name`` declares; nothing else is read. Raises :class:`CheckpointError` naming the file for: no or unreadable
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
