"""Progressive GAN: the ladder, fade-in, equalized learning rate, minibatch std, round trip, pipeline resolutions."""

import math

import pytest
import torch
import torch.nn.functional as F

import hfgan
from hfgan import ConfigError, HFGANError
from hfgan.models.progan import ProGANDiscriminator, ProGANGenerator
from hfgan.models.progan.modeling_progan import EqualizedConv2d, EqualizedLinear, MinibatchStdDev, PixelNorm

TINY_G = {"latent_dim": 8, "base_channels": 4, "max_channels": 8}
TINY_D = {"base_channels": 4, "max_channels": 8}


@pytest.fixture
def nets():
    torch.manual_seed(0)
    return ProGANGenerator(**TINY_G).eval(), ProGANDiscriminator(**TINY_D).eval()


def test_shapes_at_every_resolution(nets):
    generator, discriminator = nets
    assert generator.resolutions == discriminator.resolutions == [7, 14, 28]
    latents = torch.randn(4, 8)
    for resolution in generator.resolutions:
        for alpha in (0.0, 0.5, 1.0):
            images = generator(latents, resolution=resolution, alpha=alpha)
            assert images.shape == (4, 1, resolution, resolution) and images.abs().max() <= 1
            assert discriminator(images, resolution=resolution, alpha=alpha).shape == (4,)
    assert generator(latents).shape == (4, 1, 28, 28)  # default: the final resolution
    assert ProGANGenerator(sample_size=32, start_resolution=4, **TINY_G).resolutions == [4, 8, 16, 32]


def test_bad_resolutions_and_configs_are_clear_errors(nets):
    generator, discriminator = nets
    with pytest.raises(HFGANError, match=r"resolutions \[7, 14, 28\], got resolution=8"):
        generator(torch.randn(2, 8), resolution=8)
    with pytest.raises(HFGANError, match="alpha must be"):
        generator(torch.randn(2, 8), alpha=1.5)
    with pytest.raises(HFGANError, match=r"shape \[batch_size, 1, 14, 14\] at resolution 14"):
        discriminator(torch.zeros(2, 1, 28, 28), resolution=14)
    with pytest.raises(ConfigError, match="not start_resolution=7 times a power of two"):
        ProGANGenerator(sample_size=32, **TINY_G)
    with pytest.raises(ConfigError, match="mbstd_group_size"):
        ProGANDiscriminator(mbstd_group_size=0, **TINY_D)


def test_fade_in_at_alpha_0_is_the_upsampled_lower_resolution(nets):
    generator, discriminator = nets
    latents = torch.randn(4, 8)
    with torch.no_grad():
        for low, high in ((7, 14), (14, 28)):
            faded = generator(latents, resolution=high, alpha=0.0)
            expected = F.interpolate(generator(latents, resolution=low), scale_factor=2, mode="nearest")
            torch.testing.assert_close(faded, expected)
            # alpha 1 is the new level alone, and something in between differs from both
            assert not torch.allclose(generator(latents, resolution=high, alpha=0.5), faded)
            # the discriminator mirrors it: at alpha 0 it sees the 2x2-average-pooled input through the level below
            images = torch.rand(4, 1, high, high) * 2 - 1
            torch.testing.assert_close(discriminator(images, resolution=high, alpha=0.0),
                                       discriminator(F.avg_pool2d(images, 2), resolution=low))


def test_equalized_learning_rate_scales_weights_at_run_time():
    torch.manual_seed(0)
    conv = EqualizedConv2d(8, 4, 3)
    assert conv.scale == pytest.approx(math.sqrt(2) / math.sqrt(8 * 9))
    assert abs(conv.weight.std().item() - 1) < 0.15  # stored N(0, 1): Adam's steps act alike on every layer
    x = torch.randn(2, 8, 5, 5)
    torch.testing.assert_close(conv(x), F.conv2d(x, conv.weight * conv.scale, conv.bias, padding=1))
    with torch.no_grad():
        conv.weight.mul_(2)  # the scale is applied to the stored weights on every call, never folded in
    torch.testing.assert_close(conv(x), F.conv2d(x, conv.weight * conv.scale, conv.bias, padding=1))
    linear = EqualizedLinear(16, 3, gain=1.0)
    assert linear.scale == pytest.approx(1 / 4)
    y = torch.randn(5, 16)
    torch.testing.assert_close(linear(y), y @ (linear.weight * 0.25).t() + linear.bias)
    # with unit-variance inputs the outputs keep He's variance whatever the fan-in
    wide = EqualizedLinear(1024, 256)
    assert wide(torch.randn(512, 1024)).var().item() == pytest.approx(2.0, rel=0.15)


