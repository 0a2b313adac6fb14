"""StyleGAN2: the W-space API (map / synthesize / truncation / noise), the 28-px crop and pad, the equalized-lr
layout, the discriminator, and W-space truncation in GANPipeline. Fidelity to the reference: tests/convert."""

import pytest
import torch

from hfgan import GANPipeline, HFGANError, StyleGAN2Discriminator, StyleGAN2Generator
from hfgan.errors import ConfigError
from hfgan.models.stylegan2 import resample as stylegan2_resample
from hfgan.models.stylegan2.discriminator_blocks import MinibatchStdLayer

TINY = dict(latent_dim=8, w_dim=8, channel_base=64, channel_max=8, mapping_layers=2)
TINY_D = dict(channel_base=64, channel_max=8, mapping_layers=2)


def _randomized(module, seed=0):
    """Every float parameter and buffer moved off its init (noise strengths, biases, w_avg), so that they matter."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, t in list(module.named_parameters()) + list(module.named_buffers()):
            if t.is_floating_point() and "resample_filter" not in name:
                t.add_(0.2 * torch.randn(t.shape, generator=g))
    return module


@pytest.fixture
def generator():
    torch.manual_seed(0)
    return _randomized(StyleGAN2Generator(sample_size=16, out_channels=3, **TINY)).eval()


def test_map_synthesize_compose_forward(generator):
    latents = torch.randn(3, 8)
    ws = generator.map(latents)
    assert ws.shape == (3, generator.num_ws, 8) == (3, 6, 8)  # b4: conv + toRGB; b8, b16: 2 convs; last toRGB
    assert torch.equal(ws[:, 0], ws[:, -1])  # one w broadcast to every style input
    images = generator.synthesize(ws, noise_mode="const")
    assert images.shape == (3, 3, 16, 16) and images.abs().max() <= 1
    assert torch.equal(images, generator(latents, noise_mode="const"))


def test_truncation_in_w_space(generator):
    latents = torch.randn(4, 8)
    ws = generator.map(latents)
    w_avg = generator.w_avg
    assert torch.allclose(generator.map(latents, truncation_psi=0.0), w_avg.expand_as(ws))
    half = generator.map(latents, truncation_psi=0.5)
    assert torch.allclose(half, w_avg + 0.5 * (ws - w_avg), atol=1e-6)
    cut = generator.map(latents, truncation_psi=0.5, truncation_cutoff=2)
    assert torch.allclose(cut[:, :2], half[:, :2]) and torch.equal(cut[:, 2:], ws[:, 2:])
    same = generator(latents, truncation_psi=0.0, noise_mode="const")
    assert torch.allclose(same, same[:1].expand_as(same), atol=1e-6)  # the average image for every latent


def test_noise_modes(generator):
    latents = torch.randn(2, 8)
    const = generator(latents, noise_mode="const")
    assert torch.equal(const, generator(latents, noise_mode="const"))
    seeded = [generator(latents, noise_mode="random", generator=torch.Generator().manual_seed(1)) for _ in range(2)]
    assert torch.equal(seeded[0], seeded[1]) and not torch.allclose(seeded[0], const)
    none = generator(latents, noise_mode="none")
    assert not torch.allclose(none, const)
    with torch.no_grad():
        for name, p in generator.named_parameters():
            if name.endswith("noise_strength"):
                p.zero_()
    assert torch.allclose(generator(latents, noise_mode="random"), generator(latents, noise_mode="none"))
    with pytest.raises(HFGANError, match="noise_mode must be one of"):
        generator(latents, noise_mode="fixed")
    with pytest.raises(HFGANError, match=r"ws must be a tensor of shape \[batch_size, 6, 8\]"):
        generator.synthesize(torch.randn(2, 5, 8))


def test_w_avg_tracks_training_batches_only():
    torch.manual_seed(0)
    generator = StyleGAN2Generator(sample_size=8, out_channels=1, **TINY)
    latents = torch.randn(4, 8)
    assert torch.equal(generator.w_avg, torch.zeros(8))
    generator.eval().map(latents)
    assert torch.equal(generator.w_avg, torch.zeros(8))
    generator.train().map(latents, update_w_avg=False)
    assert torch.equal(generator.w_avg, torch.zeros(8))
    w = generator.mapping(latents, None, update_w_avg=False)
    generator.map(latents)
    assert torch.allclose(generator.w_avg, (1 - 0.995) * w.mean(0), atol=1e-7)


def test_fused_and_per_sample_modulation_agree(generator):
    ws = generator.map(torch.randn(3, 8))
    fused = generator.synthesis(ws, noise_mode="const", fused=True)
    split = generator.synthesis(ws, noise_mode="const", fused=False)  # the training path
    assert torch.allclose(fused, split, atol=1e-5)


def test_channels_last_cpu_convolutions_match_the_default_layout(generator, monkeypatch):
    """Training's gradients (including R1's and path length's second order) do not depend on the CPU layout."""

    torch.manual_seed(1)
    disc = _randomized(StyleGAN2Discriminator(in_channels=3, sample_size=16, **TINY_D))
    generator.train()
    latents, reals = torch.randn(4, 8), torch.randn(4, 3, 16, 16)

    def grads(channels_last):
        monkeypatch.setattr(stylegan2_resample, "CPU_CHANNELS_LAST", channels_last)
        params = list(generator.parameters()) + list(disc.parameters())
        ws = generator.map(latents, update_w_avg=False)
        images = generator.synthesis(ws, noise_mode="const")
        assert images.is_contiguous()
        (pl,) = torch.autograd.grad((images * reals).sum(), ws, create_graph=True)
        x = reals.clone().requires_grad_(True)
        (r1,) = torch.autograd.grad(disc(x).sum(), x, create_graph=True)
        loss = disc(images).sum() + pl.square().sum() + r1.square().sum()
        return torch.autograd.grad(loss, params)

    for a, b in zip(grads(False), grads(True)):  # rounding only: relative to each gradient's scale
        assert (a - b).abs().max() <= 1e-5 * a.abs().max() + 1e-7, ((a - b).abs().max(), a.abs().max())


