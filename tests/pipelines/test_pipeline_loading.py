"""save_pretrained / from_pretrained: round trip, dtypes, subfolders, the Hub path, and every bad folder."""

import json
import os
import shutil

import pytest
import torch
from safetensors.torch import load_file, save_file

from hfgan import CheckpointError, ConfigError, GANPipeline, HFGANError

WEIGHTS = "diffusion_pytorch_model.safetensors"


@pytest.fixture(autouse=True)
def no_unpickling(monkeypatch):
    """Loading never unpickles: any torch.load in these tests fails them."""
    def refuse(*args, **kwargs):
        raise AssertionError("torch.load was called while loading a pipeline")

    monkeypatch.setattr(torch, "load", refuse)


def files_under(folder):
    return sorted(os.path.relpath(os.path.join(root, f), folder) for root, _, names in os.walk(folder) for f in names)


def images(pipe, **kwargs):
    return pipe(batch_size=3, generator=torch.Generator().manual_seed(0), output_type="pt", **kwargs).images


def test_round_trip(tiny_conditional_pipeline, tmp_path):
    pipe = tiny_conditional_pipeline
    pipe.card_data = {"dataset": "fashion_mnist", "metrics": [{"type": "fid", "value": 12.5}], "command": "hfgan train x"}
    pipe.save_pretrained(tmp_path / "p")
    assert files_under(tmp_path / "p") == ["README.md", "discriminator/config.json", f"discriminator/{WEIGHTS}",
                                           "generator/config.json", f"generator/{WEIGHTS}", "model_index.json",
                                           "pipeline_hfgan.py"]  # the module diffusers imports to find the class
    index = json.loads((tmp_path / "p" / "model_index.json").read_text())
    assert index["generator"] == ["hfgan", "DCGANGenerator"] and index["discriminator"] == ["hfgan", "DCGANDiscriminator"]

    loaded = GANPipeline.from_pretrained(tmp_path / "p")
    assert loaded.card_data == pipe.card_data
    assert not loaded.generator.training and loaded.class_names == ["shirt", "shoe", "bag"]
    assert torch.equal(images(loaded, class_labels="bag"), images(pipe, class_labels="bag"))
    x = torch.rand(2, 1, 8, 8) * 2 - 1
    with torch.no_grad():  # equal weights; the matmul kernel may differ in the last bit (memory alignment)
        torch.testing.assert_close(loaded.discriminator(x, torch.tensor([0, 2])), pipe.discriminator.eval()(x, torch.tensor([0, 2])))
    loaded.save_pretrained(tmp_path / "again")  # a loaded pipeline saves the same card again
    assert (tmp_path / "again" / "README.md").read_text() == (tmp_path / "p" / "README.md").read_text()


def test_without_discriminator(make_tiny_pipeline, tmp_path):
    pipe = make_tiny_pipeline(family="mlp_gan", discriminator=False)
    pipe.save_pretrained(tmp_path)
    loaded = GANPipeline.from_pretrained(str(tmp_path))
    assert loaded.discriminator is None
    assert torch.equal(images(loaded), images(pipe))


@pytest.mark.parametrize("kwargs, dtype", [
    ({"torch_dtype": torch.float64}, torch.float64),
    ({"dtype": torch.bfloat16}, torch.bfloat16),
    ({"torch_dtype": "float64"}, torch.float64),
])
def test_dtype(saved_pipeline_dir, kwargs, dtype):
    pipe = GANPipeline.from_pretrained(saved_pipeline_dir, **kwargs)
    assert pipe.generator.dtype == dtype and pipe.discriminator.dtype == dtype
    out = images(pipe)
    assert out.dtype == dtype
    reference = images(GANPipeline.from_pretrained(saved_pipeline_dir))
    torch.testing.assert_close(out.float(), reference, atol=0.05 if dtype == torch.bfloat16 else 1e-6, rtol=0)
    assert pipe(batch_size=2).images[0].mode == "L"


