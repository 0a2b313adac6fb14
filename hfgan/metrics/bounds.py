"""The bounds of one evaluation: how many images it may generate and what it may keep in memory.

Every check raises a one-line :class:`HFGANError` before any image is generated; :func:`time_to_generate` states
what an oversized request would cost.
"""

import numpy as np

from ..errors import HFGANError

#: the most images one evaluation generates (the reporting protocol uses 10,000), and the rate its time is stated at.
MAX_NUM_SAMPLES = 10**7
ASSUMED_IMAGES_PER_SECOND = 10_000  # 28-px models on a GPU; larger models are slower


def check_args(num_samples: int, batch_size: int) -> None:
    """One-line errors for a ``num_samples`` under 2 or over :data:`MAX_NUM_SAMPLES`, or a ``batch_size`` under 1."""
    for name, value, low in (("num_samples", num_samples, 2), ("batch_size", batch_size, 1)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise HFGANError(f"{name} must be an integer >= {low}, got {value!r}")
    if num_samples > MAX_NUM_SAMPLES:
        raise HFGANError(f"num_samples must be at most {MAX_NUM_SAMPLES}, got {num_samples:.3g}: "
                         f"{time_to_generate(num_samples)}")


def time_to_generate(num_samples: int) -> str:
    """How long ``num_samples`` images take at :data:`ASSUMED_IMAGES_PER_SECOND`, as a clause."""
    from ..training.config import format_duration

    return (f"at {ASSUMED_IMAGES_PER_SECOND:,} images a second (28-px models on a GPU) it would take "
            f"{format_duration(num_samples / ASSUMED_IMAGES_PER_SECOND)}")


def check_kept_bytes(nbytes: int, what: str, advice: str) -> None:
    """Refuse, in one line, to keep ``nbytes`` (``what``) for a whole evaluation when they exceed the memory
    available."""
    from ..pipelines.memory import _gib, available_memory

    available = available_memory()
    if nbytes > available:
        raise HFGANError(f"{what} take {_gib(nbytes)}, but only {_gib(available)} of memory is available: {advice}")
