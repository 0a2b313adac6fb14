"""``hfgan`` command line: ``train | generate | translate | evaluate | push | list | convert``.

Each sub-command lives in ``hfgan/commands/<name>.py`` with ``add_arguments(parser)`` and ``run(args)``.
Every failure ends in one line on stderr: bad input (:class:`~hfgan.errors.HFGANError`, an unreadable file,
a usage error) exits with status 2, anything else with status 1. ``--debug`` or ``HFGAN_DEBUG=1`` shows the
traceback instead, for bug reports.
"""

import argparse
import importlib
import os
import sys
from typing import List, Optional

from .errors import HFGANError, one_line

COMMANDS = {
    "train": "Train a GAN from a preset or a config file (Accelerate: CPU, one or many GPUs).",
    "generate": "Generate images from a saved pipeline or a Hub repo into a grid PNG.",
    "translate": "Translate image files or folders with an image-to-image pipeline (Pix2Pix, CycleGAN) into a folder.",
    "evaluate": "Compute FID / KID / IS / precision-recall of a pipeline against a dataset split.",
    "push": "Upload a saved pipeline folder to the Hugging Face Hub.",
    "list": "List registered model variants and training presets.",
    "convert": "Convert another project's weights (e.g. pytorch-pretrained-biggan's BigGAN-deep) into an hfgan pipeline folder.",
}
DEBUG_HELP = "show the traceback of an error (for bug reports); the same as HFGAN_DEBUG=1"


class _Parser(argparse.ArgumentParser):
    """argparse with one-line usage errors (the usage itself is in ``--help``)."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = _Parser(prog="hfgan", description="GANs as Hugging Face Hub models.")
    parser.add_argument("--version", action="version", version=f"hfgan {__version__}")
    parser.add_argument("--debug", action="store_true", help=DEBUG_HELP)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    for name, help_text in COMMANDS.items():
        module = importlib.import_module(f".commands.{name}", __package__)
        sub = subparsers.add_parser(name, help=help_text, description=help_text)
        module.add_arguments(sub)
        sub.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=DEBUG_HELP)
        sub.set_defaults(_run=module.run)
    return parser


def _debugging(args) -> bool:
    return bool(getattr(args, "debug", False)) or os.environ.get("HFGAN_DEBUG", "").strip().lower() not in ("", "0", "false")


def main(argv: Optional[List[str]] = None) -> int:
    parser = build_parser()
    try:
        args, extra = parser.parse_known_args(argv)
        if extra and not getattr(args, "_accepts_overrides", False):
            parser.error(f"unrecognized arguments: {' '.join(extra)}")
    except SystemExit as done:  # --help, --version, or a usage error already printed
        return done.code if isinstance(done.code, int) else 0 if done.code is None else 2
    args.overrides = extra
    try:
        result = args._run(args)
    except KeyboardInterrupt:
        print(f"hfgan {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as err:  # noqa: BLE001 - every failure is one line unless debugging
        if _debugging(args):
            raise
        if isinstance(err, (HFGANError, OSError)):  # bad input, or a file that cannot be read or written
            message, status = " ".join(line.strip() for line in str(err).splitlines()) or type(err).__name__, 2
        else:
            message, status = f"{one_line(err)} (--debug or HFGAN_DEBUG=1 shows the traceback)", 1
        print(f"hfgan {args.command}: error: {message}", file=sys.stderr)
        return status
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