def test_equalized_lr_layout():
    torch.manual_seed(0)
    generator = StyleGAN2Generator(sample_size=8, out_channels=1, **{**TINY, "w_dim": 64, "latent_dim": 64})
    fc = generator.mapping.fc0
    assert fc.weight.std() > 50  # stored as N(0, 1) / lr_multiplier 0.01, scaled at runtime
    assert fc.weight_gain == pytest.approx(0.01 / 64**0.5) and fc.bias_gain == 0.01
    mapping = {id(p) for p in generator.mapping.parameters()}
    assert {n for n, p in generator.named_parameters() if id(p) in mapping} == \
        {n for n, _ in generator.named_parameters() if n.startswith("mapping.")}
    assert not any("resample_filter" in k for k in generator.state_dict())  # constants, not weights


def test_synthesize_unclamped_for_training(generator):
    """``clamp=False`` gives the raw synthesis output (what training's discriminator must see), cropped like the
    clamped images; the default clamps to [-1, 1] and lets gradients through unchanged."""
    with torch.no_grad():
        generator.synthesis.b16.torgb.weight.mul_(20)  # images well outside [-1, 1]
    ws = generator.map(torch.randn(3, 8)).requires_grad_(True)
    raw = generator.synthesize(ws, noise_mode="const", clamp=False)
    assert torch.equal(raw, generator.synthesis(ws, noise_mode="const")) and raw.abs().max() > 1
    clamped = generator.synthesize(ws, noise_mode="const")
    assert torch.equal(clamped, raw.clamp(-1, 1))
    (grad_raw,) = torch.autograd.grad(raw.sum(), ws)
    (grad_clamped,) = torch.autograd.grad(clamped.sum(), ws)
    torch.testing.assert_close(grad_clamped, grad_raw)


