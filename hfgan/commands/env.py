"""``hfgan env``: what a bug report needs, as a Markdown list to paste into an issue (like ``diffusers-cli env``).

Versions of hfgan and the libraries it runs on, the platform, the torch devices, the Accelerate config that
``accelerate launch`` would use, and the environment variables that change hfgan's or the Hub's behaviour.
No token or other secret is printed: only whether ``HF_TOKEN`` is set.
"""

import argparse
import os
import platform
from typing import Dict, List, Tuple

# Distributions whose versions matter to a bug report, in the order printed.
LIBRARIES = ("torch", "diffusers", "accelerate", "huggingface_hub", "safetensors", "datasets", "torchmetrics",
             "numpy", "Pillow", "scipy", "gradio")
# Environment variables that change what hfgan, the Hub client or torch do.
ENVIRONMENT = ("HFGAN_CACHE", "HFGAN_DEBUG", "HFGAN_INCEPTION_WEIGHTS", "HFGAN_INCEPTION_URL", "HFGAN_INCEPTION_SHA256",
               "HF_HOME", "HF_HUB_CACHE", "HF_HUB_OFFLINE",
               "HF_ENDPOINT", "HF_HUB_DISABLE_PROGRESS_BARS", "CUDA_VISIBLE_DEVICES", "ACCELERATE_MIXED_PRECISION",
               "OMP_NUM_THREADS")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config-file", default=None, metavar="PATH",
                        help="the Accelerate config file to report (default: the one `accelerate launch` uses)")


def library_versions() -> Dict[str, str]:
    """``{distribution: version}``, "not installed" for those that are not."""
    from importlib import metadata

    versions = {}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def devices() -> List[Tuple[str, str]]:
    """``(label, text)`` rows about torch's devices: CUDA (each GPU with its memory), MPS, threads."""
    import torch

    rows = [("PyTorch CUDA / cuDNN", f"{torch.version.cuda or 'none'} / {torch.backends.cudnn.version() or 'none'}")]
    if torch.cuda.is_available():
        for i in range(torch.cuda.device_count()):
            props = torch.cuda.get_device_properties(i)
            rows.append((f"cuda:{i}", f"{props.name}, {props.total_memory / 2**30:.1f} GiB"))
    else:
        rows.append(("CUDA devices", "none available"))
    mps = getattr(torch.backends, "mps", None)
    rows.append(("MPS available", str(bool(mps is not None and mps.is_available()))))
    rows.append(("CPU threads (torch)", str(torch.get_num_threads())))
    return rows


def accelerate_config(config_file=None) -> Tuple[str, str]:
    """``(path, contents)`` of the Accelerate config that ``accelerate launch`` would read, or why there is none."""
    try:
        from accelerate.commands.config import default_config_file, load_config_from_file
    except ImportError:
        return "-", "accelerate is not installed"
    path = config_file or default_config_file
    if not os.path.isfile(path):
        return path, "not found (`accelerate config` writes one; without it, `accelerate launch` uses its defaults)"
    try:
        config = load_config_from_file(path).to_dict()
    except Exception as err:  # noqa: BLE001 - a broken config is worth reporting, not a crash
        from ..errors import one_line

        return path, f"unreadable ({one_line(err)})"
    return path, ", ".join(f"{key}={value}" for key, value in config.items())


def report(config_file=None) -> str:
    """The Markdown list that ``hfgan env`` prints."""
    from .. import __version__

    rows = [("hfgan version", __version__), ("Platform", platform.platform()),
            ("Python version", f"{platform.python_version()} ({platform.python_implementation()})")]
    rows += [(f"{name} version", version) for name, version in library_versions().items()]
    rows += devices()
    path, contents = accelerate_config(config_file)
    rows += [("Accelerate config file", path), ("Accelerate config", contents)]
    rows += [(name, os.environ[name]) for name in ENVIRONMENT if name in os.environ]
    rows.append(("HF_TOKEN set", "yes" if os.environ.get("HF_TOKEN") else "no"))
    lines = ["Copy and paste the text below into your bug report.", ""]
    lines += [f"- {label}: {value}" for label, value in rows]
    return "\n".join(lines)


def check_config_file(path: str) -> None:
    """A ``--config-file`` that was asked for must be a readable Accelerate config: a one-line error otherwise (the
    default file may be missing: ``hfgan env`` then says so in its report)."""
    from ..errors import HFGANError

    if not os.path.isfile(path):
        raise HFGANError(f"--config-file {path}: no such file (`accelerate config` writes one; leave the flag out to "
                         "report the default)")
    _, contents = accelerate_config(path)
    if contents.startswith("unreadable ("):
        raise HFGANError(f"--config-file {path}: not an Accelerate config file: {contents[len('unreadable ('):-1]}")


def run(args) -> int:
    if args.config_file is not None:
        check_config_file(args.config_file)
    print(report(args.config_file))
    return 0
