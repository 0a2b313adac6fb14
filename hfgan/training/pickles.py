"""Pickle files in a checkpoint: refused unless hfgan wrote and expects them, and read as plain data only.

Accelerate's ``save_state`` writes the weights as safetensors and the optimizer (and a mixed-precision scaler)
states with ``torch.save``; its ``load_state`` reads those back with its ``load``, and would read objects registered
for checkpointing (``custom_checkpoint_<i>.pkl``) with ``weights_only=False``. hfgan registers nothing with
Accelerate: the learning-rate schedules are numbers in ``trainer_state.json``, the EMA and task state are
safetensors, and each process's RNG state is JSON (``rng_state_<rank>.json``, replacing Accelerate's
``random_states_<rank>.pkl``). Before ``load_state``, :func:`check_pickles` refuses any pickle file hfgan did not
write and expect, and opens each expected one with ``torch.load(weights_only=True)`` (plain tensors and numbers
only, whatever Accelerate's version would do); ``load_state`` then reads a view of the folder holding only the
weights and those states (:func:`accelerate_view`). Checkpoints from before manifests (schedules in
``custom_checkpoint_<i>.pkl``, RNG in ``random_states_<i>.pkl``) are read the same way: as plain data, or not at all.
"""

import codecs
import os
import re
import shutil
import tempfile
from contextlib import contextmanager
from typing import Dict, Iterator, Optional

import numpy as np
import torch

from ..errors import CheckpointError, one_line

# pickle files that Accelerate's save_state writes and load_state reads, opened here with weights_only=True first
_ACCELERATE_PICKLES = re.compile(r"^(optimizer(_\d+)?\.bin|scaler\.pt)$")
# pickle files of checkpoints written before manifests, read here as plain data
_LEGACY_PICKLES = re.compile(r"^(random_states_\d+\.pkl|custom_checkpoint_\d+\.pkl)$")
_PICKLE_SUFFIXES = (".pkl", ".pickle", ".bin", ".pt", ".pth", ".ckpt", ".pck", ".joblib", ".npy", ".npz")


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
