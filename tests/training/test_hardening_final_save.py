"""The final pipeline save and ``best/`` are written whole or not at all: a failure (a full disk, a broken writer)
leaves the previous folder as it was, keeps the checkpoint of the final step, and says in one line how to save
again with ``--resume latest`` (which trains no further)."""

import errno
import json
import os
import subprocess

import pytest
import safetensors.torch
import torch
from safetensors import SafetensorError
from safetensors.torch import load_file

from hfgan import GANPipeline
from hfgan.errors import HFGANError
from hfgan.training import GANTrainer, rundir
from hfgan.training.checkpoint import list_checkpoints

FULL = "Error while serializing: I/O error: No space left on device (os error 28)"  # what safetensors raises


def _weights(folder):
    return load_file(os.path.join(folder, "generator", "diffusion_pytorch_model.safetensors"))


def _assert_same(a, b):
    assert a.keys() == b.keys() and a
    for key in a:
        torch.testing.assert_close(a[key], b[key], atol=0, rtol=0, msg=key)


def _one_line(excinfo):
    text = str(excinfo.value)
    assert text and "\n" not in text, text
    return text


def _fail_outside_checkpoints(monkeypatch, error, only=None):
    """``safetensors.torch.save_file`` raises ``error`` for files outside ``checkpoints/`` (under ``only`` if given)."""
    original = safetensors.torch.save_file

    def failing(tensors, filename, *args, **kwargs):
        path = os.fspath(filename)
        if f"{os.sep}checkpoints{os.sep}" not in path and (only is None or f"{os.sep}{only}" in path):
            raise error
        return original(tensors, filename, *args, **kwargs)

    monkeypatch.setattr(safetensors.torch, "save_file", failing)


def _leftovers(folder):
    """Entries of ``folder`` besides a run's training outputs (samples, logs, checkpoints, its run record)."""
    return sorted(set(os.listdir(folder)) - {"samples", "logs", "checkpoints", rundir.RUN_RECORD})


# ------------------------------------------------------------------------------- any failure, then --resume latest
def test_a_failed_final_save_keeps_the_final_checkpoint_and_resume_latest_saves_it(tmp_path, make_config, monkeypatch):
    GANTrainer(make_config("full", max_train_steps=4, checkpointing_steps=3)).train()

    def broken(self, *args, **kwargs):
        raise RuntimeError("serializer broke")

    monkeypatch.setattr(GANPipeline, "save_pretrained", broken)
    with pytest.raises(HFGANError) as excinfo:
        GANTrainer(make_config("run", max_train_steps=4, checkpointing_steps=3)).train()
    message = _one_line(excinfo)
    assert "RuntimeError: serializer broke" in message and "checkpoint 4 is intact" in message
    assert "--resume latest" in message
    run = tmp_path / "run"
    assert [os.path.basename(p) for p in list_checkpoints(run)] == ["checkpoint-3", "checkpoint-4"]
    assert _leftovers(run) == []  # nothing partial: no model_index.json, component or temporary folder
    monkeypatch.undo()
    trainer = GANTrainer(make_config("run", max_train_steps=4, checkpointing_steps=3, resume_from_checkpoint="latest"))
    trainer.train()
    assert trainer.step == 4 and trainer.step_end_times == []  # saved, not trained further
    _assert_same(_weights(tmp_path / "full"), _weights(run))
    assert len(GANPipeline.from_pretrained(run)(batch_size=2).images) == 2


# ------------------------------------------------------------------------------------------------ a full disk
@pytest.mark.parametrize("error", [OSError(errno.ENOSPC, "No space left on device"), SafetensorError(FULL)],
                         ids=["OSError", "SafetensorError"])
