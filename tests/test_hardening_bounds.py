"""Memory and time bounds, checked before the work starts: a generator's activations (estimated on the ``meta``
device) against the memory available, the pixels of translation inputs, and the length of training and evaluation
runs. Every refusal is one line that names the argument and says what it would have cost."""

import dataclasses
import json
import math
import os
import time
from pathlib import Path

import pytest
import torch
from PIL import Image

from hfgan import (CheckpointError, ConfigError, DCGANGenerator, GANImageToImagePipeline, GANPipeline, HFGANError,
                   Pix2PixGenerator, load_pipeline)
from hfgan.cli import main
from hfgan.commands import evaluate as evaluate_command
from hfgan.commands import generate as generate_command
from hfgan.commands import translate as translate_command
from hfgan.metrics import bounds as metrics_bounds
from hfgan.pipelines import memory
from hfgan.training.config import TrainConfig

GiB = 2**30
HUGE_SIZE = 7 * 2**14  # 114688 px: one 1-channel image is 49 GiB as float32, whatever the parameter count
SHIPPED = Path(__file__).resolve().parents[1] / "pipelines"


@pytest.fixture(scope="module")
def huge_image_folder(tmp_path_factory):
    """A DCGAN of a few hundred parameters whose config asks for 114688 x 114688 images."""
    path = tmp_path_factory.mktemp("huge-image") / "dcgan"
    generator = DCGANGenerator(latent_dim=2, base_channels=1, max_channels=1, sample_size=HUGE_SIZE)
    GANPipeline(generator).save_pretrained(path)
    return path


@pytest.fixture
def sixteen_gib(monkeypatch):
    """A machine with 16 GiB of memory available, whatever this one has."""
    monkeypatch.setattr(memory, "_available_memory", lambda: 16 * GiB)


# -- activations -------------------------------------------------------------------------------------------------
def test_loading_refuses_a_generator_whose_one_image_does_not_fit(huge_image_folder, sixteen_gib):
    weights = sum(size for _, size in memory.estimate_size(str(huge_image_folder), ["generator"]).values())
    assert weights < 2**14  # the parameter count alone lets it through
    start = time.perf_counter()
    with pytest.raises(CheckpointError) as info:
        load_pipeline(huge_image_folder)
    message = str(info.value)
    assert "\n" not in message and time.perf_counter() - start < 5
    assert "generator/config.json" in message and "one 114688x114688 image" in message
    assert "GiB" in message and "but only 16.0 GiB of memory is available" in message


