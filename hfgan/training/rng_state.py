"""Each process's RNG states (torch, CUDA, Python, numpy) in a checkpoint, as JSON: ``rng_state_<rank>.json``.

They replace Accelerate's pickled ``random_states_<rank>.pkl``, which checkpoints from before manifests hold and
which is read as plain data only (:func:`.pickles.load_plain`).
"""

import json
import os
import random
from typing import Callable

import numpy as np
import torch

from ..errors import CheckpointError, one_line
from .pickles import load_plain


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
