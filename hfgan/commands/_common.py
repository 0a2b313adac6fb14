"""What several commands share: the loading flags (``--revision``, ``--token``, ``--dtype``, ``--device``,
``--local-files-only``), the torch device of ``--device`` and loading a pipeline without progress bars.

A command that loads a pipeline calls :func:`add_loading_args` in its ``add_arguments`` and, in ``run``::

    device = resolve_device(args.device)
    pipe = load_pipeline_quietly(args.pipeline, **loading_kwargs(args))
"""

import argparse
from typing import Any, Dict, Optional

# Devices with real memory: a "meta" (or other virtual) device holds no values to write out.
RUNNABLE_DEVICES = ("cpu", "cuda", "mps", "xpu")


def resolve_device(name: Optional[str]):
    """``--device`` as a ``torch.device`` (default: cuda if available, else cpu), or a one-line error."""
    import torch

    from ..errors import HFGANError

    if name is not None and not name.strip():
        raise HFGANError("--device is empty: name a torch device (e.g. cpu, cuda, cuda:1), or leave the flag out")
    name = name or ("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(name)
    except (RuntimeError, ValueError):
        raise HFGANError(f"--device {name[:40]!r} is not a torch device (e.g. cpu, cuda, cuda:1)") from None
    if device.type not in RUNNABLE_DEVICES:
        raise HFGANError(f"--device {name}: images are made on {', '.join(RUNNABLE_DEVICES)} devices, not {device.type}")
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise HFGANError("--device cuda was asked for, but no CUDA device is available")
        if device.index is not None and device.index >= torch.cuda.device_count():
            raise HFGANError(f"--device {name}: there are only {torch.cuda.device_count()} CUDA devices (cuda:0 ...)")
    available = {"mps": lambda: torch.backends.mps.is_available(),
                 "xpu": lambda: hasattr(torch, "xpu") and torch.xpu.is_available()}.get(device.type)
    if available is not None and not available():
        raise HFGANError(f"--device {name} was asked for, but no {device.type} device is available")
    return device


# --dtype names -> torch dtype attribute names
DTYPES = {"float32": "float32", "fp32": "float32", "float16": "float16", "fp16": "float16", "half": "float16",
          "bfloat16": "bfloat16", "bf16": "bfloat16", "float64": "float64", "fp64": "float64"}


def add_loading_args(parser: argparse.ArgumentParser) -> None:
    """Add ``--revision``, ``--token``, ``--dtype``, ``--device`` and ``--local-files-only`` (each unless the parser
    already has it): how a command loads a pipeline folder or Hub repo. Read them back with :func:`loading_kwargs`
    and :func:`resolve_device`."""
    flags = {
        "--revision": dict(default=None, metavar="REV", help="Hub branch, tag or commit to load (default: main)"),
        "--token": dict(default=None, help="Hub token for private or gated repos (default: $HF_TOKEN or the one of "
                                           "`hf auth login`)"),
        "--dtype": dict(default=None, choices=sorted(set(DTYPES)), metavar="DTYPE",
                        help="load the weights as float32, float16 (fp16) or bfloat16 (bf16) (default: as saved)"),
        "--device": dict(default=None, help="torch device (default: cuda if available, else cpu)"),
        "--local-files-only": dict(action="store_true", help="do not contact the Hub: use local folders and the cache"),
    }
    for flag, options in flags.items():
        if flag not in parser._option_string_actions:
            parser.add_argument(flag, **options)


def loading_kwargs(args) -> Dict[str, Any]:
    """The ``load_pipeline`` / ``from_pretrained`` keyword arguments of the flags of :func:`add_loading_args`
    (``--device`` aside: see :func:`resolve_device`)."""
    dtype = getattr(args, "dtype", None)
    kwargs = {"revision": getattr(args, "revision", None), "token": getattr(args, "token", None),
              "local_files_only": bool(getattr(args, "local_files_only", False)) or None,
              "torch_dtype": DTYPES[dtype] if dtype else None}
    return {key: value for key, value in kwargs.items() if value is not None}


def check_loading(source: str, device, revision: Optional[str] = None, dtype: Optional[str] = None) -> None:
    """One-line errors for loading flags that cannot apply: ``--revision`` other than ``main`` of a local folder (a
    folder has no revisions; diffusers would ignore it), and ``--dtype float16`` on the CPU (diffusers refuses to run float16
    pipelines there; bfloat16 runs)."""
    import os

    from ..errors import HFGANError

    if revision not in (None, "main") and os.path.exists(source):  # "main", the default, asks for nothing else
        raise HFGANError(f"--revision {revision[:80]}: {source} is a local folder, which has no revisions: pass a Hub "
                         "repo id, or check that revision out into a folder")
    if dtype is not None and DTYPES.get(dtype) == "float16" and getattr(device, "type", device) == "cpu":
        raise HFGANError(f"--dtype {dtype}: float16 pipelines run on GPUs, not on cpu: use --dtype bfloat16 or float32 "
                         "on cpu, or --device cuda")


def load_pipeline_quietly(source: str, local_files_only: bool = False, allow_nonfinite: bool = False, **kwargs):
    """:func:`hfgan.load_pipeline` without diffusers' "Loading pipeline components" bar in a command's output;
    ``allow_nonfinite`` loads weights that hold NaN or inf (research use); ``kwargs`` (``revision``, ``token``,
    ``torch_dtype``, ...) go to ``load_pipeline``."""
    from diffusers.utils import logging as diffusers_logging

    from ..pipelines import load_pipeline

    kwargs["local_files_only"] = bool(local_files_only or kwargs.get("local_files_only")) or None
    bars_were_enabled = diffusers_logging.is_progress_bar_enabled()
    diffusers_logging.disable_progress_bar()
    try:
        return load_pipeline(source, allow_nonfinite=allow_nonfinite, **kwargs)
    finally:
        if bars_were_enabled:
            diffusers_logging.enable_progress_bar()


def add_allow_nonfinite(parser) -> None:
    parser.add_argument("--allow-nonfinite", action="store_true",
                        help="load weights that hold NaN or inf or are not floating point (research use: a diverged run)")
