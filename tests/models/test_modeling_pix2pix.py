"""Pix2Pix: U-Net generator and PatchGAN discriminator: sizes, channels, depth rules, dropout, conditioning, round trip."""

import pytest
import torch

from hfgan import ConfigError, HFGANError
from hfgan.models.pix2pix import PatchGANDiscriminator, Pix2PixGenerator
from hfgan.models.pix2pix.modeling_pix2pix import default_num_downs, default_num_layers

TINY_G = {"base_channels": 4, "max_channels": 16}
TINY_D = {"base_channels": 4, "max_channels": 16}


def _images(n, channels, size, seed=0):
    return torch.rand(n, channels, size, size, generator=torch.Generator().manual_seed(seed)) * 2 - 1


@pytest.mark.parametrize("sample_size, patch", [(28, 5), (32, 6)])
@pytest.mark.parametrize("in_channels, out_channels", [(1, 1), (1, 3), (3, 1)])
def test_shapes_range_and_patch_map(sample_size, patch, in_channels, out_channels):
    torch.manual_seed(0)
    generator = Pix2PixGenerator(in_channels=in_channels, out_channels=out_channels, sample_size=sample_size, **TINY_G)
    discriminator = PatchGANDiscriminator(in_channels=out_channels, conditioning_channels=in_channels,
                                          sample_size=sample_size, **TINY_D)
    source = _images(2, in_channels, sample_size)
    images = generator(source)
    assert images.shape == (2, out_channels, sample_size, sample_size)
    assert images.min() >= -1 and images.max() <= 1
    logits, features = discriminator(images, source, return_features=True)
    assert logits.shape == (2, 1, patch, patch)  # 28 and 32 px: 2 layers, side // 4 - 2
    assert features.shape == (2, 16)  # widths 4, 8, 16: the last feature map's channels
    assert discriminator.patch_map_size(sample_size) == patch
    assert torch.equal(discriminator(images, source), logits)


def test_default_depth_rules():
    # U-Net: ceil(log2(size)) downsamplings, so the bottleneck is 1x1 after padding (8 at 256 px as in the paper).
    assert [default_num_downs(s) for s in (4, 8, 16, 28, 32, 64, 256)] == [2, 3, 4, 5, 5, 6, 8]
    # PatchGAN: the deepest of 3, 2, 1 layers whose patch map is at least 4x4 (3 = the 70x70 PatchGAN).
    assert [default_num_layers(s) for s in (8, 16, 28, 32, 48, 64, 256)] == [1, 1, 2, 2, 3, 3, 3]
    assert Pix2PixGenerator(sample_size=28, **TINY_G).num_downs == 5
    discriminator = PatchGANDiscriminator(sample_size=256, **TINY_D)
    assert discriminator.num_layers == 3 and discriminator.patch_map_size(256) == 30


def test_three_layers_see_70x70_patches():
    torch.manual_seed(0)
    discriminator = PatchGANDiscriminator(num_layers=3, norm_type="none", **TINY_D)
    x = torch.randn(1, 1, 96, 96, requires_grad=True)
    logits = discriminator(x)
    assert logits.shape == (1, 1, 10, 10)
    (grad,) = torch.autograd.grad(logits[0, 0, 5, 5], x)
    rows = grad[0, 0].abs().sum(1).nonzero()
    cols = grad[0, 0].abs().sum(0).nonzero()
    assert rows.max() - rows.min() + 1 == 70 and cols.max() - cols.min() + 1 == 70


@pytest.mark.parametrize("size", [8, 20, 30])
def test_other_sizes_are_padded_and_cropped(size):
    torch.manual_seed(0)
    generator = Pix2PixGenerator(sample_size=28, **TINY_G).eval()  # pads to a multiple of 32; zeros when too small
    with torch.no_grad():
        images = generator(torch.rand(1, 1, size, size + 4) * 2 - 1)
    assert images.shape == (1, 1, size, size + 4)
    assert torch.isfinite(images).all()


@pytest.mark.parametrize("norm_type", ["batch", "instance", "none"])
@pytest.mark.parametrize("spectral_norm", [False, True])
def test_gradients_reach_every_parameter(norm_type, spectral_norm):
    torch.manual_seed(0)
    generator = Pix2PixGenerator(sample_size=28, norm_type=norm_type, **TINY_G)
    discriminator = PatchGANDiscriminator(conditioning_channels=1, sample_size=28, norm_type=norm_type,
                                          spectral_norm=spectral_norm, **TINY_D)
    source, target = _images(2, 1, 28), _images(2, 1, 28, seed=1)
    images = generator(source)
    loss = discriminator(images, source).mean() + (images - target).abs().mean()  # adversarial + L1, as in Pix2Pix
    x = target.clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(discriminator(x, source).sum(), x, create_graph=True)  # R1 needs double backward
    (loss + grad.pow(2).sum()).backward()
    for module in (generator, discriminator):
        for name, param in module.named_parameters():
            assert param.grad is not None and torch.isfinite(param.grad).all(), name


def test_save_load_round_trip(tmp_path):
    torch.manual_seed(0)
    generator = Pix2PixGenerator(in_channels=1, out_channels=3, sample_size=28, **TINY_G)
    discriminator = PatchGANDiscriminator(in_channels=3, conditioning_channels=1, sample_size=28, **TINY_D)
    source = _images(2, 1, 28)
    discriminator(generator(source), source)  # moves the BatchNorm running statistics away from their init
    generator.eval().save_pretrained(tmp_path / "g")
    discriminator.eval().save_pretrained(tmp_path / "d")
    generator2 = Pix2PixGenerator.from_pretrained(tmp_path / "g").eval()
    discriminator2 = PatchGANDiscriminator.from_pretrained(tmp_path / "d").eval()
    assert (generator2.config.in_channels, generator2.config.out_channels, generator2.config.sample_size) == (1, 3, 28)
    assert discriminator2.config.conditioning_channels == 1
    with torch.no_grad():
        images = generator(source)
        torch.testing.assert_close(generator2(source), images, rtol=0, atol=0)
        torch.testing.assert_close(discriminator2(images, source), discriminator(images, source), rtol=0, atol=0)


