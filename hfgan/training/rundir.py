"""What a run may find in its ``output_dir``, what it clears before it writes there, and its record of what it wrote.

A run's grids, progress GIF and best pipeline are made from the files of its folder, so files of another run
must never be left in it; and nothing but a run's own outputs may ever be removed:

- **The run record.** ``.hfgan-run.json`` lists the top-level entries the run created (``samples/``, ``logs/``,
  ``checkpoints/``, ``best/``, the pipeline's component folders, ``model_index.json``, ``README.md``,
  ``training_config.json``, ``losses.png``, ...): the trainer adds each name before it creates the entry
  (:class:`RunRecord`, on the main process). Besides those, a run owns only its temporary folders
  (:data:`RUN_TEMPS`).
- **A fresh run** refuses a non-empty ``output_dir`` unless ``overwrite_output_dir`` is set; then it removes the
  entries the run record lists, and nothing else. A folder without a run record that was written by hfgan before run
  records existed is recognised by its layout (a ``checkpoints/checkpoint-<step>/trainer_state.json``, or
  ``training_config.json`` beside a verified component): then only the fixed names of :data:`RUN_FILES` and the
  component folders that ``model_index.json`` lists with an hfgan class *and* whose ``config.json`` names that same
  class (what hfgan's ``save_pretrained`` writes) are removed. Any other non-empty folder holds no hfgan run: it is
  refused, with or without ``overwrite_output_dir``.
- ``--resume auto`` without a checkpoint starts fresh, and clears what a run killed before its first checkpoint
  leaves behind (``samples/``, ``logs/``, ``checkpoints/`` with only a temporary folder in it), when the run record
  lists them or, without a record, when they have that shape.
- **A resumed run** removes the sample grids written after its checkpoint's step, and ``best/`` when that was
  chosen after it, since the resumed run makes them again; a resume into a non-empty folder that holds no hfgan run
  is refused.
- **Symlinks are never followed** when removing: an entry that is a symlink is unlinked (the link, not its target),
  no folder is emptied through a link (a symlinked ``samples/`` keeps its files on a resume), and
  ``shutil.rmtree`` only ever sees real folders.

:func:`plan` only reads; :func:`clear` removes what it returned (on one process).
"""

import json
import os
import re
import shutil
from typing import Iterable, List, Optional

from ..errors import HFGANError, one_line

RUN_RECORD = ".hfgan-run.json"
# a run's temporary entries: its staging folder for pipeline saves, and its record while it is rewritten
STAGING = ".hfgan-save.tmp"
RUN_TEMPS = (STAGING, RUN_RECORD + ".tmp")
# what the trainer writes into output_dir besides the pipeline's component folders: all of a run of earlier versions
# (no run record) that is cleared, with the components verified by hfgan_components
RUN_FILES = ("samples", "logs", "checkpoints", "best", "model_index.json", "README.md", "training_config.json",
             "losses.png", "pipeline_hfgan.py")
# what a run leaves before its first checkpoint
EARLY_FILES = ("samples", "logs", "checkpoints")
_FRAME = re.compile(r"^step_(\d+)\.png$")
_CHECKPOINT = re.compile(r"^checkpoint-\d+$")
_TEMP_CHECKPOINT = re.compile(r"^\.checkpoint-\d+\.tmp$")


# ------------------------------------------------------------------------------------------------ the record
def _entry_name(name) -> bool:
    """Whether ``name`` names an entry of the folder itself (no path, no ``..``)."""
    return (isinstance(name, str) and name not in ("", ".", "..") and "/" not in name and os.sep not in name
            and "\0" not in name)


def recorded_entries(output_dir: str) -> Optional[List[str]]:
    """The entry names the run record of ``output_dir`` lists, or None when it has none; a one-line error when it
    cannot be read (what belongs to the run is then unknown)."""
    path = os.path.join(output_dir, RUN_RECORD)
    if not os.path.lexists(path):
        return None
    try:
        if os.path.islink(path) or not os.path.isfile(path):
            raise ValueError("not a plain file")
        with open(path, encoding="utf-8") as f:
            entries = json.load(f)["entries"]
        if not isinstance(entries, list) or not all(_entry_name(n) for n in entries):
            raise ValueError("'entries' must be a list of names in the folder")
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise HFGANError(f"{path} is unreadable ({one_line(err)}): what belongs to the run in {output_dir} is unknown; "
                         "remove that file if the folder is an hfgan run, or choose another --output_dir") from None
    return sorted(set(entries))


