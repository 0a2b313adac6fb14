"""EMA: ema_start_step copies the weights until then, then the average (and its rampup) begins."""

import torch
from torch import nn

from hfgan.training.ema import EMAModel


def test_ema_copies_until_start_step_then_averages():
    model = nn.Linear(2, 1)
    ema = EMAModel(model, decay=0.9, rampup=None, start_step=3)
    for step in range(3):
        with torch.no_grad():
            model.weight.fill_(float(step))
        assert ema.current_decay() == 0.0
        ema.update(model)
        assert torch.equal(ema.shadow.weight, model.weight)
    with torch.no_grad():
        model.weight.fill_(10.0)
    assert abs(ema.current_decay() - 0.9) < 1e-12
    ema.update(model)
    torch.testing.assert_close(ema.shadow.weight, torch.full_like(model.weight, 0.9 * 2.0 + 0.1 * 10.0))


def test_ema_rampup_counts_from_the_start_step():
    model = nn.Linear(2, 1)
    late = EMAModel(model, decay=0.999, rampup=0.05, start_step=100)
    early = EMAModel(model, decay=0.999, rampup=0.05)
    late.num_updates = 100
    assert late.current_decay() == early.current_decay()  # the average's first step, as at step 0