def test_the_cli_refuses_it_in_one_line_before_allocating(huge_image_folder, sixteen_gib, tmp_path, capsys):
    start = time.perf_counter()
    assert main(["generate", str(huge_image_folder), "--no-grid", "--save-images", str(tmp_path / "images")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "one 114688x114688 image" in err and time.perf_counter() - start < 10


def test_the_estimate_follows_the_image_size_and_is_cheap():
    small = memory.estimate_activations(DCGANGenerator, dict(latent_dim=8, base_channels=8, sample_size=56))
    large = memory.estimate_activations(DCGANGenerator, dict(latent_dim=8, base_channels=8, sample_size=112))
    assert small.output_bytes == 56 * 56 * 4 and large.output_bytes == 112 * 112 * 4
    assert small.first >= small.output_bytes and small.per_image >= small.output_bytes
    assert 3 < large.per_image / small.per_image < 5  # activations grow with the pixels
    half = memory.estimate_activations(DCGANGenerator, dict(latent_dim=8, base_channels=8, sample_size=56),
                                              dtype=torch.float16)
    assert half.output_bytes == small.output_bytes // 2 and half.per_image < small.per_image
    assert small.bytes_for(10) == small.first + 9 * small.per_image
    assert small.max_images(small.bytes_for(7)) == 7 and small.max_images(small.first - 1) == 0


def test_a_generator_the_meta_device_cannot_run_is_bounded_by_its_image_size(monkeypatch):
    def cannot_run(*args, **kwargs):
        raise NotImplementedError("no meta kernel")

    monkeypatch.setattr(memory, "_peak_bytes", cannot_run)
    estimate = memory.estimate_activations(DCGANGenerator, dict(latent_dim=8, base_channels=8, sample_size=56,
                                                                       out_channels=3))
    assert estimate.output_shape == (3, 56, 56) and estimate.first == estimate.per_image > 8 * estimate.output_bytes


def shipped_generators():
    for folder in sorted(SHIPPED.iterdir()):
        index = json.loads((folder / "model_index.json").read_text())
        for name in ("generator", "generator_reverse"):
            if isinstance(index.get(name), list) and index[name][0]:
                yield pytest.param(folder, name, id=f"{folder.name}-{name}")


@pytest.mark.parametrize("folder, name", list(shipped_generators()))
def test_every_shipped_generator_is_measured_on_meta_in_milliseconds(folder, name):
    """The loader's check adds one meta-device pass of the generator (it builds every component there already)."""
    config = json.loads((folder / name / "config.json").read_text())
    meta = memory._meta_models(str(folder), [name])[name]
    memory.first_image_bytes(meta)  # imports and first-call costs
    meta = memory._meta_models(str(folder), [name])[name]
    start = time.perf_counter()
    first, shape = memory.first_image_bytes(meta)
    assert time.perf_counter() - start < 0.5
    assert shape == (config["out_channels"], config["sample_size"], config["sample_size"])
    estimate = memory.estimate_activations(type(meta), config)
    assert estimate.first == first and estimate.output_bytes == math.prod(shape) * 4
    assert estimate.first >= estimate.output_bytes and estimate.per_image >= estimate.output_bytes


def test_a_loaded_generator_is_sized_by_its_activations(make_tiny_pipeline, monkeypatch):
    pipe = make_tiny_pipeline(sample_size=16)
    estimate = memory.generator_activations(pipe.generator)
    assert memory.generator_activations(pipe.generator) is estimate  # measured once per model
    budget = estimate.bytes_for(5)
    monkeypatch.setattr(memory, "_available_memory", lambda: int(budget / memory.MEMORY_FRACTION) + 1)
    assert memory.max_images_in_memory(pipe.generator) == 5
    memory.check_images_fit(pipe.generator, 5)
    with pytest.raises(HFGANError, match=r"^6 images of 16x16 need about .* of memory, but at most .* may be used now "
                                         r"\(half of the .* available\): ask for at most 5$"):
        memory.check_images_fit(pipe.generator, 6)


def test_generate_chooses_chunks_that_fit(saved_pipeline_dir, tmp_path, monkeypatch):
    pipe = GANPipeline.from_pretrained(saved_pipeline_dir)
    estimate = memory.generator_activations(pipe.generator)
    budget = int(estimate.bytes_for(5) / memory.MEMORY_FRACTION) + 1
    monkeypatch.setattr(memory, "_available_memory", lambda: budget)
    assert generate_command.chunk_size(pipe, torch.device("cpu")) == 5
    calls = []
    original = GANPipeline.__call__

    def spy(self, *args, **kwargs):
        calls.append(kwargs["batch_size"])
        return original(self, *args, **kwargs)

    monkeypatch.setattr(GANPipeline, "__call__", spy)
    assert main(["generate", str(saved_pipeline_dir), "--num-images", "12", "--out", str(tmp_path / "g.png")]) == 0
    assert calls == [5, 5, 2]


def test_evaluation_generates_in_batches_that_fit(tiny_pipeline, monkeypatch):
    from hfgan.metrics.sampling import generate_batches

    estimate = memory.generator_activations(tiny_pipeline.generator)
    monkeypatch.setattr(memory, "_available_memory",
                        lambda: int(estimate.bytes_for(4) / memory.MEMORY_FRACTION) + 1)
    sizes = [len(images) for images, _ in generate_batches(tiny_pipeline, 10, batch_size=500)]
    assert sizes == [4, 4, 2]


# -- translation inputs ----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def translator_dir(tmp_path_factory):
    path = tmp_path_factory.mktemp("translator") / "p2p"
    torch.manual_seed(0)
    GANImageToImagePipeline(Pix2PixGenerator(in_channels=1, out_channels=1, sample_size=16, base_channels=4,
                                             max_channels=8)).save_pretrained(path)
    return path


def bilevel_png(path, width, height):
    """A 1-bit PNG: millions of pixels in a few kB."""
    Image.new("1", (width, height)).save(path)
    return path


def test_translate_refuses_inputs_above_the_pixel_limit_before_decoding(translator_dir, tmp_path, monkeypatch, capsys):
    from hfgan.pipelines.image_processor import MAX_INPUT_PIXELS

    big = bilevel_png(tmp_path / "big.png", 4500, 4000)  # 18 MP
    assert os.path.getsize(big) < 100_000 and MAX_INPUT_PIXELS == 16_000_000
    monkeypatch.setattr(Image.Image, "load", lambda self: pytest.fail("an image was decoded"))
    assert main(["translate", str(translator_dir), str(big), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{big} is 4500x4000 pixels (18 megapixels)" in err
    assert "more than the 16 megapixels --max-image-pixels allows" in err and not (tmp_path / "out").exists()


def test_an_image_far_above_the_limit_is_one_line_too(translator_dir, tmp_path, capsys):
    bomb = bilevel_png(tmp_path / "bomb.png", 6000, 6000)  # beyond PIL's own bomb check at twice the limit
    assert main(["translate", str(translator_dir), str(bomb), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(bomb) in err and "--max-image-pixels" in err and "Traceback" not in err


def test_max_image_pixels_raises_the_limit(translator_dir, tmp_path, capsys):
    big = bilevel_png(tmp_path / "big.png", 4500, 4000)
    assert main(["translate", str(translator_dir), str(big), "--out", str(tmp_path / "out"),
                 "--max-image-pixels", "20000000"]) == 0
    assert Image.open(tmp_path / "out" / "big.png").size == (16, 16)
    assert main(["translate", str(translator_dir), str(big), "--out", str(tmp_path / "out"),
                 "--max-image-pixels", "0"]) == 2
    assert "--max-image-pixels must be >= 1" in capsys.readouterr().err


def test_translation_batches_stay_within_a_decoding_budget():
    sizes = [(4000, 4000)] * 3 + [(100, 100)] * 5
    per_image = translate_command.decoded_bytes(4000, 4000)
    batches = translate_command.plan_batches(sizes, batch_size=4, budget=2 * per_image)
    assert batches == [[0, 1], [2, 3, 4, 5], [6, 7]]
    assert translate_command.plan_batches(sizes, batch_size=16, budget=1) == [[i] for i in range(8)]


# -- run lengths and float values ------------------------------------------------------------------------------
def load_config(**overrides):
    from hfgan.training.presets import load_run_config

    return load_run_config("dcgan-fashion-mnist", {k: str(v) for k, v in overrides.items()})


@pytest.mark.parametrize("value", ["1e30", "1" + "0" * 30, "2000000000"])
def test_max_train_steps_is_bounded_with_the_time_it_would_take(value):
    with pytest.raises(ConfigError) as info:
        load_config(max_train_steps=value)
    message = str(info.value)
    assert "\n" not in message and "max_train_steps must be at most 1000000000" in message
    assert "years" in message and "steps a second" in message


def test_max_train_steps_must_be_an_integer():
    assert load_config(max_train_steps="1e3").max_train_steps == 1000
    with pytest.raises(ConfigError, match=r"^--max_train_steps expects int, got '2.5'$"):
        load_config(max_train_steps="2.5")


FLOAT_KEYS = [f.name for f in dataclasses.fields(TrainConfig) if "float" in str(f.type)]


@pytest.mark.parametrize("key", FLOAT_KEYS)
@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
def test_every_float_value_must_be_finite(key, value):
    with pytest.raises(ConfigError) as info:
        load_config(**{key: value})
    assert "\n" not in str(info.value) and str(info.value).startswith(f"{key} must be")


@pytest.mark.parametrize("key, value", [("learning_rate_g", "-1"), ("learning_rate_d", "0"), ("adam_beta1", "1.5"),
                                        ("adam_beta2", "-0.1"), ("adam_weight_decay", "-1"), ("gp_weight", "-10"),
                                        ("r1_gamma", "-1"), ("feature_matching_weight", "-1"),
                                        ("max_grad_norm", "0"), ("ema_rampup", "-0.5")])
def test_float_values_out_of_range_name_the_key(key, value):
    with pytest.raises(ConfigError, match=f"^{key} must be"):
        load_config(**{key: value})


def test_the_cli_says_which_float_is_bad(capsys):
    assert main(["train", "dcgan-fashion-mnist", "--learning_rate_g", "nan", "--print-config"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "learning_rate_g must be a finite number > 0, got nan" in err


def test_evaluate_bounds_the_number_of_samples_before_loading(saved_pipeline_dir, monkeypatch, capsys):
    import hfgan.pipelines

    monkeypatch.setattr(hfgan.pipelines, "load_pipeline", lambda *a, **k: pytest.fail("the pipeline was loaded"))
    assert main(["evaluate", str(saved_pipeline_dir), "--num-samples", "1000000000000"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--num-samples must be at most 10000000" in err and "years" in err
    assert evaluate_command.MAX_NUM_SAMPLES == metrics_bounds.MAX_NUM_SAMPLES


def test_the_library_bounds_the_number_of_samples(tiny_pipeline, monkeypatch):
    from hfgan.metrics import evaluate_pipeline

    monkeypatch.setattr(GANPipeline, "__call__", lambda *a, **k: pytest.fail("images were generated"))
    with pytest.raises(HFGANError, match=r"^num_samples must be at most 10000000, got 1e\+12: .* years"):
        evaluate_pipeline(tiny_pipeline, num_samples=10**12)


def test_evaluation_refuses_samples_that_cannot_be_kept_in_memory(tiny_pipeline, monkeypatch):
    from hfgan.metrics.sampling import generate_uint8

    monkeypatch.setattr(memory, "_available_memory", lambda: 10 * 2**20)
    message = r"^10000000 generated images of 1x8x8 take 0.6 GiB, but only 10.0 MiB of memory is available: lower num_samples$"
    with pytest.raises(HFGANError, match=message):
        generate_uint8(tiny_pipeline, 10**7, 500, 0, progress=False)


def test_evaluation_shows_a_progress_bar_while_it_generates(tiny_pipeline, capsys):
    from hfgan.metrics.sampling import generate_uint8

    images, labels = generate_uint8(tiny_pipeline, 30, 8, 0, progress=True)
    assert images.shape == (30, 1, 8, 8) and images.dtype == torch.uint8 and labels is None
    assert "generate" in capsys.readouterr().err and math.isfinite(float(images.float().mean()))
