"""``hfgan`` command line: ``train | generate | translate | evaluate | publish | push | list | convert | env``.

Each sub-command lives in ``hfgan/commands/<name>.py`` with ``add_arguments(parser)`` and ``run(args)``; those
modules import torch, diffusers and the rest inside ``run`` only, so ``--help`` and ``hfgan list`` answer at once.
Every long option is accepted with hyphens or underscores (``--num-images`` or ``--num_images``), and never as an
abbreviation (``--num`` is an error).
Every failure ends in one line on stderr: bad input (:class:`~hfgan.errors.HFGANError`, an unreadable file,
a usage error) exits with status 2, anything else with status 1. ``--debug`` or ``HFGAN_DEBUG=1`` shows the
traceback instead, for bug reports.
"""

import argparse
import importlib
import io
import os
import sys
from typing import List, Optional

from .errors import HFGANError, one_line

COMMANDS = {
    "train": "Train a GAN from a preset or a config file (Accelerate: CPU, one or many GPUs).",
    "generate": "Generate images from a saved pipeline or a Hub repo into a grid PNG.",
    "translate": "Translate image files or folders with an image-to-image pipeline (Pix2Pix, CycleGAN) into a folder.",
    "evaluate": "Compute FID / KID / IS / precision-recall of a pipeline against a dataset split.",
    "publish": "Copy a finished training run into a Hub-ready pipeline folder (weights, card, figures; no checkpoints).",
    "push": "Upload a saved pipeline folder to the Hugging Face Hub.",
    "list": "List registered model variants and training presets.",
    "convert": "Convert another project's weights (e.g. pytorch-pretrained-biggan's BigGAN-deep) into an hfgan pipeline folder.",
    "env": "Print the versions, devices and Accelerate config that a bug report needs.",
}
DEBUG_HELP = "show the traceback of an error (for bug reports); the same as HFGAN_DEBUG=1"


def _other_spelling(option: str) -> str:
    """``--num-images`` <-> ``--num_images`` (the leading ``--`` stays); the same string when there is none."""
    if not option.startswith("--"):
        return option
    body = option[2:]
    return "--" + (body.replace("-", "_") if "-" in body else body.replace("_", "-"))


class _Parser(argparse.ArgumentParser):
    """argparse with one-line usage errors (the usage itself is in ``--help``), no prefix abbreviations, and
    every long option also accepted in its other spelling (hyphens or underscores), which ``--help`` leaves out."""

    def __init__(self, *args, **kwargs):
        kwargs["allow_abbrev"] = False
        super().__init__(*args, **kwargs)

    def _add_other_spellings(self) -> None:
        for action in self._actions:  # argument groups share this list and the option table
            for option in action.option_strings:
                self._option_string_actions.setdefault(_other_spelling(option), action)

    def parse_known_args(self, args=None, namespace=None):
        self._add_other_spellings()
        return super().parse_known_args(args, namespace)

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = _Parser(prog="hfgan", description="GANs as Hugging Face Hub models.",
                     epilog="Options take hyphens or underscores alike: --num-images or --num_images.")
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


def _stacks_on_sigusr1() -> None:
    """``kill -USR1 PID`` prints every thread's stack to stderr: where a hung run (a collective waiting on another
    process, say) is stuck, without stopping it."""
    import faulthandler
    import signal

    if hasattr(signal, "SIGUSR1"):
        try:
            faulthandler.register(signal.SIGUSR1, all_threads=True, chain=False)
        except (AttributeError, RuntimeError, ValueError, io.UnsupportedOperation):  # no usable stderr, or not the main thread
            pass


def main(argv: Optional[List[str]] = None) -> int:
    _stacks_on_sigusr1()
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
