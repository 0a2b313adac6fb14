"""The trainer's side of checkpoints: what a run saves and how a resume restores it.

The folder format (atomic writes, manifests) is :mod:`.checkpoint`'s, plain-data loading :mod:`.pickles`'s, the
trainer state :mod:`.trainer_state`'s and the RNG states :mod:`.rng_state`'s; this mixin of
:class:`~hfgan.training.trainer.GANTrainer` decides what goes in: Accelerate's ``save_state`` (weights, optimizers)
plus what hfgan owns (EMA and task state as safetensors, RNG, learning-rate schedules and trainer state as JSON).
"""

import json
import os
from typing import Dict, Optional

import torch

from ..errors import CheckpointError, HFGANError, one_line
from . import checkpoint as ckpt
from .config import TrainConfig
from .ema import EMAModel
from .pickles import accelerate_view, check_pickles
from .rng_state import load_rng_state, save_rng_state
from .save_errors import write_failure
from .trainer_state import load_schedule_states, read_trainer_state, schedule_states


class CheckpointMixin:
    """Save and resume :class:`~hfgan.training.trainer.GANTrainer` checkpoints (uses the trainer's accelerator,
    config, networks, EMA copies, schedules, task, data position, history and clocks)."""

    @staticmethod
    def _ema_file(name: str) -> str:
        return "ema.safetensors" if name == "generator" else f"ema_{name}.safetensors"

    def save_checkpoint(self) -> Optional[str]:
        """``accelerator.save_state`` (weights, optimizers) plus what hfgan owns: EMA and task state (safetensors), RNG,
        schedules and trainer state (JSON), then a manifest; renamed into place once complete (:mod:`.checkpoint`)."""
        acc, cfg = self.accelerator, self.config
        self._check_finite()
        tmp = ckpt.temporary_path(cfg.output_dir, self.step, clear=acc.is_main_process)
        acc.wait_for_everyone()
        error, final = None, None
        try:
            self.run_record.add("checkpoints")
            acc.save_state(tmp)
            save_rng_state(tmp, acc.process_index)
        except Exception as err:  # noqa: BLE001 - a full disk, mostly: reported below, on every rank
            error = err
        if not self._any_rank(error is not None) and acc.is_main_process:
            try:
                for name, ema in self.emas.items():
                    save_tensors(ema.shadow.state_dict(), os.path.join(tmp, self._ema_file(name)))
                task_state = self.task.state_dict()
                if task_state:
                    save_tensors(task_state, os.path.join(tmp, ckpt.TASK_STATE_FILE))
                ema = self.emas.get("generator")
                state = {"step": self.step, "ema_updates": ema.num_updates if ema else 0,
                         "ema_networks": sorted(self.emas), "best_metric": self.best_metric,
                         "train_seconds": self._elapsed(), "lr_schedules": schedule_states(self.schedulers),
                         "data_position": self.data_position(),
                         "manifest": True, "history": self.history, "config": cfg.to_dict(),
                         "invocations": self.invocations}
                with open(os.path.join(tmp, ckpt.STATE_FILE), "w", encoding="utf-8") as f:
                    json.dump(state, f)
                final = ckpt.commit(tmp, cfg.output_dir, self.step, cfg.checkpoints_total_limit)
            except Exception as err:  # noqa: BLE001
                error = err
        if self._any_rank(error is not None):
            if acc.is_main_process:
                raise write_failure(error or RuntimeError("another process could not write its part"),
                                         tmp, cfg.output_dir, self.step) from None
            raise HFGANError(f"checkpoint {self.step} not written (see the main process)")
        acc.wait_for_everyone()
        return final

    def load_checkpoint(self, path: str) -> None:
        """Resume from ``path``: its pickle files are checked first (:func:`.pickles.check_pickles`)."""
        from safetensors.torch import load_file

        acc = self.accelerator
        check_pickles(path, ckpt.read_manifest(path))
        state = read_trainer_state(path)
        schedules = state["lr_schedules"]
        if schedules and not self.schedulers:
            raise HFGANError(f"{path} was saved with a learning-rate schedule; resume it with an lr_scheduler "
                             "other than 'constant' (e.g. the run's own, see its training_config.json)")
        try:
            with accelerate_view(path) as view:
                acc.load_state(view, load_kwargs={"weights_only": True})
        except Exception as err:  # noqa: BLE001 - a damaged file that the manifest could not catch
            raise CheckpointError(f"{path} could not be loaded ({one_line(err)})") from None
        load_rng_state(path, acc.process_index, acc.print)
        self.step = int(state["step"])
        if schedules:
            load_schedule_states(self.schedulers, schedules, path)
        elif self.schedulers:  # a run saved with a constant learning rate: the schedule starts at its step
            for scheduler in self.schedulers:
                _fast_forward(scheduler, self.step)
            acc.print(f"learning-rate schedule '{self.config.lr_scheduler}' starts at step {self.step} "
                      f"(lr={self.schedulers[0].get_last_lr()[0]:.3g})")
        self._resume_data_position(state.get("data_position"), path)
        self.best_metric = state.get("best_metric")
        self.train_seconds = float(state.get("train_seconds", 0.0))
        self.history = state.get("history", self.history)
        saved_config = state.get("config") or {}
        earlier = state.get("invocations") or [{"command": None, "step": 0, "config": saved_config}]
        self.invocations = [*earlier, {"command": self.command, "step": self.step, "config": self.config.to_dict()}]
        task_file = os.path.join(path, ckpt.TASK_STATE_FILE)
        if os.path.isfile(task_file):
            self.task.load_state_dict(load_file(task_file, device=str(acc.device)))
        saved = state.get("config", {})
        for name in list(self.emas):
            ema_file = os.path.join(path, self._ema_file(name))
            if os.path.isfile(ema_file):  # new EMA settings, if any, apply from here on to the saved average
                self.emas[name].shadow.load_state_dict(load_file(ema_file, device=str(acc.device)))
                self.emas[name].num_updates = int(state["ema_updates"])
                keys = ("ema_decay", "ema_halflife_kimg", "ema_rampup")
                if any(saved.get(k, getattr(TrainConfig, k)) != getattr(self.config, k) for k in keys):
                    acc.print(f"EMA continues with ema_decay={self.ema_decay:.6g}, "
                              f"ema_rampup={self.config.ema_rampup} from step {self.step}")
            else:  # the run had no EMA: start the average from the current weights
                acc.print(f"EMA of the {name} started from its weights at step {self.step}")
                self.emas[name] = EMAModel(acc.unwrap_model(self.nets[name]), self.ema_decay,
                                           self.config.ema_rampup, self.config.ema_start_step).to(acc.device)
                self.emas[name].num_updates = self.step

    def _resume_data_position(self, saved: Optional[Dict[str, int]], path: str) -> None:
        """Continue the data where the checkpoint left it; say so when the data or the batch changed since."""
        if not saved:  # a checkpoint from before data positions: batches follow from the step alone
            return
        self._next_counter = int(saved["batch_counter"])
        now = self.data_position()
        changed = [k for k in ("dataset_size", "global_batch", "permutation_seed") if saved.get(k) != now[k]]
        if changed:
            self.accelerator.print(f"{path}: the data changed since the checkpoint ({', '.join(f'{k} {saved.get(k)} -> {now[k]}' for k in changed)}): "
                                   "the resumed run reads other batches than an uninterrupted one would")


def _fast_forward(scheduler, step: int) -> None:
    """Put a ``LambdaLR`` schedule at ``step`` (as if stepped ``step`` times) without stepping its optimizer."""
    scheduler.last_epoch = step
    lrs = [base * fn(step) for base, fn in zip(scheduler.base_lrs, scheduler.lr_lambdas)]
    for group, lr in zip(scheduler.optimizer.param_groups, lrs):
        group["lr"] = lr
    scheduler._last_lr = lrs


def save_tensors(tensors: Dict[str, torch.Tensor], path: str) -> None:
    """Write ``tensors`` (detached, contiguous, on the CPU) as safetensors to ``path``."""
    from safetensors.torch import save_file

    save_file({k: v.detach().contiguous().cpu() for k, v in tensors.items()}, path)
