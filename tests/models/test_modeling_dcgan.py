"""DCGAN: every supported size and channel count, conditioning, discriminator options, config errors."""

import pytest
import torch

from hfgan import ConfigError, DCGANDiscriminator, DCGANGenerator, HFGANError
from hfgan.models.validation import valid_sample_sizes

TINY = {"base_channels": 8, "max_channels": 16}


@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize("sample_size", [8, 14, 16, 28, 32, 56, 64])
def test_sizes_and_channels(sample_size, channels):
    torch.manual_seed(0)
    generator = DCGANGenerator(latent_dim=8, out_channels=channels, sample_size=sample_size, **TINY)
    discriminator = DCGANDiscriminator(in_channels=channels, sample_size=sample_size, **TINY)
    images = generator(torch.randn(2, 8))
    assert images.shape == (2, channels, sample_size, sample_size)
    assert images.min() >= -1 and images.max() <= 1
    logits, features = discriminator(images, return_features=True)
    assert logits.shape == (2,) and features.shape[0] == 2


def test_valid_sizes_are_4_or_7_times_a_power_of_two():
    assert valid_sample_sizes(64) == [8, 14, 16, 28, 32, 56, 64]


@pytest.mark.parametrize("sample_size", [30, 12, 7, 4, 100, 0, -8])
def test_bad_sample_size(sample_size):
    with pytest.raises(ConfigError, match="sample_size"):
        DCGANGenerator(sample_size=sample_size, **TINY)
    with pytest.raises(ConfigError, match="sample_size"):
        DCGANDiscriminator(sample_size=sample_size, **TINY)


@pytest.mark.parametrize("cls, kwargs, key", [
    (DCGANGenerator, {"latent_dim": "8"}, "latent_dim"),
    (DCGANGenerator, {"latent_dim": 8.0}, "latent_dim"),
    (DCGANGenerator, {"latent_dim": 0}, "latent_dim"),
    (DCGANGenerator, {"base_channels": True}, "base_channels"),
    (DCGANGenerator, {"sample_size": "28"}, "sample_size"),
    (DCGANGenerator, {"out_channels": 2}, "out_channels"),
    (DCGANGenerator, {"num_classes": 1}, "num_classes"),
    (DCGANGenerator, {"num_classes": 3, "class_names": ["a", "b"]}, "class_names"),
    (DCGANGenerator, {"num_classes": 2, "class_names": ["a", 2]}, "class_names"),
    (DCGANDiscriminator, {"in_channels": 4}, "in_channels"),
    (DCGANDiscriminator, {"norm_type": "group"}, "norm_type"),
    (DCGANDiscriminator, {"dropout": "high"}, "dropout"),
    (DCGANDiscriminator, {"dropout": 1.0}, "dropout"),
    (DCGANDiscriminator, {"spectral_norm": "yes"}, "spectral_norm"),
    (DCGANDiscriminator, {"negative_slope": None}, "negative_slope"),
])
def test_config_errors_name_the_field(cls, kwargs, key):
    with pytest.raises(ConfigError, match=f"{cls.__name__}.*'?{key}'?"):
        cls(**{**TINY, **kwargs})


def test_conditional_generator_uses_the_class_embedding():
    torch.manual_seed(0)
    generator = DCGANGenerator(latent_dim=8, sample_size=8, num_classes=3, class_embed_dim=4, **TINY).eval()
    assert generator.class_embedding.weight.shape == (3, 4)
    latents = torch.randn(1, 8).repeat(3, 1)
    with torch.no_grad():
        images = generator(latents, torch.tensor([0, 1, 2]))
    assert not torch.allclose(images[0], images[1]) and not torch.allclose(images[1], images[2])


def test_projection_discriminator_depends_on_the_label():
    torch.manual_seed(0)
    discriminator = DCGANDiscriminator(sample_size=8, num_classes=3, **TINY).eval()
    x = torch.rand(1, 1, 8, 8).repeat(3, 1, 1, 1) * 2 - 1
    with torch.no_grad():
        logits, features = discriminator(x, torch.tensor([0, 1, 2]), return_features=True)
        base = discriminator.to_logit(features).squeeze(1)
    # logit = linear(features) + <embed(y), features>: the projection term is the only label dependence
    expected = base + (discriminator.class_embedding(torch.tensor([0, 1, 2])) * features).sum(1)
    torch.testing.assert_close(logits, expected)
    assert len(set(logits.tolist())) == 3


@pytest.mark.parametrize("norm_type", ["batch", "instance", "layer", "none"])
@pytest.mark.parametrize("spectral_norm", [False, True])
def test_discriminator_options(norm_type, spectral_norm):
    torch.manual_seed(0)
    discriminator = DCGANDiscriminator(sample_size=8, norm_type=norm_type, spectral_norm=spectral_norm, dropout=0.1,
                                       num_classes=2, **TINY)
    x = torch.randn(2, 1, 8, 8, requires_grad=True)
    logits = discriminator(x, torch.tensor([0, 1]))
    (grad,) = torch.autograd.grad(logits.sum(), x, create_graph=True)  # R1 / gradient penalty need double backward
    (logits.mean() + grad.pow(2).sum()).backward()
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in discriminator.parameters())


def test_channel_widths_double_and_are_capped():
    generator = DCGANGenerator(latent_dim=8, sample_size=64, base_channels=4, max_channels=16)
    widths = [m.out_channels for m in generator.blocks if isinstance(m, torch.nn.ConvTranspose2d)]
    assert widths == [16, 16, 8, 4]  # 8x8 -> 64x64: levels 3, 2, 1, 0 -> min(4 * 2**level, 16)


@pytest.mark.parametrize("call, match", [
    (lambda g, d: g(torch.randn(2, 5)), r"latents must have shape \[batch_size, 8\]"),
    (lambda g, d: g(torch.zeros(2, 8, dtype=torch.long)), "floating-point"),
    (lambda g, d: g([[0.0] * 8]), "floating-point torch.Tensor"),
    (lambda g, d: g(torch.randn(2, 8), torch.tensor([0, 1])), "unconditional"),
    (lambda g, d: d(torch.randn(2, 3, 8, 8)), r"pixel_values must have shape \[batch_size, 1, 8, 8\]"),
    (lambda g, d: d(torch.zeros(2, 1, 8, 8, dtype=torch.uint8)), "floating-point"),
])
def test_forward_input_errors(call, match):
    generator = DCGANGenerator(latent_dim=8, sample_size=8, **TINY)
    discriminator = DCGANDiscriminator(sample_size=8, **TINY)
    with pytest.raises(HFGANError, match=match):
        call(generator, discriminator)


@pytest.mark.parametrize("labels, match", [
    (None, "class-conditional"),
    (torch.tensor([0, 3]), r"in \[0, 2\]"),
    (torch.tensor([-1, 0]), r"in \[0, 2\]"),
    (torch.tensor([0.0, 1.0]), "integer"),
    (torch.tensor([0, 1, 2]), r"shape \[2\]"),
])
def test_class_label_errors(labels, match):
    generator = DCGANGenerator(latent_dim=8, sample_size=8, num_classes=3, **TINY)
    discriminator = DCGANDiscriminator(sample_size=8, num_classes=3, **TINY)
    with pytest.raises(HFGANError, match=match):
        generator(torch.randn(2, 8), labels)
    with pytest.raises(HFGANError, match=match):
        discriminator(torch.randn(2, 1, 8, 8), labels)
