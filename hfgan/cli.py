"""``hfgan`` command line: ``train | generate | translate | evaluate | push | list``.

Each sub-command lives in ``hfgan/commands/<name>.py`` with ``add_arguments(parser)`` and ``run(args)``;
bad input (:class:`~hfgan.errors.HFGANError`) is printed as one line and exits with status 2.
"""

import argparse
import importlib
import sys
from typing import List, Optional

from .errors import HFGANError

COMMANDS = {
    "train": "Train a GAN from a preset or a config file (Accelerate: CPU, one or many GPUs).",
    "generate": "Generate images from a saved pipeline or a Hub repo into a grid PNG.",
    "translate": "Translate image files or folders with an image-to-image pipeline (Pix2Pix, CycleGAN) into a folder.",
    "evaluate": "Compute FID / KID / IS / precision-recall of a pipeline against a dataset split.",
    "push": "Upload a saved pipeline folder to the Hugging Face Hub.",
    "list": "List registered model variants and training presets.",
}


def build_parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = argparse.ArgumentParser(prog="hfgan", description="GANs as Hugging Face Hub models.")
    parser.add_argument("--version", action="version", version=f"hfgan {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    for name, help_text in COMMANDS.items():
        module = importlib.import_module(f".commands.{name}", __package__)
        sub = subparsers.add_parser(name, help=help_text, description=help_text)
        module.add_arguments(sub)
        sub.set_defaults(_run=module.run)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and not getattr(args, "_accepts_overrides", False):
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    args.overrides = extra
    try:
        result = args._run(args)
    except (HFGANError, OSError) as err:  # bad input, or a file that cannot be read or written
        print(f"hfgan {args.command}: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"hfgan {args.command}: interrupted", file=sys.stderr)
        return 130
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
