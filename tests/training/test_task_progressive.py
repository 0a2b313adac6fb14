"""The progressive task's growth schedule: (resolution, alpha) from the step alone, real images as the generator
renders them, the checkpoint's task state and labelled progress frames (the generic train / resume / SIGKILL /
DDP tests run it through tests/training/test_tasks.py)."""

import os

import pytest
import torch
import torch.nn.functional as F
from PIL import Image
from safetensors.torch import load_file

from hfgan.errors import ConfigError
from hfgan.tasks.progan import ProgressiveTask, growth_schedule
from hfgan.training import GANTrainer, load_config
from hfgan.training.checkpoint import list_checkpoints

TINY = {"generator_kwargs": {"latent_dim": 8, "base_channels": 4, "max_channels": 8},
        "discriminator_kwargs": {"base_channels": 4, "max_channels": 8}, "max_train_samples": 64, "num_sample_images": 4,
        "logging_steps": 2, "sample_steps": 2, "report_to": "none", "train_batch_size": 4,
        "task_kwargs": {"stabilize_images": 4, "fade_images": 8}, "lr_scheduler": "constant"}


def task_config(output_dir, **extra):
    return load_config("progan-fashion-mnist", {**TINY, "output_dir": str(output_dir), **extra})


def test_growth_schedule_over_a_ladder():
    ladder = [7, 14, 28]
    expected = {0: (7, 1.0), 99: (7, 1.0),  # stabilize 100 images at 7x7
                100: (14, 0.0), 150: (14, 0.25), 299: (14, 0.995),  # fade 14x14 in over 200
                300: (14, 1.0), 399: (14, 1.0),  # stabilize 14x14
                400: (28, 0.0), 500: (28, 0.5),  # fade 28x28 in
                600: (28, 1.0), 10**9: (28, 1.0)}  # the last level stays
    for images, (resolution, alpha) in expected.items():
        got = growth_schedule(images, ladder, stabilize_images=100, fade_images=200)
        assert got[0] == resolution and got[1] == pytest.approx(alpha), images
    assert growth_schedule(100, ladder, 100, 0) == (14, 1.0)  # no fade: a hard switch
    assert growth_schedule(5, ladder, 0, 0) == (28, 1.0)


def test_on_step_sets_resolution_and_alpha_from_the_step_alone(tmp_path):
    cfg = task_config(tmp_path, train_batch_size=8, task_kwargs={"stabilize_images": 16, "fade_images": 32})
    task = ProgressiveTask(cfg, lambda *keys: torch.Generator().manual_seed(0))
    task.ladder, task.global_batch = [7, 14, 28], 8
    seen = []
    for step in range(14):
        task.on_step(step)
        seen.append((task.resolution, task.alpha))
    assert seen == [(7, 1.0), (7, 1.0), (14, 0.0), (14, 0.25), (14, 0.5), (14, 0.75), (14, 1.0), (14, 1.0),
                    (28, 0.0), (28, 0.25), (28, 0.5), (28, 0.75), (28, 1.0), (28, 1.0)]
    task.on_step(4)  # any order: nothing carries over from the previous call
    assert (task.resolution, task.alpha) == (14, 0.5)
    assert task.frame_label(5) == "step 5  14x14  alpha 0.50"
    task.on_step(2)
    assert {k: v.item() for k, v in task.state_dict().items()} == {"step": 3, "resolution": 14, "alpha": 0.25}


def test_real_images_are_pooled_to_the_resolution_and_blended_during_a_fade(tmp_path):
    task = ProgressiveTask(task_config(tmp_path), lambda *keys: torch.Generator().manual_seed(0))
    task.ladder = [7, 14, 28]
    real = torch.rand(2, 1, 28, 28) * 2 - 1
    task.resolution, task.alpha = 14, 1.0
    torch.testing.assert_close(task.real_at_resolution(real), F.avg_pool2d(real, 2))
    task.alpha = 0.0  # the start of a fade: exactly the 7x7 images, upsampled, as the generator renders them
    torch.testing.assert_close(task.real_at_resolution(real), F.interpolate(F.avg_pool2d(real, 4), scale_factor=2))
    task.resolution, task.alpha = 28, 1.0
    assert torch.equal(task.real_at_resolution(real), real)


def test_bad_schedule_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="fade_images must be >= 0"):
        GANTrainer(task_config(tmp_path, max_train_steps=1, task_kwargs={"fade_images": -1})).train()


def test_checkpoint_records_the_schedule_and_frames_are_labelled(tmp_path):
    # global batch 4: 7x7 at step 0, 14x14 fading in at steps 1-2, 14x14 at step 3
    trainer = GANTrainer(task_config(tmp_path / "run", max_train_steps=4, checkpointing_steps=2))
    trainer.train()
    state = load_file(os.path.join(list_checkpoints(tmp_path / "run")[0], "task_state.safetensors"))
    assert (int(state["step"]), int(state["resolution"]), float(state["alpha"])) == (2, 14, 0.5)
    assert trainer.history["gradient_penalty"] and "loss_d" in trainer.history
    frames = sorted(os.listdir(tmp_path / "run" / "samples"))
    assert "step_000002.png" in frames and "step_000004.png" in frames
    frame = Image.open(tmp_path / "run" / "samples" / "step_000002.png")
    grid_height = 2 * (2 * (28 + 2) + 2)  # 4 images, 2 x 2, padding 2, scale 2
    assert frame.height == grid_height + 14  # the caption strip: "step 2  14x14  alpha 0.25"
    assert trainer.task.frame_label(4) == "step 4  14x14  alpha 1.00"


def test_the_presets_decay_start_and_a_shorter_run(tmp_path):
    """The preset decays its lr from step 19000 of 23000: a shorter run names the option to set."""
    cfg = load_config("progan-fashion-mnist", {"output_dir": str(tmp_path)})
    assert (cfg.max_train_steps, cfg.lr_scheduler, cfg.lr_decay_start_step) == (23000, "constant_then_linear", 19000)
    with pytest.raises(ConfigError, match=r"\[0, 1000\), got 19000 .*--lr_decay_start_step"):
        load_config("progan-fashion-mnist", {"output_dir": str(tmp_path), "max_train_steps": 1000})
    assert load_config("progan-fashion-mnist", {"output_dir": str(tmp_path), "max_train_steps": 1000,
                                                 "lr_decay_start_step": 800}).lr_decay_start_step == 800
    assert load_config("progan-fashion-mnist", {"output_dir": str(tmp_path), "max_train_steps": 1000,
                                                 "lr_scheduler": "constant"}).lr_scheduler == "constant"
