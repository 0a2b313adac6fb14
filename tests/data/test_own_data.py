"""Training on your own data: the model sized to the data and --resolution, a conditional model's classes from the
dataset's ClassLabel (folder names for an imagefolder), and the command line without a preset."""

import json
import os
import sys
from pathlib import Path

import datasets
import numpy as np
import pytest
from PIL import Image

from hfgan import GANPipeline
from hfgan.cli import main
from hfgan.data import describe_data, fit_config_to_data
from hfgan.errors import ConfigError, HFGANError
from hfgan.cards import card_metadata
from hfgan.models.registry import resolve_model_name
from hfgan.training import load_config
from hfgan.training.recipes import config_for_model, recipe


def test_family_and_resolution_pick_the_variant():
    assert resolve_model_name("dcgan", 64) == ("dcgan-64", None)
    assert resolve_model_name("dcgan", 128) == ("dcgan-64", 128)  # sized by sample_size
    assert resolve_model_name("dcgan-32", None) == ("dcgan-32", None)
    assert resolve_model_name("cdcgan", None) == ("cdcgan-28", None)


@pytest.mark.parametrize("model, resolution, says", [
    ("dcgan-32", 64, "use --model dcgan-64"),
    ("dcgan", 100, "cannot make 100-px images.*models made for 100 px|cannot make 100-px images"),
    ("progan", 64, "models made for 64 px: dcgan-64"),
    ("dcgan", None, "pass --resolution"),
    ("nope", 64, "unknown model 'nope'"),
])
def test_a_model_that_cannot_fit_says_what_would(model, resolution, says):
    with pytest.raises(HFGANError, match=says):
        resolve_model_name(model, resolution)


def test_recipe_comes_from_the_family_preset_without_its_widths():
    values = recipe("dcgan")
    assert values["loss"] == "nonsaturating" and values["task_kwargs"]["label_smoothing"] == 0.1
    assert values["train_batch_size"] == 64
    assert "base_channels" not in values["generator_kwargs"]
    assert recipe("mlp-gan")["discriminator_kwargs"] == {"spectral_norm": True}


def test_cli_trains_dcgan_without_a_preset(pets, tmp_path, capsys):
    out = tmp_path / "run"
    args = ["train", "--model", "dcgan", "--dataset", pets, "--resolution", "16", "--max_train_steps", "2",
            "--output_dir", str(out), "--report_to", "none", "--num_sample_images", "4", "--train_batch_size", "4",
            "--generator_kwargs", '{"latent_dim": 8, "base_channels": 4, "max_channels": 8}',
            "--discriminator_kwargs", '{"base_channels": 4, "max_channels": 8}']
    assert main(args) == 0, capsys.readouterr().err
    pipe = GANPipeline.from_pretrained(str(out))
    assert pipe.generator.config.sample_size == 16 and pipe.generator.config.out_channels == 3
    assert pipe.discriminator.config.in_channels == 3 and not pipe.generator.config.get("num_classes")
    config = json.load(open(out / "training_config.json"))
    assert config["model"] == "dcgan-28" and config["loss"] == "nonsaturating"  # dcgan-28 sized to 16 px
    assert np.asarray(pipe(batch_size=2).images[0]).shape == (16, 16, 3)


def test_imagefolder_with_train_data_dir_and_grayscale_channels(tmp_path, make_folder):
    gray = make_folder(tmp_path / "gray", classes=("a",), mode="L", size=(32, 32))
    cfg = fit_config_to_data(config_for_model({"model": "dcgan", "dataset": "imagefolder", "train_data_dir": gray,
                                               "resolution": 32}))
    assert cfg.model == "dcgan-32"  # an RGB variant, made grayscale by the data
    assert cfg.generator_kwargs == {"out_channels": 1} and cfg.discriminator_kwargs == {"in_channels": 1}
    assert cfg.output_dir == "runs/dcgan-gray" and cfg.name == "dcgan-gray"
    assert describe_data(cfg).channels == 1
    with pytest.raises(HFGANError, match="--train_data_dir"):
        fit_config_to_data(config_for_model({"model": "dcgan", "dataset": "imagefolder", "resolution": 32}))


def test_cli_says_what_is_missing(capsys):
    assert main(["train"]) == 2
    assert "--model NAME --dataset PATH" in capsys.readouterr().err
    assert main(["train", "--model", "dcgan-32", "--dataset", "fashion_mnist", "--resolution", "64",
                 "--max_train_steps", "1"]) == 2
    assert "use --model dcgan-64" in capsys.readouterr().err


