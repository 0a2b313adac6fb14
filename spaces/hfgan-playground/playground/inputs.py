"""Input checking: clamp numbers (with a note), refuse what cannot be a number."""

import math
from typing import List

from .errors import SpaceError


def _number(value, name: str) -> float:
    if isinstance(value, bool) or value is None or (isinstance(value, str) and not value.strip()):
        raise SpaceError(f"{name} is empty: enter a number")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise SpaceError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(number):
        raise SpaceError(f"{name} must be a finite number, got {value!r}")
    return number


def clamp_int(value, lo: int, hi: int, name: str, notes: List[str]) -> int:
    """``value`` as an int in ``[lo, hi]``; a clamped value adds a note."""
    number = int(round(_number(value, name)))
    clamped = min(max(number, lo), hi)
    if clamped != number:
        notes.append(f"{name} {number} is outside [{lo}, {hi}]: using {clamped}")
    return clamped


def clamp_float(value, lo: float, hi: float, name: str, notes: List[str]) -> float:
    number = _number(value, name)
    clamped = min(max(number, lo), hi)
    if clamped != number:
        notes.append(f"{name} {number:g} is outside [{lo:g}, {hi:g}]: using {clamped:g}")
    return clamped
