"""``create_model`` as timm users call it: ``"hf-hub:org/repo"`` loads a published pipeline's networks, and
``pretrained=True`` on a registry variant says where pretrained weights are. The Hub download is pointed at a
local saved pipeline."""

import pytest
import torch

import hfgan
from hfgan.errors import HFGANError
from hfgan.pipelines import pipeline_utils


@pytest.fixture
def hub_repo(saved_pipeline_dir, monkeypatch):
    """``org/tiny`` on the "Hub": its download is the saved tiny pipeline folder."""
    asked = []

    def download_pipeline(repo_id, subfolder=None, **kwargs):
        asked.append(repo_id)
        return str(saved_pipeline_dir)

    monkeypatch.setattr(pipeline_utils, "download_pipeline", download_pipeline)
    return asked


def test_hf_hub_loads_the_published_generator_and_discriminator(hub_repo, saved_pipeline_dir):
    generator, discriminator = hfgan.create_model("hf-hub:org/tiny", pretrained=True)
    saved = hfgan.load_pipeline(saved_pipeline_dir)
    assert hub_repo == ["org/tiny"]
    assert type(generator) is type(saved.generator) and type(discriminator) is type(saved.discriminator)
    for mine, theirs in ((generator, saved.generator), (discriminator, saved.discriminator)):
        assert all(torch.equal(a, b) for a, b in zip(mine.state_dict().values(), theirs.state_dict().values()))


def test_hf_hub_without_pretrained_builds_the_published_configs_untrained(hub_repo, saved_pipeline_dir):
    generator, _ = hfgan.create_model("hf-hub:org/tiny")
    saved = hfgan.load_pipeline(saved_pipeline_dir).generator
    assert dict(generator.config) == dict(saved.config)
    assert not all(torch.equal(a, b) for a, b in zip(generator.state_dict().values(), saved.state_dict().values()))


@pytest.mark.parametrize("name", ["hf-hub:/abs/path/tiny", "hf-hub:", "hf-hub:bad repo id!!"])
def test_hf_hub_takes_a_hub_repo_id_only(name, hub_repo):
    with pytest.raises(HFGANError, match="Hub repo id") as err:
        hfgan.create_model(name)
    assert "\n" not in str(err.value) and hub_repo == []


def test_hf_hub_refuses_config_overrides(hub_repo):
    with pytest.raises(HFGANError, match="generator_kwargs"):
        hfgan.create_model("hf-hub:org/tiny", generator_kwargs={"latent_dim": 4})


def test_pretrained_registry_variant_says_where_weights_are():
    with pytest.raises(HFGANError, match="no pretrained weights") as err:
        hfgan.create_model("dcgan-28", pretrained=True)
    message = str(err.value)
    assert "\n" not in message and "hf-hub:org/repo" in message and "GANPipeline.from_pretrained" in message
