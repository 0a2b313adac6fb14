"""Checkpoint folders: ``<output_dir>/checkpoints/checkpoint-<step>``, written atomically, verified, never trusted.

**Atomic.** A checkpoint is written into ``.checkpoint-<step>.tmp`` and renamed into place only once complete,
so a crash during a save never leaves a half-written folder where ``--resume latest`` would look, and never
touches the previous checkpoint. A save that fails (a full disk) removes its temporary folder and says which
checkpoint is intact (:func:`write_failure`).

**Verified.** ``manifest.json``, the last file written, records the size and sha256 of every other file.
``--resume latest`` takes the newest checkpoint that verifies and says which ones it skipped and why; an explicit
checkpoint that does not verify is an error (:func:`resolve_checkpoint`). Its ``trainer_state.json`` is checked as
well, since a manifest can be rewritten with it (:func:`check_trainer_state`): a step that is not the count of its
folder's name, or a key of the wrong type or range, is a one-line error naming the file and the key.

**Never unpickled beyond plain data.** Accelerate's ``save_state`` writes the weights as safetensors and the
optimizer (and a mixed-precision scaler) states with ``torch.save``; its ``load_state`` reads those back with
its ``load``, and would read objects registered for checkpointing (``custom_checkpoint_<i>.pkl``) with
``weights_only=False``. hfgan registers nothing with Accelerate: the learning-rate schedules are numbers in
``trainer_state.json``, the EMA and task state are safetensors, and each process's RNG state is JSON
(``rng_state_<rank>.json``, replacing Accelerate's ``random_states_<rank>.pkl``). Before ``load_state``,
:func:`check_pickles` refuses any pickle file hfgan did not write and expect, and opens each expected one with
``torch.load(weights_only=True)`` (plain tensors and numbers only, whatever Accelerate's version would do);
``load_state`` then reads a view of the folder holding only the weights and those states
(:func:`accelerate_view`). Checkpoints from before manifests (schedules in ``custom_checkpoint_<i>.pkl``, RNG in ``random_states_<i>.pkl``)
are read the same way: as plain data, or not at all.
"""

import codecs
import errno
import hashlib
import json
import math
import os
import random
import re
import shutil
import tempfile
from contextlib import contextmanager
from typing import Callable, Dict, Iterator, List, Optional

import numpy as np
import torch

from ..errors import CheckpointError, HFGANError, one_line

STATE_FILE = "trainer_state.json"
TASK_STATE_FILE = "task_state.safetensors"  # image pools, running means: what a task carries across a resume
MANIFEST_FILE = "manifest.json"
_PATTERN = re.compile(r"^checkpoint-(\d+)$")
# pickle files that Accelerate's save_state writes and load_state reads, opened here with weights_only=True first
_ACCELERATE_PICKLES = re.compile(r"^(optimizer(_\d+)?\.bin|scaler\.pt)$")
# pickle files of checkpoints written before manifests, read here as plain data
_LEGACY_PICKLES = re.compile(r"^(random_states_\d+\.pkl|custom_checkpoint_\d+\.pkl)$")
_PICKLE_SUFFIXES = (".pkl", ".pickle", ".bin", ".pt", ".pth", ".ckpt", ".pck", ".joblib", ".npy", ".npz")


def checkpoints_dir(output_dir: str) -> str:
    return os.path.join(output_dir, "checkpoints")


def list_checkpoints(output_dir: str) -> List[str]:
    """Checkpoint folders (renamed into place, so complete when written), oldest first."""
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


def _is_pickle(path: str) -> bool:
    """A pickle or a ``torch.save`` archive (a zip holding ``data.pkl``), by name or by its first bytes."""
    lower = path.lower()
    if lower.endswith((".safetensors", ".json")):  # never unpickled by anyone
        return False
    if lower.endswith(_PICKLE_SUFFIXES):
        return True
    try:
        with open(path, "rb") as f:
            head = f.read(4)
    except OSError:
        return False
    return head[:1] == b"\x80" or head == b"PK\x03\x04"


