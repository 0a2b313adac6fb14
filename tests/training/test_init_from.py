"""``init_from``: a run starts from a saved pipeline's weights (generator, its EMA copy, discriminator), says so
in its card and config, and a different architecture is a one-line error naming the parameter and both shapes."""

import json
import os
import subprocess
import sys

import pytest
import torch

import hfgan
from hfgan.errors import ConfigError
from hfgan.models import create_components
from hfgan.training import GANTrainer, load_config

G_KWARGS = {"latent_dim": 8, "hidden_dims": [16]}
D_KWARGS = {"hidden_dims": [16]}
COMMON = {"generator_kwargs": json.dumps(G_KWARGS), "discriminator_kwargs": json.dumps(D_KWARGS),
          "max_train_samples": "32", "num_sample_images": "4", "logging_steps": "1", "sample_steps": "100",
          "report_to": "none", "train_batch_size": "8", "checkpointing_steps": "100"}


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """A saved tiny mlp-gan pipeline with weights unlike a fresh initialization, with and without its discriminator."""
    root = tmp_path_factory.mktemp("init-from")
    torch.manual_seed(1)
    nets = create_components("mlp-gan-28", {"generator": G_KWARGS, "discriminator": D_KWARGS})
    with torch.no_grad():
        for net in nets.values():
            for p in net.parameters():
                p.add_(torch.randn_like(p))
    hfgan.GANPipeline(generator=nets["generator"], discriminator=nets["discriminator"]).save_pretrained(root / "full")
    hfgan.GANPipeline(generator=nets["generator"]).save_pretrained(root / "generator_only")
    return root


def _config(output_dir, **extra):
    return load_config("mlp-gan-fashion-mnist", {**COMMON, "output_dir": str(output_dir), **{k: str(v) for k, v in extra.items()}})


def _same(a, b):
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


def test_init_from_loads_generator_ema_and_discriminator_and_is_recorded(tmp_path, source):
    src = hfgan.load_pipeline(str(source / "full"))
    trainer = GANTrainer(_config(tmp_path / "run", init_from=source / "full", max_train_steps=2))
    trainer._setup()
    unwrap = trainer.accelerator.unwrap_model
    assert _same(unwrap(trainer.nets["generator"]), src.generator) and _same(unwrap(trainer.nets["discriminator"]), src.discriminator)
    assert _same(trainer.emas["generator"].shadow, src.generator)
    assert trainer.init_from_components == ["generator", "discriminator"]

    GANTrainer(_config(tmp_path / "run", init_from=source / "full", max_train_steps=2)).train()
    config = json.load(open(tmp_path / "run" / "training_config.json"))
    assert config["init_from"] == str(source / "full")
    card = open(tmp_path / "run" / "README.md", encoding="utf-8").read()
    assert f"Fine-tuned from `{source / 'full'}` (generator, discriminator initialized from it)." in card
    assert "base_model" not in card.split("---")[1]  # a local folder is not a Hub base model
    trained = hfgan.load_pipeline(str(tmp_path / "run"))
    assert not _same(trained.discriminator, src.discriminator)  # it trained from there


def test_init_from_a_pipeline_without_discriminator_loads_the_generator(tmp_path, source):
    src = hfgan.load_pipeline(str(source / "generator_only"))
    trainer = GANTrainer(_config(tmp_path / "run", init_from=source / "generator_only", max_train_steps=1))
    trainer._setup()
    assert trainer.init_from_components == ["generator"]
    assert _same(trainer.accelerator.unwrap_model(trainer.nets["generator"]), src.generator)


def test_shape_mismatch_is_a_one_line_error_naming_the_parameter(tmp_path, source):
    cfg = _config(tmp_path / "run", init_from=source / "full", max_train_steps=1,
                  generator_kwargs=json.dumps({"latent_dim": 8, "hidden_dims": [32]}))
    with pytest.raises(ConfigError, match=r"init_from: generator\.\S+ has shape \[16, 8\] in .* but \[32, 8\] in this run"):
        GANTrainer(cfg).train()
    cmd = [sys.executable, "-m", "hfgan.cli", "train", "mlp-gan-fashion-mnist", "--init_from", str(source / "full"),
           "--output_dir", str(tmp_path / "cli"), "--max_train_steps", "1"]
    for key, value in {**COMMON, "generator_kwargs": json.dumps({"latent_dim": 4, "hidden_dims": [16]})}.items():
        cmd += [f"--{key}", value]
    proc = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert proc.returncode != 0
    lines = proc.stderr.strip().splitlines()
    assert "has shape [16, 8]" in lines[-1] and "[16, 4]" in lines[-1] and "Traceback" not in proc.stderr, proc.stderr


def test_init_from_a_folder_that_is_no_pipeline_is_a_clear_error(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(hfgan.errors.HFGANError, match="empty"):
        GANTrainer(_config(tmp_path / "run", init_from=tmp_path / "empty", max_train_steps=1)).train()


def test_a_hub_source_is_the_cards_base_model(source):
    from hfgan.cards import card_metadata
    from hfgan.training.outputs import _init_from_card

    pipe = hfgan.load_pipeline(str(source / "full"))
    pipe.card_data = {"training_note": "Grown 7 -> 14.", **_init_from_card("org/tiny-gan", ["generator"], {"training_note": "Grown 7 -> 14."})}
    assert pipe.card_data["training_note"] == "Grown 7 -> 14. Fine-tuned from `org/tiny-gan` (generator initialized from it)."
    assert card_metadata(pipe)["base_model"] == "org/tiny-gan"
