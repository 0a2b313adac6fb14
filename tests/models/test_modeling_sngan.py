"""SNGAN-ResNet: sizes, block layout, conditional batch norm, projection, spectral norm, config errors."""

import pytest
import torch

from hfgan import ConfigError, SNGANDiscriminator, SNGANGenerator
from hfgan.training.ema import recalibrate_batchnorm

TINY_G = {"latent_dim": 8, "base_channels": 8}
TINY_D = {"base_channels": 8, "num_extra_blocks": 1}


@pytest.mark.parametrize("size, start, downs", [(28, 7, 2), (32, 4, 2), (16, 4, 1), (64, 4, 3)])
def test_sizes_and_block_layout(size, start, downs):
    torch.manual_seed(0)
    generator = SNGANGenerator(sample_size=size, out_channels=3, **TINY_G)
    discriminator = SNGANDiscriminator(sample_size=size, in_channels=3, **TINY_D)
    assert generator.base_size == start
    assert len(generator.blocks) == (size // start).bit_length() - 1  # one up-block per doubling
    images = generator(torch.randn(2, 8))
    assert images.shape == (2, 3, size, size) and images.abs().max() <= 1
    assert [b.downsample for b in discriminator.blocks] == [True] * downs + [False]
    assert discriminator.blocks[0].optimized and not discriminator.blocks[1].optimized
    logits, features = discriminator(images, return_features=True)
    assert logits.shape == (2,) and features.shape == (2, 8)


def test_conditional_batch_norm_and_projection():
    torch.manual_seed(0)
    generator = SNGANGenerator(num_classes=3, **TINY_G).eval()
    discriminator = SNGANDiscriminator(num_classes=3, **TINY_D).eval()
    for block in generator.blocks:  # per-class scales start at 1, shifts at 0: make the classes differ
        for norm in (block.norm0, block.norm1):
            torch.nn.init.normal_(norm.beta.weight)
    latents = torch.randn(1, 8).expand(3, 8)
    with torch.no_grad():
        images = generator(latents, torch.arange(3))
        assert not torch.allclose(images[0], images[1])
        same = images[:1].expand(3, -1, -1, -1)
        logits, features = discriminator(same, torch.arange(3), return_features=True)
        torch.testing.assert_close(features[0], features[1])
        unconditional = discriminator.to_logit(features).squeeze(1)
        torch.testing.assert_close(logits - unconditional, (discriminator.class_embedding(torch.arange(3)) * features).sum(1))
        assert not torch.allclose(logits[0], logits[1])


def test_discriminator_weights_have_unit_spectral_norm():
    torch.manual_seed(0)
    discriminator = SNGANDiscriminator(**TINY_D).train()
    for _ in range(30):  # one power iteration per training forward
        discriminator(torch.randn(2, 1, 32, 32))
    conv = discriminator.blocks[1].conv0
    sigma = torch.linalg.matrix_norm(conv.weight.detach().flatten(1), ord=2)
    assert abs(float(sigma) - 1.0) < 1e-3
    assert all(hasattr(m, "parametrizations") for m in discriminator.modules() if isinstance(m, torch.nn.Conv2d))


def test_generator_batch_norms_are_recalibrated():
    torch.manual_seed(0)
    generator = SNGANGenerator(num_classes=3, **TINY_G)
    assert recalibrate_batchnorm(generator, lambda: (torch.randn(8, 8), torch.arange(8) % 3), num_batches=2)
    assert not torch.equal(generator.blocks[0].norm0.norm.running_mean, torch.zeros(8))


@pytest.mark.parametrize("cls, override, key", [
    (SNGANGenerator, {"sample_size": 20}, "sample_size"),
    (SNGANGenerator, {"base_channels": 0}, "base_channels"),
    (SNGANGenerator, {"num_classes": 1}, "num_classes"),
    (SNGANDiscriminator, {"num_extra_blocks": -1}, "num_extra_blocks"),
    (SNGANDiscriminator, {"in_channels": 2}, "in_channels"),
    (SNGANDiscriminator, {"sample_size": 30}, "sample_size"),
])
def test_config_errors(cls, override, key):
    with pytest.raises(ConfigError, match=key):
        cls(**{**(TINY_G if cls is SNGANGenerator else TINY_D), **override})
