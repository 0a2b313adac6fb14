"""Atomic checkpoint folders: ``<output_dir>/checkpoints/checkpoint-<step>``.

A checkpoint is written into ``.checkpoint-<step>.tmp`` and renamed into place only once complete
(``trainer_state.json`` is its last file), so a crash during a save never leaves a half-written folder
where ``--resume latest`` would look, and never touches the previous checkpoint.
"""

import os
import re
import shutil
from typing import List, Optional

from ..errors import HFGANError

STATE_FILE = "trainer_state.json"
TASK_STATE_FILE = "task_state.safetensors"  # image pools, running means: what a task carries across a resume
_PATTERN = re.compile(r"^checkpoint-(\d+)$")


def checkpoints_dir(output_dir: str) -> str:
    return os.path.join(output_dir, "checkpoints")


def list_checkpoints(output_dir: str) -> List[str]:
    """Complete checkpoints, oldest first."""
    root = checkpoints_dir(output_dir)
    if not os.path.isdir(root):
        return []
    found = []
    for name in os.listdir(root):
        match = _PATTERN.match(name)
        path = os.path.join(root, name)
        if match and os.path.isfile(os.path.join(path, STATE_FILE)):
            found.append((int(match.group(1)), path))
    return [path for _, path in sorted(found)]


def resolve_checkpoint(output_dir: str, resume: Optional[str]) -> Optional[str]:
    """``"latest"`` -> newest complete checkpoint (None when there is none yet); a path must be complete."""
    if not resume:
        return None
    if resume == "latest":
        found = list_checkpoints(output_dir)
        return found[-1] if found else None
    if not os.path.isfile(os.path.join(resume, STATE_FILE)):
        raise HFGANError(f"{resume} is not a complete hfgan checkpoint (no {STATE_FILE})")
    return resume


def temporary_path(output_dir: str, step: int, clear: bool = True) -> str:
    """Where checkpoint ``step`` is written before :func:`commit`; ``clear`` removes a crashed attempt."""
    path = os.path.join(checkpoints_dir(output_dir), f".checkpoint-{step}.tmp")
    if clear:
        shutil.rmtree(path, ignore_errors=True)
    return path


def commit(tmp_path: str, output_dir: str, step: int, keep: int) -> str:
    """Rename a finished temporary checkpoint into place, then prune to the newest ``keep``."""
    final = os.path.join(checkpoints_dir(output_dir), f"checkpoint-{step}")
    if os.path.exists(final):
        shutil.rmtree(final)
    os.replace(tmp_path, final)
    for old in list_checkpoints(output_dir)[:-keep]:
        shutil.rmtree(old, ignore_errors=True)
    return final
