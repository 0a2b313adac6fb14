"""The SNGAN-ResNet and BigGAN presets train a few steps on tiny networks: orthogonal regularization only in G's loss
and only when its weight is set, EMA copies until ema_start_step."""

import dataclasses

import pytest
import torch

from hfgan.training import GANTrainer, get_preset

TINY = {"sngan-resnet-fashion-mnist": ({"latent_dim": 8, "base_channels": 8}, {"base_channels": 8, "num_extra_blocks": 1}),
        "biggan-fashion-mnist": ({"latent_dim": 8, "class_embed_dim": 8, "channel_width": 4, "n_stats": 5},
                                 {"channel_width": 8})}


def _train(tmp_path, preset, **extra):
    cfg = get_preset(preset)
    g_kwargs, d_kwargs = TINY[preset]
    small = dict(max_train_samples=64, train_batch_size=8, max_train_steps=2, logging_steps=1, sample_steps=2,
                 checkpointing_steps=2, num_sample_images=4, report_to="none", output_dir=str(tmp_path))
    cfg = dataclasses.replace(
        cfg, generator_kwargs={**cfg.generator_kwargs, **g_kwargs}, discriminator_kwargs={**cfg.discriminator_kwargs, **d_kwargs},
        **{**small, **extra})
    trainer = GANTrainer(cfg.validate())
    trainer.train()
    return trainer


@pytest.mark.parametrize("preset", sorted(TINY))
def test_preset_trains_and_ema_copies_until_its_start(tmp_path, preset):
    trainer = _train(tmp_path, preset, ema_start_step=5)
    history = trainer.history
    assert all(torch.isfinite(torch.tensor(history[k])).all() for k in ("loss_d", "loss_g"))
    assert ("orthogonal_penalty" in history) == (preset == "biggan-fashion-mnist")
    generator = trainer.accelerator.unwrap_model(trainer.nets["generator"])
    for name, param in generator.named_parameters():  # still a copy at step 2
        assert torch.equal(param, dict(trainer.emas["generator"].shadow.named_parameters())[name]), name


def test_orthogonal_regularization_is_added_to_the_generator_loss_only(tmp_path):
    with_reg = _train(tmp_path / "reg", "biggan-fashion-mnist", max_train_steps=1)
    without = _train(tmp_path / "none", "biggan-fashion-mnist", max_train_steps=1,
                     task_kwargs={**get_preset("biggan-fashion-mnist").task_kwargs, "orthogonal_reg_weight": 0.0})
    assert with_reg.history["loss_d"] == without.history["loss_d"]  # the D step comes first and is unchanged
    penalty = with_reg.history["orthogonal_penalty"][0]
    assert penalty > 0
    assert with_reg.history["loss_g"][0] == pytest.approx(without.history["loss_g"][0] + 1e-4 * penalty, rel=1e-5)


def test_channels_last_trains_like_the_default_layout_and_saves_plain_weights(tmp_path):
    """channels_last changes the memory layout only: the same losses (to float rounding), NHWC weights while
    training, and checkpoints and pipelines that load into a default-layout network; a resume continues."""
    plain = _train(tmp_path / "plain", "biggan-fashion-mnist")
    nhwc = _train(tmp_path / "nhwc", "biggan-fashion-mnist", channels_last=True)
    for key in ("loss_d", "loss_g"):
        assert nhwc.history[key] == pytest.approx(plain.history[key], rel=1e-4, abs=1e-5)
    conv = next(p for p in nhwc.accelerator.unwrap_model(nhwc.nets["generator"]).parameters() if p.dim() == 4 and p.shape[-1] > 1)
    assert conv.is_contiguous(memory_format=torch.channels_last) and not conv.is_contiguous()
    from hfgan import GANPipeline

    pipe = GANPipeline.from_pretrained(str(tmp_path / "nhwc"))
    images = pipe(batch_size=2, class_labels=[0, 1], generator=torch.Generator().manual_seed(0), output_type="pt").images
    assert images.shape == (2, 1, 28, 28) and torch.isfinite(images).all()
    resumed = _train(tmp_path / "nhwc", "biggan-fashion-mnist", channels_last=True, max_train_steps=4,
                     resume_from_checkpoint="latest")
    assert resumed.step == 4
