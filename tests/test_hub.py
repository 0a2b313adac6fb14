"""Model cards and publishing: the card's Hub metadata, and push_to_hub with the Hub API patched."""

import os
import shutil
import types

import numpy as np
import pytest
import torch
import yaml
from huggingface_hub import HfApi

from hfgan import CheckpointError, DCGANDiscriminator, DCGANGenerator, GANPipeline, HFGANError
from hfgan.cards import read_card_data
from hfgan.pipelines.publishing import push_folder


def files_under(folder):
    return sorted(os.path.relpath(os.path.join(root, f), folder) for root, _, names in os.walk(folder) for f in names)


def card_header(folder):
    text = open(os.path.join(folder, "README.md"), encoding="utf-8").read()
    assert text.startswith("---\n")
    return yaml.safe_load(text.split("---\n")[1]), text


@pytest.fixture
def hub(monkeypatch, tmp_path):
    """Patch ``HfApi.create_repo`` / ``HfApi.upload_folder``: each upload is copied to ``hub.uploads[i]``."""
    state = types.SimpleNamespace(uploads=[], calls=[])

    def create_repo(self, repo_id, **kwargs):
        state.calls.append(("create_repo", repo_id, kwargs))
        return types.SimpleNamespace(repo_id=repo_id)

    def upload_folder(self, *, repo_id, folder_path, **kwargs):
        state.calls.append(("upload_folder", repo_id, kwargs))
        copy = tmp_path / f"uploaded-{len(state.uploads)}"
        shutil.copytree(folder_path, copy)
        state.uploads.append(copy)
        return f"https://huggingface.co/{repo_id}/commit/0"

    def hf_hub_download(self, *, repo_id, filename, **kwargs):  # the repo's card: the last one uploaded, if any
        if not state.uploads:
            raise FileNotFoundError(f"{repo_id} has no {filename}")
        return str(state.uploads[-1] / filename)

    monkeypatch.setattr(HfApi, "create_repo", create_repo)
    monkeypatch.setattr(HfApi, "upload_folder", upload_folder)
    monkeypatch.setattr(HfApi, "hf_hub_download", hf_hub_download)
    return state


def test_issue_example(tmp_path, hub, monkeypatch):
    monkeypatch.chdir(tmp_path)
    g = DCGANGenerator(latent_dim=100, out_channels=1, sample_size=28)
    pipe = GANPipeline(generator=g, discriminator=DCGANDiscriminator(in_channels=1, sample_size=28))
    pipe.save_pretrained("out/my-gan")
    assert sorted(os.listdir("out/my-gan")) == ["README.md", "discriminator", "generator", "model_index.json", "pipeline_hfgan.py"]
    pipe = GANPipeline.from_pretrained("out/my-gan")
    images = pipe(batch_size=16, generator=torch.Generator().manual_seed(0)).images
    assert len(images) == 16 and images[0].size == (28, 28) and images[0].mode == "L"
    assert pipe.push_to_hub("user/my-gan") == "https://huggingface.co/user/my-gan/commit/0"
    assert files_under(hub.uploads[0]) == files_under("out/my-gan")


def test_card_metadata_unconditional(tiny_pipeline, tmp_path):
    tiny_pipeline.card_data = {"dataset": "fashion_mnist", "license": "apache-2.0", "name": "Tiny",
                               "metrics": [{"type": "fid", "value": np.float64(31.25), "split": "test", "num_samples": 100}]}
    tiny_pipeline.save_pretrained(tmp_path)
    meta, text = card_header(tmp_path)
    assert meta["library_name"] == "hfgan"
    assert meta["pipeline_tag"] == "unconditional-image-generation"
    assert meta["license"] == "apache-2.0"
    assert meta["tags"] == ["gan", "hfgan", "dcgan", "fashion-mnist"]
    assert meta["datasets"] == ["zalando-datasets/fashion_mnist"]
    assert "id2label" not in meta
    (result,) = meta["model-index"][0]["results"]
    assert result["metrics"] == [{"type": "fid", "name": "FID", "value": 31.25}]
    assert "# Tiny" in text and "GANPipeline.from_pretrained" in text and "| generator | `DCGANGenerator` |" in text


def test_card_metadata_conditional_mlp(make_tiny_pipeline, tmp_path):
    pipe = make_tiny_pipeline(family="mlp_gan", num_classes=3)
    pipe.save_pretrained(tmp_path)
    meta, text = card_header(tmp_path)
    assert meta["license"] == "mit" and "datasets" not in meta
    assert meta["tags"] == ["gan", "hfgan", "mlp-gan", "class-conditional"]
    assert meta["id2label"] == {"0": "shirt", "1": "shoe", "2": "bag"}
    assert "class_labels=list(range(3))" in text and "0: shirt, 1: shoe, 2: bag" in text


