"""A size and age budget for the files the Space leaves in temp folders (plain Python: no gradio here).

Every output image reaches the browser as a file in gradio's cache, and every upload lands there too. Age
alone does not bound them (at 40 busy users an hour of outputs is gigabytes), so :func:`sweep` also keeps
their total size under ``max_bytes``: oldest first, never a file younger than ``min_age_s`` (the browser
may still be fetching it).
"""

import os
import time
from dataclasses import dataclass
from typing import Iterable, List, Optional, Set, Tuple


@dataclass(frozen=True)
class TempBudget:
    max_bytes: int  # total size kept; older files go first
    max_age_s: float  # files older than this go whatever the size
    min_age_s: float = 0.0  # files younger than this stay whatever the size
    interval_s: float = 5.0  # how often the app sweeps


def _stat(path: str) -> Optional[Tuple[float, int]]:
    try:
        st = os.lstat(path)
    except OSError:
        return None
    return st.st_mtime, st.st_size


def sweep(paths: Iterable[str], budget: TempBudget, now: Optional[float] = None) -> Tuple[Set[str], int]:
    """Delete files of ``paths`` to meet ``budget``; returns ``(paths removed or already gone, bytes kept)``."""
    now = time.time() if now is None else now
    gone: Set[str] = set()
    alive: List[Tuple[float, int, str]] = []
    for path in set(paths):
        info = _stat(path)
        if info is None:
            gone.add(path)
        elif now - info[0] > budget.max_age_s and _remove(path):
            gone.add(path)
        else:
            alive.append((info[0], info[1], path))
    total = sum(size for _, size, _ in alive)
    for mtime, size, path in sorted(alive):  # oldest first
        if total <= budget.max_bytes or now - mtime < budget.min_age_s:
            break
        if _remove(path):
            gone.add(path)
            total -= size
    return gone, total


def _remove(path: str) -> bool:
    try:
        os.remove(path)
    except FileNotFoundError:
        return True
    except OSError:
        return False
    return True


def remove_empty_parents(paths: Iterable[str], root: str) -> None:
    """Remove the now empty folders that held ``paths`` (gradio keeps each file in a folder of its own), up to
    but excluding ``root``."""
    root = os.path.abspath(root)
    for folder in {os.path.dirname(os.path.abspath(p)) for p in paths}:
        while folder.startswith(root + os.sep):
            try:
                os.rmdir(folder)  # only when empty
            except OSError:
                break
            folder = os.path.dirname(folder)


def folder_usage(folder: str) -> Tuple[int, int]:
    """``(bytes, files)`` of the regular files under ``folder``."""
    total = count = 0
    for root, _, files in os.walk(folder):
        for name in files:
            info = _stat(os.path.join(root, name))
            if info is not None:
                total += info[1]
                count += 1
    return total, count
