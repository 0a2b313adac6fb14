"""Pinned weights: a few steps of every preset (tiny networks, real data) must train exactly as recorded.

The values in ``data/preset_pins.json`` were recorded before the trainer was split into tasks; any change to
the loop, the objectives or the order in which randomness is drawn shows up here. Regenerate them (only for
an intended change of training behaviour) with ``python tests/training/test_preset_pins.py --write``.
"""

import dataclasses
import json
import os
import sys

import pytest
import torch

PINS = os.path.join(os.path.dirname(__file__), "data", "preset_pins.json")
TINY_G = {"dcgan": {"latent_dim": 8, "base_channels": 8, "max_channels": 16}, "mlp_gan": {"latent_dim": 8, "hidden_dims": [16, 32]}}
TINY_D = {"dcgan": {"base_channels": 8, "max_channels": 16}, "mlp_gan": {"hidden_dims": [16]}}
# every preset as shipped, plus the tricks no preset uses
CASES = {
    "mlp-gan-fashion-mnist": ("mlp-gan-fashion-mnist", {}),
    "dcgan-fashion-mnist": ("dcgan-fashion-mnist", {}),
    "cdcgan-fashion-mnist": ("cdcgan-fashion-mnist", {}),
    "wgan-gp-fashion-mnist": ("wgan-gp-fashion-mnist", {}),
    "lsgan-fashion-mnist": ("lsgan-fashion-mnist", {}),
    "sngan-fashion-mnist": ("sngan-fashion-mnist", {}),
    "r1-accumulation-flip": ("dcgan-fashion-mnist", {
        "task_kwargs": {"label_smoothing": 0.1, "r1_gamma": 1.0, "r1_interval": 2}, "gradient_accumulation_steps": 2,
        "random_flip": True}),
    "feature-matching-minimax": ("mlp-gan-fashion-mnist", {
        "loss": "minimax", "task_kwargs": {"feature_matching_weight": 1.0}, "lr_scheduler": "linear"}),
}


def run_case(name, output_dir):
    from hfgan.models import get_model_entry
    from hfgan.training import GANTrainer, get_preset

    preset, extra = CASES[name]
    cfg = get_preset(preset)
    family = get_model_entry(cfg.model).family
    cfg = dataclasses.replace(
        cfg, generator_kwargs={**cfg.generator_kwargs, **TINY_G[family]},
        discriminator_kwargs={**cfg.discriminator_kwargs, **TINY_D[family]},
        max_train_samples=96, train_batch_size=8, max_train_steps=4, logging_steps=2, sample_steps=4,
        checkpointing_steps=4, num_sample_images=4, report_to="none", output_dir=str(output_dir), **extra)
    trainer = GANTrainer(cfg)
    trainer.train()
    acc = trainer.accelerator
    sums = {}
    for label, module in (("generator", acc.unwrap_model(trainer.nets["generator"])),
                          ("discriminator", acc.unwrap_model(trainer.nets["discriminator"])),
                          ("ema", trainer.emas["generator"].shadow if "generator" in trainer.emas else None)):
        if module is not None:
            sums[label] = [float(t.double().sum()) for t in module.state_dict().values()]
    return {"losses": trainer.history["loss_d"] + trainer.history["loss_g"], **sums}


@pytest.mark.parametrize("name", sorted(CASES))
def test_preset_trains_as_pinned(tmp_path, name):
    with open(PINS, encoding="utf-8") as f:
        pinned = json.load(f)[name]
    got = run_case(name, tmp_path / name)
    assert got.keys() == pinned.keys()
    for key in pinned:
        torch.testing.assert_close(torch.tensor(got[key], dtype=torch.float64),
                                   torch.tensor(pinned[key], dtype=torch.float64), rtol=1e-5, atol=1e-6, msg=key)


if __name__ == "__main__" and "--write" in sys.argv:
    import tempfile

    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as tmp:
        values = {name: run_case(name, os.path.join(tmp, name)) for name in sorted(CASES)}
    with open(PINS, "w", encoding="utf-8") as f:
        json.dump(values, f, indent=1, sort_keys=True)
        f.write("\n")
    print(f"wrote {PINS}")
