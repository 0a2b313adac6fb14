"""Errors that hfgan raises for bad user input.

Every error is a one-line message naming the problem (file, argument or config value) so the CLI can
print it without a traceback.
"""

import re


class HFGANError(ValueError):
    """Bad input to hfgan: a file, a folder, a config value or a call argument."""


class CheckpointError(HFGANError):
    """A model folder or weights file that cannot be loaded."""


class ConfigError(HFGANError):
    """A config value of the wrong type or out of range."""


class ArgumentError(HFGANError, TypeError):
    """A keyword argument that a call does not know or does not support (never silently ignored)."""


def one_line(err: BaseException) -> str:
    """``"<Type>: <first sentence of the message>"`` of a third-party error, to wrap it in one of ours."""
    text = str(err).strip()
    if not text:
        return type(err).__name__
    return f"{type(err).__name__}: {re.split(r'(?<=[.!?]) ', text.splitlines()[0])[0]}"
