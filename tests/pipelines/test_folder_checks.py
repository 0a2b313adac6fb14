"""Hostile and broken pipeline folders: path-like keys, undeclared components, FIFOs, deep JSON, non-finite or
integer weights, and configs of networks too large for memory. Each is refused with one line, before diffusers
reads anything and before anything big is allocated."""

import json
import multiprocessing
import os
import shutil

import pytest
import torch
from safetensors.torch import load_file, save_file

from hfgan import CheckpointError, GANImageToImagePipeline, GANPipeline, load_pipeline
from hfgan.pipelines import folder_checks, memory

WEIGHTS = "diffusion_pytorch_model.safetensors"


@pytest.fixture
def folder(saved_pipeline_dir, tmp_path):
    return shutil.copytree(saved_pipeline_dir, tmp_path / "copy")


def edit_json(path, **changes):
    data = json.loads(path.read_text())
    data.update(changes)
    path.write_text(json.dumps(data))


def load_error(folder, **kwargs) -> str:
    with pytest.raises(CheckpointError) as info:
        GANPipeline.from_pretrained(folder, **kwargs)
    message = str(info.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize("key", ["/etc", "../outside", "a/b", "a\\b", "..", "sub/../generator"])
def test_path_like_keys_are_refused_without_looking_them_up(folder, tmp_path, key):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "config.json").write_text("{}")
    edit_json(folder / "model_index.json", **{key: ["hfgan", "DCGANGenerator"]})
    message = load_error(folder)
    assert "is a path" in message and "missing" not in message and "readable" not in message


def test_keys_are_plain_names_and_declared_components(folder):
    edit_json(folder / "model_index.json", **{"gen erator": ["hfgan", "DCGANGenerator"]})
    assert "is not a plain name" in load_error(folder)
    index = json.loads((folder / "model_index.json").read_text())
    del index["gen erator"]
    (folder / "model_index.json").write_text(json.dumps({**index, "generator_reverse": ["hfgan", "DCGANGenerator"]}))
    assert "lists a component 'generator_reverse', which this pipeline does not have" in load_error(folder)


def test_components_must_be_hfgan_models(folder):
    edit_json(folder / "model_index.json", generator=["os", "system"])
    assert "hfgan pipelines hold hfgan models only" in load_error(folder)


def _load_in_child(path, queue):
    try:
        GANPipeline.from_pretrained(path)
        queue.put("loaded")
    except CheckpointError as err:
        queue.put(str(err))


@pytest.mark.parametrize("which", [WEIGHTS, "config.json"])
def test_a_fifo_is_refused_without_blocking(folder, which):
    target = folder / "generator" / which
    target.unlink()
    os.mkfifo(target)
    queue = multiprocessing.get_context("fork").Queue()
    child = multiprocessing.get_context("fork").Process(target=_load_in_child, args=(str(folder), queue))
    child.start()
    child.join(timeout=60)
    if child.is_alive():
        child.kill()
        pytest.fail(f"loading blocked on a FIFO {which}")
    message = queue.get(timeout=5)
    assert "is not a regular file" in message and which in message


@pytest.mark.parametrize("text", ["[" * 100_000 + "]" * 100_000, '{"a": ' * 100_000 + "1" + "}" * 100_000])
def test_deeply_nested_json_is_one_line(folder, text):
    (folder / "generator" / "config.json").write_text(text)
    assert "is not a readable JSON file (it nests too deeply)" in load_error(folder)
    (folder / "model_index.json").write_text(text)
    assert "model_index.json is not a readable JSON file (it nests too deeply)" in load_error(folder)


def test_oversized_json_is_refused(folder, monkeypatch):
    monkeypatch.setattr(folder_checks, "MAX_JSON_BYTES", 64)
    assert "more than the 64 bytes a config may have" in load_error(folder)


@pytest.mark.parametrize("value, dtype, match", [
    (float("nan"), torch.float32, "holds NaN or inf values"),
    (float("inf"), torch.float32, "holds NaN or inf values"),
    (1, torch.int32, "is I32, not floating point"),
])
def test_nonfinite_and_integer_weights(folder, value, dtype, match):
    weights = folder / "generator" / WEIGHTS
    state = load_file(weights)
    tensor = state["to_image.weight"].clone()
    state["to_image.weight"] = tensor.to(dtype) if dtype != torch.float32 else tensor.flatten().index_fill(0, torch.tensor([3]), value).view_as(tensor)
    save_file(state, weights)
    message = load_error(folder)
    assert match in message and "to_image.weight" in message and "allow_nonfinite=True" in message
    pipe = GANPipeline.from_pretrained(folder, allow_nonfinite=True)  # research use: load what is there
    assert pipe.generator.to_image.weight.dtype == torch.float32
    assert torch.isfinite(pipe.generator.to_image.weight).all() == (value == 1)
    assert load_pipeline(folder, allow_nonfinite=True).generator is not None


def test_a_huge_config_is_measured_before_anything_is_allocated(folder):
    edit_json(folder / "generator" / "config.json", latent_dim=10**9)  # a Linear of 10**9 x 256: about 1 TB
    message = load_error(folder)
    assert "generator/config.json describes a network of 2.56e+11 values (953.7 GiB)" in message
    assert "of memory is available" in message


def test_memory_check_counts_every_component_at_the_loading_dtype(folder, monkeypatch):
    sizes = memory.estimate_size(str(folder), ["generator", "discriminator"])
    reference = GANPipeline.from_pretrained(folder)
    for name, (values, size) in sizes.items():
        module = getattr(reference, name)
        expected = list(module.parameters()) + list(module.buffers())
        assert values == sum(t.numel() for t in expected) and size == sum(t.numel() * t.element_size() for t in expected)
    total = sum(size for _, size in sizes.values())
    monkeypatch.setattr(memory, "_available_memory", lambda: total - 1)
    assert "but only" in load_error(folder)
    meta = memory._meta_models(str(folder), ["generator"])["generator"]
    one_image, _ = memory.first_image_bytes(meta, torch.float16)  # the activations of one image count too
    monkeypatch.setattr(memory, "_available_memory", lambda: total // 2 + one_image + 1000)
    GANPipeline.from_pretrained(folder, torch_dtype=torch.float16)  # half the bytes fit


def test_image_to_image_pipelines_get_the_same_checks(tmp_path):
    from hfgan import Pix2PixGenerator

    torch.manual_seed(0)
    path = tmp_path / "p2p"
    GANImageToImagePipeline(Pix2PixGenerator(in_channels=1, out_channels=1, sample_size=16, base_channels=4,
                                             max_channels=8)).save_pretrained(path)
    edit_json(path / "model_index.json", **{"../x": ["hfgan", "Pix2PixGenerator"]})
    with pytest.raises(CheckpointError, match="is a path"):
        load_pipeline(path)
