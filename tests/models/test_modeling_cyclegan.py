"""CycleGAN: ResNet generator (sizes, channels, residual-block rule, dropout, round trip) with PatchGAN discriminators."""

import pytest
import torch

from hfgan import ConfigError, HFGANError
from hfgan.models import pix2pix
from hfgan.models.cyclegan import CycleGANGenerator, PatchGANDiscriminator
from hfgan.models.cyclegan.modeling_cyclegan import ResidualBlock, default_num_res_blocks

TINY_G = {"base_channels": 4, "num_res_blocks": 2}
TINY_D = {"base_channels": 4, "max_channels": 16}


def _images(n, channels, size, seed=0):
    return torch.rand(n, channels, size, size, generator=torch.Generator().manual_seed(seed)) * 2 - 1


def test_discriminator_is_the_pix2pix_patchgan():
    assert PatchGANDiscriminator is pix2pix.PatchGANDiscriminator


@pytest.mark.parametrize("sample_size, bottleneck, patch", [(28, 7, 5), (32, 8, 6)])
@pytest.mark.parametrize("in_channels, out_channels", [(1, 1), (1, 3), (3, 1)])
def test_shapes_range_and_patch_map(sample_size, bottleneck, patch, in_channels, out_channels):
    torch.manual_seed(0)
    generator = CycleGANGenerator(in_channels=in_channels, out_channels=out_channels, sample_size=sample_size, **TINY_G)
    discriminator = PatchGANDiscriminator(in_channels=out_channels, sample_size=sample_size, **TINY_D)
    source = _images(2, in_channels, sample_size)
    images = generator(source)
    assert images.shape == (2, out_channels, sample_size, sample_size)
    assert images.min() >= -1 and images.max() <= 1
    hidden = generator.down_blocks(generator.from_image(source))
    assert hidden.shape == (2, 16, bottleneck, bottleneck)  # 4 * base_channels at 1/4 resolution
    assert discriminator(images).shape == (2, 1, patch, patch)


def test_default_num_res_blocks():
    assert [default_num_res_blocks(s) for s in (8, 28, 32, 63, 64, 128, 255, 256, 512)] == [4, 4, 4, 4, 6, 6, 6, 9, 9]
    generator = CycleGANGenerator(sample_size=28, base_channels=4)
    assert generator.num_res_blocks == 4
    assert sum(isinstance(m, ResidualBlock) for m in generator.modules()) == 4
    assert CycleGANGenerator(sample_size=28, base_channels=4, num_res_blocks=0).res_blocks(torch.ones(1)).eq(1).all()


@pytest.mark.parametrize("size", [5, 18, 30])
def test_other_sizes_are_padded_and_cropped(size):
    torch.manual_seed(0)
    generator = CycleGANGenerator(sample_size=28, **TINY_G).eval()
    with torch.no_grad():
        images = generator(torch.rand(1, 1, size, size + 2) * 2 - 1)
    assert images.shape == (1, 1, size, size + 2)


@pytest.mark.parametrize("norm_type", ["instance", "batch", "none"])
def test_gradients_reach_every_parameter(norm_type):
    torch.manual_seed(0)
    g_ab = CycleGANGenerator(sample_size=28, norm_type=norm_type, use_dropout=True, **TINY_G)
    g_ba = CycleGANGenerator(sample_size=28, norm_type=norm_type, **TINY_G)
    d_b = PatchGANDiscriminator(sample_size=28, norm_type="instance", **TINY_D)
    real_a = _images(2, 1, 28)
    fake_b = g_ab(real_a)
    loss = d_b(fake_b).mean() + (g_ba(fake_b) - real_a).abs().mean()  # adversarial + cycle consistency
    loss.backward()
    for module in (g_ab, g_ba, d_b):
        for name, param in module.named_parameters():
            assert param.grad is not None and torch.isfinite(param.grad).all(), name


def test_save_load_round_trip(tmp_path):
    torch.manual_seed(0)
    generator = CycleGANGenerator(in_channels=3, out_channels=1, sample_size=32, norm_type="batch", **TINY_G)
    discriminator = PatchGANDiscriminator(in_channels=1, sample_size=32, **TINY_D)
    source = _images(2, 3, 32)
    discriminator(generator(source))  # moves the BatchNorm running statistics away from their init
    generator.eval().save_pretrained(tmp_path / "g")
    discriminator.eval().save_pretrained(tmp_path / "d")
    generator2 = CycleGANGenerator.from_pretrained(tmp_path / "g").eval()
    discriminator2 = PatchGANDiscriminator.from_pretrained(tmp_path / "d").eval()
    cfg = generator2.config
    assert (cfg.in_channels, cfg.out_channels, cfg.sample_size, cfg.num_res_blocks) == (3, 1, 32, 2)
    with torch.no_grad():
        images = generator(source)
        torch.testing.assert_close(generator2(source), images, rtol=0, atol=0)
        torch.testing.assert_close(discriminator2(images), discriminator(images), rtol=0, atol=0)


def test_dropout_option():
    source = _images(2, 1, 28)
    torch.manual_seed(0)
    generator = CycleGANGenerator(sample_size=28, **TINY_G)  # the paper's default: no dropout
    assert not any(isinstance(m, torch.nn.Dropout) for m in generator.modules())
    assert torch.equal(generator(source), generator(source))

    torch.manual_seed(0)
    generator = CycleGANGenerator(sample_size=28, use_dropout=True, **TINY_G)
    assert sum(isinstance(m, torch.nn.Dropout) and m.p == 0.5 for m in generator.modules()) == 2  # one per block
    assert not torch.equal(generator(source), generator(source))
    generator.eval()
    with torch.no_grad():
        assert torch.equal(generator(source), generator(source))


@pytest.mark.parametrize("call, match", [
    (lambda g: g(torch.rand(2, 3, 28, 28)), r"pixel_values must have shape \[batch_size, 1, height, width\]"),
    (lambda g: g(torch.zeros(2, 1, 28, 28, dtype=torch.long)), "floating-point"),
    (lambda g: g(torch.rand(2, 1, 4, 28)), "at least 5x5"),
])
def test_forward_input_errors(call, match):
    with pytest.raises(HFGANError, match=match):
        call(CycleGANGenerator(sample_size=28, **TINY_G))


@pytest.mark.parametrize("kwargs, key", [
    ({"in_channels": 4}, "in_channels"),
    ({"out_channels": 0}, "out_channels"),
    ({"norm_type": "batchnorm"}, "norm_type"),
    ({"num_res_blocks": -1}, "num_res_blocks"),
    ({"num_res_blocks": True}, "num_res_blocks"),
    ({"use_dropout": None}, "use_dropout"),
    ({"base_channels": 2.5}, "base_channels"),
])
def test_config_errors_name_the_field(kwargs, key):
    with pytest.raises(ConfigError, match=f"CycleGANGenerator: config '{key}'"):
        CycleGANGenerator(**{**TINY_G, **kwargs})