def test_28px_renders_at_32_and_crops():
    torch.manual_seed(0)
    generator = StyleGAN2Generator(sample_size=28, out_channels=1, num_classes=3, **TINY)
    discriminator = StyleGAN2Discriminator(sample_size=28, in_channels=1, num_classes=3, **TINY_D)
    assert generator.resolution == discriminator.resolution == 32
    labels = torch.tensor([0, 1, 2, 0])
    images = generator(torch.randn(4, 8), labels)
    assert images.shape == (4, 1, 28, 28)
    full = generator.synthesis(generator.map(torch.randn(2, 8), labels[:2]))
    assert full.shape == (2, 1, 32, 32)
    logits = discriminator(images, labels)
    assert logits.shape == (4,)
    with pytest.raises(HFGANError, match=r"pixel_values must have shape \[batch_size, 1, 28, 28\]"):
        discriminator(full, labels[:2])


def test_conditional_labels_change_images_and_logits():
    torch.manual_seed(0)
    generator = _randomized(StyleGAN2Generator(sample_size=8, out_channels=1, num_classes=3, **TINY)).eval()
    discriminator = _randomized(StyleGAN2Discriminator(sample_size=8, in_channels=1, num_classes=3, **TINY_D)).eval()
    latents = torch.randn(2, 8)
    a = generator(latents, torch.tensor([0, 0]), noise_mode="const")
    b = generator(latents, torch.tensor([1, 1]), noise_mode="const")
    assert not torch.allclose(a, b)
    assert not torch.allclose(discriminator(a, torch.tensor([0, 0])), discriminator(a, torch.tensor([2, 2])))
    with pytest.raises(HFGANError, match="class-conditional"):
        generator(latents)


def test_minibatch_std_groups():
    x = torch.randn(8, 4, 2, 2)
    out = MinibatchStdLayer(group_size=4)(x)
    assert out.shape == (8, 5, 2, 2)
    groups = [[0, 2, 4, 6], [1, 3, 5, 7]]  # sample i is in group i % (N / G)
    for members in groups:
        std = (x[members].var(dim=0, unbiased=False) + 1e-8).sqrt().mean()
        assert torch.allclose(out[members, 4], std.expand(4, 2, 2), atol=1e-6)
    assert MinibatchStdLayer(group_size=4)(torch.randn(6, 4, 2, 2)).shape == (6, 5, 2, 2)  # 6 = 3 groups of 2
    assert MinibatchStdLayer(group_size=4)(torch.randn(1, 4, 2, 2))[:, 4].abs().max() < 1e-3  # a lone sample


def test_conv_clamp_bounds_activations():
    torch.manual_seed(0)
    generator = StyleGAN2Generator(sample_size=8, out_channels=3, conv_clamp=0.25, **TINY).eval()
    ws = generator.map(torch.randn(2, 8))
    assert generator.synthesis(ws, noise_mode="none").abs().max() <= 0.5 + 1e-6  # two toRGB outputs, each +-0.25


