"""One training step, a mixin of :class:`~hfgan.training.trainer.GANTrainer`: every phase due at the step, each an
optimizer step (freeze the networks it does not train, draw its randomness from ``(seed, phase key, counter)``,
accumulate ``loss * interval / accumulation`` over micro-batches under ``no_sync``, clip, step), then the
learning-rate schedules and the EMA copies. The task computes the losses; nothing here knows which."""

from contextlib import ExitStack
from typing import Dict, List

import torch

from .batches import seeded_rng


class StepsMixin:
    """Run phases and steps (uses the trainer's config, accelerator, task, phases, networks, optimizers, schedules,
    EMA copies, ``scratch``, ``finite`` flag and ``step``)."""

    def _run_phase(self, phase, counter: int) -> Dict[str, torch.Tensor]:
        """One optimizer step of ``phase``: freeze, draw, accumulate over micro-batches, clip, step."""
        from ..tasks import StepContext

        cfg, acc = self.config, self.accelerator
        trained = self.task.optimizers[phase.optimizer]
        frozen = [n for n in self.nets if n not in trained] if phase.freeze_others else []
        for name in frozen:
            self.nets[name].requires_grad_(False)
        drawn = self.task.draw(phase, seeded_rng(cfg.seed, phase.key, counter), self.global_batch)
        logs: Dict[str, torch.Tensor] = {}
        scale = phase.interval / cfg.gradient_accumulation_steps if phase.interval != 1 else None
        try:
            for micro in range(cfg.gradient_accumulation_steps):
                ctx = StepContext(self, phase, counter, micro)
                with ExitStack() as stack:
                    if not ctx.last_micro:
                        for name in trained:
                            stack.enter_context(acc.no_sync(self.nets[name]))
                    for name in frozen:
                        stack.enter_context(acc.no_sync(self.nets[name]))
                    loss, values = self.task.loss(phase, drawn, ctx)
                    acc.backward(loss * scale if scale is not None else loss / cfg.gradient_accumulation_steps)
                for key, value in values.items():
                    logs[key] = logs.get(key, 0) + value.detach().float() / cfg.gradient_accumulation_steps
        finally:
            for name in frozen:
                self.nets[name].requires_grad_(True)
        if cfg.max_grad_norm:
            acc.clip_grad_norm_([p for name in trained for p in self.nets[name].parameters()], cfg.max_grad_norm)
        optimizer = self.optimizers[phase.optimizer]
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        return logs

    def _run_step(self) -> Dict[str, torch.Tensor]:
        """Every phase due at this step, then the schedules and EMA; returns the step's (unsynced) logs."""
        self.task.on_step(self.step)
        for net in self.nets.values():
            net.train()
        runs: Dict[str, List[torch.Tensor]] = {}
        try:
            for phase in self.phases:
                if self.step % phase.interval:
                    continue
                for r in range(phase.repeats):
                    for key, value in self._run_phase(phase, self.step * phase.repeats + r).items():
                        runs.setdefault(key, []).append(value)
        finally:
            self.scratch.clear()
        for scheduler in self.schedulers:
            scheduler.step()
        for name, ema in self.emas.items():
            ema.update(self.accelerator.unwrap_model(self.nets[name]))
        logs = {key: sum(values) / len(values) for key, values in runs.items()}
        for value in logs.values():
            self.finite &= torch.isfinite(value)
        self.step += 1
        return logs