def test_dropout_is_noise_in_train_mode_only():
    torch.manual_seed(0)
    generator = Pix2PixGenerator(sample_size=28, **TINY_G)
    dropouts = [m for m in generator.modules() if isinstance(m, torch.nn.Dropout)]
    assert len(dropouts) == 3 and all(m.p == 0.5 for m in dropouts)  # min(3, num_downs - 2), innermost blocks
    assert all(isinstance(block[-1], torch.nn.Dropout) for block in generator.up_blocks[:3])
    source = _images(2, 1, 28)
    assert not torch.equal(generator(source), generator(source))
    generator.eval()
    with torch.no_grad():
        assert torch.equal(generator(source), generator(source))

    torch.manual_seed(0)
    plain = Pix2PixGenerator(sample_size=28, use_dropout=False, **TINY_G)
    assert not any(isinstance(m, torch.nn.Dropout) for m in plain.modules())
    assert torch.equal(plain(source), plain(source))  # train-mode BatchNorm alone is deterministic


def test_channel_widths_double_and_are_capped():
    generator = Pix2PixGenerator(sample_size=64, base_channels=4, max_channels=16)
    widths = [block.out_channels if isinstance(block, torch.nn.Conv2d) else block[1].out_channels
              for block in generator.down_blocks]
    assert widths == [4, 8, 16, 16, 16, 16]  # 64 px: 6 downsamplings to a 1x1 bottleneck
    discriminator = PatchGANDiscriminator(num_layers=3, base_channels=4, max_channels=16)
    convs = [m for m in discriminator.modules() if isinstance(m, torch.nn.Conv2d)]
    assert [(c.out_channels, c.stride[0]) for c in convs] == [(4, 2), (8, 2), (16, 2), (16, 1), (1, 1)]


@pytest.mark.parametrize("conditioning_channels, call, match", [
    (1, lambda d, x, c: d(x), "conditional: pass conditioning_pixel_values"),
    (0, lambda d, x, c: d(x, c), "unconditional"),
    (1, lambda d, x, c: d(x, c[:1]), "must match pixel_values"),
    (1, lambda d, x, c: d(x, c[..., :12, :12]), "must match pixel_values"),
    (1, lambda d, x, c: d(x, c.repeat(1, 3, 1, 1)), r"conditioning_pixel_values must have shape \[batch_size, 1,"),
    (1, lambda d, x, c: d(x, c.long()), "floating-point"),
])
def test_conditioning_errors(conditioning_channels, call, match):
    discriminator = PatchGANDiscriminator(conditioning_channels=conditioning_channels, sample_size=16, **TINY_D)
    with pytest.raises(HFGANError, match=match):
        call(discriminator, _images(2, 1, 16), _images(2, 1, 16, seed=1))


@pytest.mark.parametrize("call, match", [
    (lambda g, d: g(torch.rand(2, 3, 16, 16)), r"pixel_values must have shape \[batch_size, 1, height, width\]"),
    (lambda g, d: g(torch.zeros(2, 1, 16, 16, dtype=torch.uint8)), "floating-point"),
    (lambda g, d: g([[0.0]]), "floating-point torch.Tensor"),
    (lambda g, d: d(torch.rand(2, 1, 5, 5)), "at least 6x6"),  # 1 layer: 3 * 2**1 px for a 1x1 patch map
])
def test_forward_input_errors(call, match):
    generator = Pix2PixGenerator(sample_size=16, **TINY_G)
    discriminator = PatchGANDiscriminator(sample_size=16, **TINY_D)
    with pytest.raises(HFGANError, match=match):
        call(generator, discriminator)


@pytest.mark.parametrize("cls, kwargs, key", [
    (Pix2PixGenerator, {"in_channels": 2}, "in_channels"),
    (Pix2PixGenerator, {"out_channels": 4}, "out_channels"),
    (Pix2PixGenerator, {"norm_type": "group"}, "norm_type"),
    (Pix2PixGenerator, {"num_downs": 1}, "num_downs"),
    (Pix2PixGenerator, {"num_downs": 4.0}, "num_downs"),
    (Pix2PixGenerator, {"use_dropout": "yes"}, "use_dropout"),
    (Pix2PixGenerator, {"base_channels": 0}, "base_channels"),
    (Pix2PixGenerator, {"sample_size": "28"}, "sample_size"),
    (PatchGANDiscriminator, {"in_channels": 2}, "in_channels"),
    (PatchGANDiscriminator, {"conditioning_channels": -1}, "conditioning_channels"),
    (PatchGANDiscriminator, {"num_layers": 0}, "num_layers"),
    (PatchGANDiscriminator, {"norm_type": "layer"}, "norm_type"),
    (PatchGANDiscriminator, {"spectral_norm": 1}, "spectral_norm"),
    (PatchGANDiscriminator, {"max_channels": -4}, "max_channels"),
])
def test_config_errors_name_the_field(cls, kwargs, key):
    with pytest.raises(ConfigError, match=f"{cls.__name__}: config '{key}'"):
        cls(**{**TINY_G, **kwargs})
