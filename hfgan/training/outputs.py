"""What a run publishes: sample grids during training, the final pipeline folder (weights, sample grid, progress
GIF, loss plot, model card) and the best pipeline under ``<output_dir>/best`` when periodic evaluation finds one.

A mixin of :class:`~hfgan.training.trainer.GANTrainer`; the card's training record (command, resumes, hardware)
is assembled here too.

The final pipeline folder and ``best/`` are written whole or not at all: everything goes into a staging folder
inside ``output_dir`` (:func:`staging`), then moves into place by renames (:func:`move_into_place`), which write no
data. A failure while writing (a full disk, a broken writer) leaves ``output_dir`` as it was, with nothing partial
beside it; the error is one line, as a failed checkpoint's (:func:`.save_errors.save_failure`).
"""

import copy
import json
import os
import shutil
from contextlib import contextmanager
from typing import Dict, Iterator, List, Optional

import torch
from torch import nn

from ..errors import HFGANError
from . import rundir
from .ema import recalibrate_batchnorm, recalibration_images
from .save_errors import intact_checkpoint, is_disk_full, save_failure
from .stop import stop_requests


class OutputsMixin:
    """Samples, the published pipeline and its card, and evaluation for :class:`~hfgan.training.trainer.GANTrainer`."""

    def output_networks(self, copies: bool = False) -> Dict[str, nn.Module]:
        """Every network as published: the EMA copy where there is one, else the trained weights."""
        nets = {name: self.emas[name].shadow if name in self.emas else self.accelerator.unwrap_model(net)
                for name, net in self.nets.items()}
        return {name: copy.deepcopy(net).float() for name, net in nets.items()} if copies else nets

    def sample_generator(self) -> nn.Module:
        return self.output_networks()["generator"]

    @torch.no_grad()
    def save_samples(self) -> Optional[str]:
        from ..viz import caption_image, label_columns, make_image_grid

        if not self.accelerator.is_main_process:
            return None
        nets = self.output_networks()
        modes = {name: net.training for name, net in nets.items()}
        for net in nets.values():
            net.eval()
        try:
            images, nrow = self.task.sample_images(nets)
        finally:
            for name, net in nets.items():
                net.train(modes[name])
        grid = make_image_grid(images, nrow=nrow, scale=2)
        columns = self.task.column_labels()
        if columns and nrow == len(columns):  # a conditional grid: one class per column
            grid = label_columns(grid, columns, cell_width=(images.shape[-1] + 2) * 2, padding=4)
        label = self.task.frame_label(self.step)
        if label:
            grid = caption_image(grid, label)
        path = os.path.join(self.config.output_dir, "samples", f"step_{self.step:06d}.png")
        self.run_record.add("samples")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        grid.save(path)
        return path

    def build_pipeline(self, recalibrate: bool = True):
        """The task's pipeline of the published networks (EMA batch-norm statistics re-estimated)."""
        nets = self.output_networks(copies=True)
        if recalibrate:
            for name in self.emas:
                inputs = self.task.recalibration_inputs(self.accelerator.device) if name == "generator" else None
                if inputs is not None:
                    self._recalibrate(nets[name], inputs)
        pipe = self.task.build_pipeline({name: net.eval() for name, net in nets.items()})
        start, resumes = self.invocations[0], self.invocations[1:]
        pipe.card_data = {
            "name": self.config.name, **self.task.card_data(), "training": start["config"],
            "command": start["command"], "resumes": [_resume_record(start["config"], r) for r in resumes],
            "samples": "samples/grid.png",
            "train_minutes": round(self._elapsed() / 60, 2), "train_steps": self.step,
            "train_hardware": _hardware(self.accelerator),
        }
        if self.config.init_from:
            pipe.card_data.update(_init_from_card(self.config.init_from, self.init_from_components, pipe.card_data))
        return pipe

    def _recalibrate(self, net: nn.Module, inputs) -> None:
        """Re-estimate ``net``'s batch-norm statistics from ``bn_recalibration_images`` (by default, by image size);
        a SIGTERM / Ctrl-C meanwhile ends it early with the statistics so far, and the save goes on."""
        size = getattr(getattr(net, "config", None), "sample_size", None)
        size = size[0] if isinstance(size, (tuple, list)) else size
        num_images = recalibration_images(size or 28, self.config.bn_recalibration_images)
        with stop_requests("ending the batch-norm re-estimation early, then saving the pipeline") as stops:
            recalibrate_batchnorm(net, inputs, num_images=num_images, should_stop=stops.requested,
                                  progress=self.accelerator.is_local_main_process)

    def save_outputs(self) -> None:
        """Final pipeline folder, sample grid, progress GIF and loss plot (main process), written whole or not at all
        (:func:`staging`, :func:`move_into_place`)."""
        acc, cfg = self.accelerator, self.config
        if not acc.is_main_process:
            return
        with staging(cfg.output_dir) as stage:
            self._write_outputs(self.build_pipeline(), stage)
            names = sorted(os.listdir(stage))
            self.run_record.add(*names)
            move_into_place(stage, cfg.output_dir, names)

    def _write_outputs(self, pipe, folder: str) -> None:
        """Write the pipeline, its card, the training config, the final grid, the progress GIF (of the sample grids in
        ``output_dir``) and the loss plot into ``folder``."""
        from PIL import Image

        from ..cards import write_model_card
        from ..viz import plot_losses, save_gif

        cfg = self.config
        card = os.path.join(cfg.output_dir, "README.md")
        if os.path.isfile(card) and not os.path.islink(card):  # the card keeps what its user wrote around hfgan's parts
            shutil.copyfile(card, os.path.join(folder, "README.md"))
        pipe.save_pretrained(folder)
        with open(os.path.join(folder, "training_config.json"), "w", encoding="utf-8") as f:
            json.dump(cfg.to_dict(), f, indent=2, sort_keys=True)
        os.makedirs(os.path.join(folder, "samples"))
        self.task.final_grid(pipe).save(os.path.join(folder, "samples", "grid.png"))
        frames_dir = os.path.join(cfg.output_dir, "samples")
        frames = sorted(f for f in os.listdir(frames_dir) if f.startswith("step_") and f.endswith(".png")) \
            if os.path.isdir(frames_dir) else []
        if frames:
            save_gif([Image.open(os.path.join(frames_dir, f)).convert("RGB") for f in frames],
                     os.path.join(folder, "samples", "progress.gif"), duration_ms=300)
        curves = {_LOSS_LABELS.get(k, k): v for k, v in self.history.items() if k.startswith("loss")}
        if self.history["step"] and curves:
            plot_losses(curves, os.path.join(folder, "losses.png"), steps=self.history["step"],
                        title=f"{cfg.name or cfg.model}: losses")
        # the card shows the loss plot and the progress GIF too, so a push uploads them
        shown = {"losses": "losses.png", "progress": "samples/progress.gif"}
        pipe.card_data.update({k: v for k, v in shown.items() if os.path.isfile(os.path.join(folder, v))})
        write_model_card(pipe, folder)

    def _save_best(self, pipe) -> None:
        """Replace ``<output_dir>/best`` with ``pipe``, whole or not at all."""
        with staging(self.config.output_dir) as stage:
            card = os.path.join(self.config.output_dir, "best", "README.md")
            if os.path.isfile(card) and not os.path.islink(card) and not os.path.islink(os.path.dirname(card)):
                os.makedirs(os.path.join(stage, "best"))  # the card keeps what its user wrote around hfgan's parts
                shutil.copyfile(card, os.path.join(stage, "best", "README.md"))
            pipe.save_pretrained(os.path.join(stage, "best"))
            self.run_record.add("best")
            move_into_place(stage, self.config.output_dir, ["best"])

    def evaluate(self) -> Optional[Dict[str, float]]:
        """Score the published networks with ``hfgan.metrics``; keep the best pipeline under ``<output_dir>/best``."""
        cfg, acc = self.config, self.accelerator
        results, error = None, None
        if acc.is_main_process:
            from ..metrics import evaluate_pipeline, is_better

            pipe = self.build_pipeline()
            results = evaluate_pipeline(pipe, dataset=cfg.dataset, split=cfg.eval_split, num_samples=cfg.eval_num_samples,
                                        metrics=(cfg.eval_metric,), features=cfg.eval_features, seed=cfg.seed,
                                        progress=False)
            acc.log({f"eval/{k}": float(v) for k, v in results.items()}, step=self.step)
            self.history.setdefault("eval", []).append({"step": self.step, "train_seconds": round(self._elapsed(), 1),
                                                        **{k: float(v) for k, v in results.items()}})
            value = float(results[cfg.eval_metric])
            acc.print(f"step {self.step}: " + ", ".join(f"{k} {float(v):.4g}" for k, v in results.items())
                      + f" ({cfg.eval_num_samples} samples)")
            if is_better(cfg.eval_metric, value, self.best_metric):
                self.best_metric = value
                pipe.card_data.update(best_step=self.step, metrics_note=f"best {cfg.eval_metric} during training: "
                                      f"{value:.4g} at step {self.step} ({cfg.eval_num_samples} samples, "
                                      f"{cfg.eval_features} features, {cfg.eval_split} split)")
                try:
                    self._save_best(pipe)
                except Exception as err:  # noqa: BLE001 - a full disk, mostly: reported below, on every rank
                    error = err
        if self._any_rank(error is not None):
            if error is None:
                raise HFGANError(f"best/ of step {self.step} not written (see the main process)")
            how = "free some space, then continue" if is_disk_full(error) else "continue"
            raise save_failure(error, f"best/ of step {self.step}", f"the previous best/ is kept, "
                               f"{intact_checkpoint(cfg.output_dir)}: {how} with --resume latest") from None
        acc.wait_for_everyone()
        return results


