"""The one Accelerate trainer for every task.

A task (:mod:`hfgan.tasks`) names the networks, which optimizer steps which of them, and its phases; it
computes losses and nothing else. This loop owns the rest, alike for every task: for each phase due at a
step it freezes the networks the phase does not train, draws the phase's randomness from
``(seed, phase key, counter)`` over the *global* batch (each rank takes its slice), accumulates
``loss * interval / accumulation`` under ``no_sync``, clips and steps; then the learning-rate schedules, the
EMA copies, logging, sample grids, evaluation and atomic checkpoints. So a run on N processes matches a
1-process run with the same global batch, and a resumed run matches an uninterrupted one.

This module holds the loop (:meth:`GANTrainer.train`: steps, logging and progress, when to sample, evaluate,
checkpoint and stop, the final save); its parts are mixins of :class:`GANTrainer`, each in its own module:
building the run (:mod:`.build`), the data order and seeded randomness (:mod:`.batches`), one step's phases
(:mod:`.steps`), stopping and failing alike on every process (:mod:`.guards`), what a checkpoint holds and how a
resume restores it (:mod:`.checkpointing`), and sample grids, the published pipeline, its card and periodic
evaluation (:mod:`.outputs`).
"""

import os
import time
from typing import Dict, List, Optional

import torch

from ..errors import HFGANError
from . import checkpoint as ckpt
from .batches import BatchesMixin
from .build import RESOLVE, BuildMixin
from .checkpointing import CheckpointMixin
from .config import TrainConfig
from .guards import GuardsMixin
from .outputs import OutputsMixin
from .save_errors import intact_checkpoint, is_disk_full, save_failure
from .steps import StepsMixin
from .stop import StopRequests


class GANTrainer(BuildMixin, BatchesMixin, StepsMixin, GuardsMixin, CheckpointMixin, OutputsMixin):
    """Train a registered GAN with Accelerate; what it trains comes from the config's task.

    Example:

    ```py
    >>> from hfgan.training import GANTrainer, load_config
    >>> cfg = load_config("dcgan-fashion-mnist", {"max_train_steps": 100, "output_dir": "runs/try"})
    >>> GANTrainer(cfg).train()   # runs/try is then a saved pipeline folder
    ```
    """

    def __init__(self, config: TrainConfig, data=None, command: Optional[str] = None, checkpoint=RESOLVE):
        self.config = config.validate()
        self.data = data
        self.command = command
        self.checkpoint = checkpoint  # the checkpoint to resume from, None, or RESOLVE (from resume_from_checkpoint)
        self.history: Dict[str, List[float]] = {"step": []}
        self.step_end_times: List[float] = []  # wall clock after each step of this process (benchmarks)
        self.scratch: Dict = {}

    # ----------------------------------------------------------------------------------------- loop
    def train(self) -> str:
        """Run to ``max_train_steps`` (resuming if asked) and return the output folder."""
        from tqdm.auto import tqdm

        self._setup()
        cfg, acc = self.config, self.accelerator
        resume = self.resume_path
        if resume:
            self.load_checkpoint(resume)
            acc.print(f"resumed from {resume} at step {self.step}")
        progress = tqdm(total=cfg.max_train_steps, initial=self.step, desc="training", unit="step",
                        disable=not acc.is_local_main_process, dynamic_ncols=True, mininterval=1.0)
        images_per_step = self.global_batch * max(p.repeats for p in self.phases)
        running: Dict[str, torch.Tensor] = {}
        count = 0
        start = self._loop_start = time.perf_counter()
        self._seconds_before = self.train_seconds
        with StopRequests() as stops:
            while self.step < cfg.max_train_steps:
                for key, value in self._run_step().items():
                    running[key] = running[key] + value if key in running else value.clone()
                count += 1
                progress.update(1)
                if self.step % cfg.logging_steps == 0 or self.step == cfg.max_train_steps:
                    self._check_finite()
                    logs = {key: float(value) / count for key, value in running.items()}
                    logs["img_per_s"] = count * images_per_step / (time.perf_counter() - start)
                    running, count = {}, 0
                    start = time.perf_counter()
                    acc.log(logs, step=self.step)
                    self.history["step"].append(self.step)
                    for key, value in logs.items():
                        if key != "img_per_s":
                            self.history.setdefault(key, []).append(value)
                    progress.set_postfix({k: f"{v:.3f}" for k, v in logs.items() if k.startswith("loss")},
                                         img_s=f"{logs['img_per_s']:.0f}")
                out_of_time = self.step % cfg.logging_steps == 0 and self._out_of_time()
                stopped = self._stop_requested(stops)
                last = self.step == cfg.max_train_steps or out_of_time or stopped
                if self.step % cfg.sample_steps == 0 or last:
                    self.save_samples()
                if cfg.eval_steps and self.step % cfg.eval_steps == 0:
                    self.evaluate()
                if self.step % cfg.checkpointing_steps == 0 or last:
                    self.save_checkpoint()
                self.step_end_times.append(time.perf_counter())
                if out_of_time:
                    acc.print(f"stopping at step {self.step}: max_train_minutes={cfg.max_train_minutes} reached")
                    break
                if stopped:
                    acc.print(f"stopping at step {self.step}: {stops.name or 'a stop request'} received; "
                              "continue with --resume latest")
                    break
        progress.close()
        if self.reads_ahead:
            self.data.close()
        self._check_finite()
        self.check_ranks_in_sync()
        self._save_final_outputs()
        acc.wait_for_everyone()
        acc.end_training()
        return cfg.output_dir

    def _save_final_outputs(self) -> None:
        """:meth:`save_outputs` once a checkpoint of the final step exists; any failure of the save is one line that
        names that checkpoint and how to save again from it (``--resume latest`` trains no further)."""
        final = ckpt.list_checkpoints(self.config.output_dir)
        if not final or os.path.basename(final[-1]) != f"checkpoint-{self.step}":  # resumed from elsewhere at its end
            self.save_checkpoint()
        error = None
        try:
            self.save_outputs()
        except Exception as err:  # noqa: BLE001 - a full disk, a broken writer: the checkpoint keeps the run
            error = err
        if self._any_rank(error is not None):
            if error is None:
                raise HFGANError(f"the final pipeline of step {self.step} not written (see the main process)")
            how = "free some space, then save it" if is_disk_full(error) else "save it"
            raise save_failure(error, f"the final pipeline of step {self.step}",
                               f"{intact_checkpoint(self.config.output_dir)}: {how} with --resume latest "
                               "(it trains no further)") from None
