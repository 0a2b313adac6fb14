"""Models: discovery of the shipped pipeline folders, loading (folder or Hub), and a bounded, thread-safe cache."""

import json
import os
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Dict, Optional, Tuple

import torch
from diffusers.utils import logging as diffusers_logging

import hfgan
import hfgan.cards
from hfgan.errors import HFGANError

from .errors import SpaceError, one_line
from .settings import APP_DIR, CACHE_SIZE, REPO_ID_RE

diffusers_logging.disable_progress_bar()  # no "Loading pipeline components" bars in the server log


def default_pipelines_dir() -> Path:
    """``$HFGAN_PIPELINES_DIR``, else ``pipelines/`` beside app.py (deployed Space), else ``<repo>/pipelines``."""
    if os.environ.get("HFGAN_PIPELINES_DIR"):
        return Path(os.environ["HFGAN_PIPELINES_DIR"]).expanduser().resolve()
    beside = APP_DIR / "pipelines"
    return beside if beside.is_dir() else APP_DIR.parent.parent / "pipelines"


def discover_models(pipelines_dir) -> Dict[str, str]:
    """``{name: folder}`` for every saved pipeline (a folder with ``model_index.json``), sorted by name."""
    root = Path(pipelines_dir) if pipelines_dir else None
    if root is None or not root.is_dir():
        return {}
    return {p.name: str(p) for p in sorted(root.iterdir()) if (p / "model_index.json").is_file()}


def _class_name(index: dict):
    """``_class_name`` of a ``model_index.json``: ``"GANPipeline"``, or ``["pipeline_hfgan", "GANPipeline"]`` as
    hfgan saves it for diffusers' own loader (module, class)."""
    name = index.get("_class_name")
    return name[1] if isinstance(name, list) and len(name) == 2 else name


def pipeline_class_name(folder) -> Optional[str]:
    """The ``_class_name`` of a saved pipeline folder's ``model_index.json`` (``None`` when unreadable)."""
    try:
        with open(os.path.join(folder, "model_index.json"), encoding="utf-8") as f:
            name = _class_name(json.load(f))
    except (OSError, ValueError, AttributeError):
        return None
    return name if isinstance(name, str) else None


def hub_file(repo_id: str, filename: str) -> str:
    """Download one file of a Hub repo, with every failure turned into a one-line :class:`SpaceError`."""
    from huggingface_hub import hf_hub_download
    from huggingface_hub.errors import (EntryNotFoundError, GatedRepoError, LocalEntryNotFoundError,
                                        RepositoryNotFoundError, RevisionNotFoundError)

    try:
        return hf_hub_download(repo_id, filename)
    except GatedRepoError:
        raise SpaceError(f"Hub repo '{repo_id}' is gated: it cannot be loaded here") from None
    except RepositoryNotFoundError:
        raise SpaceError(f"Hub repo '{repo_id}' does not exist (or is private)") from None
    except RevisionNotFoundError:
        raise SpaceError(f"Hub repo '{repo_id}' has no main revision") from None
    except LocalEntryNotFoundError:  # a subclass of EntryNotFoundError: the Hub could not be reached
        raise SpaceError(f"could not reach the Hugging Face Hub to fetch '{repo_id}' (offline?), "
                         "and it is not in the local cache") from None
    except EntryNotFoundError:
        raise SpaceError(f"Hub repo '{repo_id}' has no {filename}: it is not an hfgan pipeline") from None
    except Exception as err:  # noqa: BLE001 - network and HTTP errors of every kind
        raise SpaceError(f"could not fetch '{repo_id}' from the Hub: {type(err).__name__}: {one_line(err)}") from None


