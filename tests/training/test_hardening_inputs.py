"""What a run reads is checked before it trains: class names (an image folder's sub-folder names) must be one line,
and a checkpoint's ``trainer_state.json`` must hold a sane step and state. Sample grids draw any label."""

import json
import math
import os

import pytest
from PIL import Image

from hfgan.data import load_image_tensor_data
from hfgan.errors import CheckpointError, HFGANError
from hfgan.training import GANTrainer, load_config, parse_overrides
from hfgan.training import checkpoint as ckpt
from hfgan.training.checkpoint import list_checkpoints
from hfgan.training.trainer_state import check_trainer_state, read_trainer_state
from hfgan.viz import caption_image, label_columns, make_image_grid


def _image_folder(root, classes, per_class=8):
    for label in classes:
        os.makedirs(root / label)
        for i in range(per_class):
            Image.new("L", (28, 28), i * 20).save(root / label / f"{i}.png")
    return root


# ------------------------------------------------------------------------------------------------ class names
def test_a_class_folder_named_with_a_newline_is_refused_when_the_data_loads(tmp_path):
    folder = _image_folder(tmp_path / "imgs", ["a\nb", "c"])
    with pytest.raises(HFGANError) as excinfo:
        load_image_tensor_data(str(folder), resolution=8)
    message = str(excinfo.value)
    assert "'a\\nb'" in message and "\n" not in message


def test_a_conditional_run_on_such_a_folder_stops_before_training(tmp_path, make_config):
    folder = _image_folder(tmp_path / "imgs", ["c", "d\te"])
    cfg = make_config(model="cmlp-gan-28", dataset="imagefolder", train_data_dir=str(folder), max_train_steps=2,
                      train_batch_size=8)
    with pytest.raises(HFGANError, match=r"'d\\te'"):
        GANTrainer(cfg).train()
    assert not list_checkpoints(tmp_path / "run")


@pytest.mark.parametrize("label", ["a\nb", "a\r\nb", "tab\there", "\x00", "\x1b[31mred", "line\u2028sep", "",
                                   "a very long class name that does not fit", "\U0001F600" * 30])
def test_grids_draw_any_label(label):
    grid = make_image_grid([Image.new("L", (32, 32))] * 2, nrow=2, scale=2)
    labelled = label_columns(grid, [label, "ok"], cell_width=(32 + 2) * 2, padding=4)
    assert labelled.height == grid.height + 14
    assert caption_image(grid, label).height == grid.height + 14


# ------------------------------------------------------------------------------------------ trainer state
_TRAINED = {}


@pytest.fixture
def checkpoint(tmp_path_factory, tiny_args):
    """The final checkpoint of one tiny 2-step run, trained once for the tests of this module (read only)."""
    if "checkpoint" not in _TRAINED:
        out = tmp_path_factory.mktemp("state") / "run"
        args = tiny_args(out, max_train_steps=2, checkpointing_steps=2)
        cfg = load_config("mlp-gan-fashion-mnist", parse_overrides(args))
        GANTrainer(cfg).train()
        _TRAINED["checkpoint"] = list_checkpoints(out)[-1]
    return _TRAINED["checkpoint"]


def _forge(folder, **changes):
    """Change ``trainer_state.json`` of ``folder`` and write a manifest that matches (a forged checkpoint)."""
    path = os.path.join(folder, ckpt.STATE_FILE)
    with open(path, encoding="utf-8") as f:
        state = json.load(f)
    state.update(changes)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(state, f)
    ckpt.write_manifest(folder)


BAD_STATES = [
    {"step": 1e30}, {"step": -2}, {"step": 2.5}, {"step": math.nan}, {"step": "2"}, {"step": True}, {"step": 3},
    {"ema_updates": -1}, {"ema_updates": 1e30}, {"best_metric": "low"}, {"best_metric": math.inf},
    {"train_seconds": -5}, {"train_seconds": math.nan}, {"history": [1, 2]}, {"invocations": {"a": 1}},
    {"lr_schedules": "none"}, {"config": []}, {"data_position": {"batch_counter": -1}},
]


@pytest.mark.parametrize("changes", BAD_STATES, ids=[json.dumps(c) for c in BAD_STATES])
def test_a_forged_trainer_state_is_a_one_line_error_naming_file_and_key(tmp_path, checkpoint, changes):
    import shutil

    folder = tmp_path / "checkpoint-2"
    shutil.copytree(checkpoint, folder)
    _forge(folder, **changes)
    with pytest.raises(CheckpointError) as excinfo:
        read_trainer_state(str(folder))
    message = str(excinfo.value)
    key = next(iter(changes))
    assert "\n" not in message and ckpt.STATE_FILE in message and repr(key) in message, message


def test_a_resume_from_a_forged_step_stops_before_anything_is_written(tmp_path, make_config):
    GANTrainer(make_config(max_train_steps=2, checkpointing_steps=2)).train()
    run = tmp_path / "run"
    _forge(list_checkpoints(run)[-1], step=1e30)
    card = (run / "README.md").read_text()
    with pytest.raises(CheckpointError, match="'step'"):
        GANTrainer(make_config(max_train_steps=2, checkpointing_steps=2, resume_from_checkpoint="latest")).train()
    assert (run / "README.md").read_text() == card and "1e+30" not in card


def test_the_real_trainer_state_reads(checkpoint):
    assert read_trainer_state(checkpoint)["step"] == 2
    position = {"batch_counter": 2, "epoch": 0, "permutation_seed": 2**62 - 1}  # a seed's permutation: any size
    check_trainer_state({"step": 2, "data_position": position}, os.path.join(checkpoint, ckpt.STATE_FILE))
