"""Errors that hfgan raises for bad user input.

Every error is a one-line message naming the problem (file, argument or config value) so the CLI can
print it without a traceback.
"""


class HFGANError(ValueError):
    """Bad input to hfgan: a file, a folder, a config value or a call argument."""


class CheckpointError(HFGANError):
    """A model folder or weights file that cannot be loaded."""


class ConfigError(HFGANError):
    """A config value of the wrong type or out of range."""
