"""The allowed range of a number in the training config or in a task's ``task_kwargs``, and the one-line error for a
value outside it (no torch: the config is read before anything heavy is imported)."""

import math
from typing import Optional, Tuple

# (low, high, low included, high included); None leaves that side open
Range = Tuple[float, Optional[float], bool, bool]

NONNEGATIVE: Range = (0.0, None, True, False)
POSITIVE: Range = (0.0, None, False, False)
AT_LEAST_ONE: Range = (1, None, True, False)
LABEL_SMOOTHING: Range = (0.0, 0.5, True, False)  # one-sided: the real target 1 - smoothing stays above one half


def range_text(bounds: Range) -> str:
    """``">= 0"``, ``"> 0"``, ``"in [0, 0.5)"``."""
    low, high, low_included, high_included = bounds
    if high is None:
        return f"{'>=' if low_included else '>'} {low:g}"
    return f"in {'[' if low_included else '('}{low:g}, {high:g}{']' if high_included else ')'}"


def check_range(key: str, value, bounds: Range, optional: bool = False) -> None:
    """Raise a one-line :class:`~hfgan.errors.ConfigError` naming ``key`` when ``value`` is outside ``bounds`` (an
    integer range when its low end is an int; a float must also be finite); None passes when the key is ``optional``."""
    from ..errors import ConfigError

    if value is None and optional:
        return
    low, high, low_included, high_included = bounds
    above = value >= low if low_included else value > low
    below = high is None or (value <= high if high_included else value < high)
    if isinstance(low, int):
        if not (above and below):
            raise ConfigError(f"{key} must be {range_text(bounds)}, got {value}")
        return
    if not (math.isfinite(value) and above and below):
        unset = " (or unset)" if optional else ""
        raise ConfigError(f"{key} must be a finite number {range_text(bounds)}{unset}, got {value!r}")
