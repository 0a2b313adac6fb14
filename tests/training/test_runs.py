"""Runs and resumes from the command line: ``--resume latest`` / ``auto``, a non-empty ``output_dir``, a resume
that keeps its run's own config, the card's record of the commands, Accelerate's precision and device, and a fast
``--help-config``."""

import json
import os
import subprocess
import sys

import pytest

from hfgan.cli import main
from hfgan.training.checkpoint import list_checkpoints
from hfgan.training.launch import only_cpu

PRESET = "mlp-gan-fashion-mnist"


def test_resume_latest_needs_a_checkpoint_and_auto_starts_fresh_or_continues(tmp_path, train):
    status, out = train(tmp_path / "run", "--resume", "latest", max_train_steps=2)
    assert status == 2 and "--resume latest: " in out and "has no checkpoint to resume from" in out
    assert not (tmp_path / "run").exists()
    # a requeued job killed before its first checkpoint left samples and logs: auto clears them and starts
    (tmp_path / "run" / "samples").mkdir(parents=True)
    (tmp_path / "run" / "samples" / "step_000008.png").write_bytes(b"stale")
    (tmp_path / "run" / "logs").mkdir()
    status, out = train(tmp_path / "run", "--resume", "auto", max_train_steps=2)
    assert status == 0, out
    assert "resumed from" not in out and not (tmp_path / "run" / "samples" / "step_000008.png").exists()
    status, out = train(tmp_path / "run", "--resume", "auto", max_train_steps=4)
    assert status == 0, out
    assert "checkpoint-2 at step 2" in out
    assert [os.path.basename(p) for p in list_checkpoints(tmp_path / "run")] == ["checkpoint-2", "checkpoint-4"]


def test_a_non_empty_output_dir_is_refused_unless_overwritten(tmp_path, train):
    assert train(tmp_path / "run", max_train_steps=4)[0] == 0
    (tmp_path / "run" / "samples" / "step_000100.png").write_bytes(b"stale")
    (tmp_path / "run" / "notes.txt").write_text("mine")
    status, out = train(tmp_path / "run", max_train_steps=2)
    assert status == 2 and "is not empty" in out and "--overwrite_output_dir" in out and "\n" not in out.strip()
    assert (tmp_path / "run" / "samples" / "step_000100.png").exists()
    status, out = train(tmp_path / "run", "--overwrite_output_dir", max_train_steps=2)
    assert status == 0, out
    run = tmp_path / "run"
    assert sorted(os.listdir(run / "samples")) == ["grid.png", "progress.gif", "step_000002.png"]
    assert [os.path.basename(p) for p in list_checkpoints(run)] == ["checkpoint-2"]
    assert (run / "notes.txt").read_text() == "mine"  # not an hfgan output: left alone
    assert json.load(open(run / "training_config.json"))["max_train_steps"] == 2


def test_a_resume_keeps_its_runs_config_and_the_card_records_both_commands(tmp_path, train, capsys):
    # the README's example: a run started with --max_train_steps 2 and resumed with --resume latest keeps 2 steps
    assert train(tmp_path / "run", max_train_steps=2, learning_rate_g="0.003")[0] == 0
    printed = main(["train", PRESET, "--output_dir", str(tmp_path / "run"), "--resume", "latest", "--print-config"])
    config = json.loads(capsys.readouterr().out)
    assert printed == 0 and config["max_train_steps"] == 2 and config["learning_rate_g"] == 0.003
    assert config["model"] == "mlp-gan-28" and config["generator_kwargs"] == {"latent_dim": 8, "hidden_dims": [16]}
    assert main(["train", PRESET, "--output_dir", str(tmp_path / "run"), "--resume", "latest",
                 "--max_train_steps", "4", "--print-config"]) == 0
    assert json.loads(capsys.readouterr().out)["max_train_steps"] == 4  # an explicit key still applies
    assert main(["train", "cdcgan-fashion-mnist", "--output_dir", str(tmp_path / "run"), "--resume", "latest"]) == 2
    assert "is a checkpoint of a 'mlp-gan-28' run" in capsys.readouterr().err
    # a sample grid written after the checkpoint (a crash) is not kept: the resumed run makes its own
    (tmp_path / "run" / "samples" / "step_000003.png").write_bytes(b"stale")
    status, out = train(tmp_path / "run", "--resume", "latest", max_train_steps=4)
    assert status == 0, out
    assert os.path.getsize(tmp_path / "run" / "samples" / "step_000004.png") > 100
    assert not (tmp_path / "run" / "samples" / "step_000003.png").exists()
    card = (tmp_path / "run" / "README.md").read_text()
    assert str(tmp_path) not in card
    assert "Reproduce with:\n\n```bash\nhfgan train mlp-gan-fashion-mnist --model mlp-gan-28" in card
    assert "--output_dir" not in card and "--max_train_steps 2" in card
    assert "Resumed at step 2 with:" in card and "--resume latest" in card and "`max_train_steps` 2 -> 4" in card
    assert card.count('"learning_rate_g"') == 1


