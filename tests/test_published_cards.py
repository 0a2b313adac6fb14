"""The published pipelines' cards (``pipelines/*/README.md``): hfgan's sections marked, no local path, Hub dataset
ids only, every file they name shipped beside them; and a card rendered from a run in a scratch folder names no part
of it.

The one path a card may name is the folder it sits in: a local card's usage loads ``"."`` (run from the folder), a
pushed card's the repo id.
"""

import os
import re
from pathlib import Path

import pytest
import yaml

from hfgan.cards import card_images, model_card_text

ROOT = Path(__file__).resolve().parents[1] / "pipelines"
FOLDERS = sorted(p for p in ROOT.iterdir() if (p / "model_index.json").is_file())
LOCAL = ("pipelines/", "runs/", ".devdata", "/home", "/tmp", "/work", "stylegan2-gpu")
SECTIONS = ("header", "usage", "model")


def read(folder):
    text = (folder / "README.md").read_text(encoding="utf-8")
    return yaml.safe_load(text.split("---\n")[1]), text


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: p.name)
def test_the_card_marks_hfgans_sections(folder):
    _, text = read(folder)
    for name in SECTIONS:
        assert f"<!-- hfgan:start:{name} -->" in text and f"<!-- hfgan:end:{name} -->" in text, name


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: p.name)
def test_the_card_names_no_local_path(folder):
    meta, text = read(folder)
    for part in LOCAL:
        assert part not in text, part
    assert "repo_id" not in meta["hfgan"]
    assert re.findall(r'from_pretrained\("([^"]*)"\)', text) == ["."]


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: p.name)
def test_datasets_are_hub_ids(folder):
    meta, _ = read(folder)
    for dataset in meta.get("datasets", []):
        assert re.fullmatch(r"[\w.-]+/[\w.-]+", dataset), dataset


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: p.name)
def test_every_file_the_card_names_is_in_the_folder(folder):
    _, text = read(folder)
    named = card_images(text) + re.findall(r'Image\.open\("([^"]+)"\)', text)
    for rel in named:
        assert (folder / rel).is_file(), rel


def test_image_to_image_cards_open_the_example_input_they_ship():
    from hfgan import load_pipeline

    i2i = [f for f in FOLDERS if "image-to-image" in read(f)[1].split("---\n")[1]]
    assert i2i
    for folder in i2i:
        assert 'Image.open("example_input.png")' in read(folder)[1]
        load_pipeline(str(folder))  # the example beside the networks is no part of the pipeline


def test_the_hub_upload_carries_the_example_input():
    from hfgan.hub import upload_plan

    folder = ROOT / "pix2pix-edges2fashion"
    files, refused = upload_plan(str(folder))
    assert "example_input.png" in files and not refused


def test_a_card_of_a_scratch_run_names_no_part_of_its_folder(make_tiny_pipeline, tmp_path):
    run = tmp_path / "scratch-7f3a" / "my-run"
    pipe = make_tiny_pipeline()
    pipe.card_data = {
        "name": "my-run", "repo_id": str(run), "dataset": str(tmp_path / "images"),
        "command": f"hfgan train dcgan --output_dir {run} --dataset {tmp_path}/images",
        "training": {"output_dir": str(run), "logging_dir": "runs/my-run/logs", "seed": 0},
        "resumes": [{"step": 5, "command": "hfgan train dcgan --output_dir .devdata/scratch-7f3a --resume latest"}],
    }
    text = model_card_text(pipe)
    for part in (str(tmp_path), "scratch-7f3a", "runs/", ".devdata", tmp_path.name):
        assert part not in text, part


def test_a_push_card_names_the_target_repo_and_no_stale_one(make_tiny_pipeline, tmp_path):
    from hfgan.hub import push_card

    pipe = make_tiny_pipeline()
    pipe.card_data = {"name": "tiny", "repo_id": "old-org/stale-name"}
    text = push_card(str(tmp_path), pipe.card_facts(), "org/fresh")
    assert 'from_pretrained("org/fresh")' in text and "stale-name" not in text
