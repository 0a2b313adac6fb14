"""The ``stylegan2`` task (StyleGAN2's training recipe) and its preset: phases and lazy-regularization optimizer
settings, style mixing draws, the path-length regularizer, w_avg tracking, the pl_mean state and exact resume."""

import json
import math
import os
import shutil
import sys

import pytest
import torch

import hfgan
from hfgan.errors import ConfigError
from hfgan.regularizers import path_length_penalty, path_lengths, update_path_length_mean
from hfgan.training import GANTrainer, load_config
from hfgan.training.checkpoint import list_checkpoints
from safetensors.torch import load_file

TINY_G = {"latent_dim": 8, "w_dim": 8, "channel_base": 64, "channel_max": 8}
TINY_D = {"channel_base": 64, "channel_max": 8}
# G_reg and D_reg every 2 steps, so a 4-step run resumed at 2 runs each twice on both sides of the resume
TINY = {"generator_kwargs": json.dumps(TINY_G), "discriminator_kwargs": json.dumps(TINY_D), "max_train_samples": "32",
        "num_sample_images": "4", "logging_steps": "1", "sample_steps": "100", "report_to": "none",
        "train_batch_size": "4", "r1_interval": "2", "task_kwargs": json.dumps({"pl_interval": 2}), "num_threads": "1"}


def _config(output_dir, **extra):
    return load_config("stylegan2-fashion-mnist", {**TINY, "output_dir": str(output_dir),
                                                   **{k: str(v) for k, v in extra.items()}})


def test_preset_is_the_reference_recipe():
    cfg = load_config("stylegan2-fashion-mnist")
    assert (cfg.task, cfg.loss, cfg.model) == ("stylegan2", "nonsaturating", "stylegan2-28")
    assert (cfg.adam_beta1, cfg.adam_beta2, cfg.task_kwargs["r1_interval"]) == (0.0, 0.99, 16)
    assert cfg.task_kwargs == {"style_mixing_prob": 0.9, "pl_weight": 2.0, "pl_interval": 4, "pl_batch_shrink": 2,
                               "r1_gamma": 0.0064, "r1_interval": 16}
    assert cfg.augment == "none" and cfg.init_from is None
    assert cfg.ema_halflife_kimg == 10.0


def test_ema_half_life_in_images_follows_the_global_batch(tmp_path):
    trainer = GANTrainer(_config(tmp_path, max_train_steps=1, train_batch_size=8))
    trainer.train()
    assert trainer.emas["generator"].decay == pytest.approx(0.5 ** (8 / 10_000))
    assert GANTrainer(_config(tmp_path / "b", ema_halflife_kimg=None, ema_decay=0.99)).ema_decay == 0.99
    with pytest.raises(ConfigError, match="ema_halflife_kimg"):
        _config(tmp_path / "c", ema_halflife_kimg=0)


def test_phases_and_lazy_regularization_optimizer_settings(tmp_path):
    trainer = GANTrainer(_config(tmp_path, r1_interval=16, task_kwargs='{"pl_interval": 4}'))
    trainer._setup()
    assert [(p.name, p.optimizer, p.interval) for p in trainer.phases] == [
        ("G_main", "G", 1), ("G_reg", "G", 4), ("D_main", "D", 1), ("D_reg", "D", 16)]
    for name, interval in (("G", 4), ("D", 16)):
        group = trainer.optimizers[name].param_groups[0]
        ratio = interval / (interval + 1)
        assert group["lr"] == pytest.approx(0.0025 * ratio)
        assert group["betas"] == pytest.approx((0.0, 0.99 ** ratio))
    # without regularization: the plain settings and no regularization phases
    plain = GANTrainer(_config(tmp_path / "plain", r1_gamma=0.0, task_kwargs='{"pl_weight": 0.0}'))
    plain._setup()
    assert [p.name for p in plain.phases] == ["G_main", "D_main"]
    assert plain.optimizers["D"].param_groups[0]["lr"] == 0.0025
    assert plain.optimizers["G"].param_groups[0]["betas"] == (0.0, 0.99)


