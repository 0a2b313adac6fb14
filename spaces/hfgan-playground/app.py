"""hfgan playground: try every hfgan model in the browser.

Run locally from the repository root::

    pip install -e .[space]
    python spaces/hfgan-playground/app.py            # http://127.0.0.1:7860

The models are the published pipeline folders found in ``HFGAN_PIPELINES_DIR`` (default: ``pipelines/``
next to this file when the Space is deployed with a copy of them, else ``<repo>/pipelines``), plus any
Hub repo id typed into the model box. Everything below ``build_demo`` is plain Python: the generation
functions take a pipeline (or a model name through :class:`Playground`) and return PIL images, so they
are testable without a browser; the Gradio layer only wires them to components and turns
:class:`SpaceError` into a message in the UI.
"""

import argparse
import math
import os
import re
import tempfile
import threading
import time
import traceback
from collections import OrderedDict
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

# Before gradio is imported: no analytics, no telemetry.
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

import gradio as gr  # noqa: E402
import torch  # noqa: E402
from PIL import Image  # noqa: E402

import hfgan  # noqa: E402
from diffusers.utils import logging as diffusers_logging  # noqa: E402
from hfgan.errors import HFGANError  # noqa: E402
from hfgan.viz import make_image_grid, save_gif  # noqa: E402

APP_DIR = Path(__file__).resolve().parent

MAX_IMAGES = 64
DEFAULT_IMAGES = 16
MIN_FRAMES, MAX_FRAMES, DEFAULT_FRAMES = 2, 48, 16
MAX_SEED = 2**32 - 1
TRUNCATION_MIN, TRUNCATION_MAX = 0.0, 2.0  # the range GANPipeline accepts
ALL_CLASSES = "All classes (one per image)"
GRID_DISPLAY_WIDTH = 512  # grids are upscaled (nearest) to about this width so 28 px images stay visible
FRAME_DISPLAY_SIZE = 192
CACHE_SIZE = int(os.environ.get("HFGAN_SPACE_CACHE_SIZE", "8"))
CONCURRENCY = int(os.environ.get("HFGAN_SPACE_CONCURRENCY", "2"))
MAX_QUEUE = int(os.environ.get("HFGAN_SPACE_MAX_QUEUE", "64"))
TEMP_MAX_AGE_S = 3600
REPO_ID_RE = re.compile(r"^[A-Za-z0-9][\w.-]{0,95}/[A-Za-z0-9][\w.-]{0,95}$")
IMAGE_TO_IMAGE = "image-to-image"

diffusers_logging.disable_progress_bar()  # no "Loading pipeline components" bars in the server log


class SpaceError(Exception):
    """Bad input or a model that cannot be used: a one-line message shown in the UI."""


# --------------------------------------------------------------------------------------------------
# Models: discovery and a bounded, thread-safe cache
# --------------------------------------------------------------------------------------------------

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


def _one_line(err: BaseException, limit: int = 300) -> str:
    text = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _hub_file(repo_id: str, filename: str) -> str:
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
        raise SpaceError(f"could not fetch '{repo_id}' from the Hub: {type(err).__name__}: {_one_line(err)}") from None


def load_pipeline(source: str, hub: bool = False):
    """Load a saved hfgan pipeline from a folder or (``hub=True``) a Hub repo id.

    The pipeline class is the hfgan class named in ``model_index.json`` (``GANPipeline``, or an
    image-to-image pipeline once hfgan has one); anything else is refused as "not an hfgan pipeline".
    """
    import json

    from diffusers import DiffusionPipeline

    index_path = _hub_file(source, "model_index.json") if hub else os.path.join(source, "model_index.json")
    try:
        with open(index_path, encoding="utf-8") as f:
            class_name = json.load(f).get("_class_name")
    except (OSError, ValueError, AttributeError) as err:
        raise SpaceError(f"{source}: unreadable model_index.json ({_one_line(err)})") from None
    cls = getattr(hfgan, str(class_name), None)
    if not (isinstance(cls, type) and issubclass(cls, DiffusionPipeline)):
        raise SpaceError(f"{source} holds a {class_name or 'pipeline of unknown class'}, not an hfgan pipeline")
    try:
        pipe = cls.from_pretrained(source)
    except HFGANError as err:
        raise SpaceError(_one_line(err)) from None
    except Exception as err:  # noqa: BLE001 - a broken repo must never take the app down
        raise SpaceError(f"could not load {source}: {type(err).__name__}: {_one_line(err)}") from None
    for module in (getattr(pipe, "generator", None), getattr(pipe, "discriminator", None)):
        if isinstance(module, torch.nn.Module):
            module.eval().requires_grad_(False)  # at rest in eval mode, so concurrent calls never flip it
    if hub and not getattr(pipe, "card_data", None):
        # from_pretrained reads the card of local folders only; read the Hub card the same way.
        try:
            pipe.card_data = hfgan.hub.read_card_data(os.path.dirname(_hub_file(source, "README.md")))
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


