"""What several commands share: the torch device of ``--device`` and loading a pipeline without progress bars."""

from typing import Optional


def resolve_device(name: Optional[str]):
    """``--device`` as a ``torch.device`` (default: cuda if available, else cpu), or a one-line error."""
    import torch

    from ..errors import HFGANError

    name = name or ("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(name)
    except RuntimeError:
        raise HFGANError(f"--device {name!r} is not a torch device (e.g. cpu, cuda, cuda:1)") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise HFGANError("--device cuda was asked for, but no CUDA device is available")
    return device


def load_pipeline_quietly(source: str, local_files_only: bool = False):
    """:func:`hfgan.load_pipeline` without diffusers' "Loading pipeline components" bar in a command's output."""
    from diffusers.utils import logging as diffusers_logging

    from ..pipelines import load_pipeline

    bars_were_enabled = diffusers_logging.is_progress_bar_enabled()
    diffusers_logging.disable_progress_bar()
    try:
        return load_pipeline(source, local_files_only=local_files_only or None)
    finally:
        if bars_were_enabled:
            diffusers_logging.enable_progress_bar()