@pytest.mark.parametrize("kwargs, message", [
    ({"sample_size": 27}, "sample_size"),
    ({"sample_size": 3}, "sample_size"),
    ({"w_dim": 0}, "w_dim"),
    ({"channel_base": 8, "sample_size": 16}, "channel_base"),
    ({"conv_clamp": -1}, "conv_clamp"),
    ({"mapping_lr_multiplier": 0}, "mapping_lr_multiplier"),
])
def test_config_errors(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        StyleGAN2Generator(**{**TINY, "out_channels": 1, **kwargs})


def test_discriminator_config_errors():
    with pytest.raises(ConfigError, match="mbstd_group_size"):
        StyleGAN2Discriminator(mbstd_group_size=0, **TINY_D)
    with pytest.raises(ConfigError, match="at least 8"):
        StyleGAN2Discriminator(sample_size=4, **TINY_D)


# -- in GANPipeline ----------------------------------------------------------------------------------------------
@pytest.fixture
def pipe(generator):
    return GANPipeline(generator=generator)


def test_pipeline_truncates_in_w_space_and_keeps_latents(pipe, generator):
    assert pipe.truncation_kind == "w_space"
    latents = torch.randn(3, 8)
    images = pipe(latents=latents.clone(), truncation_psi=0.5, output_type="pt").images
    expected = generator(latents, truncation_psi=0.5, noise_mode="const") * 0.5 + 0.5
    assert torch.allclose(images, expected, atol=1e-6)
    average = pipe(batch_size=3, truncation_psi=0.0, output_type="pt", generator=torch.Generator().manual_seed(0)).images
    assert torch.allclose(average, average[:1].expand_as(average), atol=1e-6)


def test_pipeline_noise_mode(pipe, make_tiny_pipeline):
    seed = lambda: torch.Generator().manual_seed(3)  # noqa: E731
    const = pipe(batch_size=2, generator=seed(), output_type="pt").images
    assert torch.equal(const, pipe(batch_size=2, generator=seed(), noise_mode="const", output_type="pt").images)
    random = [pipe(batch_size=2, generator=seed(), noise_mode="random", output_type="pt").images for _ in range(2)]
    assert torch.equal(random[0], random[1]) and not torch.allclose(random[0], const)
    with pytest.raises(HFGANError, match="noise_mode must be one of"):
        pipe(batch_size=1, noise_mode="bad")
    with pytest.raises(HFGANError, match="noise_mode is for generators with noise inputs"):
        make_tiny_pipeline()(batch_size=1, noise_mode="const")


# -- with the one trainer (the plain generation task) ------------------------------------------------------------
@pytest.mark.slow
def test_generation_task_trains_a_conditional_stylegan2(tmp_path):
    from hfgan.data import fashion_mnist_available
    from hfgan.training import GANTrainer, load_config, parse_overrides

    if not fashion_mnist_available():
        pytest.skip("Fashion-MNIST IDX files missing")
    values = {"model": "cstylegan2-28", "loss": "nonsaturating", "train_batch_size": "8", "max_train_samples": "32",
              "max_train_steps": "3", "logging_steps": "1", "sample_steps": "3", "num_sample_images": "4",
              "report_to": "none", "output_dir": str(tmp_path / "run"),
              "generator_kwargs": '{"latent_dim": 8, "w_dim": 8, "channel_base": 64, "channel_max": 8}',
              "discriminator_kwargs": '{"channel_base": 64, "channel_max": 8}'}
    args = [item for key, value in values.items() for item in (f"--{key}", value)]
    out = GANTrainer(load_config("cdcgan-fashion-mnist", parse_overrides(args))).train()
    pipe = GANPipeline.from_pretrained(out)
    assert isinstance(pipe.generator, StyleGAN2Generator) and pipe.generator.w_avg.abs().sum() > 0  # EMA took w_avg
    images = pipe(class_labels=[0, 9], truncation_psi=0.7, output_type="pt").images
    assert images.shape == (2, 1, 28, 28)


def test_second_order_gradients_for_path_length_and_r1():
    """Path length (d images / d ws) and R1 (d logits / d pixel_values) need gradients of gradients."""
    torch.manual_seed(0)
    generator = StyleGAN2Generator(sample_size=8, out_channels=1, **TINY)
    discriminator = StyleGAN2Discriminator(sample_size=8, in_channels=1, **TINY_D)
    ws = generator.map(torch.randn(4, 8))
    images = generator.synthesize(ws)
    (grad_ws,) = torch.autograd.grad((images * torch.randn_like(images)).sum(), ws, create_graph=True)
    grad_ws.square().sum().backward()
    assert generator.synthesis.b8.conv0.weight.grad.abs().sum() > 0
    pixel_values = torch.randn(4, 1, 8, 8, requires_grad=True)
    (grad_px,) = torch.autograd.grad(discriminator(pixel_values).sum(), pixel_values, create_graph=True)
    grad_px.square().sum().backward()
    assert discriminator.b8.conv0.weight.grad.abs().sum() > 0


def test_half_precision_pipeline(pipe):
    seed = lambda: torch.Generator().manual_seed(0)  # noqa: E731
    full = pipe(batch_size=2, generator=seed(), output_type="pt").images
    pipe.to(dtype=torch.bfloat16)
    half = pipe(batch_size=2, generator=seed(), output_type="pt").images
    assert half.shape == full.shape and (half.float() - full).abs().max() < 0.1