# --------------------------------------------------------------------------------------------------
# Input checking: clamp numbers (with a note), refuse what cannot be a number
# --------------------------------------------------------------------------------------------------

def _number(value, name: str) -> float:
    if isinstance(value, bool) or value is None or (isinstance(value, str) and not value.strip()):
        raise SpaceError(f"{name} is empty: enter a number")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise SpaceError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(number):
        raise SpaceError(f"{name} must be a finite number, got {value!r}")
    return number


def clamp_int(value, lo: int, hi: int, name: str, notes: List[str]) -> int:
    """``value`` as an int in ``[lo, hi]``; a clamped value adds a note."""
    number = int(round(_number(value, name)))
    clamped = min(max(number, lo), hi)
    if clamped != number:
        notes.append(f"{name} {number} is outside [{lo}, {hi}]: using {clamped}")
    return clamped


def clamp_float(value, lo: float, hi: float, name: str, notes: List[str]) -> float:
    number = _number(value, name)
    clamped = min(max(number, lo), hi)
    if clamped != number:
        notes.append(f"{name} {number:g} is outside [{lo:g}, {hi:g}]: using {clamped:g}")
    return clamped


# --------------------------------------------------------------------------------------------------
# Generation: plain functions on a loaded pipeline
# --------------------------------------------------------------------------------------------------

def _require_generator(pipe, name: str = "this model") -> None:
    if getattr(pipe, "pipeline_tag", "") == IMAGE_TO_IMAGE:
        raise SpaceError(f"{name} is an image-to-image pipeline: use the Image-to-image tab")


def class_labels_for(pipe, choice, n: int) -> Optional[torch.Tensor]:
    """``class_labels [n]`` for a conditional model (``ALL_CLASSES`` cycles through them), ``None`` otherwise.

    Unconditional models ignore the choice (the picker is hidden for them, but may hold a stale value).
    """
    if not getattr(pipe, "num_classes", None):
        return None
    if choice is None or (isinstance(choice, str) and choice.strip() in ("", ALL_CLASSES)):
        return torch.arange(n) % pipe.num_classes
    try:
        return pipe.prepare_class_labels(choice.strip() if isinstance(choice, str) else choice, n, "cpu")
    except HFGANError as err:
        raise SpaceError(_one_line(err)) from None


def seed_generators(seeds: Sequence[int]) -> List[torch.Generator]:
    return [torch.Generator().manual_seed(int(s)) for s in seeds]


def seed_latents(pipe, seed: int) -> torch.Tensor:
    """The latent ``[latent_dim]`` that ``generate`` uses for ``seed``: image ``i`` of a grid uses ``seed + i``."""
    return pipe.prepare_latents(1, generator=seed_generators([seed]), device="cpu", dtype=torch.float32)[0]


def generate(pipe, num_images: int, seed: int, class_choice=None, truncation: float = 1.0) -> List[Image.Image]:
    """``num_images`` images, image ``i`` drawn from seed ``seed + i`` (so grids of any size agree)."""
    _require_generator(pipe)
    labels = class_labels_for(pipe, class_choice, num_images)
    try:
        return pipe(batch_size=num_images, class_labels=labels, generator=seed_generators(range(seed, seed + num_images)),
                    truncation_psi=float(truncation), output_type="pil").images
    except HFGANError as err:
        raise SpaceError(_one_line(err)) from None


def slerp(a: torch.Tensor, b: torch.Tensor, t: float, eps: float = 1e-7) -> torch.Tensor:
    """Spherical interpolation between latents ``a`` and ``b`` (linear when they are (anti)parallel)."""
    a64, b64 = a.double(), b.double()
    cos = torch.dot(a64 / a64.norm().clamp_min(eps), b64 / b64.norm().clamp_min(eps)).clamp(-1.0, 1.0)
    omega = torch.arccos(cos)
    if omega.abs() < 1e-4 or (math.pi - omega).abs() < 1e-4:
        out = (1 - t) * a64 + t * b64
    else:
        out = (torch.sin((1 - t) * omega) * a64 + torch.sin(t * omega) * b64) / torch.sin(omega)
    return out.to(a.dtype)