@contextmanager
def staging(output_dir: str) -> Iterator[str]:
    """An empty staging folder inside ``output_dir`` (:data:`.rundir.STAGING`: on the same filesystem, so what is
    written there moves into place by renaming), removed afterwards whatever happens, and first if a crash left it."""
    stage = os.path.join(output_dir, rundir.STAGING)
    rundir.clear([stage])
    os.makedirs(stage)
    try:
        yield stage
    finally:
        rundir.clear([stage])


def move_into_place(stage: str, output_dir: str, names: List[str]) -> None:
    """Move the entries ``names`` of ``stage`` into ``output_dir`` by renames (no data is written, so a full disk
    cannot stop it midway). ``samples/`` merges file by file into the sample grids there; any other entry replaces
    the one in place, which goes into the stage to be removed with it (a symlink as a link, never its target).
    ``model_index.json``, which makes a folder a pipeline, is set aside first and put back last, so the folder is
    never a pipeline of mixed parts."""
    replaced = os.path.join(stage, ".replaced")
    os.makedirs(replaced)

    def set_aside(name: str) -> None:
        if os.path.lexists(os.path.join(output_dir, name)):
            os.replace(os.path.join(output_dir, name), os.path.join(replaced, name))

    if "model_index.json" in names:
        set_aside("model_index.json")
    for name in sorted(names, key=lambda n: n == "model_index.json"):
        source, target = os.path.join(stage, name), os.path.join(output_dir, name)
        if name == "samples" and os.path.isdir(target):
            for file in sorted(os.listdir(source)):
                shutil.move(os.path.join(source, file), os.path.join(target, file))
            continue
        set_aside(name)
        os.replace(source, target)


