"""MLP GAN: shapes, conditioning, training-mode batch norm, config errors."""

import pytest
import torch

from hfgan import ConfigError, HFGANError, MLPGANDiscriminator, MLPGANGenerator

TINY_G = {"latent_dim": 8, "hidden_dims": [16, 32]}
TINY_D = {"hidden_dims": [16]}


@pytest.mark.parametrize("sample_size, channels", [(8, 1), (14, 3), (28, 1), (32, 3)])
def test_shapes(sample_size, channels):
    torch.manual_seed(0)
    generator = MLPGANGenerator(out_channels=channels, sample_size=sample_size, **TINY_G)
    discriminator = MLPGANDiscriminator(in_channels=channels, sample_size=sample_size, spectral_norm=True, dropout=0.2, **TINY_D)
    images = generator(torch.randn(3, 8))
    assert images.shape == (3, channels, sample_size, sample_size)
    assert images.min() >= -1 and images.max() <= 1
    assert discriminator(images).shape == (3,)


def test_conditional():
    torch.manual_seed(0)
    generator = MLPGANGenerator(num_classes=3, class_names=["a", "b", "c"], class_embed_dim=4, sample_size=8, **TINY_G).eval()
    discriminator = MLPGANDiscriminator(num_classes=3, sample_size=8, **TINY_D).eval()
    latents = torch.randn(1, 8).repeat(3, 1)
    labels = torch.tensor([0, 1, 2])
    with torch.no_grad():
        images = generator(latents, labels)
        logits = discriminator(images[:1].repeat(3, 1, 1, 1), labels)
    assert not torch.allclose(images[0], images[1])
    assert len(set(logits.tolist())) == 3
    with pytest.raises(HFGANError, match="class-conditional"):
        generator(latents)


def test_batch_of_one_in_training_mode_is_a_clear_error():
    generator = MLPGANGenerator(sample_size=8, **TINY_G)
    with pytest.raises(HFGANError, match="batch_size >= 2 in training mode"):
        generator(torch.randn(1, 8))
    with torch.no_grad():
        assert generator.eval()(torch.randn(1, 8)).shape == (1, 1, 8, 8)


@pytest.mark.parametrize("kwargs, key", [
    ({"hidden_dims": []}, "hidden_dims"),
    ({"hidden_dims": [16, "32"]}, "hidden_dims"),
    ({"hidden_dims": 16}, "hidden_dims"),
    ({"sample_size": 0}, "sample_size"),
    ({"out_channels": 4}, "out_channels"),
    ({"latent_dim": None}, "latent_dim"),
    ({"negative_slope": "0.2"}, "negative_slope"),
])
def test_config_errors(kwargs, key):
    with pytest.raises(ConfigError, match=f"MLPGANGenerator: config '{key}'"):
        MLPGANGenerator(**{**TINY_G, **kwargs})