def test_card_data_survives_save_and_load(tiny_pipeline, tmp_path):
    data = {"dataset": "fashion_mnist", "training": {"lr": 0.0002, "betas": (0.5, 0.999)}, "samples": "samples.png"}
    tiny_pipeline.card_data = data
    tiny_pipeline.save_pretrained(tmp_path)
    assert read_card_data(tmp_path) == {**data, "training": {"lr": 0.0002, "betas": [0.5, 0.999]}}
    assert GANPipeline.from_pretrained(tmp_path).card_data == read_card_data(tmp_path)
    (tmp_path / "README.md").write_text("---\n: not yaml [\n---\nhand edited")
    assert read_card_data(tmp_path) == {}
    assert GANPipeline.from_pretrained(tmp_path).card_data == {}


def test_push_to_hub_uploads_exactly_what_from_pretrained_reads(tiny_conditional_pipeline, tmp_path, hub):
    pipe = tiny_conditional_pipeline
    pipe.card_data = {"dataset": "fashion_mnist"}
    pipe.push_to_hub("user/tiny", commit_message="first", private=True, token="hf_x", create_pr=True)
    pipe.save_pretrained(tmp_path / "saved")
    (uploaded,) = hub.uploads
    assert files_under(uploaded) == files_under(tmp_path / "saved")
    assert [c[0] for c in hub.calls] == ["create_repo", "upload_folder"]
    assert hub.calls[0][2]["private"] is True and hub.calls[1][2]["commit_message"] == "first" and hub.calls[1][2]["create_pr"]
    meta, text = card_header(uploaded)
    assert meta["id2label"]["2"] == "bag" and 'GANPipeline.from_pretrained("user/tiny")' in text

    loaded = GANPipeline.from_pretrained(shutil.copytree(uploaded, tmp_path / "copy"))
    assert loaded.card_data == pipe.card_data
    seeded = dict(class_labels=[0, 1, 2], generator=torch.Generator().manual_seed(0), output_type="pt")
    expected = pipe(**seeded).images
    seeded["generator"] = torch.Generator().manual_seed(0)
    assert torch.equal(loaded(**seeded).images, expected)


def test_save_pretrained_push_to_hub_uploads_the_saved_folder(tiny_pipeline, tmp_path, hub):
    tiny_pipeline.save_pretrained(tmp_path / "my-gan", push_to_hub=True, token="hf_x")
    assert hub.calls[0][1] == "my-gan"  # diffusers' default: the folder name
    assert files_under(hub.uploads[0]) == files_under(tmp_path / "my-gan")


def test_push_folder_checks_then_uploads_the_repo(saved_pipeline_dir, tmp_path, hub):
    folder = shutil.copytree(saved_pipeline_dir, tmp_path / "published")
    (folder / "samples.png").write_bytes(b"png")  # not shown by the card: not part of the repo
    push_folder(str(folder), "org/tiny")
    assert files_under(hub.uploads[0]) == [f for f in files_under(folder) if f != "samples.png"]
    with pytest.raises(CheckpointError, match="has no model_index.json"):
        push_folder(str(tmp_path), "org/tiny")
    (folder / "generator" / "diffusion_pytorch_model.safetensors").write_bytes(b"")
    with pytest.raises(CheckpointError, match="corrupt or truncated"):
        push_folder(str(folder), "org/tiny")
    assert len(hub.uploads) == 1


def test_upload_errors_are_one_line(tiny_pipeline, monkeypatch):
    def unauthorized(self, repo_id, **kwargs):
        raise PermissionError("401 Unauthorized: invalid token.\nDetails follow")

    monkeypatch.setattr(HfApi, "create_repo", unauthorized)
    with pytest.raises(HFGANError, match="to the Hub repo user/x: PermissionError: 401 Unauthorized: invalid token.$"):
        tiny_pipeline.push_to_hub("user/x")


def test_card_tags_a_unet_translator_by_its_directions():
    """One U-Net generator class serves Pix2Pix (one-way) and CycleGAN (two-way): the card names the right family."""
    import hfgan
    from hfgan.cards import card_metadata

    make = lambda: hfgan.Pix2PixGenerator(in_channels=1, out_channels=1, sample_size=8, base_channels=4,  # noqa: E731
                                          max_channels=8)
    assert "pix2pix" in card_metadata(hfgan.GANImageToImagePipeline(generator=make()))["tags"]
    two_way = hfgan.GANImageToImagePipeline(generator=make(), generator_reverse=make())
    assert "cyclegan" in card_metadata(two_way)["tags"] and "pix2pix" not in card_metadata(two_way)["tags"]
