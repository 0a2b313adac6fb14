"""``trainer_state.json`` of a checkpoint: read it, check every key of it, and carry the learning-rate schedules.

A manifest can be rewritten along with the state it lists, so the state is checked on its own as well
(:func:`check_trainer_state`): a step that is not the count of its folder's name, or a key of the wrong type or
range, is a one-line :class:`~hfgan.errors.CheckpointError` naming the file and the key. The schedules are numbers
in the state (:func:`schedule_states`); checkpoints from before manifests kept them in pickles, read as plain data.
"""

import json
import math
import os
import re
from typing import Dict, List

from ..errors import CheckpointError, one_line
from .checkpoint import CHECKPOINT_NAME, STATE_FILE
from .pickles import load_plain


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
    named = CHECKPOINT_NAME.match(os.path.basename(os.path.dirname(os.path.abspath(path))))
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
