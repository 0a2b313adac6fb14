"""Conditional generators with a class embedding (DCGAN, BigGAN-deep, SNGAN-ResNet): ``embed_classes`` and
``forward(latents, class_embeddings=)`` give the same images as class labels, and blends move between classes."""

import pytest
import torch

from hfgan import BigGANDeepGenerator, DCGANGenerator, HFGANError, SNGANGenerator

CONDITIONAL = {
    "dcgan": lambda: DCGANGenerator(latent_dim=8, sample_size=16, base_channels=4, max_channels=8, num_classes=3,
                                    class_embed_dim=5),
    "biggan": lambda: BigGANDeepGenerator(latent_dim=8, class_embed_dim=8, channel_width=4, num_classes=3, n_stats=5,
                                          sample_size=16, out_channels=1, attention_layer_position=None,
                                          layers=[[False, 4, 4], [True, 4, 2], [True, 2, 1]]),
    "sngan": lambda: SNGANGenerator(latent_dim=8, sample_size=16, base_channels=8, num_classes=3),
}


def _differ_by_class(generator) -> None:
    """Random per-class parameters (some families start every class at the same scale and shift)."""
    with torch.no_grad():
        for module in generator.modules():
            if isinstance(module, torch.nn.Embedding):
                module.weight.normal_()


@pytest.mark.parametrize("family", sorted(CONDITIONAL))
def test_class_embeddings_stand_in_for_labels_and_blend(family):
    torch.manual_seed(0)
    generator = CONDITIONAL[family]().eval()
    _differ_by_class(generator)
    latents, labels = torch.randn(3, 8), torch.tensor([2, 0, 1])
    embeddings = generator.embed_classes(labels)
    dim = generator.config.class_embed_dim if family != "sngan" else generator.class_embed_dim
    assert embeddings.shape == (3, dim)
    with torch.no_grad():
        torch.testing.assert_close(generator(latents, class_embeddings=embeddings), generator(latents, labels),
                                   rtol=0, atol=0)
        z = latents[:1].expand(5, 8)  # one latent, class 0 -> class 2 in five steps
        ends = generator.embed_classes(torch.tensor([0, 2]))
        blend = torch.lerp(ends[:1], ends[1:], torch.linspace(0, 1, 5)[:, None])  # [5, dim]
        strip = generator(z, class_embeddings=blend)
        torch.testing.assert_close(strip[0], generator(z[:1], torch.tensor([0]))[0])
        torch.testing.assert_close(strip[-1], generator(z[:1], torch.tensor([2]))[0])
    assert not torch.allclose(strip[2], strip[0]) and not torch.allclose(strip[2], strip[-1])


@pytest.mark.parametrize("family", sorted(CONDITIONAL))
def test_class_embedding_errors(family):
    generator = CONDITIONAL[family]()
    latents, labels = torch.randn(2, 8), torch.tensor([0, 1])
    embeddings = generator.embed_classes(labels)
    with pytest.raises(HFGANError, match="not both"):
        generator(latents, labels, class_embeddings=embeddings)
    with pytest.raises(HFGANError, match=r"class_embeddings must have shape \[2, "):
        generator(latents, class_embeddings=embeddings[:, :1])
    with pytest.raises(HFGANError, match="class_labels must lie in"):
        generator.embed_classes(torch.tensor([3]))
    with pytest.raises(HFGANError, match="shape \\[batch_size\\]"):
        generator.embed_classes(torch.tensor(1))


@pytest.mark.parametrize("make", [lambda: DCGANGenerator(latent_dim=8, sample_size=16, base_channels=4, max_channels=8),
                                  lambda: SNGANGenerator(latent_dim=8, sample_size=16, base_channels=8)])
def test_unconditional_generators_have_no_class_embeddings(make):
    generator = make()
    with pytest.raises(HFGANError, match="unconditional"):
        generator.embed_classes(torch.tensor([0]))
    with pytest.raises(HFGANError, match="conditional models"):
        generator(torch.randn(1, 8), class_embeddings=torch.zeros(1, 4))
