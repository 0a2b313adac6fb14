"""What a push publishes besides the networks: a training config without local paths, and a card whose every image
is uploaded with it. The Hub API is patched: uploads are copied aside."""

import json
import os

import pytest

from hfgan import GANPipeline
from hfgan.cards import card_images
from hfgan.pipelines.publishing import push_folder


def files_under(folder):
    return sorted(os.path.relpath(os.path.join(root, f), folder).replace(os.sep, "/")
                  for root, _, names in os.walk(folder) for f in names)


@pytest.fixture
def uploads(offline_hub):
    """Each upload's folder, copied aside (``offline_hub`` of conftest)."""
    return offline_hub.uploads


def test_push_uploads_a_training_config_without_local_paths(tiny_pipeline, tmp_path, uploads):
    folder = tmp_path / "run"
    tiny_pipeline.save_pretrained(folder)
    config = {"dataset": "/home/user/secret/data", "output_dir": "/abs/path/runs/x", "max_train_steps": 6,
              "train_data_dir": "/home/user/secret/data", "task_kwargs": {"teacher": "/abs/path/teacher.pt"}}
    (folder / "training_config.json").write_text(json.dumps(config))
    push_folder(str(folder), "org/run")
    uploaded = (uploads[0] / "training_config.json").read_text()
    for part in ("/home", "user", "secret", "/abs", "path/", "runs"):
        assert part not in uploaded, part
    assert json.loads(uploaded) == {"dataset": "local image folder", "output_dir": "x", "max_train_steps": 6,
                                    "train_data_dir": "local image folder", "task_kwargs": {"teacher": "teacher.pt"}}
    assert json.loads((folder / "training_config.json").read_text()) == config  # the local file is untouched


@pytest.fixture
def shown_folder(tiny_pipeline, tmp_path):
    """A saved pipeline whose card shows its samples, loss plot, progress GIF and a figure, all next to it."""
    folder = tmp_path / "shown"
    shown = {"samples": "samples/grid.png", "losses": "losses.png", "progress": "samples/progress.gif"}
    tiny_pipeline.card_data = {**shown, "training": {"max_train_steps": 2}, "figures": [{"path": "samples/interp.png", "caption": "Interpolation"}]}
    tiny_pipeline.save_pretrained(folder)
    for rel in [*shown.values(), "samples/interp.png"]:
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_bytes(b"image")
    return folder


def test_saving_a_loaded_pipeline_to_the_hub_uploads_every_image_its_card_shows(shown_folder, tmp_path, uploads):
    pipe = GANPipeline.from_pretrained(shown_folder)
    pipe.save_pretrained(tmp_path / "copy", push_to_hub=True, repo_id="org/copy")
    pipe.push_to_hub("org/copy")
    for upload in uploads:
        images = card_images((upload / "README.md").read_text())
        assert len(images) == 4 and set(images) <= set(files_under(upload))


def test_a_pushed_card_shows_no_image_the_push_does_not_upload(shown_folder, tmp_path, uploads):
    os.remove(shown_folder / "samples" / "progress.gif")
    os.remove(shown_folder / "samples" / "interp.png")
    pipe = GANPipeline.from_pretrained(shown_folder)
    pipe.push_to_hub("org/copy")
    text = (uploads[0] / "README.md").read_text()
    assert set(card_images(text)) == {"samples/grid.png", "losses.png"} <= set(files_under(uploads[0]))
    assert "## Figures" not in text and "progress" not in text
