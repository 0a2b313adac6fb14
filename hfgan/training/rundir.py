"""What a run may find in its ``output_dir``, and what it clears before it writes there.

A run's grids, progress GIF and best pipeline are made from the files of its folder, so files of another run
must never be left in it:

- a fresh run refuses a non-empty ``output_dir`` unless ``overwrite_output_dir`` is set; then the outputs of
  the old run (samples, checkpoints, logs, the saved pipeline, ``best/``) are removed, and nothing else;
- ``--resume auto`` without a checkpoint starts fresh, and clears what a run killed before its first
  checkpoint leaves behind (``samples/``, ``logs/``, ``checkpoints/`` with only a temporary folder in it);
- a resumed run removes the sample grids written after its checkpoint's step, and ``best/`` when that was
  chosen after it, since the resumed run makes them again.

Reads only; :func:`clear` removes what :func:`plan` returned (on one process).
"""

import json
import os
import re
import shutil
from typing import List, Optional

from ..errors import HFGANError

# what the trainer writes into output_dir, besides the pipeline's component folders (named in model_index.json)
RUN_FILES = ("samples", "logs", "checkpoints", "best", "model_index.json", "README.md", "training_config.json",
             "losses.png")
# what a run leaves before its first checkpoint
EARLY_FILES = ("samples", "logs", "checkpoints")
_FRAME = re.compile(r"^step_(\d+)\.png$")


def run_entries(output_dir: str) -> List[str]:
    """The entries of ``output_dir`` that an hfgan run wrote (its outputs and its pipeline's components)."""
    names = set(os.listdir(output_dir))
    owned = {n for n in RUN_FILES if n in names}
    try:
        with open(os.path.join(output_dir, "model_index.json"), encoding="utf-8") as f:
            owned |= {k for k in json.load(f) if not k.startswith("_") and k in names}
    except (OSError, ValueError, AttributeError):
        pass
    return sorted(owned)


def plan(output_dir: str, resume_from: Optional[str], resume: Optional[str], overwrite: bool,
         step: Optional[int] = None) -> List[str]:
    """The paths to remove before the run writes into ``output_dir``, or a one-line error.

    ``resume_from`` is the checkpoint the run continues from (None: a fresh start), ``resume`` what was asked
    (``"latest"``, ``"auto"``, a path or None), ``step`` the checkpoint's step.
    """
    if not os.path.isdir(output_dir):
        if os.path.exists(output_dir):
            raise HFGANError(f"output_dir {output_dir} is a file, not a folder")
        return []
    if resume_from is not None:
        return _stale_after(output_dir, step or 0)
    names = sorted(os.listdir(output_dir))
    if not names:
        return []
    if overwrite:
        return [os.path.join(output_dir, n) for n in run_entries(output_dir)]
    if resume == "auto" and set(names) <= set(EARLY_FILES):  # a requeued job that never reached a checkpoint
        return [os.path.join(output_dir, n) for n in names]
    shown = ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")
    raise HFGANError(f"output_dir {output_dir} is not empty ({shown}): continue its run with --resume latest, "
                     "or pass --overwrite_output_dir to clear its old samples, checkpoints and logs, or choose another "
                     "--output_dir")


def _stale_after(output_dir: str, step: int) -> List[str]:
    """Sample grids written after ``step``, and ``best/`` when it was chosen after ``step``."""
    stale = []
    samples = os.path.join(output_dir, "samples")
    if os.path.isdir(samples):
        for name in sorted(os.listdir(samples)):
            match = _FRAME.match(name)
            if match and int(match.group(1)) > step:
                stale.append(os.path.join(samples, name))
    best = os.path.join(output_dir, "best")
    if os.path.isdir(best):
        from ..hub import read_card_data

        best_step = read_card_data(best).get("best_step")
        if not isinstance(best_step, int) or best_step > step:
            stale.append(best)
    return stale


def clear(paths: List[str]) -> None:
    for path in paths:
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path, ignore_errors=True)
        elif os.path.lexists(path):
            os.remove(path)