def write_record(output_dir: str, entries: Iterable[str]) -> None:
    """Write the run record of ``output_dir`` (replaced whole, never left half-written)."""
    path = os.path.join(output_dir, RUN_RECORD)
    os.makedirs(output_dir, exist_ok=True)
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        json.dump({"format": 1, "entries": sorted(set(entries))}, f, indent=1)
        f.write("\n")
    os.replace(path + ".tmp", path)


class RunRecord:
    """The run record of ``output_dir``, kept by one process (``enabled``: the main one): :meth:`add` names entries
    before the trainer creates them."""

    def __init__(self, output_dir: str, enabled: bool = True):
        self.output_dir, self.enabled = output_dir, enabled
        self._known: Optional[set] = None

    def add(self, *names: str) -> None:
        if not self.enabled:
            return
        if self._known is None:
            self._known = set(recorded_entries(self.output_dir) or ())
        new = set(names) - self._known
        if new:
            write_record(self.output_dir, self._known | new)
            self._known |= new

    def adopt(self) -> None:
        """A resumed run of an earlier hfgan (no record yet): record the entries its layout shows as the run's."""
        if self.enabled and os.path.isdir(self.output_dir) and recorded_entries(self.output_dir) is None:
            self.add(*(legacy_entries(self.output_dir) or ()))


# --------------------------------------------------------------------------------- runs of earlier versions
def _real_dir(path: str) -> bool:
    return os.path.isdir(path) and not os.path.islink(path)


def _real_file(path: str) -> bool:
    return os.path.isfile(path) and not os.path.islink(path)


def _read_json(path: str):
    if not _real_file(path):
        return None
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def hfgan_components(output_dir: str) -> List[str]:
    """Component folders that ``model_index.json`` lists as ``["hfgan", "<Class>"]`` and whose ``config.json`` names
    ``<Class>`` (with the ``_diffusers_version`` hfgan's ``save_pretrained`` writes): real folders, no links."""
    index = _read_json(os.path.join(output_dir, "model_index.json"))
    if not isinstance(index, dict):
        return []
    found = []
    for name, value in index.items():
        if name.startswith("_") or not _entry_name(name):
            continue
        if not (isinstance(value, list) and len(value) == 2 and value[0] == "hfgan" and isinstance(value[1], str)):
            continue
        folder = os.path.join(output_dir, name)
        config = _read_json(os.path.join(folder, "config.json")) if _real_dir(folder) else None
        if isinstance(config, dict) and config.get("_class_name") == value[1] and "_diffusers_version" in config:
            found.append(name)
    return sorted(found)


def _has_checkpoints(output_dir: str) -> bool:
    root = os.path.join(output_dir, "checkpoints")  # read through a link (checkpoints kept on another disk)
    return os.path.isdir(root) and any(_CHECKPOINT.match(n) and _real_file(os.path.join(root, n, "trainer_state.json"))
                                   for n in os.listdir(root))


def legacy_entries(output_dir: str) -> Optional[List[str]]:
    """The entries of an hfgan run written before run records, or None when ``output_dir`` is not recognised as
    one (no checkpoint layout, and no ``training_config.json`` beside a verified component)."""
    components = hfgan_components(output_dir)
    config = _read_json(os.path.join(output_dir, "training_config.json"))
    if not _has_checkpoints(output_dir) and not (isinstance(config, dict) and components):
        return None
    names = set(os.listdir(output_dir))
    return sorted({n for n in RUN_FILES if n in names} | set(components))


def _early_run(output_dir: str, names: List[str]) -> bool:
    """Whether ``names`` (the whole folder, no run record) is what a run killed before its first checkpoint leaves:
    ``samples/`` of frames only and/or ``checkpoints/`` of temporary folders only, perhaps with ``logs/``."""
    if not set(names) <= set(EARLY_FILES) or not {"samples", "checkpoints"} & set(names):
        return False
    if not all(_real_dir(os.path.join(output_dir, n)) for n in names):
        return False
    samples, checkpoints = os.path.join(output_dir, "samples"), os.path.join(output_dir, "checkpoints")
    if "samples" in names and not all(_FRAME.match(f) and _real_file(os.path.join(samples, f))
                                      for f in os.listdir(samples)):
        return False
    return "checkpoints" not in names or all(_TEMP_CHECKPOINT.match(f) for f in os.listdir(checkpoints))