def test_a_full_disk_during_the_final_save_keeps_the_previous_pipeline(tmp_path, make_config, monkeypatch, error):
    GANTrainer(make_config("run", max_train_steps=2, checkpointing_steps=2)).train()
    run = tmp_path / "run"
    before, entries = _weights(run), sorted(os.listdir(run))
    card = (run / "README.md").read_text()
    _fail_outside_checkpoints(monkeypatch, error, only="generator")
    with pytest.raises(HFGANError) as excinfo:
        GANTrainer(make_config("run", max_train_steps=4, checkpointing_steps=2,
                               resume_from_checkpoint="latest")).train()
    message = _one_line(excinfo)
    assert message.startswith("no space left on device: ") and "checkpoint 4 is intact" in message
    assert "--resume latest" in message
    assert sorted(os.listdir(run)) == entries  # the step-2 pipeline, whole, and nothing partial beside it
    _assert_same(before, _weights(run))
    assert (run / "README.md").read_text() == card
    assert json.loads((run / "training_config.json").read_text())["max_train_steps"] == 2


def test_a_full_disk_while_saving_best_keeps_the_previous_best(tmp_path, make_config, monkeypatch):
    import hfgan.metrics

    scores = iter([2.0, 1.0])
    monkeypatch.setattr(hfgan.metrics, "evaluate_pipeline", lambda pipe, **kwargs: {"fid": next(scores)})
    trainer = GANTrainer(make_config("run", max_train_steps=4, checkpointing_steps=2, eval_steps=2, eval_metric="fid"))
    original = safetensors.torch.save_file

    def failing(tensors, filename, *args, **kwargs):
        if trainer.step == 4 and f"{os.sep}checkpoints{os.sep}" not in os.fspath(filename):
            raise OSError(errno.ENOSPC, "No space left on device")
        return original(tensors, filename, *args, **kwargs)

    monkeypatch.setattr(safetensors.torch, "save_file", failing)
    with pytest.raises(HFGANError) as excinfo:
        trainer.train()
    message = _one_line(excinfo)
    assert message.startswith("no space left on device: ") and "best" in message
    assert "checkpoint 2 is intact" in message
    run = tmp_path / "run"
    assert GANPipeline.from_pretrained(run / "best").card_data["best_step"] == 2
    assert _leftovers(run) == ["best"]


# ----------------------------------------------------------------------------- a real full disk (root only)
@pytest.fixture
def small_disk(tmp_path):
    """A 8 MiB tmpfs (needs root and permission to mount; skipped otherwise)."""
    disk = tmp_path / "disk"
    disk.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(disk)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    yield disk
    subprocess.run(["umount", "-l", str(disk)], check=False)


def _fill(disk, leave):
    """Fill ``disk`` with ``disk/filler`` up to ``leave`` bytes of free space."""
    fd = os.open(disk / "filler", os.O_WRONLY | os.O_CREAT)
    try:
        block = b"\0" * (1 << 16)
        while True:
            os.write(fd, block)
    except OSError as err:
        assert err.errno == errno.ENOSPC
        os.ftruncate(fd, max(0, os.fstat(fd).st_size - leave))
    finally:
        os.close(fd)


def test_a_real_full_disk_during_the_final_save_leaves_nothing_partial(small_disk, make_config):
    cfg = make_config(str(small_disk / "run"), max_train_steps=2, checkpointing_steps=2)
    trainer = GANTrainer(cfg)
    build = trainer.build_pipeline

    def build_then_fill(*args, **kwargs):
        pipe = build(*args, **kwargs)
        _fill(small_disk, leave=16 * 1024)  # room for configs, not for the weights
        return pipe

    trainer.build_pipeline = build_then_fill
    with pytest.raises(HFGANError) as excinfo:
        trainer.train()
    assert _one_line(excinfo).startswith("no space left on device: ")
    run = small_disk / "run"
    assert _leftovers(run) == [] and [os.path.basename(p) for p in list_checkpoints(run)] == ["checkpoint-2"]
    os.remove(small_disk / "filler")
    GANTrainer(make_config(str(run), max_train_steps=2, checkpointing_steps=2, resume_from_checkpoint="latest")).train()
    assert len(GANPipeline.from_pretrained(run)(batch_size=2).images) == 2
