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


@pytest.mark.parametrize("conditional", [True, False])
def test_batch_statistics_match_the_plain_formulas(conditional):
    """Training normalizes with the batch mean and biased variance, moves every slot 0.1 towards the batch mean and
    unbiased variance, and its gradients are those of the written-out arithmetic."""
    from hfgan.models.biggan.modeling_biggan import StandingStatsBatchNorm

    torch.manual_seed(0)
    norm = StandingStatsBatchNorm(3, 5 if conditional else None, n_stats=4).train()
    x = (torch.randn(6, 3, 4, 4) * 2 + 1).requires_grad_()
    condition = torch.randn(6, 5) if conditional else None
    out = norm(x, 1.0, condition)
    var, mean = torch.var_mean(x.detach(), dim=(0, 2, 3), correction=0)
    x_ref = x.detach().clone().requires_grad_()
    var_ref, mean_ref = torch.var_mean(x_ref, dim=(0, 2, 3), correction=0)
    expected = (x_ref - mean_ref[None, :, None, None]) / torch.sqrt(var_ref[None, :, None, None] + norm.eps)
    if conditional:
        expected = expected * (1 + norm.scale(condition)[:, :, None, None]) + norm.offset(condition)[:, :, None, None]
    torch.testing.assert_close(out, expected, atol=1e-5, rtol=1e-5)
    weights = torch.randn_like(out)
    (out * weights).sum().backward()
    (expected * weights).sum().backward()
    torch.testing.assert_close(x.grad, x_ref.grad, atol=1e-4, rtol=1e-4)
    n = 6 * 4 * 4
    torch.testing.assert_close(norm.running_means, (0.1 * mean).expand(4, 3))
    torch.testing.assert_close(norm.running_vars, (0.9 + 0.1 * var * n / (n - 1)).expand(4, 3))


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


def test_truncated_normal_draws_stay_in_bounds_and_keep_order():
    from hfgan.models.biggan.modeling_biggan import truncate_normal_draws

    z = torch.linspace(-6, 6, 101)
    out = truncate_normal_draws(z)
    assert out.abs().max() <= 2.0 and torch.all(out[1:] >= out[:-1]) and abs(float(out[50])) < 1e-6
    draws = truncate_normal_draws(torch.randn(20000, generator=torch.Generator().manual_seed(0)))
    assert abs(float(draws.std()) - 0.880) < 0.02  # the std of N(0, 1) truncated to [-2, 2]


def test_standing_statistics_are_measured_at_each_truncation():
    from hfgan.models.biggan.modeling_biggan import truncate_normal_draws

    torch.manual_seed(0)
    generator = BigGANDeepGenerator(**TINY).train()
    generator(torch.randn(8, 8), torch.arange(8) % 3)  # training moves every slot to the same running averages
    running = generator.blocks[0].norm0.running_means.clone()
    params = {k: v.clone() for k, v in generator.state_dict().items() if "running" not in k}
    batches = [(torch.randn(6, 8), torch.arange(6) % 3) for _ in range(2)]
    calls = iter(batches)
    generator.accumulate_standing_stats(lambda: next(calls), num_batches=2)
    assert generator.training  # mode restored
    assert all(torch.equal(v, generator.state_dict()[k]) for k, v in params.items())  # weights and SN vectors kept
    norm = generator.blocks[0].norm0  # its input is the projection of [latents, embedding]: measure it by hand
    for slot, psi in enumerate([0.0, 0.25, 0.5, 0.75, 1.0]):
        means, variances = [], []
        with torch.no_grad():
            for latents, labels in batches:
                condition = torch.cat([truncate_normal_draws(latents) * psi, generator.class_embedding(labels)], 1)
                b, c = generator.base_size, generator.top_channels
                h = generator.project.eval()(condition).view(6, b, b, c).permute(0, 3, 1, 2)
                means.append(h.mean(dim=(0, 2, 3)))
                variances.append(h.var(dim=(0, 2, 3)))
        torch.testing.assert_close(norm.running_means[slot], torch.stack(means).mean(0))
        torch.testing.assert_close(norm.running_vars[slot], torch.stack(variances).mean(0))
    assert not torch.allclose(norm.running_means[1], norm.running_means[4])  # each slot its own truncation
    assert not torch.allclose(norm.running_means[4], running[4])  # the training averages are replaced