# ------------------------------------------------------------------------------------------------- planning
def owned_entries(output_dir: str) -> Optional[List[str]]:
    """The entries of ``output_dir`` that belong to its hfgan run (present ones only, the record and temporary
    entries included), or None when the folder holds no hfgan run."""
    entries = recorded_entries(output_dir)
    if entries is None:
        entries = legacy_entries(output_dir)
    if entries is None:
        return None
    names = set(os.listdir(output_dir))
    return sorted((set(entries) | set(RUN_TEMPS) | {RUN_RECORD}) & names)


def _not_a_run(output_dir: str, names: List[str]) -> HFGANError:
    shown = ", ".join(map(repr, names[:5])) + (", ..." if len(names) > 5 else "")
    return HFGANError(f"output_dir {output_dir} is not empty ({shown}) and holds no hfgan run (no {RUN_RECORD}, no "
                      "checkpoints): hfgan clears only its own outputs; empty it yourself or choose another "
                      "--output_dir")


def plan(output_dir: str, resume_from: Optional[str], resume: Optional[str], overwrite: bool,
         step: Optional[int] = None) -> List[str]:
    """The paths to remove before the run writes into ``output_dir``, or a one-line error.

    ``resume_from`` is the checkpoint the run continues from (None: a fresh start), ``resume`` what was asked
    (``"latest"``, ``"auto"``, a path or None), ``step`` the checkpoint's step.
    """
    if not os.path.isdir(output_dir):
        if os.path.lexists(output_dir):
            raise HFGANError(f"output_dir {output_dir} is a file, not a folder")
        return []
    names = sorted(os.listdir(output_dir))
    if not names:
        return []
    owned = owned_entries(output_dir)
    if resume_from is not None:
        if owned is None:
            raise _not_a_run(output_dir, names)
        return _stale_after(output_dir, step or 0, owned)
    if overwrite:
        if owned is None:
            raise _not_a_run(output_dir, names)
        return [os.path.join(output_dir, n) for n in owned]
    if resume == "auto":  # a requeued job that never reached a checkpoint
        early = set(EARLY_FILES) | set(RUN_TEMPS) | {RUN_RECORD}
        if owned is not None and recorded_entries(output_dir) is not None and set(names) <= early \
                and set(names) <= set(owned):
            return [os.path.join(output_dir, n) for n in names]
        if owned is None and _early_run(output_dir, names):
            return [os.path.join(output_dir, n) for n in names]
    shown = ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")
    raise HFGANError(f"output_dir {output_dir} is not empty ({shown}): continue its run with --resume latest, "
                     "or pass --overwrite_output_dir to clear its old samples, checkpoints and logs, or choose another "
                     "--output_dir")


def _stale_after(output_dir: str, step: int, owned: List[str]) -> List[str]:
    """Sample grids written after ``step``, and ``best/`` when it was chosen after ``step`` (the run's own only; no
    folder is looked into through a symlink)."""
    stale = []
    samples = os.path.join(output_dir, "samples")
    if "samples" in owned and _real_dir(samples):
        for name in sorted(os.listdir(samples)):
            match = _FRAME.match(name)
            if match and int(match.group(1)) > step:
                stale.append(os.path.join(samples, name))
    best = os.path.join(output_dir, "best")
    if "best" in owned and os.path.lexists(best):
        from ..cards import read_card_data

        best_step = read_card_data(best).get("best_step") if _real_dir(best) else None
        if not isinstance(best_step, int) or best_step > step:
            stale.append(best)
    return stale


def clear(paths: List[str]) -> None:
    """Remove ``paths``: a symlink is unlinked (never its target), a real folder removed with what it holds."""
    for path in paths:
        if os.path.islink(path) or (os.path.lexists(path) and not os.path.isdir(path)):
            try:
                os.unlink(path)
            except FileNotFoundError:  # removed meanwhile (another machine's process, on a shared folder)
                pass
        elif os.path.isdir(path):
            shutil.rmtree(path, ignore_errors=True)
