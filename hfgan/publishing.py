"""Publishing a finished training run: copy it into a Hub-ready pipeline folder, exactly the folder that is pushed.

:func:`publish_run` keeps the pipeline (model_index.json, the components), the model card, the training config, the
final sample grid, the progress GIF and the loss plot; it leaves checkpoints and logs behind. The copy is loaded once
to prove it works, and its card is re-rendered for the target folder. ``hfgan publish`` is its command line; pushing a
folder to the Hub is :mod:`hfgan.pipelines.publishing`'s.
"""

import json
import os
import shutil
from typing import Optional

from .errors import CheckpointError, HFGANError

COMPONENTS = ["generator", "discriminator", "generator_reverse", "discriminator_reverse"]
KEEP = ["model_index.json", *COMPONENTS, "README.md", "training_config.json",
        "samples/grid.png", "samples/progress.gif", "losses.png", "pipeline_hfgan.py"]
RUN_FIGURES = ("training_config.json", "samples/progress.gif", "losses.png")  # the run's own, whichever weights


def progress_gif(run_dir: str, path: str, every: int, shrink: int = 2) -> str:
    """A smaller progress GIF: the run's sample grids at every ``every`` steps, ``1/shrink`` the size. The trainer
    writes each grid under its caption strip (the task's frame label: the step, and for ProGAN the resolution and
    alpha); the strip is kept at full size, so the caption stays legible, and only the samples below it shrink
    (the trainer's GIF holds every grid at full size)."""
    from PIL import Image

    from .viz import CAPTION_HEIGHT, save_gif

    folder = os.path.join(run_dir, "samples")
    steps = sorted(int(f[5:-4]) for f in os.listdir(folder) if f.startswith("step_") and f.endswith(".png"))
    frames = []
    for step in (s for s in steps if s % every == 0):
        image = Image.open(os.path.join(folder, f"step_{step:06d}.png")).convert("RGB")
        body = image.crop((0, CAPTION_HEIGHT, image.width, image.height))
        body = body.resize((body.width // shrink, body.height // shrink), Image.BILINEAR)
        frame = Image.new("RGB", (body.width, CAPTION_HEIGHT + body.height), "white")
        frame.paste(image.crop((0, 0, body.width, CAPTION_HEIGHT)), (0, 0))  # the caption's left part: its text
        frame.paste(body, (0, CAPTION_HEIGHT))
        frames.append(frame.convert("P", palette=Image.ADAPTIVE))
    if not frames:
        raise HFGANError(f"{folder} has no sample grid at a multiple of {every} steps")
    return save_gif(frames, path, duration_ms=300)


def best_grid(run_dir: str, pipe):
    """The sample grid of the ``best/`` pipeline, drawn as the trainer draws a run's final ``samples/grid.png``
    (same task, same seed), so the published grid shows the published weights."""
    import torch

    from .models import get_model_entry
    from .tasks import get_task_class
    from .training.config import config_from_dict

    with open(os.path.join(run_dir, "training_config.json"), encoding="utf-8") as f:
        cfg = config_from_dict(json.load(f))
    task_class = get_task_class(cfg.task or get_model_entry(cfg.model).task)
    if not task_class.periodic_eval:
        raise HFGANError(f"task {task_class.name!r} keeps no best/ pipeline; publish the final weights")
    return task_class(cfg, lambda *keys: torch.Generator()).final_grid(pipe)


def _inside(path: str, folder: str) -> bool:
    """Whether ``path`` is ``folder`` or lies under it (symlinks resolved)."""
    path, folder = os.path.realpath(path), os.path.realpath(folder)
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def check_publish(run_dir: str, target: str, weights: str = "final", gif_every: Optional[int] = None) -> str:
    """One-line errors for a publish that cannot work or would remove what is not a pipeline folder (the target is
    replaced as a whole); returns the folder whose weights are published (the run, or its ``best/``)."""
    if weights not in ("final", "best"):
        raise HFGANError(f"weights must be 'final' or 'best', got {weights!r}")
    if gif_every is not None and gif_every < 1:
        raise HFGANError(f"--gif-every must be >= 1, got {gif_every}")
    if not os.path.isfile(os.path.join(run_dir, "model_index.json")):
        raise CheckpointError(f"{run_dir} is not a finished run (no model_index.json)")
    source = run_dir if weights == "final" else os.path.join(run_dir, "best")
    if not os.path.isfile(os.path.join(source, "model_index.json")):
        raise CheckpointError(f"{run_dir} has no best/ pipeline (the run evaluated nothing: eval_steps)")
    if _inside(run_dir, target):
        raise HFGANError(f"{target} is the run folder itself or holds it: publish into a new folder "
                         "(e.g. pipelines/<name>)")
    if os.path.lexists(target) and not (os.path.isdir(target) and not os.path.islink(target) and (
            not os.listdir(target) or os.path.isfile(os.path.join(target, "model_index.json")))):
        raise HFGANError(f"{target} is not a pipeline folder: publishing replaces a pipeline folder (or fills a new "
                         "or empty one) and leaves anything else alone")
    return source


def publish_run(run_dir: str, target: str, command: Optional[str] = None, training_note: Optional[str] = None,
                gif_every: Optional[int] = None, weights: str = "final") -> str:
    """Copy the finished run ``run_dir`` into ``target`` (replaced as a whole) and return ``target``.

    ``weights="best"`` publishes the run's ``best/`` pipeline (chosen by its in-run metric) with the run's training
    config, loss plot and progress GIF, and a sample grid drawn from those weights. A run's scratch ``output_dir``
    becomes ``runs/<name>`` in the card and the training config, so no local filesystem path is published.
    ``command``: the reproduce command for the card (default: the run's own); ``training_note``: a paragraph for its
    Training section; ``gif_every``: rebuild the progress GIF from the grids at every N steps, half size."""
    from .card_figures import add_card_figures
    from .cards import write_model_card
    from .pipelines import load_pipeline

    source = check_publish(run_dir, target, weights, gif_every)
    tmp = target.rstrip("/") + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    for item in KEEP:
        src = os.path.join(run_dir if weights == "final" or item in RUN_FIGURES else source, item)
        if not os.path.exists(src):
            continue
        dst = os.path.join(tmp, item)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        (shutil.copytree if os.path.isdir(src) else shutil.copy2)(src, dst)
    pipe = load_pipeline(tmp)
    if weights == "best":
        pipe.set_progress_bar_config(disable=True)
        os.makedirs(os.path.join(tmp, "samples"), exist_ok=True)
        best_grid(run_dir, pipe).save(os.path.join(tmp, "samples", "grid.png"))
        shown = {"losses": "losses.png", "progress": "samples/progress.gif"}  # as the trainer's own card shows them
        pipe.card_data.update({k: v for k, v in shown.items() if os.path.isfile(os.path.join(tmp, v))})
    pipe.card_data["repo_id"] = target.rstrip("/")
    name = os.path.basename(target.rstrip("/"))
    if "training" in pipe.card_data:
        pipe.card_data["training"]["output_dir"] = f"runs/{name}"
        with open(os.path.join(tmp, "training_config.json"), "w", encoding="utf-8") as f:
            json.dump(pipe.card_data["training"], f, indent=2, sort_keys=True)
    if command:  # the command as a reader would type it (the run's own may name scratch folders)
        pipe.card_data["command"] = command
    if training_note:
        pipe.card_data["training_note"] = training_note
    write_model_card(pipe, tmp)
    if gif_every:
        progress_gif(run_dir, os.path.join(tmp, "samples", "progress.gif"), gif_every)
    shutil.rmtree(target, ignore_errors=True)
    os.replace(tmp, target)
    add_card_figures(target)  # the family's figures (StyleGAN2: truncation, style mixing; ProGAN: resolutions)
    return target
