"""Checkpoints are never trusted: planted pickles are refused and never run, damaged checkpoints are skipped
(``latest``) or refused (a path), a full disk during a save leaves the previous checkpoint to resume from, and a
final checkpoint resumes into a fresh output folder."""

import errno
import json
import os
import pickle
import shutil

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from hfgan.errors import CheckpointError, HFGANError
from hfgan.training import GANTrainer
from hfgan.training import checkpoint as ckpt
from hfgan.training.checkpoint import list_checkpoints


def _weights(folder):
    return load_file(os.path.join(folder, "generator", "diffusion_pytorch_model.safetensors"))


def _assert_same(a, b):
    assert a.keys() == b.keys() and a
    for key in a:
        torch.testing.assert_close(a[key], b[key], atol=0, rtol=0, msg=key)


class Payload:
    """Unpickling this creates ``marker``: the proof that a pickle ran code."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def _plant(path, marker, torch_format=True):
    if torch_format:
        torch.save(Payload(marker), path)
    else:
        with open(path, "wb") as f:
            pickle.dump(Payload(marker), f)


def _one_line_error(excinfo):
    text = str(excinfo.value)
    assert text and "\n" not in text, text
    return text


# ----------------------------------------------------------------------------------- 1. pickles
PLANTED = ["custom_checkpoint_0.pkl", "custom_checkpoint_1.pkl", "random_states_0.pkl", "scaler.pt", "model.bin",
           "sampler.bin", "dl_state_dict.bin", "optimizer_2.bin", "extra.pickle", "state"]


@pytest.mark.parametrize("name", PLANTED)
def test_a_planted_pickle_is_refused_and_never_run(tmp_path, make_config, name):
    extra = dict(lr_scheduler="cosine", checkpointing_steps=2)
    GANTrainer(make_config("run", max_train_steps=2, **extra)).train()
    checkpoint = list_checkpoints(tmp_path / "run")[-1]
    marker = tmp_path / "marker"
    _plant(os.path.join(checkpoint, name), marker, torch_format=name != "extra.pickle")
    for resume in ("latest", checkpoint):
        with pytest.raises(CheckpointError, match="hfgan did not write") as excinfo:
            GANTrainer(make_config("run", max_train_steps=4, resume_from_checkpoint=resume, **extra)).train()
        assert name in _one_line_error(excinfo)
        assert not marker.exists()


def test_a_replaced_optimizer_state_is_refused_even_with_a_forged_manifest(tmp_path, make_config):
    GANTrainer(make_config("run", max_train_steps=2, checkpointing_steps=2)).train()
    checkpoint = list_checkpoints(tmp_path / "run")[-1]
    marker = tmp_path / "marker"
    _plant(os.path.join(checkpoint, "optimizer.bin"), marker)
    with pytest.raises(CheckpointError, match="is damaged: optimizer.bin has"):  # the manifest says so
        GANTrainer(make_config("run", max_train_steps=4, resume_from_checkpoint=checkpoint)).train()
    ckpt.write_manifest(checkpoint)  # forged: it verifies, and is still only opened as plain data
    with pytest.raises(CheckpointError, match="weights_only=True") as excinfo:
        GANTrainer(make_config("run", max_train_steps=4, resume_from_checkpoint=checkpoint)).train()
    _one_line_error(excinfo)
    assert not marker.exists()


def _make_legacy(checkpoint):
    """Rewrite an hfgan checkpoint the way earlier versions wrote it: Accelerate's pickles, no manifest."""
    os.remove(os.path.join(checkpoint, ckpt.MANIFEST_FILE))
    state_path = os.path.join(checkpoint, ckpt.STATE_FILE)
    state = json.load(open(state_path))
    for i, saved in enumerate(state.pop("lr_schedules")):
        torch.save({**saved, "lr_lambdas": [None]}, os.path.join(checkpoint, f"custom_checkpoint_{i}.pkl"))
    state.pop("manifest")
    json.dump(state, open(state_path, "w"))
    rng = json.load(open(os.path.join(checkpoint, "rng_state_0.json")))
    name, keys, pos, has_gauss, cached = rng["numpy"]
    torch.save({"step": 0, "random_state": (rng["python"][0], tuple(rng["python"][1]), rng["python"][2]),
                "numpy_random_seed": (name, np.asarray(keys, dtype=np.uint32), pos, has_gauss, cached),
                "torch_manual_seed": torch.tensor(rng["torch"], dtype=torch.uint8)},
               os.path.join(checkpoint, "random_states_0.pkl"))
    os.remove(os.path.join(checkpoint, "rng_state_0.json"))