@pytest.mark.parametrize("kwargs, match", [
    ({"dtype": torch.float16, "torch_dtype": torch.float32}, "disagree"),
    ({"dtype": torch.int8}, "floating-point torch.dtype"),
    ({"torch_dtype": "half-ish"}, "floating-point torch.dtype"),
    ({"use_safetensors": False}, "safetensors weights only"),
])
def test_bad_loading_options(saved_pipeline_dir, kwargs, match):
    with pytest.raises(HFGANError, match=match):
        GANPipeline.from_pretrained(saved_pipeline_dir, **kwargs)


def test_safe_serialization_only(tiny_pipeline, tmp_path):
    with pytest.raises(HFGANError, match="safetensors weights only"):
        tiny_pipeline.save_pretrained(tmp_path, safe_serialization=False)


def test_subfolder_and_variant(tiny_pipeline, tmp_path):
    tiny_pipeline.save_pretrained(tmp_path / "repo" / "v1", variant="ema")
    assert (tmp_path / "repo" / "v1" / "generator" / "diffusion_pytorch_model.ema.safetensors").is_file()
    loaded = GANPipeline.from_pretrained(tmp_path / "repo", subfolder="v1", variant="ema")
    assert torch.equal(images(loaded), images(tiny_pipeline))
    with pytest.raises(CheckpointError, match="no diffusion_pytorch_model.safetensors weights file"):
        GANPipeline.from_pretrained(tmp_path / "repo" / "v1")


def _corrupt(folder, how):
    generator = folder / "generator"
    weights = generator / WEIGHTS
    if how == "no model_index.json":
        (folder / "model_index.json").unlink()
    elif how == "model_index.json not JSON":
        (folder / "model_index.json").write_text("{not json")
    elif how == "another pipeline class":
        index = json.loads((folder / "model_index.json").read_text())
        (folder / "model_index.json").write_text(json.dumps({**index, "_class_name": "DDPMPipeline"}))
    elif how == "no generator folder":
        shutil.rmtree(generator)
    elif how == "config not JSON":
        (generator / "config.json").write_text("[1, 2")
    elif how.startswith("config "):
        key, value = {"config wrong type": ("latent_dim", "eight"), "config bad size": ("sample_size", 30),
                      "config bad channels": ("out_channels", 2)}[how]
        config = json.loads((generator / "config.json").read_text())
        (generator / "config.json").write_text(json.dumps({**config, key: value}))
    elif how == "no weights":
        weights.unlink()
    elif how == "pickle weights only":  # a real torch.save checkpoint, which torch.load would unpickle
        torch.save(load_file(weights), generator / "diffusion_pytorch_model.bin")
        weights.unlink()
    elif how == "truncated weights":
        weights.write_bytes(weights.read_bytes()[:-10])
    elif how == "garbage weights":
        weights.write_bytes(b"\x00" * 200)
    elif how == "empty weights":
        weights.write_bytes(b"")
    elif how in ("missing tensor", "extra tensor", "wrong shape"):
        state = load_file(weights)
        if how == "missing tensor":
            del state["to_image.weight"]
        elif how == "extra tensor":
            state["unexpected.weight"] = torch.zeros(1)
        else:
            state["to_image.weight"] = torch.zeros(3)
        save_file(state, weights)


BAD_FOLDERS = [
    ("no model_index.json", CheckpointError, "has no model_index.json: it is not a saved hfgan pipeline"),
    ("model_index.json not JSON", CheckpointError, "model_index.json is not a readable JSON file"),
    ("another pipeline class", CheckpointError, "describes a 'DDPMPipeline', not a GANPipeline"),
    ("no generator folder", CheckpointError, r"generator/config.json is missing \(model_index.json lists a generator\)"),
    ("config not JSON", CheckpointError, "generator/config.json is not a readable JSON file"),
    ("config wrong type", ConfigError, "DCGANGenerator: config 'latent_dim' must be a positive integer, got 'eight'"),
    ("config bad size", ConfigError, "sample_size=30 is not supported"),
    ("config bad channels", ConfigError, "config 'out_channels' must be 1 or 3"),
    ("no weights", CheckpointError, "generator has no diffusion_pytorch_model.safetensors weights file"),
    ("pickle weights only", CheckpointError, "only pickled weights .*never unpickles"),
    ("truncated weights", CheckpointError, f"generator/{WEIGHTS} is corrupt or truncated"),
    ("garbage weights", CheckpointError, f"generator/{WEIGHTS} is corrupt or truncated"),
    ("empty weights", CheckpointError, f"generator/{WEIGHTS} is corrupt or truncated"),
    ("missing tensor", CheckpointError, r"weights do not match the config \(missing \['to_image.weight'\]"),
    ("extra tensor", CheckpointError, r"unexpected \['unexpected.weight'\]"),
    ("wrong shape", CheckpointError, "to_image.weight expected shape"),
]