def test_pixel_norm_gives_unit_mean_square_features():
    x = torch.randn(3, 6, 4, 4) * 5
    assert PixelNorm()(x).pow(2).mean(dim=1).sub(1).abs().max() < 1e-4


def test_minibatch_std_appends_the_group_std_of_consecutive_images():
    torch.manual_seed(0)
    x = torch.randn(8, 3, 2, 2)
    out = MinibatchStdDev(group_size=4)(x)
    assert out.shape == (8, 4, 2, 2) and torch.equal(out[:, :3], x)
    for group in (slice(0, 4), slice(4, 8)):
        expected = x[group].std(dim=0, unbiased=False).mean()
        torch.testing.assert_close(out[group, 3], expected.expand(4, 2, 2), atol=1e-5, rtol=1e-5)
    # a batch split in two halves (two processes) gives the same values as the whole batch
    torch.testing.assert_close(torch.cat([MinibatchStdDev(4)(x[:4]), MinibatchStdDev(4)(x[4:])]), out)
    assert MinibatchStdDev(4)(torch.randn(6, 3, 2, 2)).shape == (6, 4, 2, 2)  # groups of 3 when 4 does not divide 6
    identical = MinibatchStdDev(4)(torch.ones(4, 3, 2, 2))
    assert identical[:, 3].max() < 1e-3  # no variety, no signal


def test_round_trip_keeps_every_level(nets, tmp_path):
    generator, discriminator = nets
    generator.save_pretrained(tmp_path / "g")
    discriminator.save_pretrained(tmp_path / "d")
    g2, d2 = ProGANGenerator.from_pretrained(tmp_path / "g"), ProGANDiscriminator.from_pretrained(tmp_path / "d")
    assert g2.config.start_resolution == 7 and g2.resolutions == generator.resolutions
    latents = torch.randn(3, 8)
    with torch.no_grad():
        for resolution in generator.resolutions:
            images = generator(latents, resolution=resolution, alpha=0.3)
            assert torch.equal(images, g2(latents, resolution=resolution, alpha=0.3))
            assert torch.equal(discriminator(images, resolution=resolution, alpha=0.3),
                               d2(images, resolution=resolution, alpha=0.3))


def test_pipeline_renders_at_any_resolution_of_the_ladder(nets, tmp_path):
    generator, discriminator = nets
    pipe = hfgan.GANPipeline(generator=generator, discriminator=discriminator)
    assert pipe.resolutions == [7, 14, 28]
    seed = lambda: torch.Generator().manual_seed(0)  # noqa: E731
    assert pipe(batch_size=2, generator=seed(), output_type="pt").images.shape == (2, 1, 28, 28)
    low = pipe(batch_size=2, generator=seed(), output_type="pt", resolution=14).images
    assert low.shape == (2, 1, 14, 14)
    latents = torch.randn(2, 8, generator=seed())
    torch.testing.assert_close(low, (generator(latents, resolution=14) / 2 + 0.5).clamp(0, 1))
    with pytest.raises(HFGANError, match=r"resolution must be one of \[7, 14, 28\], got 16"):
        pipe(batch_size=1, resolution=16)
    pipe.save_pretrained(tmp_path / "pipe")
    again = hfgan.load_pipeline(str(tmp_path / "pipe"))
    assert type(again.generator) is ProGANGenerator and again.resolutions == [7, 14, 28]
    assert torch.equal(again(batch_size=2, generator=seed(), output_type="pt", resolution=7).images,
                       pipe(batch_size=2, generator=seed(), output_type="pt", resolution=7).images)


def test_pipeline_resolution_is_refused_for_single_resolution_generators(tiny_pipeline):
    with pytest.raises(HFGANError, match="renders at 8x8 only"):
        tiny_pipeline(batch_size=1, resolution=8)
    assert tiny_pipeline.resolutions is None
