"""DiffAugment and ADA (hfgan.augment): identity at p=0, each transform differentiable up to the generator, the
geometric conventions, ADA's adaptive p (in isolation and rising on 64 real images in training), exact resume."""

import os

import pytest
import torch
from safetensors.torch import load_file
from torch import nn

from hfgan.augment import (ADA_OPS, DIFFAUGMENT_OPS, Augmenter, apply_ada, apply_diffaugment, sample_ada,
                           sample_diffaugment)
from hfgan.errors import ConfigError
from hfgan.training.checkpoint import list_checkpoints


def _gen(seed=0):
    return torch.Generator().manual_seed(seed)


@pytest.mark.parametrize("channels", [1, 3])
def test_p_zero_is_exactly_the_identity(channels):
    images = torch.randn(6, channels, 12, 12)
    assert sample_ada(_gen(), 6, 0.0) == {} and sample_diffaugment(_gen(), 6, 0.0) == {}
    assert apply_ada(images, sample_ada(_gen(), 6, 0.0)) is images
    assert apply_diffaugment(images, sample_diffaugment(_gen(), 6, 0.0)) is images
    for kind in ("ada", "diffaugment"):
        augmenter = Augmenter(kind, p=0.0)
        assert augmenter(images, augmenter.sample(_gen(), 6)) is images