@pytest.mark.parametrize("how, error, match", BAD_FOLDERS, ids=[case[0] for case in BAD_FOLDERS])
def test_bad_folders_give_one_clear_line(saved_pipeline_dir, tmp_path, how, error, match):
    folder = tmp_path / "copy"
    shutil.copytree(saved_pipeline_dir, folder)
    _corrupt(folder, how)
    with pytest.raises(error, match=match) as info:
        GANPipeline.from_pretrained(folder)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("path, match", [
    ("./does/not/exist", "no such folder"),
    ("a/b/c", "no such folder"),
    ("user/not-cached", "not in the local cache"),
    ("not a repo id!", "neither a pipeline folder nor a valid Hub repo id"),
])
def test_missing_paths(path, match):
    with pytest.raises(CheckpointError, match=match):
        GANPipeline.from_pretrained(path)


def test_a_file_is_not_a_folder(saved_pipeline_dir):
    with pytest.raises(CheckpointError, match="it is a file"):
        GANPipeline.from_pretrained(saved_pipeline_dir / "model_index.json")


def test_hub_repo_id_downloads_only_what_loading_reads(saved_pipeline_dir, tmp_path, monkeypatch):
    import huggingface_hub

    calls = []

    def fake_snapshot_download(repo_id, **kwargs):
        calls.append((repo_id, kwargs))
        snapshot = tmp_path / "cache" / repo_id.replace("/", "--")
        shutil.copytree(saved_pipeline_dir, snapshot / "sub", dirs_exist_ok=True)
        return str(snapshot)

    monkeypatch.setattr(huggingface_hub, "snapshot_download", fake_snapshot_download)
    pipe = GANPipeline.from_pretrained("user/tiny-gan", subfolder="sub", revision="v1", token="hf_x", dtype=torch.float64)
    assert pipe.card_data["dataset"] == "fashion_mnist" and pipe.generator.dtype == torch.float64
    ((repo_id, kwargs),) = calls
    assert repo_id == "user/tiny-gan" and kwargs["revision"] == "v1" and kwargs["token"] == "hf_x"
    assert "sub/model_index.json" in kwargs["allow_patterns"]
    assert not any(p.endswith((".bin", "*")) for p in kwargs["allow_patterns"])  # never fetch pickles


def test_hub_errors_become_one_line(monkeypatch):
    import httpx
    import huggingface_hub
    from huggingface_hub.errors import RepositoryNotFoundError

    def missing(repo_id, **kwargs):
        response = httpx.Response(404, request=httpx.Request("GET", f"https://huggingface.co/api/models/{repo_id}"))
        raise RepositoryNotFoundError("404 Client Error.\nRepository Not Found", response=response)

    monkeypatch.setattr(huggingface_hub, "snapshot_download", missing)
    with pytest.raises(CheckpointError, match="there is no Hub repo user/missing"):
        GANPipeline.from_pretrained("user/missing")

    def offline(repo_id, **kwargs):
        raise ConnectionError("Name or service not known\nmore lines")

    monkeypatch.setattr(huggingface_hub, "snapshot_download", offline)
    with pytest.raises(CheckpointError, match=r"could not download user/x from the Hub: ConnectionError: Name or service "
                                              r"not known \(check the network or proxy, or set HF_HUB_OFFLINE=1 to use the "
                                              r"local cache\)$"):
        GANPipeline.from_pretrained("user/x")