_LOSS_LABELS = {"loss_d": "discriminator", "loss_g": "generator"}


def _init_from_card(source: str, components: List[str], card: Dict) -> Dict:
    """What the model card says of a run started from another pipeline's weights (``base_model`` for a Hub repo)."""
    note = f"Fine-tuned from `{source}` ({', '.join(components)} initialized from it)."
    out = {"init_from": source, "training_note": " ".join(filter(None, [card.get("training_note"), note]))}
    if not os.path.exists(source):
        out["base_model"] = source
    return out


# config keys that describe how a run was started or resumed, not what it trains
_RUN_KEYS = ("resume_from_checkpoint", "overwrite_output_dir", "output_dir")


def _resume_record(start: Dict, resume: Dict) -> Dict:
    """A resume as the card shows it: its command, its step and the config keys it changed."""
    changes = {k: [start.get(k), v] for k, v in (resume.get("config") or {}).items()
               if k not in _RUN_KEYS and start.get(k) != v}
    return {"command": resume.get("command"), "step": resume.get("step"), "changes": changes}


def _hardware(accelerator) -> str:
    """``"1 x cpu (2 threads)"``, ``"4 x NVIDIA H100 80GB HBM3"``: what the run trained on, for the card."""
    device = accelerator.device
    if device.type == "cuda":
        name = torch.cuda.get_device_name(device)
    elif device.type == "xpu" and hasattr(torch, "xpu"):
        name = torch.xpu.get_device_name(device)
    elif device.type != "cpu":
        name = device.type
    else:
        threads = torch.get_num_threads()
        name = f"{device.type} ({threads} thread{'s' if threads != 1 else ''})"
    return f"{accelerator.num_processes} x {name}"