def test_conditional_model_takes_the_folder_classes(pets, tiny_overrides):
    cfg = fit_config_to_data(config_for_model(tiny_overrides(model="cdcgan", dataset=pets, resolution=16,
                                                             max_train_steps=2)), log=lambda *a: None)
    assert cfg.generator_kwargs["num_classes"] == 2 and cfg.generator_kwargs["class_names"] == ["cats", "dogs"]
    assert cfg.discriminator_kwargs["num_classes"] == 2


def test_conditional_preset_on_other_labelled_data_uses_its_names(pets, tmp_path, capsys):
    """cdcgan-fashion-mnist on cats/dogs: 2 classes, named; pipe(class_labels="dogs") works, "Sneaker" is an error;
    the card's id2label and the grid follow the data."""
    out = tmp_path / "pets-run"
    args = ["train", "cdcgan-fashion-mnist", "--dataset", pets, "--max_train_steps", "2", "--output_dir", str(out),
            "--report_to", "none", "--num_sample_images", "4", "--train_batch_size", "4",
            "--generator_kwargs", '{"latent_dim": 8, "base_channels": 4, "max_channels": 8, "class_embed_dim": 4}',
            "--discriminator_kwargs", '{"base_channels": 4, "max_channels": 8}']
    assert main(args) == 0, capsys.readouterr().err
    pipe = GANPipeline.from_pretrained(str(out))
    assert pipe.num_classes == 2 and pipe.class_names == ["cats", "dogs"]
    assert pipe.discriminator.config.num_classes == 2
    assert len(pipe(class_labels="dogs", batch_size=3).images) == 3
    with pytest.raises(HFGANError, match="unknown class name 'Sneaker'"):
        pipe(class_labels="Sneaker")
    meta = card_metadata(pipe)
    assert meta["id2label"] == {"0": "cats", "1": "dogs"} and meta["hfgan"]["dataset"] == "pets"
    assert "Sneaker" not in (out / "README.md").read_text()
    grid = Image.open(out / "samples" / "grid.png")
    assert grid.size[0] < grid.size[1]  # one column per class: 2 columns, 8 rows
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "spaces" / "hfgan-playground"))
    try:
        from playground.generation import generate
        from playground.summary import model_summary
    finally:
        sys.path.pop(0)
    assert "cats, dogs" in model_summary(pipe, "pets") and len(generate(pipe, 2, 0, "dogs")) == 2


def test_classlabel_names_of_a_saved_dataset(tmp_path):
    features = datasets.Features({"img": datasets.Image(), "species": datasets.ClassLabel(names=["ant", "bee", "wasp"])})
    rng = np.random.default_rng(0)
    rows = {"img": [Image.fromarray(rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)) for _ in range(6)],
            "species": [0, 1, 2, 0, 1, 2]}
    datasets.Dataset.from_dict(rows, features=features).save_to_disk(str(tmp_path / "insects"))
    cfg = fit_config_to_data(load_config("cdcgan-fashion-mnist", {"dataset": str(tmp_path / "insects"),
                                                                  "label_column": "species", "image_column": "img"}),
                             log=lambda *a: None)
    assert cfg.generator_kwargs["class_names"] == ["ant", "bee", "wasp"] and cfg.discriminator_kwargs["num_classes"] == 3
    assert cfg.model == "cdcgan-28" and "sample_size" not in cfg.generator_kwargs


def test_fashion_mnist_presets_are_left_as_they_are():
    for preset in ("cdcgan-fashion-mnist", "dcgan-fashion-mnist", "biggan-fashion-mnist"):
        cfg = load_config(preset)
        assert fit_config_to_data(cfg) is cfg


def test_one_class_on_a_conditional_model_and_pinned_mismatch_are_clear(tmp_path, tiny_overrides, make_folder):
    one = make_folder(tmp_path / "one", classes=("only",))
    with pytest.raises(HFGANError, match="has no labels"):  # one subfolder: imagefolder gives no label column
        fit_config_to_data(config_for_model(tiny_overrides(model="cdcgan", dataset=one, resolution=16)))
    pets = make_folder(tmp_path / "pets")
    from hfgan.training import GANTrainer

    cfg = config_for_model(tiny_overrides(model="cdcgan", dataset=pets, resolution=16, max_train_steps=1,
                                          generator_kwargs={"latent_dim": 8, "base_channels": 4, "num_classes": 3}))
    with pytest.raises(HFGANError, match="3 classes, the dataset 2"):
        GANTrainer(cfg).train()


def test_bad_data_settings_are_config_errors():
    with pytest.raises(ConfigError, match="data_in_memory"):
        load_config("dcgan-fashion-mnist", {"data_in_memory": "maybe"})
    with pytest.raises(ConfigError, match="dataloader_num_workers"):
        load_config("dcgan-fashion-mnist", {"dataloader_num_workers": "-1"})
    assert os.environ.get("HF_HUB_OFFLINE") == "1"