def check_pickles(folder: str, manifest: Optional[Dict[str, Dict]]) -> None:
    """Refuse a pickle file hfgan did not write and expect; open each expected one as plain data only.

    Runs before anything of ``folder`` is loaded. Raises a one-line :class:`CheckpointError`.
    """
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        if not os.path.isfile(path) or not _is_pickle(path):
            continue
        if manifest is not None:  # hfgan's own: only Accelerate's optimizer / scaler states, as listed
            expected = name in manifest and _ACCELERATE_PICKLES.match(name)
        else:  # written before manifests: those, plus the schedule and RNG states of then
            expected = _ACCELERATE_PICKLES.match(name) or _LEGACY_PICKLES.match(name)
        if not expected:
            raise CheckpointError(f"{path} is a pickle file that hfgan did not write; refusing to load it "
                                  f"(unpickling can run code): remove it to resume from {folder}")
        load_plain(path)


@contextmanager
def accelerate_view(folder: str) -> Iterator[str]:
    """A temporary folder linking only the files Accelerate's ``load_state`` is to read (weights, optimizer and
    scaler states, checked by :func:`check_pickles`): the RNG and schedule states are hfgan's to read."""
    view = tempfile.mkdtemp(prefix=".hfgan-load-")
    try:
        for name in os.listdir(folder):
            if re.match(r"^model(_\d+)?\.safetensors$", name) or _ACCELERATE_PICKLES.match(name):
                source, target = os.path.abspath(os.path.join(folder, name)), os.path.join(view, name)
                try:
                    os.symlink(source, target)
                except OSError:
                    shutil.copyfile(source, target)
        yield view
    finally:
        shutil.rmtree(view, ignore_errors=True)


def _plain_globals():
    """What a numpy RNG state needs beyond tensors and numbers (the same short list Accelerate allows)."""
    core = getattr(np, "_core", None) or np.core
    allowed = [core.multiarray._reconstruct, np.ndarray, np.dtype, codecs.encode]
    allowed += [v for v in vars(getattr(np, "dtypes", object)).values() if isinstance(v, type) and issubclass(v, np.dtype)]
    return allowed


def load_plain(path: str):
    """``torch.load(path, weights_only=True)``: tensors, numbers, strings and containers only, never code."""
    try:
        with torch.serialization.safe_globals(_plain_globals()):
            return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # noqa: BLE001 - any failure means: not plain data, or damaged
        raise CheckpointError(f"{path} does not load as plain data with weights_only=True; refusing it "
                              f"({one_line(err)})") from None


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


_DISK_FULL = ("no space left on device", "storagefull", "disk quota exceeded", "file write failed", "unexpected pos")


def write_failure(err: BaseException, tmp_path: str, output_dir: str, step: int) -> HFGANError:
    """Remove a failed save's temporary folder; the one-line error naming the checkpoint that is intact."""
    shutil.rmtree(tmp_path, ignore_errors=True)
    return save_failure(err, f"checkpoint {step}", intact_checkpoint(output_dir, "no earlier checkpoint was written"))


def is_disk_full(err: BaseException) -> bool:
    """Whether ``err`` says the disk (or the quota) is full, as Python, torch and safetensors each say it."""
    if isinstance(err, OSError) and err.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return True
    return any(text in str(err).lower() for text in _DISK_FULL)


def intact_checkpoint(output_dir: str, otherwise: str = "no checkpoint was written") -> str:
    """``"checkpoint 4 is intact (<path>)"`` for the newest checkpoint of ``output_dir``, else ``otherwise``."""
    done = list_checkpoints(output_dir)
    if not done:
        return otherwise
    return f"checkpoint {int(_PATTERN.match(os.path.basename(done[-1])).group(1))} is intact ({done[-1]})"


def save_failure(err: BaseException, what: str, rest: str) -> HFGANError:
    """The one-line error of a failed save of ``what``: ``"no space left on device: <what> not written, <rest>"`` on
    a full disk, else ``"<what> not written (<error>), <rest>"``."""
    if is_disk_full(err):
        return HFGANError(f"no space left on device: {what} not written, {rest}")
    return HFGANError(f"{what} not written ({one_line(err)}), {rest}")


