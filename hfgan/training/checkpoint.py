"""Checkpoint folders: ``<output_dir>/checkpoints/checkpoint-<step>``, written atomically, verified, never trusted.

**Atomic.** A checkpoint is written into ``.checkpoint-<step>.tmp`` and renamed into place only once complete
(:func:`commit`), so a crash during a save never leaves a half-written folder where ``--resume latest`` would look,
and never touches the previous checkpoint. A save that fails (a full disk) removes its temporary folder and says
which checkpoint is intact (:func:`.save_errors.write_failure`).

**Verified.** ``manifest.json``, the last file written, records the size and sha256 of every other file.
``--resume latest`` takes the newest checkpoint that verifies and says which ones it skipped and why; an explicit
checkpoint that does not verify is an error (:func:`resolve_checkpoint`). Its ``trainer_state.json`` is checked as
well, since a manifest can be rewritten with it (:mod:`.trainer_state`), and its pickle files are read as plain data
or not at all (:mod:`.pickles`).
"""

import hashlib
import json
import os
import re
import shutil
from typing import Callable, Dict, List, Optional

from ..errors import CheckpointError, one_line

STATE_FILE = "trainer_state.json"
TASK_STATE_FILE = "task_state.safetensors"  # image pools, running means: what a task carries across a resume
MANIFEST_FILE = "manifest.json"
CHECKPOINT_NAME = re.compile(r"^checkpoint-(\d+)$")  # a checkpoint folder's name; group 1: its step


def checkpoints_dir(output_dir: str) -> str:
    return os.path.join(output_dir, "checkpoints")


def list_checkpoints(output_dir: str) -> List[str]:
    """Checkpoint folders (renamed into place, so complete when written), oldest first."""
    root = checkpoints_dir(output_dir)
    if not os.path.isdir(root):
        return []
    found = []
    for name in os.listdir(root):
        match = CHECKPOINT_NAME.match(name)
        path = os.path.join(root, name)
        if match and os.path.isfile(os.path.join(path, STATE_FILE)):
            found.append((int(match.group(1)), path))
    return [path for _, path in sorted(found)]


# ------------------------------------------------------------------------------------------- manifest
def _sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_manifest(folder: str) -> None:
    """Record the size and sha256 of every file of ``folder`` in ``manifest.json`` (written last)."""
    files = {}
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        if name != MANIFEST_FILE and os.path.isfile(path):
            files[name] = {"size": os.path.getsize(path), "sha256": _sha256(path)}
    with open(os.path.join(folder, MANIFEST_FILE), "w", encoding="utf-8") as f:
        json.dump({"format": 1, "files": files}, f, indent=1)
        f.flush()
        os.fsync(f.fileno())


def read_manifest(folder: str) -> Optional[Dict[str, Dict]]:
    """``{file: {"size", "sha256"}}``, or None for a checkpoint written before manifests; raises if unreadable."""
    path = os.path.join(folder, MANIFEST_FILE)
    if not os.path.isfile(path):
        try:
            with open(os.path.join(folder, STATE_FILE), encoding="utf-8") as f:
                if json.load(f).get("manifest"):
                    raise CheckpointError(f"{MANIFEST_FILE} is missing")
        except (OSError, ValueError, AttributeError) as err:
            raise CheckpointError(f"{STATE_FILE} is unreadable ({one_line(err)})") from None
        return None
    try:
        with open(path, encoding="utf-8") as f:
            files = json.load(f)["files"]
        if not all(isinstance(v, dict) and isinstance(v.get("size"), int) and isinstance(v.get("sha256"), str)
                   for v in files.values()):
            raise ValueError("malformed entries")
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as err:
        raise CheckpointError(f"{MANIFEST_FILE} is unreadable ({one_line(err)})") from None
    return files


def verify(folder: str) -> Optional[str]:
    """Why ``folder`` fails its manifest (a missing, resized or changed file), or None if it verifies."""
    try:
        manifest = read_manifest(folder)
    except CheckpointError as err:
        return str(err)
    if manifest is None:
        return None
    for name, entry in manifest.items():
        path = os.path.join(folder, name)
        if not os.path.isfile(path):
            return f"{name} is missing"
        size = os.path.getsize(path)
        if size != entry["size"]:
            return f"{name} has {size} bytes, the manifest says {entry['size']}"
        if _sha256(path) != entry["sha256"]:
            return f"{name} does not match its sha256 in the manifest"
    return None


def resolve_checkpoint(output_dir: str, resume: Optional[str], log: Callable[[str], None] = print) -> Optional[str]:
    """Where a run resumes from, or None when it starts fresh.

    ``"latest"``: the newest checkpoint of ``output_dir`` that verifies; none at all is an error. ``"auto"`` (for
    requeued cluster jobs): the same when ``output_dir`` has checkpoints, else None (a fresh start). A path must
    verify. Checkpoints that exist but none verifies are an error either way.
    """
    if not resume:
        return None
    if resume not in ("latest", "auto"):
        if not os.path.isfile(os.path.join(resume, STATE_FILE)):
            raise CheckpointError(f"{resume} is not a complete hfgan checkpoint (no {STATE_FILE})")
        reason = verify(resume)
        if reason:
            raise CheckpointError(f"{resume} is damaged: {reason}")
        _note_legacy(resume, log)
        return resume
    found = list_checkpoints(output_dir)
    skipped = []
    for path in reversed(found):
        reason = verify(path)
        if reason is None:
            _note_legacy(path, log)
            return path
        skipped.append(f"{os.path.basename(path)}: {reason}")
        log(f"skipping {path}: {reason}")
    if found:
        raise CheckpointError(f"no checkpoint in {checkpoints_dir(output_dir)} verifies ({'; '.join(skipped)})")
    if resume == "latest":
        raise CheckpointError(f"--resume latest: {output_dir} has no checkpoint to resume from; train without --resume "
                              "to start, or use --resume auto to continue if a checkpoint exists and start fresh otherwise")
    return None


def _note_legacy(path: str, log: Callable[[str], None]) -> None:
    if not os.path.isfile(os.path.join(path, MANIFEST_FILE)):
        log(f"{path} has no {MANIFEST_FILE} (written by an earlier hfgan): its files cannot be checked for damage")


# ------------------------------------------------------------------------------------------- writing
def temporary_path(output_dir: str, step: int, clear: bool = True) -> str:
    """Where checkpoint ``step`` is written before :func:`commit`; ``clear`` removes a crashed attempt."""
    path = os.path.join(checkpoints_dir(output_dir), f".checkpoint-{step}.tmp")
    if clear:
        shutil.rmtree(path, ignore_errors=True)
    return path


def commit(tmp_path: str, output_dir: str, step: int, keep: int) -> str:
    """Write the manifest, rename a finished temporary checkpoint into place, then prune to the newest ``keep``."""
    write_manifest(tmp_path)
    final = os.path.join(checkpoints_dir(output_dir), f"checkpoint-{step}")
    if os.path.exists(final):
        shutil.rmtree(final)
    os.replace(tmp_path, final)
    for old in list_checkpoints(output_dir)[:-keep]:
        shutil.rmtree(old, ignore_errors=True)
    return final
