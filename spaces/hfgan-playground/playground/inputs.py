"""Input checking: clamp numbers (with a note), refuse what is not a number or text, name the input in one line.

Requests reach the Space as JSON from any client, so every input is checked for its type before it is used:
a wrong type, a non-finite number or an overlong text is a :class:`SpaceError` that names the input and quotes
(a short part of) the value.
"""

import math
from typing import List, Optional

from .errors import SpaceError
from .settings import MAX_TEXT_CHARS

SHOWN_CHARS = 30  # how much of a rejected text a message quotes


def shown(value) -> str:
    """``value`` as a message quotes it, short whatever its size: ``'abc'``, ``123 (int)``, ``a list``."""
    if isinstance(value, str):
        return repr(value) if len(value) <= SHOWN_CHARS else f"{value[:SHOWN_CHARS]!r}... ({len(value)} characters)"
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**SHOWN_CHARS:
        return f"an integer of {value.bit_length()} bits"
    if value is None or isinstance(value, (bool, int, float)):
        return repr(value) if value is None or isinstance(value, bool) else f"{value!r} ({type(value).__name__})"
    return f"a {type(value).__name__}"


def _number(value, name: str) -> float:
    """``value`` (a number, or text holding one) as a finite float; a :class:`SpaceError` naming ``name`` otherwise."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise SpaceError(f"{name} is empty: enter a number")
    if isinstance(value, bool) or not isinstance(value, (int, float, str)) or \
            (isinstance(value, str) and len(value) > MAX_TEXT_CHARS):
        raise SpaceError(f"{name} must be a number, got {shown(value)}")
    try:
        number = float(value)
    except ValueError:
        raise SpaceError(f"{name} must be a number, got {shown(value)}") from None
    except OverflowError:  # an int beyond a float's range
        number = math.inf
    if not math.isfinite(number):
        raise SpaceError(f"{name} must be a finite number, got {shown(value)}")
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


def require_number(value, name: str) -> None:
    """A request's number as JSON sends it (an int or a float, finite), or a :class:`SpaceError` naming ``name``."""
    if value is None:
        raise SpaceError(f"{name} is empty: enter a number")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise SpaceError(f"{name} must be a number, got {shown(value)}")
    if isinstance(value, float) and not math.isfinite(value):
        raise SpaceError(f"{name} must be a finite number, got {shown(value)}")


def text(value, name: str, limit: int = MAX_TEXT_CHARS) -> Optional[str]:
    """``value`` if it is text of at most ``limit`` characters (or ``None``: left empty), else a :class:`SpaceError`."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise SpaceError(f"{name} must be text, got {shown(value)}")
    if len(value) > limit:
        raise SpaceError(f"{name} is too long ({len(value)} characters): at most {limit}")
    return value


def model_name(value, name: str = "model") -> str:
    """A model box's value, stripped: a shipped model's name or a Hub repo id (which the cache then resolves)."""
    value = text(value, name)
    if value is None or not value.strip():
        raise SpaceError("pick a model first" if name == "model" else f"{name}: pick a model first")
    return value.strip()


def choice(value, name: str) -> Optional[str]:
    """A picker's value (a class name, a direction, a preset): text, or ``None`` when left empty."""
    return text(value, name)


def file_payload(value, name: str) -> None:
    """An uploaded file as a request sends it: ``None`` (nothing uploaded) or ``{"path": ...}`` / ``{"url": ...}``."""
    if value is None:
        return
    if isinstance(value, dict) and any(isinstance(value.get(k), str) for k in ("path", "url")):
        for key in ("path", "url"):
            if value.get(key) is not None:
                text(value[key], f"{name} ({key})", limit=4096)
        return
    raise SpaceError(f"{name} must be an uploaded image file, got {shown(value)}")
