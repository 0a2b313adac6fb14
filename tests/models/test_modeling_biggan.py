"""BigGAN-deep: standing statistics by truncation, training statistics, config errors, documented reference configs."""

import pytest
import torch

from hfgan import BigGANDeepGenerator, BigGANDiscriminator, ConfigError, HFGANError
from hfgan.models.biggan import REFERENCE_CONFIGS

TINY = {"latent_dim": 8, "class_embed_dim": 8, "channel_width": 4, "num_classes": 3, "n_stats": 5, "sample_size": 16,
        "out_channels": 1, "layers": [[False, 4, 4], [True, 4, 2], [True, 2, 1]], "attention_layer_position": 1}


def test_standing_statistics_follow_the_truncation():
    torch.manual_seed(0)
    generator = BigGANDeepGenerator(**TINY).eval()
    latents, labels = torch.randn(2, 8), torch.tensor([0, 2])
    with torch.no_grad():
        before = {t: generator(latents, labels, truncation_psi=t) for t in (1.0, 0.5)}
        norm = generator.blocks[0].norm0
        norm.running_means[2].fill_(3.0)  # the slot of truncation 0.5 (step 0.25)
        after = {t: generator(latents, labels, truncation_psi=t) for t in (1.0, 0.5)}
    assert torch.equal(before[1.0], after[1.0]) and not torch.equal(before[0.5], after[0.5])
    mean, _ = norm.standing_stats(0.3)  # 0.3 / 0.25 = 1.2: 0.2 of slot 1, 0.8 of slot 2 (the checkpoints' convention)
    assert torch.allclose(mean, 0.2 * norm.running_means[1] + 0.8 * norm.running_means[2])
    with pytest.raises(HFGANError, match=r"truncation_psi .* \(0, 1\]"):
        generator(latents, labels, truncation_psi=0.0)


def test_training_uses_batch_statistics_and_fills_every_slot():
    torch.manual_seed(0)
    generator = BigGANDeepGenerator(**TINY).train()
    images = generator(torch.randn(8, 8), torch.arange(8) % 3)
    assert images.shape == (8, 1, 16, 16) and images.abs().max() <= 1
    means = generator.norm_out.running_means
    assert not torch.equal(means, torch.zeros_like(means)) and torch.equal(means[0], means[-1])


def test_attention_after_the_last_block_and_discriminator_sizes():
    generator = BigGANDeepGenerator(**{**TINY, "channel_width": 8, "attention_layer_position": 3})
    assert type(generator.blocks[-1]).__name__ == "SelfAttention"
    for size in (28, 32):
        discriminator = BigGANDiscriminator(in_channels=3, sample_size=size, channel_width=8, num_classes=3)
        assert discriminator(torch.randn(2, 3, size, size), torch.tensor([0, 2])).shape == (2,)


@pytest.mark.parametrize("override, key", [
    ({"layers": [[False, 4, 4], [True, 2, 1]]}, "chain"),
    ({"layers": [[False, 4, 8]]}, "keep or reduce"),
    ({"layers": [[1, 4, 4]]}, "layers"),
    ({"sample_size": 18}, "sample_size"),
    ({"attention_layer_position": 0}, "self-attention"),  # 4x4 with 16 channels is fine, but ...
    ({"attention_layer_position": 7}, "attention_layer_position"),
    ({"num_classes": None}, "num_classes"),
    ({"n_stats": 1}, "n_stats"),
    ({"eps": 0}, "eps"),
    ({"image_conv_channels": 0}, "image_conv_channels"),
    ({"channel_width": 0}, "channel_width"),
])
def test_config_errors(override, key):
    if key == "self-attention":
        override = {"attention_layer_position": 0, "sample_size": 12, "layers": [[False, 4, 4], [True, 4, 2], [True, 2, 1]]}
    with pytest.raises(ConfigError, match=key):
        BigGANDeepGenerator(**{**TINY, **override})


def test_discriminator_config_errors():
    with pytest.raises(ConfigError, match="odd size"):
        BigGANDiscriminator(sample_size=28, layers=[[True, 1], [True, 2], [True, 4]], attention_layer_position=None)
    with pytest.raises(ConfigError, match="layers"):
        BigGANDiscriminator(layers=[[True, 1, 2]])


def test_reference_configs_describe_the_published_sizes():
    for name, config in REFERENCE_CONFIGS.items():
        with torch.device("meta"):
            generator = BigGANDeepGenerator(**config)
        assert f"biggan-deep-{generator.config.sample_size}" == name
        # biggan-deep-128 has about 50M parameters (plus standing statistics)
        assert 40e6 < sum(p.numel() for p in generator.parameters()) < 80e6