def load_pipeline(source: str, hub: bool = False):
    """Load a saved hfgan pipeline from a folder or (``hub=True``) a Hub repo id.

    The pipeline class is the hfgan class named in ``model_index.json`` (``GANPipeline``,
    ``GANImageToImagePipeline``); anything else is refused as "not an hfgan pipeline".
    """
    from diffusers import DiffusionPipeline

    index_path = hub_file(source, "model_index.json") if hub else os.path.join(source, "model_index.json")
    try:
        with open(index_path, encoding="utf-8") as f:
            class_name = _class_name(json.load(f))
    except (OSError, ValueError, AttributeError) as err:
        raise SpaceError(f"{source}: unreadable model_index.json ({one_line(err)})") from None
    cls = getattr(hfgan, str(class_name), None)
    if not (isinstance(cls, type) and issubclass(cls, DiffusionPipeline)):
        raise SpaceError(f"{source} holds a {class_name or 'pipeline of unknown class'}, not an hfgan pipeline")
    try:
        pipe = cls.from_pretrained(source)
    except HFGANError as err:
        raise SpaceError(one_line(err)) from None
    except Exception as err:  # noqa: BLE001 - a broken repo must never take the app down
        raise SpaceError(f"could not load {source}: {type(err).__name__}: {one_line(err)}") from None
    for module in (getattr(pipe, "components", None) or {}).values():
        if isinstance(module, torch.nn.Module):
            module.eval().requires_grad_(False)  # at rest in eval mode, so concurrent calls never flip it
    if hub and not getattr(pipe, "card_data", None):
        # from_pretrained reads the card of local folders only; read the Hub card the same way.
        try:
            pipe.card_data = hfgan.cards.read_card_data(os.path.dirname(hub_file(source, "README.md")))
        except SpaceError:
            pipe.card_data = {}
    return pipe


class PipelineCache:
    """A bounded LRU of loaded pipelines, safe to share between Gradio's worker threads.

    Shipped models are addressed by folder name, anything else must look like a Hub repo id. A model is
    loaded once even when several requests ask for it at the same time.
    """

    def __init__(self, local_models: Dict[str, str], max_size: int = CACHE_SIZE):
        self.local_models = dict(local_models)
        self.max_size = max(1, int(max_size))
        self._pipes: "OrderedDict[str, object]" = OrderedDict()
        self._lock = threading.Lock()
        self._loading: Dict[str, threading.Lock] = {}
        self._pinned: Dict[str, object] = {}
        self.loads = 0  # number of actual loads, for tests and logs

    def resolve(self, model: Optional[str]) -> Tuple[str, str, bool]:
        """``(key, source, is_hub)`` for a model name or Hub repo id, or a :class:`SpaceError`."""
        key = (model or "").strip()
        if not key:
            raise SpaceError("pick a model first")
        if key in self.local_models:
            return key, self.local_models[key], False
        if REPO_ID_RE.match(key) and ".." not in key:
            return key, key, True
        shipped = ", ".join(self.local_models) or "none"
        raise SpaceError(f"unknown model '{key}': pick a shipped model ({shipped}) or type a Hub repo id like 'org/name'")

    def get(self, model: Optional[str]):
        key, source, hub = self.resolve(model)
        with self._lock:
            if key in self._pinned:
                return self._pinned[key]
            if key in self._pipes:
                self._pipes.move_to_end(key)
                return self._pipes[key]
            load_lock = self._loading.setdefault(key, threading.Lock())
        with load_lock:
            with self._lock:
                if key in self._pipes:
                    return self._pipes[key]
            try:
                pipe = load_pipeline(source, hub=hub)
            except BaseException:
                with self._lock:
                    self._loading.pop(key, None)
                raise
            with self._lock:  # insert and release the loading lock together: nobody loads it twice
                self.loads += 1
                self._pipes[key] = pipe
                self._pipes.move_to_end(key)
                while len(self._pipes) > self.max_size:
                    self._pipes.popitem(last=False)
                self._loading.pop(key, None)
            return pipe

    def put(self, name: str, pipe) -> None:
        """Serve an already loaded pipeline under ``name``, never evicted (embedding the app, tests)."""
        with self._lock:
            self.local_models[name] = "<in memory>"
            self._pinned[name] = pipe

    def __contains__(self, model: str) -> bool:
        with self._lock:
            return model in self._pipes or model in self._pinned

    def __len__(self) -> int:
        with self._lock:
            return len(self._pipes)
