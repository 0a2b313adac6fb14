"""Copy a finished training run into ``pipelines/<name>``: exactly the Hub-ready folder that is pushed.

    python scripts/publish.py runs/dcgan-fashion-mnist pipelines/dcgan-fashion-mnist

Keeps the pipeline (model_index.json, generator/, discriminator/), the model card, the training config,
the final sample grid, the progress GIF and the loss plot; leaves checkpoints and logs behind. The copy is
loaded once with ``hfgan.load_pipeline`` to prove it works, and its card is re-rendered with the
local path in the usage example. ``--weights best`` publishes the run's ``best/`` pipeline instead (the in-run
metric's choice), with a sample grid drawn from it. A run's scratch ``output_dir`` becomes ``runs/<name>`` in the
card and the training config, so no local filesystem path is published.
"""

import argparse
import json
import os
import shutil

from hfgan import load_pipeline
from hfgan.card_figures import add_card_figures
from hfgan.hub import write_model_card

COMPONENTS = ["generator", "discriminator", "generator_reverse", "discriminator_reverse"]
KEEP = ["model_index.json", *COMPONENTS, "README.md", "training_config.json",
        "samples/grid.png", "samples/progress.gif", "losses.png", "pipeline_hfgan.py"]


def progress_gif(run_dir: str, path: str, every: int, shrink: int = 2) -> str:
    """A smaller progress GIF: the run's sample grids at every ``every`` steps, ``1/shrink`` the size. The trainer
    writes each grid under its caption strip (the task's frame label: the step, and for ProGAN the resolution and
    alpha); the strip is kept at full size, so the caption stays legible, and only the samples below it shrink
    (the trainer's GIF holds every grid at full size)."""
    from PIL import Image

    from hfgan.viz import CAPTION_HEIGHT, save_gif

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
        raise SystemExit(f"{folder} has no sample grid at a multiple of {every} steps")
    return save_gif(frames, path, duration_ms=300)


def best_grid(run_dir: str, pipe):
    """The sample grid of the ``best/`` pipeline, drawn as the trainer draws a run's final ``samples/grid.png``
    (same task, same seed), so the published grid shows the published weights."""
    import torch

    from hfgan.models import get_model_entry
    from hfgan.tasks import get_task_class
    from hfgan.training.config import config_from_dict

    with open(os.path.join(run_dir, "training_config.json"), encoding="utf-8") as f:
        cfg = config_from_dict(json.load(f))
    task_class = get_task_class(cfg.task or get_model_entry(cfg.model).task)
    if not task_class.periodic_eval:
        raise SystemExit(f"task {task_class.name!r} keeps no best/ pipeline; publish the final weights")
    return task_class(cfg, lambda *keys: torch.Generator()).final_grid(pipe)


def publish(run_dir: str, target: str, command: str = None, training_note: str = None, gif_every: int = None,
            weights: str = "final") -> str:
    """``weights="best"`` publishes the run's ``best/`` pipeline (chosen by its in-run metric) with the run's
    training config, loss plot and progress GIF, and a sample grid drawn from those weights."""
    if not os.path.isfile(os.path.join(run_dir, "model_index.json")):
        raise SystemExit(f"{run_dir} is not a finished run (no model_index.json)")
    source = run_dir if weights == "final" else os.path.join(run_dir, "best")
    if not os.path.isfile(os.path.join(source, "model_index.json")):
        raise SystemExit(f"{run_dir} has no best/ pipeline (the run evaluated nothing: eval_steps)")
    tmp = target.rstrip("/") + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    for item in KEEP:
        from_best = weights == "best" and item not in ("training_config.json", "samples/progress.gif", "losses.png")
        src = os.path.join(source if from_best else run_dir, item)
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run_dir")
    parser.add_argument("target")
    parser.add_argument("--command", help="the reproduce command for the card (default: the run's own)")
    parser.add_argument("--training-note", help="a paragraph for the card's Training section")
    parser.add_argument("--gif-every", type=int, help="rebuild the progress GIF from the grids at every N steps, "
                        "half size, each frame labelled (default: the run's own GIF)")
    parser.add_argument("--weights", choices=["final", "best"], default="final",
                        help="the run's final pipeline, or best/: the one its periodic evaluation chose")
    args = parser.parse_args()
    print(f"published {publish(args.run_dir, args.target, args.command, args.training_note, args.gif_every, args.weights)}")


if __name__ == "__main__":
    main()