def test_style_mixing_draws_a_cutoff_per_sample(tmp_path):
    trainer = GANTrainer(_config(tmp_path))
    trainer._setup()
    g_main = trainer.phases[0]
    drawn = trainer.task.draw(g_main, torch.Generator().manual_seed(0), 4000)
    num_ws = trainer.task.num_ws
    mixed = drawn["cutoffs"] < num_ws
    assert abs(mixed.float().mean() - 0.9) < 0.02
    assert drawn["cutoffs"][mixed].min() >= 1 and set(drawn["cutoffs"][mixed].tolist()) == set(range(1, num_ws))
    assert drawn["mix_latents"].shape == drawn["latents"].shape and len(drawn["noise_seeds"].unique()) == 4000


def test_path_length_of_a_linear_synthesis():
    torch.manual_seed(0)
    ws = torch.randn(3, 2, 4, requires_grad=True)  # [N, num_ws, w_dim]
    matrix = torch.randn(8, 16, requires_grad=True)  # the "synthesis": ws flattened -> 16 pixels
    images = (ws.reshape(3, 8) @ matrix).view(3, 1, 4, 4)
    noise = torch.randn(3, 1, 4, 4)
    lengths = path_lengths(images, ws, noise)
    expected = (noise.view(3, 16) @ matrix.detach().t()).view(3, 2, 4).square().sum(2).mean(1).sqrt()  # J^T y per sample
    torch.testing.assert_close(lengths, expected)
    mean = update_path_length_mean(torch.zeros((), dtype=torch.float64), lengths.mean(), 0.01)
    assert float(mean) == pytest.approx(0.01 * float(lengths.detach().mean()))
    penalty = path_length_penalty(lengths, mean)
    torch.testing.assert_close(penalty, (lengths - float(mean)).square().mean())
    penalty.backward()  # the penalty trains the synthesis
    assert matrix.grad is not None and matrix.grad.abs().sum() > 0


def test_recipe_trains_resumes_exactly_tracks_w_avg_and_checkpoints_pl_mean(tmp_path):
    full = GANTrainer(_config(tmp_path / "full", max_train_steps=4, checkpointing_steps=2))
    full.train()
    GANTrainer(_config(tmp_path / "part", max_train_steps=2, checkpointing_steps=2)).train()
    part = GANTrainer(_config(tmp_path / "part", max_train_steps=4, checkpointing_steps=2, resume_from_checkpoint="latest"))
    part.train()
    for name in ("generator", "discriminator"):
        a = load_file(tmp_path / "full" / name / "diffusion_pytorch_model.safetensors")
        b = load_file(tmp_path / "part" / name / "diffusion_pytorch_model.safetensors")
        assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a), name
    assert float(full.task.pl_mean) == float(part.task.pl_mean) > 0
    state = load_file(os.path.join(list_checkpoints(tmp_path / "full")[-1], "task_state.safetensors"))
    assert float(state["pl_mean"]) == float(full.task.pl_mean)
    generator = full.accelerator.unwrap_model(full.nets["generator"])
    assert generator.w_avg.abs().sum() > 0  # the mapping network's mean w moved from its zero start
    pipe = hfgan.load_pipeline(str(tmp_path / "full"))
    torch.testing.assert_close(pipe.generator.w_avg, full.emas["generator"].shadow.w_avg)
    card = open(tmp_path / "full" / "README.md", encoding="utf-8").read()
    assert "StyleGAN2 recipe: style mixing p=0.9, path-length regularization 2.0 every 2 steps" in card
    assert all(math.isfinite(v) for k, v in full.history.items() if k.startswith("loss") for v in v)