# ------------------------------------------------------------------------------- state hfgan owns
def save_tensors(tensors: Dict[str, torch.Tensor], path: str) -> None:
    from safetensors.torch import save_file

    save_file({k: v.detach().contiguous().cpu() for k, v in tensors.items()}, path)


def schedule_states(schedulers) -> List[Dict]:
    """The numbers of each ``LambdaLR`` (``last_epoch``, ``base_lrs``, ``_last_lr``, ...), for JSON."""
    def plain(value):
        return isinstance(value, (bool, int, float)) or (isinstance(value, list) and all(plain(v) for v in value))

    return [{k: v for k, v in s.state_dict().items() if k != "lr_lambdas" and plain(v)} for s in schedulers]


def load_schedule_states(schedulers, states: List[Dict], source: str) -> None:
    """Put each schedule at its saved state (its optimizer's learning rates come with the optimizer state)."""
    if len(states) != len(schedulers):
        raise CheckpointError(f"{source} holds {len(states)} learning-rate schedules, this run has {len(schedulers)}")
    for scheduler, saved in zip(schedulers, states):
        if not isinstance(saved, dict) or not isinstance(saved.get("last_epoch"), int):
            raise CheckpointError(f"{source} holds a malformed learning-rate schedule state")
        state = scheduler.state_dict()
        state.update({k: v for k, v in saved.items() if k in state and k != "lr_lambdas"})
        scheduler.load_state_dict(state)


def read_trainer_state(folder: str) -> Dict:
    """``trainer_state.json``, checked (:func:`check_trainer_state`), with ``lr_schedules`` read from the pickles of
    earlier versions where it is absent."""
    path = os.path.join(folder, STATE_FILE)
    try:
        with open(path, encoding="utf-8") as f:
            state = json.load(f)
    except (OSError, ValueError) as err:
        raise CheckpointError(f"{folder}: {STATE_FILE} is unreadable ({one_line(err)})") from None
    check_trainer_state(state, path)
    if state.get("lr_schedules") is None:
        state["lr_schedules"] = legacy_schedule_states(folder)
    return state


MAX_STEP = 10**12  # far beyond any run; a larger count is a damaged or forged state