@pytest.fixture
def fresh_accelerate_state():
    from accelerate.state import AcceleratorState

    AcceleratorState._reset_state(True)
    yield
    AcceleratorState._reset_state(True)


@pytest.mark.parametrize("source", ["env", "accelerate-config", "config-wins"])
def test_accelerates_precision_and_device_apply(tmp_path, tiny_args, monkeypatch, fresh_accelerate_state, source):
    import accelerate
    from accelerate.commands.config import config_args
    from accelerate.utils import write_basic_config

    from hfgan.training import GANTrainer, load_config, parse_overrides

    seen = {}
    real = accelerate.Accelerator

    def recording(*args, **kwargs):
        seen.update(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(accelerate, "Accelerator", recording)
    monkeypatch.delenv("ACCELERATE_MIXED_PRECISION", raising=False)
    extra = {}
    if source == "env":
        monkeypatch.setenv("ACCELERATE_MIXED_PRECISION", "bf16")
    else:  # `accelerate config` written with bf16
        path = str(tmp_path / "accelerate" / "default_config.yaml")
        write_basic_config(mixed_precision="bf16", save_location=path)
        monkeypatch.setattr(config_args, "default_config_file", path)
        if source == "config-wins":
            extra["mixed_precision"] = "no"
    trainer = GANTrainer(load_config(PRESET, parse_overrides(tiny_args(tmp_path / "run", **extra))))
    trainer._setup()
    expected = "no" if source == "config-wins" else "bf16"
    assert str(trainer.accelerator.mixed_precision) == expected and trainer.config.mixed_precision == expected
    from accelerate import PartialState

    assert trainer.accelerator.device == PartialState().device  # the device is Accelerate's choice
    assert seen["cpu"] is only_cpu()


def test_the_cpu_is_named_only_when_accelerate_finds_no_accelerator(monkeypatch):
    import accelerate.utils

    for kind in ("cuda", "mps", "xpu", "npu", "mlu", "musa", "sdaa", "hpu", "neuron"):
        monkeypatch.setattr(accelerate.utils, f"is_{kind}_available", lambda *a, **k: False, raising=False)
    assert only_cpu() is True
    for kind in ("mps", "xpu", "cuda"):  # a Mac, an Intel GPU, an NVIDIA GPU: Accelerate's device, not the CPU
        monkeypatch.setattr(accelerate.utils, f"is_{kind}_available", lambda *a, **k: True)
        assert only_cpu() is False
        monkeypatch.setattr(accelerate.utils, f"is_{kind}_available", lambda *a, **k: False)


def test_help_config_is_fast_and_shows_defaults_and_meanings(tmp_path):
    code = ("import sys, time; t = time.perf_counter(); from hfgan.cli import main; main(['train', '--help-config']); "
            "print('SECONDS', time.perf_counter() - t, 'torch' in sys.modules, 'diffusers' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    seconds, torch_loaded, diffusers_loaded = out.strip().splitlines()[-1].split()[1:]
    assert (torch_loaded, diffusers_loaded) == ("False", "False") and float(seconds) < 1.0
    from hfgan.training import TrainConfig
    from hfgan.training.config_help import config_help

    rows = config_help()
    assert [r[0] for r in rows] == list(TrainConfig.__dataclass_fields__)
    assert all(meaning and meaning != "-" and "\n" not in meaning for _, _, _, meaning in rows)
    shown = {key: (default, meaning) for key, _, default, meaning in rows}
    assert shown["max_train_steps"][0] == "5000" and shown["mixed_precision"][0] == "unset"
    assert "  --max_train_steps int" in out and "[5000]  generator steps of the whole run" in out