def interpolate(pipe, seed_a: int, seed_b: int, frames: int, class_a=None, class_b=None,
                truncation: float = 1.0) -> List[Image.Image]:
    """``frames`` images along the great circle from seed A's latent to seed B's.

    For conditional models the class is A's for the first half of the frames and B's for the second
    (the public pipeline API takes discrete class labels only).
    """
    _require_generator(pipe)
    za, zb = seed_latents(pipe, seed_a), seed_latents(pipe, seed_b)
    latents = torch.stack([slerp(za, zb, i / (frames - 1)) for i in range(frames)])
    labels = None
    if getattr(pipe, "num_classes", None):
        la = class_labels_for(pipe, class_a, 1)
        lb = class_labels_for(pipe, class_b, 1)
        labels = torch.cat([la.repeat(math.ceil(frames / 2)), lb.repeat(frames // 2)])
    try:
        return pipe(latents=latents, class_labels=labels, truncation_psi=float(truncation), output_type="pil").images
    except HFGANError as err:
        raise SpaceError(_one_line(err)) from None


def translate(pipe, image) -> Image.Image:
    """Run an image-to-image pipeline on one image."""
    if getattr(pipe, "pipeline_tag", "") != IMAGE_TO_IMAGE:
        raise SpaceError("this model generates images from noise: the Image-to-image tab needs a translation pipeline")
    if image is None:
        raise SpaceError("upload an image first")
    try:
        return pipe(image=image, output_type="pil").images[0]
    except HFGANError as err:
        raise SpaceError(_one_line(err)) from None


def grid_image(images: Sequence[Image.Image], nrow: Optional[int] = None, width: int = GRID_DISPLAY_WIDTH) -> Image.Image:
    """Tile images with ``make_image_grid``, upscaled by an integer factor to about ``width`` pixels."""
    grid = make_image_grid(list(images), nrow=nrow)
    scale = max(1, min(8, width // max(1, grid.width)))
    return grid.resize((grid.width * scale, grid.height * scale), Image.NEAREST) if scale > 1 else grid


def _upscale(image: Image.Image, size: int = FRAME_DISPLAY_SIZE) -> Image.Image:
    scale = max(1, size // max(image.size))
    return image.resize((image.width * scale, image.height * scale), Image.NEAREST) if scale > 1 else image


def model_summary(pipe, name: str) -> str:
    """The model card summary as markdown: family, dataset, output, classes, parameters, metrics."""
    data = dict(getattr(pipe, "card_data", None) or {})
    gen = getattr(pipe, "generator", None)
    config = getattr(gen, "config", {}) or {}
    lines = [f"### {data.get('name') or name}", ""]
    if data.get("name") and data["name"] != name:
        lines += [f"`{name}`", ""]
    if data.get("description"):
        lines += [str(data["description"]).strip(), ""]
    rows = []
    if gen is not None:
        module = type(gen).__module__.split(".")
        family = module[-2] if len(module) >= 3 and module[0] == "hfgan" else type(gen).__name__
        rows.append(("Family", f"{family.replace('_', '-')} (`{type(gen).__name__}`)"))
    rows.append(("Task", getattr(pipe, "pipeline_tag", "") or "?"))
    rows.append(("Dataset", data.get("dataset") or "not stated"))
    if config.get("sample_size"):
        color = {1: "grayscale", 3: "RGB"}.get(config.get("out_channels"), f"{config.get('out_channels')} channels")
        rows.append(("Output", f"{config['sample_size']}×{config['sample_size']} {color}"))
    if config.get("latent_dim"):
        rows.append(("Latent size", str(config["latent_dim"])))
    if getattr(pipe, "num_classes", None):
        rows.append(("Classes", f"{pipe.num_classes}: " + ", ".join(pipe.class_names)))
    elif getattr(pipe, "pipeline_tag", "") != IMAGE_TO_IMAGE:
        rows.append(("Classes", "unconditional"))
    if isinstance(gen, torch.nn.Module):
        rows.append(("Generator parameters", f"{sum(p.numel() for p in gen.parameters()) / 1e6:.2f} M"))
    lines += [f"- **{k}:** {v}" for k, v in rows] + [""]
    metrics = [m for m in data.get("metrics") or [] if isinstance(m, dict) and "value" in m]
    if metrics:
        lines += ["**Metrics**", "", "| metric | value | features | split | samples |", "| --- | --- | --- | --- | --- |"]
        for m in metrics:
            value = m["value"]
            value = f"{value:.4g}" if isinstance(value, (int, float)) else str(value)
            lines.append(f"| {m.get('name') or m.get('type', '?')} | {value} | {m.get('features', '')} | "
                         f"{m.get('split', '')} | {m.get('num_samples', '')} |")
    else:
        lines.append("_No metrics on the model card._")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------------
# The playground: model names in, UI-ready outputs out (still no Gradio here)
# --------------------------------------------------------------------------------------------------

class Playground:
    """Everything the Space does, addressed by model name; every method raises :class:`SpaceError` on bad input
    and returns ``(..., notes)`` where ``notes`` lists the clamped inputs."""

    def __init__(self, pipelines_dir=None, cache_size: int = CACHE_SIZE):
        self.pipelines_dir = Path(pipelines_dir) if pipelines_dir else default_pipelines_dir()
        self.cache = PipelineCache(discover_models(self.pipelines_dir), cache_size)
        self._tmpdir = tempfile.mkdtemp(prefix="hfgan-space-")
        self._tmp_lock = threading.Lock()
        self._tmp_count = 0

    @property
    def models(self) -> List[str]:
        return list(self.cache.local_models)

    @property
    def default_model(self) -> Optional[str]:
        preferred = [m for m in self.models if m.startswith("dcgan")]
        return (preferred or self.models or [None])[0]

    def pipeline(self, model: Optional[str]):
        return self.cache.get(model)

    def _tmp_path(self, suffix: str) -> str:
        """A fresh file name in the app's temp folder; files older than an hour are removed."""
        with self._tmp_lock:
            self._tmp_count += 1
            count = self._tmp_count
        if count % 50 == 0:
            cutoff = time.time() - TEMP_MAX_AGE_S
            for entry in os.scandir(self._tmpdir):
                try:
                    if entry.stat().st_mtime < cutoff:
                        os.unlink(entry.path)
                except OSError:
                    pass
        fd, path = tempfile.mkstemp(suffix=suffix, dir=self._tmpdir)
        os.close(fd)
        return path

    def info(self, model: Optional[str]) -> Dict:
        """What the UI needs to know about a model: summary markdown, class names, task."""
        pipe = self.pipeline(model)
        return {"summary": model_summary(pipe, model.strip()), "class_names": list(getattr(pipe, "class_names", None) or []),
                "pipeline_tag": getattr(pipe, "pipeline_tag", "")}

    def generate(self, model, num_images=DEFAULT_IMAGES, seed=0, class_choice=None, truncation=1.0):
        """``(grid PIL image, PNG path, caption markdown, notes)``."""
        notes: List[str] = []
        n = clamp_int(num_images, 1, MAX_IMAGES, "number of images", notes)
        seed = clamp_int(seed, 0, MAX_SEED - n + 1, "seed", notes)
        psi = clamp_float(truncation, TRUNCATION_MIN, TRUNCATION_MAX, "truncation", notes)
        pipe = self.pipeline(model)
        start = time.perf_counter()
        images = generate(pipe, n, seed, class_choice, psi)
        grid = grid_image(images)
        path = self._tmp_path(".png")
        grid.save(path, compress_level=1)  # fast; grids are small
        ms = (time.perf_counter() - start) * 1000
        cls = ""
        if getattr(pipe, "num_classes", None):
            cls = " · class: " + ("all, one per image" if class_choice in (None, "", ALL_CLASSES) else str(class_choice))
        caption = f"{n} image{'s' * (n > 1)} · seeds {seed}–{seed + n - 1}{cls} · truncation {psi:g} · {ms:.0f} ms"
        return grid, path, caption, notes

    def interpolate(self, model, seed_a=0, seed_b=1, frames=DEFAULT_FRAMES, class_a=None, class_b=None,
                    truncation=1.0, duration_ms: int = 120):
        """``(GIF path, strip PIL image, caption, notes)``: the GIF goes A -> B -> A so it loops smoothly."""
        notes: List[str] = []
        seed_a = clamp_int(seed_a, 0, MAX_SEED, "seed A", notes)
        seed_b = clamp_int(seed_b, 0, MAX_SEED, "seed B", notes)
        frames = clamp_int(frames, MIN_FRAMES, MAX_FRAMES, "number of frames", notes)
        psi = clamp_float(truncation, TRUNCATION_MIN, TRUNCATION_MAX, "truncation", notes)
        pipe = self.pipeline(model)
        images = interpolate(pipe, seed_a, seed_b, frames, class_a, class_b, psi)
        big = [_upscale(im) for im in images]
        gif = save_gif(big + big[-2:0:-1], self._tmp_path(".gif"), duration_ms=duration_ms)
        strip = grid_image(images, nrow=frames, width=1024)
        caption = f"{frames} frames · slerp from seed {seed_a} to seed {seed_b} · truncation {psi:g}"
        if getattr(pipe, "num_classes", None):
            caption += f" · class {class_a or ALL_CLASSES} → {class_b or ALL_CLASSES} (switches halfway)"
        return gif, strip, caption, notes

    def compare(self, model_a, model_b, num_images=8, seed=0, class_choice=None, truncation=1.0):
        """The same seeds through two models: ``(grid A, grid B, summary A, summary B, notes)``.

        A class name that one of the models does not know falls back to one image per class for it.
        """
        notes: List[str] = []
        n = clamp_int(num_images, 1, MAX_IMAGES, "number of images", notes)
        seed = clamp_int(seed, 0, MAX_SEED - n + 1, "seed", notes)
        psi = clamp_float(truncation, TRUNCATION_MIN, TRUNCATION_MAX, "truncation", notes)
        grids, summaries = [], []
        for label, model in (("A", model_a), ("B", model_b)):
            try:
                pipe = self.pipeline(model)
            except SpaceError as err:
                raise SpaceError(f"model {label}: {err}") from None
            choice = class_choice
            if getattr(pipe, "num_classes", None) and choice not in (None, "", ALL_CLASSES):
                known = [c.lower() for c in pipe.class_names]
                if str(choice).strip().lower() not in known:
                    notes.append(f"model {label} has no class {choice!r}: showing one image per class")
                    choice = ALL_CLASSES
            grids.append(grid_image(generate(pipe, n, seed, choice, psi), width=384))
            summaries.append(model_summary(pipe, str(model).strip()))
        return grids[0], grids[1], summaries[0], summaries[1], notes

    def translate(self, model, image):
        return translate(self.pipeline(model), image), []


# --------------------------------------------------------------------------------------------------
# Gradio UI: thin wiring
# --------------------------------------------------------------------------------------------------

def _ui(fn):
    """Run ``fn``; show notes as warnings and every error as a one-line message (never a stack trace)."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args):
        try:
            *outputs, notes = fn(*args)
        except (SpaceError, HFGANError) as err:
            raise gr.Error(_one_line(err), print_exception=False) from None
        except Exception as err:  # noqa: BLE001 - logged on the server, one line in the UI
            traceback.print_exc()
            raise gr.Error(f"internal error: {type(err).__name__}: {_one_line(err)}", print_exception=False) from None
        for note in notes:
            gr.Warning(note)
        return tuple(outputs) if len(outputs) > 1 else outputs[0]

    return wrapper


INTRO = """# hfgan playground
Generate images with every published [hfgan](https://huggingface.co/models?library=hfgan) GAN.
Pick a shipped model, or type a Hub repo id (`org/name`) and press Enter."""


def build_demo(pipelines_dir=None, playground: Optional[Playground] = None) -> gr.Blocks:
    """The Gradio app. ``pipelines_dir`` defaults to :func:`default_pipelines_dir`."""
    play = playground or Playground(pipelines_dir)
    default = play.default_model
    first, names0 = None, []
    if default is None:
        summary0 = f"No shipped models found in `{play.pipelines_dir}`: type a Hub repo id (`org/name`)."
    else:
        try:  # loads (and caches) the default model, so the first request is served warm
            first = play.info(default)
            summary0, names0 = first["summary"], first["class_names"]
        except SpaceError as err:  # a broken shipped model must not stop the app from starting
            summary0 = f"### Could not load `{default}`\n\n{_one_line(err)}"
    second = next((m for m in play.models if m != default), default)

    def class_dropdown(names, label, value=ALL_CLASSES, **kw):
        return gr.Dropdown([ALL_CLASSES] + list(names), value=value, label=label, visible=bool(names),
                           allow_custom_value=True, interactive=True, **kw)

    with gr.Blocks(title="hfgan playground", analytics_enabled=False, delete_cache=(1800, 3600)) as demo:
        gr.Markdown(INTRO)
        model = gr.Dropdown(play.models, value=default, label="Model", allow_custom_value=True, interactive=True,
                            info="a shipped model, or a Hub repo id typed here (press Enter)", elem_id="model")
        with gr.Row():
            with gr.Column(scale=3):
                with gr.Tabs():
                    with gr.Tab("Generate", id="generate"):
                        with gr.Row():
                            num_images = gr.Slider(1, MAX_IMAGES, value=DEFAULT_IMAGES, step=1, label="Number of images")
                            seed = gr.Number(0, label="Seed", precision=0)
                            random_seed = gr.Button("Random seed", scale=0, min_width=140, elem_id="random-seed")
                        with gr.Row():
                            gen_class = class_dropdown(names0, "Class")
                            truncation = gr.Slider(TRUNCATION_MIN, TRUNCATION_MAX, value=1.0, step=0.05, label="Truncation ψ",
                                                   info="below 1: less variety, higher fidelity")
                        gen_button = gr.Button("Generate", variant="primary", elem_id="generate-button")
                        grid = gr.Image(label="Samples", type="filepath", format="png", interactive=False,
                                        elem_id="grid", buttons=["download", "fullscreen"])
                        gen_caption = gr.Markdown(elem_id="grid-caption")
                        download = gr.DownloadButton("Download PNG", value=None, elem_id="download")
                        last_png = gr.State(None)
                    with gr.Tab("Interpolate", id="interpolate"):
                        with gr.Row():
                            seed_a = gr.Number(0, label="Seed A", precision=0)
                            class_a = class_dropdown(names0, "Class A", value=names0[0] if names0 else ALL_CLASSES)
                            seed_b = gr.Number(1, label="Seed B", precision=0)
                            class_b = class_dropdown(names0, "Class B", value=names0[0] if names0 else ALL_CLASSES)
                        with gr.Row():
                            frames = gr.Slider(MIN_FRAMES, MAX_FRAMES, value=DEFAULT_FRAMES, step=1, label="Frames")
                            interp_truncation = gr.Slider(TRUNCATION_MIN, TRUNCATION_MAX, value=1.0, step=0.05,
                                                          label="Truncation ψ")
                        interp_button = gr.Button("Interpolate", variant="primary", elem_id="interpolate-button")
                        gif = gr.Image(label="Animation (A → B → A)", type="filepath", interactive=False, elem_id="gif",
                                       height=320)
                        strip = gr.Image(label="Strip", type="pil", format="png", interactive=False, elem_id="strip")
                        interp_caption = gr.Markdown()
                    with gr.Tab("Image-to-image", id="img2img", visible=bool(first and first["pipeline_tag"] == IMAGE_TO_IMAGE)) as img2img_tab:
                        with gr.Row():
                            source_image = gr.Image(label="Input", type="pil", sources=["upload", "clipboard"])
                            translated = gr.Image(label="Output", type="pil", format="png", interactive=False)
                        translate_button = gr.Button("Translate", variant="primary")
                    with gr.Tab("Compare", id="compare"):
                        with gr.Row():
                            model_a = gr.Dropdown(play.models, value=default, label="Model A", allow_custom_value=True)
                            model_b = gr.Dropdown(play.models, value=second, label="Model B", allow_custom_value=True)
                        with gr.Row():
                            cmp_images = gr.Slider(1, MAX_IMAGES, value=8, step=1, label="Number of images")
                            cmp_seed = gr.Number(0, label="Seed", precision=0)
                            cmp_class = gr.Dropdown([ALL_CLASSES] + names0, value=ALL_CLASSES, label="Class (if conditional)",
                                                    allow_custom_value=True)
                            cmp_truncation = gr.Slider(TRUNCATION_MIN, TRUNCATION_MAX, value=1.0, step=0.05, label="Truncation ψ")
                        cmp_button = gr.Button("Compare", variant="primary")
                        with gr.Row():
                            with gr.Column():
                                grid_a = gr.Image(label="Model A", type="pil", format="png", interactive=False)
                                summary_a = gr.Markdown()
                            with gr.Column():
                                grid_b = gr.Image(label="Model B", type="pil", format="png", interactive=False)
                                summary_b = gr.Markdown()
            with gr.Column(scale=2, min_width=280):
                summary = gr.Markdown(summary0, elem_id="model-card")

        # -- events -------------------------------------------------------------------------------
        def on_model(model):
            try:
                info = play.info(model)
            except SpaceError as err:  # shown in the card panel (and a toast); the other models keep working
                gr.Warning(_one_line(err))
                hidden = class_dropdown([], "Class")
                return (f"### Could not load `{(model or '').strip()}`\n\n{_one_line(err)}", hidden, hidden, hidden,
                        gr.Tab(visible=False), [])
            names = info["class_names"]
            first_name = names[0] if names else ALL_CLASSES
            return (info["summary"], class_dropdown(names, "Class"), class_dropdown(names, "Class A", value=first_name),
                    class_dropdown(names, "Class B", value=first_name), gr.Tab(visible=info["pipeline_tag"] == IMAGE_TO_IMAGE), [])

        model.change(_ui(on_model), model, [summary, gen_class, class_a, class_b, img2img_tab], api_name="model_info")
        random_seed.click(lambda: int.from_bytes(os.urandom(4), "little") % (MAX_SEED - MAX_IMAGES), None, seed,
                          queue=False, api_visibility="private")

        def on_generate(model, num_images, seed, class_name, truncation):
            _, path, caption, notes = play.generate(model, num_images, seed, class_name, truncation)
            if notes:
                caption += "\n\n" + "\n".join(f"- {note}" for note in notes)
            return path, caption, path, notes

        # The download button is filled by a second, unqueued event, so /generate sends one file, not two.
        gen_button.click(_ui(on_generate), [model, num_images, seed, gen_class, truncation], [grid, gen_caption, last_png],
                         api_name="generate").then(lambda path: path, last_png, download, queue=False,
                                                   api_visibility="private")

        def on_interpolate(model, seed_a, class_a, seed_b, class_b, frames, truncation):
            return play.interpolate(model, seed_a, seed_b, frames, class_a, class_b, truncation)

        interp_button.click(_ui(on_interpolate), [model, seed_a, class_a, seed_b, class_b, frames, interp_truncation],
                            [gif, strip, interp_caption], api_name="interpolate")
        translate_button.click(_ui(play.translate), [model, source_image], translated, api_name="translate")

        def on_compare_models(a, b):
            names: List[str] = []
            for m in (a, b):
                try:
                    names += [c for c in play.info(m)["class_names"] if c not in names]
                except SpaceError:
                    pass
            return gr.Dropdown([ALL_CLASSES] + names, value=ALL_CLASSES), []

        for dd in (model_a, model_b):
            dd.change(_ui(on_compare_models), [model_a, model_b], cmp_class, api_visibility="private")
        cmp_button.click(_ui(play.compare), [model_a, model_b, cmp_images, cmp_seed, cmp_class, cmp_truncation],
                         [grid_a, grid_b, summary_a, summary_b], api_name="compare")

    demo.queue(default_concurrency_limit=CONCURRENCY, max_size=MAX_QUEUE)
    demo.playground = play  # for tests and scripts
    return demo


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="hfgan playground (Gradio)")
    parser.add_argument("--pipelines-dir", default=None, help="folder of saved pipelines (default: $HFGAN_PIPELINES_DIR or pipelines/)")
    parser.add_argument("--host", default=None, help="server name (default: $GRADIO_SERVER_NAME or 127.0.0.1)")
    parser.add_argument("--port", type=int, default=None, help="port (default: $GRADIO_SERVER_PORT or 7860)")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch threads (default: $HFGAN_TORCH_THREADS or CPU cores / concurrency)")
    args = parser.parse_args(argv)
    threads = args.threads or int(os.environ.get("HFGAN_TORCH_THREADS", "0")) or max(1, (os.cpu_count() or 1) // CONCURRENCY)
    torch.set_num_threads(threads)
    demo = build_demo(args.pipelines_dir)
    play = demo.playground
    print(f"hfgan playground: {len(play.models)} model(s) in {play.pipelines_dir}: {', '.join(play.models) or 'none'}; "
          f"torch threads {threads}, queue concurrency {CONCURRENCY}, max queue {MAX_QUEUE}", flush=True)
    demo.launch(server_name=args.host, server_port=args.port, footer_links=["api"])


if __name__ == "__main__":
    main()