def test_a_checkpoint_of_earlier_versions_resumes_exactly_and_its_pickles_are_read_as_plain_data(tmp_path, make_config,
                                                                                               capsys):
    extra = dict(lr_scheduler="linear", lr_warmup_steps=1, checkpointing_steps=2, max_train_steps=4)
    full = GANTrainer(make_config("full", **extra))
    full.train()
    old = list_checkpoints(tmp_path / "full")[0]
    shutil.copytree(old, tmp_path / "old")
    _make_legacy(str(tmp_path / "old"))
    assert sorted(os.listdir(tmp_path / "old"))[:2] == ["custom_checkpoint_0.pkl", "custom_checkpoint_1.pkl"]
    GANTrainer(make_config("resumed", resume_from_checkpoint=str(tmp_path / "old"), **extra)).train()
    _assert_same(_weights(tmp_path / "full"), _weights(tmp_path / "resumed"))
    assert "has no manifest.json" in capsys.readouterr().out

    marker = tmp_path / "marker"
    for name in ("custom_checkpoint_0.pkl", "random_states_0.pkl", "optimizer.bin"):
        shutil.rmtree(tmp_path / "bad", ignore_errors=True)
        shutil.copytree(tmp_path / "old", tmp_path / "bad")
        _plant(os.path.join(tmp_path / "bad", name), marker)
        with pytest.raises(CheckpointError, match="weights_only=True") as excinfo:
            GANTrainer(make_config("again", resume_from_checkpoint=str(tmp_path / "bad"), **extra)).train()
        assert name in _one_line_error(excinfo)
        assert not marker.exists()


# ----------------------------------------------------------------------------------- 2. damage
@pytest.mark.parametrize("name", ["model.safetensors", "ema.safetensors", "optimizer.bin", "trainer_state.json",
                                  "rng_state_0.json", "manifest.json"])