@pytest.mark.slow
def test_recipe_with_ada_resumes_exactly(tmp_path):
    extra = {"augment": "ada", "augment_p": 0.3, "ada_kimg": 0.1, "ada_interval": 1, "max_train_steps": 3}
    full = GANTrainer(_config(tmp_path / "full", checkpointing_steps=2, **extra))
    full.train()
    GANTrainer(_config(tmp_path / "part", checkpointing_steps=2, **{**extra, "max_train_steps": 2})).train()
    part = GANTrainer(_config(tmp_path / "part", checkpointing_steps=2, resume_from_checkpoint="latest", **extra))
    part.train()
    a = load_file(tmp_path / "full" / "discriminator" / "diffusion_pytorch_model.safetensors")
    b = load_file(tmp_path / "part" / "discriminator" / "diffusion_pytorch_model.safetensors")
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert full.task.augmenter.p == part.task.augmenter.p != 0.3


def test_recipe_needs_a_mapping_network_and_rejects_other_tricks(tmp_path):
    with pytest.raises(ConfigError, match="mapping network"):
        GANTrainer(_config(tmp_path / "a", model="dcgan-28", generator_kwargs="{}", discriminator_kwargs="{}")).train()
    with pytest.raises(ConfigError, match="gp_weight"):
        GANTrainer(_config(tmp_path / "b", gp_weight=10.0)).train()


@pytest.mark.slow
def test_preset_smoke_run_20_steps(tmp_path):
    """The preset as shipped (its network widths and batch), 20 steps on a 256-image subset."""
    cfg = load_config("stylegan2-fashion-mnist", {"max_train_steps": "20", "max_train_samples": "256", "report_to": "none",
                                                  "output_dir": str(tmp_path), "num_sample_images": "16",
                                                  "logging_steps": "5"})
    trainer = GANTrainer(cfg)
    trainer.train()
    assert all(math.isfinite(v) for k, v in trainer.history.items() if k.startswith("loss") for v in v)
    assert type(hfgan.load_pipeline(str(tmp_path))) is hfgan.GANPipeline


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("accelerate") is None, reason="accelerate CLI not installed")
def test_two_processes_match_one_process_with_ada(tmp_path, procs):
    """Noise, style mixing, w_avg, pl_mean and ADA's p are drawn or reduced over the global batch: 2 processes of 4
    match 1 process of 8 (the generator runs through the DDP wrapper in every phase)."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "OMP_NUM_THREADS": "1"}
    args = ["stylegan2-fashion-mnist"]
    # minibatch-std groups are formed within each process's batch: groups of 1 make the discriminator per-sample
    common = {**TINY, "discriminator_kwargs": json.dumps({**TINY_D, "mbstd_group_size": 1}), "max_train_steps": "4",
              "checkpointing_steps": "4", "augment": "ada", "augment_p": "0.3", "ada_kimg": "0.1", "ada_interval": "1"}

    def run(launcher, output, batch):
        values = {**common, "output_dir": str(tmp_path / output), "train_batch_size": str(batch)}
        cmd = launcher + args + [x for k, v in values.items() for x in (f"--{k}", v)]
        procs.run(cmd, env=env, timeout=480, check=True)

    run([sys.executable, "-m", "hfgan.cli", "train"], "one", 8)
    run(["accelerate", "launch", "--multi_gpu", "--num_processes", "2", "--num_machines", "1", "--mixed_precision", "no",
         "--dynamo_backend", "no", "--main_process_port", str(procs.free_port()), "-m", "hfgan.train"], "two", 4)
    for name in ("generator", "discriminator"):
        a = load_file(tmp_path / "one" / name / "diffusion_pytorch_model.safetensors")
        b = load_file(tmp_path / "two" / name / "diffusion_pytorch_model.safetensors")
        assert a.keys() == b.keys()
        for key in a:
            torch.testing.assert_close(a[key], b[key], atol=1e-5, rtol=1e-4, msg=f"{name}.{key}")
    states = [load_file(os.path.join(list_checkpoints(tmp_path / run)[-1], "task_state.safetensors")) for run in ("one", "two")]
    for key in ("pl_mean", "augment_p"):
        assert float(states[0][key]) == pytest.approx(float(states[1][key]), rel=1e-5), key
