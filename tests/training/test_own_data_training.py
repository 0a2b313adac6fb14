"""Training on your own data at any size: the batch-norm re-estimation of the saved generator costs what the image
size allows and stops on a signal, a too-small folder names the batch that fits, the saved config names the model
built, and a launch reports once."""

import signal

import torch
from torch import nn

from hfgan.training.ema import recalibrate_batchnorm, recalibration_images
from hfgan.training.stop import StopRequests, stop_requests


class _Counted(nn.Module):
    """A linear layer and a batch norm that count the images they see."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)
        self.bn = nn.BatchNorm1d(4)
        self.seen = []

    def forward(self, latents, labels=None):
        self.seen.append(len(latents))
        return self.bn(self.fc(latents))


def _inputs(batch=256, on_call=None):
    g = torch.Generator().manual_seed(0)
    calls = []

    def inputs():
        calls.append(1)
        if on_call is not None:
            on_call(len(calls))
        return torch.randn(batch, 4, generator=g), None

    return inputs


def test_recalibration_budget_keeps_28px_and_shrinks_with_the_image():
    assert recalibration_images(28) == 20 * 256  # every existing 28-px preset as before
    assert recalibration_images(64) == 980
    assert recalibration_images(128) == recalibration_images(256) == 256  # at least one batch
    assert recalibration_images(128, budget=1000) == 1000


def test_recalibration_uses_the_image_budget_with_a_short_last_batch():
    model = _Counted()
    assert recalibrate_batchnorm(model, _inputs(), num_images=600)
    assert model.seen == [256, 256, 88]
    assert int(model.bn.num_batches_tracked) == 3


def test_recalibration_at_28px_matches_twenty_batches():
    a, b = _Counted(), _Counted()
    b.load_state_dict(a.state_dict())
    recalibrate_batchnorm(a, _inputs(), num_batches=20)
    recalibrate_batchnorm(b, _inputs(), num_images=recalibration_images(28))
    assert torch.equal(a.bn.running_mean, b.bn.running_mean) and torch.equal(a.bn.running_var, b.bn.running_var)


def test_a_signal_during_recalibration_ends_it_with_the_statistics_so_far(capsys):
    model, before = _Counted(), signal.getsignal(signal.SIGTERM)
    with stop_requests("ending the re-estimation early") as stops:
        recalibrate_batchnorm(model, _inputs(on_call=lambda n: n == 2 and signal.raise_signal(signal.SIGTERM)),
                              num_images=256 * 10, should_stop=stops.requested)
        assert stops.name == "SIGTERM"
    assert model.seen == [256, 256]  # the batch under way finishes, then it stops
    assert int(model.bn.num_batches_tracked) == 2 and model.bn.momentum == 0.1
    err = capsys.readouterr().err
    assert "SIGTERM received: ending the re-estimation early" in err
    assert "from 512 images (2 batches) of 2560 images: stopped early" in err
    assert signal.getsignal(signal.SIGTERM) == before  # its handler is gone with it


def test_recalibration_inside_the_training_loop_shares_its_stop_requests():
    with StopRequests() as outer:
        with stop_requests("ending early") as inner:
            assert inner is outer


TINY_DCGAN = ["--model", "dcgan-28", "--generator_kwargs", '{"latent_dim": 8, "base_channels": 4, "max_channels": 8}',
              "--discriminator_kwargs", '{"base_channels": 4, "max_channels": 8}', "--max_train_samples", "64",
              "--train_batch_size", "16", "--max_train_steps", "2", "--num_sample_images", "4", "--report_to", "none"]


def test_sigterm_during_the_final_recalibration_still_saves_the_pipeline(tmp_path, monkeypatch, capsys):
    from hfgan import GANPipeline
    from hfgan.cli import main
    from hfgan.tasks.latent import GenerationTask

    plain = GenerationTask.recalibration_inputs

    def signalling(self, device):
        inputs, calls = plain(self, device), []

        def wrapped():
            calls.append(1)
            if len(calls) == 3:
                signal.raise_signal(signal.SIGTERM)
            return inputs()

        return wrapped

    monkeypatch.setattr(GenerationTask, "recalibration_inputs", signalling)
    out = tmp_path / "run"
    assert main(["train", *TINY_DCGAN, "--output_dir", str(out)]) == 0
    err = capsys.readouterr().err
    assert "from 768 images (3 batches) of 5120 images: stopped early" in err
    assert GANPipeline.from_pretrained(str(out)).generator.config.sample_size == 28


def _folder(root, count, size=16):
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(0)
    (root / "things").mkdir(parents=True)
    for i in range(count):
        Image.fromarray(rng.integers(0, 256, (size, size, 3), dtype=np.uint8)).save(root / "things" / f"{i}.png")
    return str(root)


def test_a_folder_smaller_than_one_batch_names_the_flag_and_the_batch_that_fits(tmp_path, capsys):
    from hfgan.cli import main

    folder = _folder(tmp_path / "few", 40)
    args = ["train", "--model", "dcgan", "--dataset", folder, "--resolution", "16", "--report_to", "none",
            "--generator_kwargs", '{"latent_dim": 8, "base_channels": 4, "max_channels": 8}',
            "--discriminator_kwargs", '{"base_channels": 4, "max_channels": 8}', "--output_dir", str(tmp_path / "run")]
    assert main(args) != 0
    err = capsys.readouterr().err
    assert "40 images, fewer than one global batch of 64 (--train_batch_size 64 per process" in err
    assert "pass --train_batch_size 40 or less" in err
    assert main([*args, "--gradient_accumulation_steps", "2"]) != 0
    assert "pass --train_batch_size 20 or less" in capsys.readouterr().err  # per device, per accumulation step


def test_a_resized_variant_is_recorded_as_built_and_its_saved_config_trains_again(tmp_path):
    import json

    from hfgan.data import fit_config_to_data
    from hfgan.training import load_config
    from hfgan.training.recipes import config_for_model

    folder = _folder(tmp_path / "pets", 4)
    (tmp_path / "pets" / "others").mkdir()
    for i, name in enumerate(sorted((tmp_path / "pets" / "things").iterdir())[:2]):
        name.rename(tmp_path / "pets" / "others" / f"{i}.png")
    notes = []
    cfg = fit_config_to_data(config_for_model({"model": "cdcgan", "dataset": folder, "resolution": 16}), log=notes.append)
    assert cfg.model == "cdcgan-28" and cfg.generator_kwargs["sample_size"] == 16 == cfg.discriminator_kwargs["sample_size"]
    assert any("cdcgan-28 sized to 16 px" in note for note in notes)
    saved = tmp_path / "training_config.json"
    saved.write_text(json.dumps(cfg.to_dict()))
    again = fit_config_to_data(load_config(str(saved)), log=notes.append)  # what `hfgan train --config` reads
    assert (again.model, again.generator_kwargs, again.discriminator_kwargs) == \
        (cfg.model, cfg.generator_kwargs, cfg.discriminator_kwargs)


TINY_MLP = ["--model", "mlp-gan-28", "--generator_kwargs", '{"latent_dim": 8, "hidden_dims": [16]}',
            "--discriminator_kwargs", '{"hidden_dims": [16]}', "--max_train_samples", "32", "--train_batch_size", "16",
            "--max_train_steps", "1", "--num_sample_images", "4", "--report_to", "none"]


def test_only_the_main_process_says_where_the_pipeline_went(tmp_path, monkeypatch, capsys):
    from hfgan.cli import main

    monkeypatch.setenv("RANK", "1")  # what a launched process other than the first sees
    assert main(["train", *TINY_MLP, "--output_dir", str(tmp_path / "run")]) == 0
    assert "saved the pipeline" not in capsys.readouterr().out


def test_a_launch_that_started_one_of_several_processes_warns_once(tmp_path, monkeypatch, capsys):
    from hfgan.cli import main
    from hfgan.training.launch import one_of_several_asked

    assert not one_of_several_asked()
    # `accelerate launch --cpu --num_processes 2` starts one process with a rendezvous for several and no WORLD_SIZE
    for key, value in {"ACCELERATE_MIXED_PRECISION": "no", "ACCELERATE_USE_CPU": "True", "MASTER_ADDR": "127.0.0.1",
                       "MASTER_PORT": "29500"}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    assert one_of_several_asked()
    assert main(["train", *TINY_MLP, "--output_dir", str(tmp_path / "run")]) == 0
    captured = capsys.readouterr()
    assert captured.err.count("started one process") == 1
    assert "accelerate launch --multi_gpu --num_processes" in captured.err
    assert "saved the pipeline" in captured.out
    monkeypatch.setenv("WORLD_SIZE", "2")
    assert not one_of_several_asked()
