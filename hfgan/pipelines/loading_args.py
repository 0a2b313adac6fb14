"""The keyword arguments of ``from_pretrained`` / ``load_pipeline`` / ``save_pretrained``: which ones hfgan honours,
which it refuses and why (never silently ignored), and ``dtype`` / ``torch_dtype`` resolved to what diffusers takes."""

import torch

from ..errors import ArgumentError, HFGANError

# Keyword arguments of from_pretrained / load_pipeline besides the components: those of diffusers that hfgan
# honours, plus allow_nonfinite. trust_remote_code is accepted and changes nothing: hfgan runs no code of a folder.
LOADING_KWARGS = ("dtype", "torch_dtype", "variant", "use_safetensors", "subfolder", "revision", "token", "cache_dir",
                  "local_files_only", "force_download", "low_cpu_mem_usage", "device_map", "max_memory",
                  "offload_folder", "offload_state_dict", "disable_mmap", "allow_nonfinite", "trust_remote_code")
# diffusers' loading arguments that hfgan refuses, and why.
UNSUPPORTED_LOADING_KWARGS = {
    "custom_pipeline": "hfgan pipelines load their own classes",
    "custom_revision": "hfgan pipelines load their own classes",
    "proxies": "set the HTTPS_PROXY environment variable instead",
    "use_onnx": "hfgan pipelines have no ONNX weights",
    "provider": "hfgan pipelines have no ONNX weights",
    "sess_options": "hfgan pipelines have no ONNX weights",
    "provider_options": "hfgan pipelines have no ONNX weights",
    "quantization_config": "hfgan models are not quantized",
    "load_connected_pipeline": "hfgan pipelines have no connected pipelines",
    "use_flashpack": "hfgan loads safetensors weights only",
}
UPLOAD_KWARGS = ("commit_message", "private", "token", "create_pr", "revision")


def check_kwargs(kwargs: dict, allowed, what: str) -> None:
    """Refuse keyword arguments outside ``allowed`` (those diffusers knows but hfgan does not support, with the
    reason) with one :class:`~hfgan.errors.ArgumentError` line, rather than ignore them."""
    unknown = sorted(k for k in kwargs if k not in allowed)
    if not unknown:
        return
    reasons = [f"{k} ({UNSUPPORTED_LOADING_KWARGS[k]})" for k in unknown if k in UNSUPPORTED_LOADING_KWARGS]
    others = [k for k in unknown if k not in UNSUPPORTED_LOADING_KWARGS]
    parts = ([f"unsupported keyword argument{'s' if len(reasons) > 1 else ''} {', '.join(reasons)}"] if reasons else []) + \
            ([f"unknown keyword argument{'s' if len(others) > 1 else ''} {', '.join(others)}"] if others else [])
    raise ArgumentError(f"{what}: {'; '.join(parts)} (accepted: {', '.join(sorted(allowed))})")


def _as_float_dtype(value, what: str) -> torch.dtype:
    dtype = getattr(torch, value, value) if isinstance(value, str) else value
    if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
        raise HFGANError(f"{what} must be a floating-point torch.dtype (e.g. torch.float16), got {value!r}")
    return dtype


def resolve_dtype(kwargs: dict) -> None:
    """Accept ``dtype`` and ``torch_dtype``: a ``torch.dtype`` (or its name), or diffusers' per-component dict
    (``{"generator": torch.bfloat16, "default": torch.float32}``), and pass diffusers ``dtype``."""
    given = [kwargs.pop(key) for key in ("torch_dtype", "dtype") if kwargs.get(key) is not None]
    resolved = []
    for value in given:
        if isinstance(value, dict):
            if not all(isinstance(name, str) for name in value):
                raise HFGANError(f"a per-component dtype is keyed by component names (or 'default'), got {sorted(map(repr, value))}")
            resolved.append({name: _as_float_dtype(d, f"dtype[{name!r}]") for name, d in value.items()})
        else:
            resolved.append(_as_float_dtype(value, "dtype"))
    if len(resolved) > 1 and resolved[0] != resolved[1]:
        raise HFGANError(f"dtype and torch_dtype disagree: {resolved[1]} and {resolved[0]}")
    if resolved:
        kwargs["dtype"] = resolved[0]


def check_dtype_components(dtype, components, path: str) -> None:
    """A per-component dtype may name the pipeline's components and ``default`` only."""
    if isinstance(dtype, dict):
        unknown = sorted(set(dtype) - set(components) - {"default"})
        if unknown:
            raise HFGANError(f"could not load {path}: the per-component dtype names {', '.join(unknown)}, which this "
                             f"pipeline does not have (components: {', '.join(components)}, or 'default')")
