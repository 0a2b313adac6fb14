"""When a run must stop or fail, decided alike on every process; a mixin of
:class:`~hfgan.training.trainer.GANTrainer`.

A flag raised on any rank (:meth:`GuardsMixin._any_rank`), the time budget on rank 0's clock, a stop request
(SIGTERM / Ctrl-C) checked at logging steps, a non-finite loss, and a checksum of every weight on every rank: each
answers the same on every process, so all of them stop after the same step.
"""

import json
import os
import time
from typing import List

import torch

from ..errors import HFGANError
from . import checkpoint as ckpt
from .stop import StopRequests


class NonFiniteLossError(HFGANError):
    """A loss became NaN or infinite; the last good checkpoint is kept."""


class GuardsMixin:
    """Agreement between processes on stopping and failing (uses the trainer's accelerator, config, step, clocks,
    ``finite`` flag, networks, EMA copies and run record)."""

    def _any_rank(self, flag: bool) -> bool:
        """Whether ``flag`` is set on any process (every process calls this alike)."""
        if self.accelerator.num_processes == 1:
            return flag
        return bool(self.accelerator.reduce(torch.tensor([float(flag)], device=self.accelerator.device), "sum").item())

    def _elapsed(self) -> float:
        """Training wall clock so far (seconds), earlier runs of a resumed training included."""
        start = getattr(self, "_loop_start", None)
        return self.train_seconds if start is None else self._seconds_before + time.perf_counter() - start

    def _out_of_time(self) -> bool:
        """Whether ``max_train_minutes`` is spent; rank 0's clock decides so every rank stops at the same step."""
        if not self.config.max_train_minutes:
            return False
        flag = torch.tensor([float(self._elapsed() >= 60 * self.config.max_train_minutes)], device=self.accelerator.device)
        if self.accelerator.num_processes > 1:
            torch.distributed.broadcast(flag, src=0)
        return bool(flag.item())

    def _stop_requested(self, stops: StopRequests) -> bool:
        """Whether a SIGTERM / Ctrl-C asked to stop: at once with one process; with several, checked at logging
        steps (one all-reduce) so that every process stops after the same step."""
        if self.accelerator.num_processes == 1:
            return stops.signal is not None
        return self.step % self.config.logging_steps == 0 and self._any_rank(stops.signal is not None)

    def _check_finite(self) -> None:
        if not bool(self.finite):
            last = ckpt.list_checkpoints(self.config.output_dir)
            where = f"the last good checkpoint is {last[-1]}" if last else "no checkpoint was written yet"
            raise NonFiniteLossError(f"a loss became NaN/inf before step {self.step}; stopping ({where}). "
                                     "Lower the learning rates, add a gradient penalty or use mixed_precision=no.")

    def check_ranks_in_sync(self) -> List[List[float]]:
        """Gather a checksum of every weight from every rank; raise if any rank differs.

        Written to ``<output_dir>/logs/rank_checksums.json`` (one row per rank) for inspection.
        """
        acc = self.accelerator
        modules = [acc.unwrap_model(net) for net in self.nets.values()] + [ema.shadow for ema in self.emas.values()]
        sums = torch.stack([p.detach().double().sum() for m in modules for p in m.parameters()])  # [P]
        rows = acc.gather(sums[None].to(acc.device)).cpu()  # [num_processes, P]
        if acc.is_main_process:
            self.run_record.add("logs")
            os.makedirs(os.path.join(self.config.output_dir, "logs"), exist_ok=True)
            with open(os.path.join(self.config.output_dir, "logs", "rank_checksums.json"), "w", encoding="utf-8") as f:
                json.dump(rows.tolist(), f)
        if not torch.equal(rows, rows[:1].expand_as(rows)):
            raise HFGANError("the processes hold different weights: is Accelerate configured for distributed training?")
        return rows.tolist()
