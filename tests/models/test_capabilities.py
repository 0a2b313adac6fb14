"""A generator declares its kind of truncation once (a class attribute); "has a W space" is that declaration, asked
through one helper by the pipeline, style mixing, the StyleGAN2 task and the card."""

from types import SimpleNamespace

import pytest
import torch

from hfgan import BigGANDeepGenerator, DCGANGenerator, GANPipeline, HFGANError, StyleGAN2Generator
from hfgan.errors import ConfigError

TINY_STYLEGAN2 = dict(latent_dim=8, w_dim=8, channel_base=64, channel_max=8, mapping_layers=2, sample_size=8, out_channels=1)


class MappedButNotDeclared(StyleGAN2Generator):
    """``map`` / ``synthesize`` methods, but a class that declares latent truncation: no W space to its callers."""

    truncation = "latents"


@pytest.fixture
def undeclared():
    torch.manual_seed(0)
    return MappedButNotDeclared(**TINY_STYLEGAN2).eval()


def test_the_declaration_is_the_capability(undeclared):
    from hfgan.models import has_w_space, truncation_kind

    stylegan2 = StyleGAN2Generator(**TINY_STYLEGAN2)
    biggan = BigGANDeepGenerator(num_classes=2, channel_width=8, layers=[[True, 1, 1]], attention_layer_position=None,
                                 sample_size=8, latent_dim=4, class_embed_dim=4, n_stats=3)
    assert (truncation_kind(stylegan2), has_w_space(stylegan2)) == ("w_space", True)
    assert (truncation_kind(biggan), has_w_space(biggan)) == ("standing_stats", False)
    dcgan = DCGANGenerator(sample_size=8, base_channels=4, max_channels=8)
    assert (truncation_kind(dcgan), has_w_space(dcgan)) == ("latents", False)
    assert not has_w_space(None) and not has_w_space(undeclared)


def test_every_caller_asks_the_declaration(undeclared):
    from hfgan.tasks.stylegan2 import StyleGAN2Task

    pipe = GANPipeline(generator=undeclared)
    assert pipe.truncation_kind == "latents"
    with pytest.raises(HFGANError, match="W space"):
        pipe.style_mixing(num_rows=1, num_columns=1, generator=torch.Generator().manual_seed(0))
    with pytest.raises(HFGANError, match="noise_mode"):
        pipe(batch_size=1, noise_mode="const")
    task = object.__new__(StyleGAN2Task)  # its network check reads nothing of the training config but the model name
    task.config = SimpleNamespace(model="stylegan2-28")
    with pytest.raises(ConfigError, match="mapping network"):
        task.check_networks({"generator": undeclared, "discriminator": torch.nn.Linear(1, 1)})
    task.check_networks({"generator": StyleGAN2Generator(**TINY_STYLEGAN2), "discriminator": torch.nn.Linear(1, 1)})