def _natural(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _count(value) -> bool:
    return _natural(value) and value <= MAX_STEP


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


# optional keys of trainer_state.json: (accepts the value, what it must be); None is accepted where it may be absent
_STATE_KEYS = {
    "ema_updates": (_count, "a non-negative integer"),
    "best_metric": (lambda v: v is None or _number(v), "a finite number or null"),
    "train_seconds": (lambda v: _number(v) and v >= 0, "a finite number >= 0"),
    "history": (lambda v: isinstance(v, dict), "an object"),
    "config": (lambda v: v is None or isinstance(v, dict), "an object"),
    "invocations": (lambda v: v is None or (isinstance(v, list) and all(isinstance(i, dict) for i in v)),
                    "a list of objects"),
    "lr_schedules": (lambda v: v is None or (isinstance(v, list) and all(isinstance(i, dict) for i in v)),
                     "a list of objects"),
    "ema_networks": (lambda v: isinstance(v, list) and all(isinstance(i, str) for i in v), "a list of names"),
    "data_position": (lambda v: v is None or (isinstance(v, dict) and _count(v.get("batch_counter"))
                                              and all(_natural(i) for i in v.values())),
                      "an object of non-negative integers with a batch_counter"),  # permutation_seed: up to 2**62
}


def check_trainer_state(state, path: str) -> None:
    """Raise a one-line :class:`CheckpointError` naming ``path`` and the key when the state read from ``path`` is not
    a trainer state: ``step`` must be a non-negative integer (the one in the folder's name, ``checkpoint-<step>``),
    and the other keys, where present, of their type and range."""
    def bad(key: str, what: str, value) -> CheckpointError:
        shown = repr(value)
        return CheckpointError(f"{path}: {key!r} must be {what}, got {shown[:60] + '...' if len(shown) > 60 else shown}")

    if not isinstance(state, dict):
        raise CheckpointError(f"{path} does not hold a trainer state (a JSON object), got {type(state).__name__}")
    if "step" not in state:
        raise CheckpointError(f"{path}: 'step' is missing")
    step = state["step"]
    if not _count(step):
        raise bad("step", f"an integer from 0 to {MAX_STEP}", step)
    named = _PATTERN.match(os.path.basename(os.path.dirname(os.path.abspath(path))))
    if named and int(named.group(1)) != step:
        raise bad("step", f"{named.group(1)}, the step of its folder's name", step)
    for key, (accepts, what) in _STATE_KEYS.items():
        if key in state and not accepts(state[key]):
            raise bad(key, what, state[key])


def legacy_schedule_states(folder: str) -> List[Dict]:
    """Schedules of a checkpoint written before manifests (``custom_checkpoint_<i>.pkl``), read as plain data."""
    names = sorted((n for n in os.listdir(folder) if re.match(r"^custom_checkpoint_\d+\.pkl$", n)),
                   key=lambda n: int(re.findall(r"\d+", n)[0]))
    return [load_plain(os.path.join(folder, n)) for n in names]


def rng_file(rank: int) -> str:
    return f"rng_state_{rank}.json"


def save_rng_state(folder: str, rank: int) -> None:
    """This process's RNG states as JSON; Accelerate's pickled copy of them is removed."""
    version, words, gauss = random.getstate()
    name, keys, pos, has_gauss, cached = np.random.get_state()
    state = {"torch": torch.get_rng_state().tolist(), "python": [version, list(words), gauss],
             "numpy": [name, keys.tolist(), int(pos), int(has_gauss), float(cached)]}
    if torch.cuda.is_available():
        state["cuda"] = [s.tolist() for s in torch.cuda.get_rng_state_all()]
    with open(os.path.join(folder, rng_file(rank)), "w", encoding="utf-8") as f:
        json.dump(state, f)
    pickled = os.path.join(folder, f"random_states_{rank}.pkl")
    if os.path.isfile(pickled):
        os.remove(pickled)


def load_rng_state(folder: str, rank: int, warn: Callable[[str], None]) -> None:
    """Restore this process's RNG states; unreadable ones are an error, missing ones a warning."""
    path = os.path.join(folder, rng_file(rank))
    legacy = os.path.join(folder, f"random_states_{rank}.pkl")
    try:
        if os.path.isfile(path):
            with open(path, encoding="utf-8") as f:
                state = json.load(f)
            torch_state, cuda = state["torch"], state.get("cuda")
            version, words, gauss = state["python"]
            name, keys, pos, has_gauss, cached = state["numpy"]
            numpy_state = (name, np.asarray(keys, dtype=np.uint32), pos, has_gauss, cached)
        elif os.path.isfile(legacy):
            state = load_plain(legacy)
            torch_state, cuda = state["torch_manual_seed"], state.get("torch_cuda_manual_seed")
            version, words, gauss = state["random_state"]
            numpy_state = state["numpy_random_seed"]
            path = legacy
        else:
            warn(f"{folder} holds no RNG state for process {rank}: random draws outside hfgan's seeded ones "
                 "(dropout) will differ from an uninterrupted run")
            return
        torch.set_rng_state(torch.as_tensor(torch_state, dtype=torch.uint8))
        random.setstate((version, tuple(words), gauss))
        np.random.set_state(numpy_state)
        if cuda is not None and torch.cuda.is_available() and len(cuda) == torch.cuda.device_count():
            torch.cuda.set_rng_state_all([torch.as_tensor(s, dtype=torch.uint8) for s in cuda])
    except CheckpointError:
        raise
    except Exception as err:  # noqa: BLE001 - a malformed state: say so rather than train on from another one
        raise CheckpointError(f"{path} holds an unreadable RNG state ({one_line(err)})") from None
