"""Every registered variant: build, forward, backward, save/load round trip (the registry test of DESIGN.md)."""

import os

import pytest
import torch

import hfgan
from hfgan import ConfigError, HFGANError, create_model, get_model_entry, list_models
from hfgan.models import create_components

# latent -> image (generation, progressive) and image -> image (paired / unpaired translation)
TRANSLATION = [n for n in list_models() if get_model_entry(n).task.endswith("translation")]
LATENT = [n for n in list_models() if n not in TRANSLATION]


def _inputs(generator, batch_size=4):
    cfg = generator.config
    latents = torch.randn(batch_size, cfg.latent_dim)
    labels = torch.arange(batch_size) % cfg.num_classes if cfg.get("num_classes") else None
    return latents, labels


def test_registry_lists_every_family_and_variant():
    names = list_models()
    assert names == sorted(names)
    assert {"mlp-gan-28", "cmlp-gan-28", "dcgan-28", "cdcgan-28", "dcgan-32", "dcgan-64"} <= set(names)
    assert set(list_models(family="mlp_gan")) >= {"mlp-gan-28", "cmlp-gan-28"}
    assert list_models("dcgan-*") == [n for n in names if n.startswith("dcgan-")]
    with pytest.raises(HFGANError, match="unknown model 'nope'.*dcgan-28"):
        get_model_entry("nope")
    with pytest.raises(ConfigError, match="dcgan-28.*wrong_key"):
        create_model("dcgan-28", generator_kwargs={"wrong_key": 1})


@pytest.mark.parametrize("name", LATENT)
def test_variant_forward_backward_and_round_trip(name, tmp_path, tiny_overrides):
    entry = get_model_entry(name)
    torch.manual_seed(0)
    generator, discriminator = create_model(name, *tiny_overrides.get(entry.family, (None, None)))
    cfg = generator.config
    assert (cfg.sample_size, cfg.out_channels) == (entry.generator_config["sample_size"], entry.generator_config["out_channels"])
    assert discriminator.config.get("num_classes") == cfg.get("num_classes")

    latents, labels = _inputs(generator)
    images = generator(latents, labels)
    assert images.shape == (4, cfg.out_channels, cfg.sample_size, cfg.sample_size)
    assert images.min() >= -1 and images.max() <= 1
    logits = discriminator(images, labels)
    assert logits.shape == (4,)
    logits.mean().backward()
    for resolution in getattr(generator, "resolutions", [])[1:]:  # growing families: every level's toRGB / fromRGB
        fake = generator(latents, resolution=resolution, alpha=0.5)
        discriminator(fake, resolution=resolution, alpha=0.5).mean().backward()
    for module in (generator, discriminator):
        for param_name, param in module.named_parameters():
            assert param.grad is not None and torch.isfinite(param.grad).all(), f"{name}: no gradient for {param_name}"

    generator.eval()
    discriminator.eval()
    generator.save_pretrained(tmp_path / "g")
    discriminator.save_pretrained(tmp_path / "d")
    assert sorted(os.listdir(tmp_path / "g")) == ["config.json", "diffusion_pytorch_model.safetensors"]
    generator2 = type(generator).from_pretrained(tmp_path / "g").eval()
    discriminator2 = type(discriminator).from_pretrained(tmp_path / "d").eval()
    public = lambda config: {k: v for k, v in config.items() if not k.startswith("_")}  # noqa: E731
    assert public(generator2.config) == public(generator.config)
    with torch.no_grad():
        assert torch.equal(generator(latents, labels), generator2(latents, labels))
        assert torch.equal(discriminator(images, labels), discriminator2(images, labels))


@pytest.mark.parametrize("name", LATENT)
def test_default_config_builds(name):
    generator, discriminator = create_model(name)
    cfg = generator.config
    assert cfg.latent_dim > 0 and cfg.sample_size > 0 and cfg.out_channels in (1, 3)
    assert discriminator.config.in_channels == cfg.out_channels
    assert isinstance(generator, hfgan.ModelMixin) and isinstance(discriminator, hfgan.ModelMixin)
    latents, labels = _inputs(generator.eval(), batch_size=1)
    with torch.no_grad():
        assert generator(latents, labels).shape == (1, cfg.out_channels, cfg.sample_size, cfg.sample_size)


@pytest.mark.parametrize("name", TRANSLATION)
def test_translation_variant_components_forward_backward_and_round_trip(name, tmp_path, tiny_overrides):
    entry = get_model_entry(name)
    torch.manual_seed(0)
    g_kwargs, d_kwargs = tiny_overrides[entry.family]
    if entry.generator_cls is hfgan.Pix2PixGenerator:  # CycleGAN with U-Net generators
        g_kwargs = tiny_overrides["pix2pix"][0]
    nets = create_components(name, {"generator": g_kwargs, "discriminator": d_kwargs})
    assert list(nets) == list(entry.components)
    size = nets["generator"].config.sample_size
    total = 0
    for gen in (n for n in nets if n.startswith("generator")):
        cfg = nets[gen].config
        source = torch.rand(2, cfg.in_channels, size, size) * 2 - 1
        images = nets[gen](source)
        assert images.shape == (2, cfg.out_channels, size, size) and images.abs().max() <= 1
        disc = nets[gen.replace("generator", "discriminator")]
        conditioning = source if disc.config.get("conditioning_channels") else None
        logits = disc(images, conditioning) if conditioning is not None else disc(images)
        assert logits.ndim == 4 and logits.shape[:2] == (2, 1)  # a patch map of logits
        total = total + logits.mean()
    total.backward()
    for component, module in nets.items():
        assert all(p.grad is not None for p in module.parameters()), component
        module.eval().save_pretrained(tmp_path / component)
        again = type(module).from_pretrained(tmp_path / component).eval()
        assert {k: v for k, v in again.config.items() if not k.startswith("_")} == \
            {k: v for k, v in module.config.items() if not k.startswith("_")}


def test_components_errors():
    with pytest.raises(ConfigError, match="no component"):
        create_components("dcgan-28", {"generator_reverse": {}})
    with pytest.raises(ConfigError, match="cyclegan-28 generator"):
        create_components("cyclegan-28", {"generator": {"nope": 1}})
