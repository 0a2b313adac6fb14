"""Exponential moving average of the generator's weights (the network that gets published)."""

import copy
import math
from typing import Optional

import torch
from torch import nn


class EMAModel:
    """Keeps ``shadow``, an EMA copy of a model: ``shadow = beta * shadow + (1 - beta) * model``.

    ``decay`` sets the half-life, ``log(0.5) / log(decay)`` steps (0.995: 138 steps). As in
    stylegan2-ada's ``ema_rampup``, the half-life is capped at ``rampup`` times the steps taken so far, so
    early, fast-changing weights fade quickly instead of being averaged into a blur. As in BigGAN's
    ``ema_start``, the first ``start_step`` updates copy the weights and the average (and the rampup) begins
    there. Buffers (batch-norm running statistics) are copied, not averaged.
    """

    def __init__(self, model: nn.Module, decay: float = 0.995, rampup: Optional[float] = 0.05, start_step: int = 0):
        self.shadow = copy.deepcopy(model).eval().requires_grad_(False)
        self.decay = decay
        self.rampup = rampup
        self.start_step = start_step
        self.num_updates = 0

    def current_decay(self) -> float:
        if self.decay <= 0 or self.num_updates < self.start_step:
            return 0.0  # a copy
        half_life = math.log(0.5) / math.log(self.decay)  # in steps
        if self.rampup is not None:
            half_life = min(half_life, self.rampup * (self.num_updates - self.start_step + 1))
        return 0.5 ** (1.0 / half_life)

    @torch.no_grad()
    def update(self, model: nn.Module) -> None:
        decay = self.current_decay()
        shadow_params = [p for p in self.shadow.parameters()]
        params = [p.detach() for p in model.parameters()]
        torch._foreach_lerp_(shadow_params, params, 1.0 - decay)
        for b_shadow, b in zip(self.shadow.buffers(), model.buffers()):
            b_shadow.copy_(b)
        self.num_updates += 1

    def state_dict(self):
        return {"shadow": self.shadow.state_dict(), "num_updates": self.num_updates}

    def load_state_dict(self, state):
        self.shadow.load_state_dict(state["shadow"])
        self.num_updates = int(state["num_updates"])

    def to(self, device):
        self.shadow.to(device)
        return self


@torch.no_grad()
def recalibrate_batchnorm(model: nn.Module, sample_inputs, num_batches: int = 20) -> bool:
    """Re-estimate batch-norm running statistics of ``model`` with its own weights.

    The EMA generator's copied statistics belong to the raw weights; averaging them again over
    ``num_batches`` forward passes of ``sample_inputs()`` (``(latents, class_labels)``) fixes that.
    A model whose statistics are its own to estimate (BigGAN-deep's standing statistics per truncation) has a
    ``recalibrate_batchnorm(sample_inputs)`` method, which does it instead.
    Returns False when the model has no batch norm.
    """
    own = getattr(model, "recalibrate_batchnorm", None)
    if callable(own):
        own(sample_inputs)
        return True
    norms = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    if not norms:
        return False
    momenta = [m.momentum for m in norms]
    was_training = model.training
    for m in norms:
        m.reset_running_stats()
        m.momentum = None  # cumulative average
    model.train()
    for _ in range(num_batches):
        latents, class_labels = sample_inputs()
        model(latents, class_labels) if class_labels is not None else model(latents)
    for m, momentum in zip(norms, momenta):
        m.momentum = momentum
    model.train(was_training)
    return True