def test_generation_uses_the_standing_statistics_after_recalibration():
    from hfgan import GANPipeline
    from hfgan.training.ema import recalibrate_batchnorm

    torch.manual_seed(0)
    generator = BigGANDeepGenerator(**TINY).train()
    for _ in range(3):
        generator(torch.randn(8, 8), torch.arange(8) % 3)
    pipe = GANPipeline(generator.eval())
    seeded = dict(batch_size=3, class_labels=[0, 1, 2], truncation_psi=0.5, output_type="pt")
    before = pipe(generator=torch.Generator().manual_seed(1), **seeded).images
    g = torch.Generator().manual_seed(0)
    assert recalibrate_batchnorm(generator, lambda: (torch.randn(16, 8, generator=g), torch.randint(0, 3, (16,), generator=g)))
    after = pipe(generator=torch.Generator().manual_seed(1), **seeded).images
    again = pipe(generator=torch.Generator().manual_seed(1), **seeded).images
    assert not generator.training and torch.equal(after, again)  # eval mode, deterministic
    assert not torch.allclose(before, after)  # the standing statistics, not the running averages of training
    with torch.no_grad():  # the slot of psi 0.5 (slot 2 of 5) decides: change it and the images change
        for norm in (m for m in generator.modules() if hasattr(m, "running_means")):
            norm.running_means[2] += 0.5
    assert not torch.allclose(after, pipe(generator=torch.Generator().manual_seed(1), **seeded).images)


def test_class_embeddings_blend_classes():
    torch.manual_seed(0)
    generator = BigGANDeepGenerator(**TINY).eval()
    latents, labels = torch.randn(3, 8), torch.tensor([0, 2, 1])
    embeddings = generator.embed_classes(labels)
    assert embeddings.shape == (3, 8)
    with torch.no_grad():
        assert torch.equal(generator(latents, labels, 0.7), generator(latents, truncation_psi=0.7, class_embeddings=embeddings))
        half = torch.lerp(embeddings[:1], embeddings[1:2], 0.5).expand(3, 8)
        mixed = generator(latents[:1].expand(3, 8), class_embeddings=half)
    assert torch.allclose(mixed[0], mixed[2])
    with pytest.raises(HFGANError, match="not both"):
        generator(latents, labels, class_embeddings=embeddings)
    with pytest.raises(HFGANError, match=r"class_embeddings must have shape \[3, 8\]"):
        generator(latents, class_embeddings=embeddings[:, :4])
    with pytest.raises(HFGANError, match="class_labels must lie in"):
        generator.embed_classes(torch.tensor([3]))


def test_spectral_norm_reuses_its_weight_in_eval_mode_until_it_changes():
    torch.manual_seed(0)
    generator = BigGANDeepGenerator(**TINY).eval()
    latents, labels = torch.randn(2, 8), torch.tensor([0, 2])
    with torch.enable_grad():
        expected = generator(latents, labels).detach()  # computed afresh (autograd on)
    layer = generator.blocks[0].conv1
    with torch.no_grad():
        first = generator(latents, labels)
        assert layer.weight is layer.weight  # the same tensor, reused
        assert torch.equal(first, expected) and torch.equal(generator(latents, labels), expected)
        layer.parametrizations.weight.original.add_(torch.randn_like(layer.parametrizations.weight.original))  # in place
        changed = generator(latents, labels)
    assert not torch.equal(changed, expected)
    generator.load_state_dict(BigGANDeepGenerator(**TINY).state_dict())  # new values in place
    with torch.no_grad():
        reloaded = generator(latents, labels)
        generator.train().eval()
    with torch.enable_grad():
        assert torch.equal(reloaded, generator(latents, labels).detach())
        assert generator(latents, labels).requires_grad  # with autograd, always through the weights