def test_a_damaged_newest_checkpoint_is_skipped_and_the_run_still_matches(tmp_path, make_config, capsys, name):
    full = make_config("full", max_train_steps=6, checkpointing_steps=2)
    GANTrainer(full).train()
    GANTrainer(make_config("part", max_train_steps=4, checkpointing_steps=2)).train()
    newest = list_checkpoints(tmp_path / "part")[-1]
    assert newest.endswith("checkpoint-4")
    path = os.path.join(newest, name)
    with open(path, "r+b") as f:
        f.truncate(os.path.getsize(path) // 2)
    with pytest.raises(CheckpointError, match="checkpoint-4 is damaged") as excinfo:
        GANTrainer(make_config("part", max_train_steps=6, checkpointing_steps=2, resume_from_checkpoint=newest)).train()
    _one_line_error(excinfo)
    capsys.readouterr()
    resumed = GANTrainer(make_config("part", max_train_steps=6, checkpointing_steps=2, resume_from_checkpoint="latest"))
    resumed.train()
    out = capsys.readouterr().out
    assert f"skipping {newest}: " in out and "resumed from" in out and "checkpoint-2 at step 2" in out
    _assert_same(_weights(tmp_path / "full"), _weights(tmp_path / "part"))


def test_when_no_checkpoint_verifies_resume_latest_is_a_one_line_error(tmp_path, make_config):
    GANTrainer(make_config("run", max_train_steps=4, checkpointing_steps=2)).train()
    for checkpoint in list_checkpoints(tmp_path / "run"):
        with open(os.path.join(checkpoint, "model.safetensors"), "ab") as f:
            f.write(b"x")
    with pytest.raises(CheckpointError, match="no checkpoint in .* verifies") as excinfo:
        GANTrainer(make_config("run", max_train_steps=6, resume_from_checkpoint="latest")).train()
    text = _one_line_error(excinfo)
    assert "checkpoint-4: model.safetensors has" in text and "checkpoint-2: model.safetensors has" in text


def test_an_unreadable_rng_state_is_an_error_and_a_missing_one_a_warning(tmp_path, make_config, capsys):
    GANTrainer(make_config("run", max_train_steps=2, checkpointing_steps=2)).train()
    checkpoint = list_checkpoints(tmp_path / "run")[-1]
    rng = os.path.join(checkpoint, "rng_state_0.json")
    with open(rng, "w") as f:
        json.dump({"torch": [1, 2, 3], "python": [3, [], None], "numpy": ["MT19937", [], 0, 0, 0.0]}, f)
    ckpt.write_manifest(checkpoint)  # it verifies: the content itself is refused
    with pytest.raises(CheckpointError, match="unreadable RNG state") as excinfo:
        GANTrainer(make_config("run", max_train_steps=4, resume_from_checkpoint="latest")).train()
    _one_line_error(excinfo)
    os.remove(rng)
    ckpt.write_manifest(checkpoint)
    capsys.readouterr()
    GANTrainer(make_config("run", max_train_steps=4, resume_from_checkpoint="latest")).train()
    assert "holds no RNG state for process 0" in capsys.readouterr().out


# ----------------------------------------------------------------------------------- 3. full disk
def _fail_at_step(monkeypatch, trainer, step, target, attribute, error):
    original = getattr(target, attribute)

    def failing(*args, **kwargs):
        if trainer.step == step:
            raise error
        return original(*args, **kwargs)

    monkeypatch.setattr(target, attribute, failing)


@pytest.mark.parametrize("where", ["torch.save", "safetensors", "manifest"])
def test_a_full_disk_during_a_save_stops_cleanly_and_the_run_resumes(tmp_path, make_config, monkeypatch, where):
    import safetensors.torch

    GANTrainer(make_config("full", max_train_steps=6, checkpointing_steps=2)).train()
    trainer = GANTrainer(make_config("run", max_train_steps=6, checkpointing_steps=2))
    if where == "torch.save":  # what torch raises when the disk fills while it writes (the optimizer state)
        _fail_at_step(monkeypatch, trainer, 4, torch, "save",
                      RuntimeError("[enforce fail at inline_container.cc:672] . unexpected pos 704 vs 598"))
    elif where == "safetensors":  # EMA weights
        _fail_at_step(monkeypatch, trainer, 4, safetensors.torch, "save_file",
                      OSError(errno.ENOSPC, "No space left on device"))
    else:
        _fail_at_step(monkeypatch, trainer, 4, ckpt, "write_manifest", OSError(errno.ENOSPC, "No space left on device"))
    with pytest.raises(HFGANError) as excinfo:
        trainer.train()
    assert _one_line_error(excinfo).startswith("no space left on device: checkpoint 4 not written, checkpoint 2 is intact")
    assert sorted(os.listdir(tmp_path / "run" / "checkpoints")) == ["checkpoint-2"]
    assert not os.path.exists(tmp_path / "run" / "model_index.json")
    monkeypatch.undo()
    GANTrainer(make_config("run", max_train_steps=6, checkpointing_steps=2, resume_from_checkpoint="latest")).train()
    _assert_same(_weights(tmp_path / "full"), _weights(tmp_path / "run"))


def test_another_write_failure_names_itself_and_the_intact_checkpoint(tmp_path, make_config, monkeypatch):
    trainer = GANTrainer(make_config("run", max_train_steps=2, checkpointing_steps=2))
    _fail_at_step(monkeypatch, trainer, 2, ckpt, "write_manifest", PermissionError(errno.EACCES, "Permission denied"))
    with pytest.raises(HFGANError) as excinfo:
        trainer.train()
    assert _one_line_error(excinfo).startswith("checkpoint 2 not written (PermissionError")
    assert "no earlier checkpoint was written" in str(excinfo.value)
    assert os.listdir(tmp_path / "run" / "checkpoints") == []


# ------------------------------------------------------------------------- 4. a fresh output folder
def test_a_final_checkpoint_resumes_into_a_fresh_output_dir(tmp_path, tiny_args):
    from hfgan import GANPipeline
    from hfgan.cli import main

    base = ["train", "mlp-gan-fashion-mnist", "--checkpointing_steps", "2", "--lr_scheduler", "cosine"]
    assert main(base + tiny_args(tmp_path / "a", max_train_steps=4)) == 0
    final = list_checkpoints(tmp_path / "a")[-1]
    assert final.endswith("checkpoint-4")
    assert main(base + tiny_args(tmp_path / "b", max_train_steps=4) + ["--resume", final]) == 0
    for name in ("model_index.json", "README.md", "samples/grid.png", "training_config.json"):
        assert os.path.isfile(tmp_path / "b" / name), name
    _assert_same(_weights(tmp_path / "a"), _weights(tmp_path / "b"))
    assert len(GANPipeline.from_pretrained(tmp_path / "b")(batch_size=2).images) == 2
    # and on from there, in another fresh folder
    assert main(base + tiny_args(tmp_path / "c", max_train_steps=6) + ["--resume", final]) == 0
    assert [os.path.basename(p) for p in list_checkpoints(tmp_path / "c")] == ["checkpoint-6"]
