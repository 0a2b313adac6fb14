"""What several commands share: the torch device of ``--device`` and loading a pipeline without progress bars."""

from typing import Optional

# Devices with real memory: a "meta" (or other virtual) device holds no values to write out.
RUNNABLE_DEVICES = ("cpu", "cuda", "mps", "xpu")


def resolve_device(name: Optional[str]):
    """``--device`` as a ``torch.device`` (default: cuda if available, else cpu), or a one-line error."""
    import torch

    from ..errors import HFGANError

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


def load_pipeline_quietly(source: str, local_files_only: bool = False, allow_nonfinite: bool = False):
    """:func:`hfgan.load_pipeline` without diffusers' "Loading pipeline components" bar in a command's output;
    ``allow_nonfinite`` loads weights that hold NaN or inf (research use)."""
    from diffusers.utils import logging as diffusers_logging

    from ..pipelines import load_pipeline

    bars_were_enabled = diffusers_logging.is_progress_bar_enabled()
    diffusers_logging.disable_progress_bar()
    try:
        return load_pipeline(source, local_files_only=local_files_only or None, allow_nonfinite=allow_nonfinite)
    finally:
        if bars_were_enabled:
            diffusers_logging.enable_progress_bar()


def add_allow_nonfinite(parser) -> None:
    parser.add_argument("--allow-nonfinite", action="store_true",
                        help="load weights that hold NaN or inf or are not floating point (research use: a diverged run)")