class TinyGenerator(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.channels = channels
        self.fc = nn.Linear(4, channels * 16 * 16)

    def forward(self, latents):
        return torch.tanh(self.fc(latents)).view(-1, self.channels, 16, 16)  # [N, C, 16, 16]


def _generator_grad(images_fn, channels):
    torch.manual_seed(0)
    generator = TinyGenerator(channels)
    discriminator = nn.Sequential(nn.Conv2d(channels, 4, 3), nn.Flatten(), nn.LazyLinear(1))
    fake = generator(torch.randn(8, 4))
    out = images_fn(fake)
    assert out.shape == fake.shape and not torch.equal(out, fake)  # the transform did something
    discriminator(out).sum().backward()
    grad = generator.fc.weight.grad
    assert grad is not None and torch.isfinite(grad).all() and grad.abs().sum() > 0


@pytest.mark.parametrize("op", ADA_OPS)
def test_gradients_reach_the_generator_through_every_ada_transform(op):
    channels = 3 if op in ("lumaflip", "hue", "saturation") else 1  # those three are RGB-only
    params = sample_ada(_gen(1), 8, 1.0, ops=[op])
    _generator_grad(lambda fake: apply_ada(fake, params), channels)


@pytest.mark.parametrize("op", DIFFAUGMENT_OPS)
def test_gradients_reach_the_generator_through_every_diffaugment_transform(op):
    params = sample_diffaugment(_gen(1), 8, 1.0, policy=op)
    _generator_grad(lambda fake: apply_diffaugment(fake, params), 3)


def test_r1_through_the_augmentation_has_a_second_derivative():
    real = torch.randn(4, 1, 16, 16, requires_grad=True)
    conv = nn.Conv2d(1, 1, 3)
    params = sample_ada(_gen(), 4, 1.0)
    logits = conv(apply_ada(real, params)).flatten(1).sum(1)
    (grads,) = torch.autograd.grad(logits.sum(), real, create_graph=True)
    grads.pow(2).sum().backward()
    assert conv.weight.grad.abs().sum() > 0


def test_geometric_conventions():
    images = torch.randn(2, 3, 8, 8)
    n = images.shape[0]
    torch.testing.assert_close(apply_ada(images, {"xflip": torch.ones(n)}), images.flip(3))
    rotated = apply_ada(images, {"rotate90": torch.ones(n)})
    assert min((rotated - torch.rot90(images, k, (2, 3))).abs().max() for k in (1, 3)) < 1e-5
    shifted = apply_ada(images, {"xint": torch.tensor([[1.0, 0.0]] * n)})  # 1/8 of 8 pixels: one column
    torch.testing.assert_close(shifted[..., :-1], images[..., 1:])
    # DiffAugment translation: whole pixels, zero padding; cutout: a zeroed half-size square
    moved = apply_diffaugment(images, {"translation": torch.tensor([[0.5, 0.99]] * n), "translation_on": torch.ones(n)})
    torch.testing.assert_close(moved[..., 1:], images[..., :-1])
    assert (moved[..., 0] == 0).all()
    cut = apply_diffaugment(images, {"cutout": torch.tensor([[0.5, 0.5], [0.0, 0.99]]), "cutout_on": torch.ones(n)})
    assert (cut == 0).all(1).flatten(1).sum(1).tolist() == [16, 4]  # centered; at a corner, clipped
    assert (cut[0, :, 2:6, 2:6] == 0).all()


def test_color_transforms_on_rgb_and_grayscale():
    rgb = torch.rand(2, 3, 4, 4) * 2 - 1
    n = rgb.shape[0]
    gray = apply_ada(rgb, {"saturation": torch.zeros(n)})  # saturation 0: every channel the mean
    torch.testing.assert_close(gray, rgb.mean(1, keepdim=True).expand_as(rgb))
    hue = apply_ada(rgb, {"hue": torch.full((n,), 1.0)})  # a rotation about the luma axis keeps the mean
    torch.testing.assert_close(hue.mean(1), rgb.mean(1))
    mono = rgb[:, :1]
    for op in ("lumaflip", "hue", "saturation"):  # skipped for one channel
        assert torch.equal(apply_ada(mono, {op: torch.ones(n)}), mono)
    torch.testing.assert_close(apply_ada(mono, {"brightness": torch.full((n,), 0.5), "contrast": torch.full((n,), 2.0)}),
                               mono * 2 + 0.5 * 2)  # brightness first, then contrast about 0, as the reference


def test_p_is_a_probability_per_transform():
    params = sample_ada(_gen(), 4000, 0.3)
    assert abs((params["xflip"] != 0).float().mean() - 0.15) < 0.03  # half the applied flips are flips
    assert abs((params["scale"] != 1).float().mean() - 0.3) < 0.03
    both = ((params["rotate"] != 0) | (params["rotate_post"] != 0)).float().mean()  # the two rotations together: p
    assert abs(both - 0.3) < 0.03


def test_ada_heuristic_moves_p_by_the_sign_and_is_checkpointed():
    augmenter = Augmenter("ada", p=0.0, target=0.6, kimg=1.0, interval=2)
    augmenter.observe(50, 64)  # mean sign 0.78 > 0.6: overfitting
    augmenter.on_step(1)  # not an adjustment step
    assert augmenter.p == 0.0
    augmenter.observe(64, 64)
    augmenter.on_step(2)
    assert augmenter.p == pytest.approx(128 / 1000)
    augmenter.observe(0, 64)  # below the target: p falls, not below 0
    augmenter.on_step(4)
    assert augmenter.p == pytest.approx(64 / 1000)
    augmenter.observe(10, 20)
    again = Augmenter("ada", p=0.0, target=0.6, kimg=1.0, interval=2)
    again.load_state_dict(augmenter.state_dict())
    assert (again.p, again.sign_sum, again.count) == (augmenter.p, 10.0, 20.0)
    fixed = Augmenter("ada", p=0.3, target=None)
    fixed.observe(64, 64)
    fixed.on_step(4)
    assert fixed.p == 0.3
    assert Augmenter("diffaugment").p == 1.0 and Augmenter("ada").p == 0.0


def test_bad_augment_settings_are_one_line_errors():
    with pytest.raises(ConfigError, match="augment must be one of"):
        Augmenter("mixup")
    with pytest.raises(ConfigError, match="augment_policy"):
        Augmenter("diffaugment", policy="color,blur")


# -- in training -------------------------------------------------------------------------------------

TINY = {"generator_kwargs": '{"latent_dim": 8, "hidden_dims": [16]}', "discriminator_kwargs": '{"hidden_dims": [32]}',
        "max_train_samples": "64", "num_sample_images": "4", "logging_steps": "1", "sample_steps": "100",
        "report_to": "none", "train_batch_size": "16", "lr_scheduler": "constant"}


# progressive, global batch 4: 7x7 at step 0, 14x14 fading in over steps 1-2, so the resume at step 2 is mid-fade
PROGRESSIVE = {"generator_kwargs": '{"latent_dim": 8, "base_channels": 4, "max_channels": 8}',
               "discriminator_kwargs": '{"base_channels": 4, "max_channels": 8}', "train_batch_size": "4",
               "task_kwargs": '{"stabilize_images": 4, "fade_images": 8}', "lr_scheduler": "constant"}


def _config(output_dir, preset="mlp-gan-fashion-mnist", **extra):
    from hfgan.training import load_config

    base = {**TINY, **(PROGRESSIVE if preset.startswith("progan") else {})}
    return load_config(preset, {**base, "output_dir": str(output_dir), **{k: str(v) for k, v in extra.items()}})


def test_ada_p_rises_on_64_real_images(tmp_path):
    from hfgan.training import GANTrainer

    trainer = GANTrainer(_config(tmp_path, augment="ada", ada_kimg=1.0, ada_interval=2, max_train_steps=30,
                                 checkpointing_steps=30, learning_rate_d=2e-3))
    trainer.train()
    p = trainer.history["augment_p"]
    assert p[0] == 0.0 and p[-1] > 0.05 and trainer.task.augmenter.p > 0.05, p
    state = load_file(os.path.join(list_checkpoints(tmp_path)[-1], "task_state.safetensors"))
    assert float(state["augment_p"]) == trainer.task.augmenter.p


@pytest.mark.parametrize("preset,augment", [("mlp-gan-fashion-mnist", "ada"), ("mlp-gan-fashion-mnist", "diffaugment"),
                                           ("progan-fashion-mnist", "ada")])
def test_resume_is_exact_with_augmentation(tmp_path, preset, augment):
    from hfgan.training import GANTrainer

    extra = {"preset": preset, "augment": augment, "ada_kimg": 0.2, "ada_interval": 1, "augment_p": 0.5}
    if preset.startswith("mlp"):
        extra.update(r1_gamma=1.0, r1_interval=2)  # R1 on augmented reals
    full = GANTrainer(_config(tmp_path / "full", max_train_steps=4, checkpointing_steps=2, **extra))
    full.train()
    GANTrainer(_config(tmp_path / "part", max_train_steps=2, checkpointing_steps=2, **extra)).train()
    part = GANTrainer(_config(tmp_path / "part", max_train_steps=4, checkpointing_steps=2,
                              resume_from_checkpoint="latest", **extra))
    part.train()
    for name in ("generator", "discriminator"):
        a = load_file(tmp_path / "full" / name / "diffusion_pytorch_model.safetensors")
        b = load_file(tmp_path / "part" / name / "diffusion_pytorch_model.safetensors")
        assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a), name
    assert full.task.augmenter.p == part.task.augmenter.p
    if augment == "ada":
        assert full.task.augmenter.p != 0.5  # p moved, so the resume carried it


def test_augment_on_a_task_without_it_is_a_clear_error(tmp_path):
    from hfgan.training import GANTrainer, load_config

    cfg = load_config("pix2pix-edges2fashion", {"augment": "ada", "output_dir": str(tmp_path), "max_train_steps": "1",
                                                "report_to": "none"})
    with pytest.raises(ConfigError, match="does not augment"):
        GANTrainer(cfg).train()
