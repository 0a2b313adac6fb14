"""Each task owns its recipe: the knobs only some tasks read live in that task's ``task_kwargs`` (validated by its
dataclass), old top-level spellings map into them in one place, and published configs keep their recipe."""

import dataclasses
import glob
import json
import os

import pytest
import torch

from hfgan.cli import main
from hfgan.errors import ConfigError
from hfgan.tasks import get_task_class, list_tasks
from hfgan.training import TrainConfig, load_config
from hfgan.training.presets import list_presets
from hfgan.training.recipes import recipe, recipe_preset

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PUBLISHED = sorted(glob.glob(os.path.join(ROOT, "pipelines", "*", "training_config.json")))
# the knobs each task reads, and their defaults when they were top-level config keys
READS = {
    "generation": {"gp_weight", "r1_gamma", "r1_interval", "n_critic", "label_smoothing", "feature_matching_weight",
                   "orthogonal_reg_weight"},
    "stylegan2": {"r1_gamma", "r1_interval", "label_smoothing"},
    "progressive": {"gp_weight", "n_critic"},
    "paired-translation": {"label_smoothing"},
    "unpaired-translation": {"label_smoothing"},
}
OLD_DEFAULTS = {"gp_weight": 0.0, "r1_gamma": 0.0, "r1_interval": 1, "n_critic": 1, "label_smoothing": 0.0,
                "feature_matching_weight": 0.0, "orthogonal_reg_weight": 0.0}


def _fields(task):
    return {f.name: f.default for f in dataclasses.fields(get_task_class(task).kwargs_class)}


def test_task_knobs_live_in_the_tasks_that_read_them():
    from hfgan.training.config import MOVED_TO_TASK_KWARGS

    assert set(READS) == set(list_tasks())
    assert not set(OLD_DEFAULTS) & set(TrainConfig.__dataclass_fields__)
    assert {key: default for key, (_, default) in MOVED_TO_TASK_KWARGS.items()} == OLD_DEFAULTS
    for task, keys in READS.items():
        fields = _fields(task)
        assert set(fields) & set(OLD_DEFAULTS) == keys, task
        assert all(fields[key] == OLD_DEFAULTS[key] for key in keys), task  # an old key at its default: the task's


@pytest.mark.parametrize("path", PUBLISHED, ids=lambda p: os.path.basename(os.path.dirname(p)))
def test_every_published_training_config_loads_with_its_recipe(path):
    from hfgan.tasks import task_name
    from hfgan.training.config import saved_config

    with open(path, encoding="utf-8") as f:
        saved = json.load(f)
    cfg = saved_config(saved)
    for key, value in cfg.to_dict().items():
        if key != "task_kwargs" and key in saved:  # keys newer than the run: their defaults
            assert value == saved[key], key
    task = task_name(cfg)
    kwargs = get_task_class(task).kwargs_class.from_dict(task, cfg.task_kwargs)
    for key, value in saved.get("task_kwargs", {}).items():
        assert getattr(kwargs, key) == value, key
    for key in OLD_DEFAULTS:
        # the value the run trained with: the task's, or the old default where the task never read the key
        assert getattr(kwargs, key, OLD_DEFAULTS[key]) == saved.get(key, OLD_DEFAULTS[key]), key


def test_presets_keep_their_recipes_in_task_kwargs():
    assert load_config("wgan-gp-fashion-mnist").task_kwargs == {"gp_weight": 10.0, "n_critic": 5}
    assert load_config("dcgan-fashion-mnist").task_kwargs == {"label_smoothing": 0.1}
    assert load_config("biggan-fashion-mnist").task_kwargs == {"n_critic": 2, "orthogonal_reg_weight": 1e-4}
    for preset in list_presets():
        load_config(preset)  # every preset's task_kwargs validate with its task


def test_old_top_level_spellings_map_into_task_kwargs():
    cfg = load_config("wgan-gp-fashion-mnist", {"gp_weight": "5", "n_critic": "1", "label_smoothing": 0.1})
    # an old key at its old default leaves the task's default (the same value)
    assert cfg.task_kwargs == {"gp_weight": 5.0, "label_smoothing": 0.1}
    assert load_config("wgan-gp-fashion-mnist", {"task_kwargs.gp_weight": "5"}).task_kwargs == {"gp_weight": 5.0, "n_critic": 5}
    # a task_kwargs object replaces the task's own settings; the keys that were top-level stay unless it names them
    cfg = load_config("stylegan2-fashion-mnist", {"r1_interval": "2", "task_kwargs": '{"pl_interval": 2}'})
    assert cfg.task_kwargs == {"r1_gamma": 0.0064, "r1_interval": 2, "pl_interval": 2}
    assert load_config("pix2pix-edges2fashion", {"gp_weight": "0"}).task_kwargs == {"lambda_l1": 100.0}
    with pytest.raises(ConfigError, match="--gp_weight expects float, got 'x'"):
        load_config("dcgan-fashion-mnist", {"gp_weight": "x"})


def test_each_key_is_validated_by_its_task():
    with pytest.raises(ConfigError, match=r"^gp_weight must be a finite number >= 0, got -10\.0$"):
        load_config("dcgan-fashion-mnist", {"task_kwargs.gp_weight": "-10"})
    with pytest.raises(ConfigError, match=r"^n_critic must be >= 1, got 0$"):
        load_config("dcgan-fashion-mnist", {"n_critic": "0"})
    with pytest.raises(ConfigError, match=r"task 'stylegan2' has no task_kwargs \['gp_weight'\]"):
        load_config("stylegan2-fashion-mnist", {"gp_weight": "10"})
    with pytest.raises(ConfigError, match=r"task 'paired-translation' has no task_kwargs \['gp_weight'\]"):
        load_config("pix2pix-edges2fashion", {"gp_weight": "10"})


def test_cli_takes_the_old_and_the_nested_spelling(capsys):
    for args in (["--gp_weight", "5"], ["--task_kwargs.gp_weight", "5"], ["--task_kwargs.gp_weight=5"]):
        assert main(["train", "wgan-gp-fashion-mnist", *args, "--print-config"]) == 0
        assert json.loads(capsys.readouterr().out)["task_kwargs"] == {"gp_weight": 5.0, "n_critic": 5}, args
    assert main(["train", "wgan-gp-fashion-mnist", "--task_kwargs.nope", "1", "--print-config"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "task 'generation' has no task_kwargs ['nope']" in err


def test_help_config_lists_each_tasks_kwargs():
    from hfgan.training.config_help import format_config_help, task_kwargs_help

    shown = task_kwargs_help()
    assert list(shown) == list_tasks()
    for task, rows in shown.items():
        fields = _fields(task)
        assert [key for key, _, _, _ in rows] == list(fields), task
        assert all(default == json.dumps(fields[key]) for key, _, default, _ in rows), task
        assert all(meaning and meaning != "-" for *_, meaning in rows), task
    text = format_config_help()
    assert "--task_kwargs.gp_weight float" in text and "--task_kwargs.pl_interval int" in text


def test_a_familys_recipe_comes_from_its_registry_family():
    assert recipe_preset("cmlp-gan") == "mlp-gan-fashion-mnist"  # the conditional variant of a family
    assert recipe_preset("csngan-resnet") == "sngan-resnet-fashion-mnist"
    assert recipe_preset("cyclegan-unet") == "cyclegan-sneaker2boot"  # a "c" that is no conditional prefix
    assert recipe_preset("dcgan-64") == "dcgan-fashion-mnist" and recipe_preset("cdcgan") == "cdcgan-fashion-mnist"
    values = recipe("stylegan2")  # the task that reads the recipe's task_kwargs comes along
    assert values["task"] == "stylegan2" and values["task_kwargs"]["r1_interval"] == 16
    assert recipe("biggan-deep")["task_kwargs"] == {"n_critic": 2, "orthogonal_reg_weight": 1e-4}


def test_lazy_regularization_settings_are_the_loops():
    from hfgan.tasks import Phase
    from hfgan.tasks.stylegan2 import StyleGAN2Task
    from hfgan.training.build import lazy_ratio

    phases = [Phase("G_main", "G"), Phase("G_reg", "G", interval=4, lazy=True), Phase("D_main", "D")]
    assert lazy_ratio(phases, "G") == pytest.approx(0.8) and lazy_ratio(phases, "D") == 1.0
    assert "learning_rate" not in vars(StyleGAN2Task) and "adam_betas" not in vars(StyleGAN2Task)


def test_tasks_borrow_no_methods_by_assignment():
    for task in list_tasks():
        cls = get_task_class(task)
        for name, value in vars(cls).items():
            if callable(value) and hasattr(value, "__qualname__") and not isinstance(value, type):
                assert value.__qualname__.startswith(cls.__name__ + "."), (task, name)


def test_the_loop_slices_smaller_rows_for_a_task():
    from types import SimpleNamespace

    from hfgan.training.trainer import GANTrainer

    loop = SimpleNamespace(config=SimpleNamespace(train_batch_size=4),
                           accelerator=SimpleNamespace(num_processes=2, process_index=1))
    rows = torch.arange(16)
    assert GANTrainer.slice(loop, rows, 1).tolist() == [12, 13, 14, 15]
    assert GANTrainer.slice(loop, rows, 1, rows=2).tolist() == [6, 7]  # micro 1, rank 1, 2 rows each


def test_a_model_re_estimates_its_own_statistics():
    from hfgan.training.ema import recalibrate_batchnorm

    class Own(torch.nn.Module):
        calls = []

        def recalibrate_batchnorm(self, sample_inputs):
            self.calls.append(sample_inputs())

    model = Own()
    assert recalibrate_batchnorm(model, lambda: "inputs") and model.calls == ["inputs"]


def test_progressive_task_takes_the_global_batch_from_the_loop(tmp_path):
    from hfgan.training import GANTrainer

    cfg = load_config("progan-fashion-mnist", {
        "generator_kwargs": '{"latent_dim": 8, "base_channels": 4, "max_channels": 8}', "max_train_samples": "64",
        "discriminator_kwargs": '{"base_channels": 4, "max_channels": 8}', "train_batch_size": "4",
        "gradient_accumulation_steps": "2", "report_to": "none", "output_dir": str(tmp_path), "num_sample_images": "4"})
    trainer = GANTrainer(cfg)
    trainer._setup()
    assert trainer.task.global_batch == trainer.global_batch == 8


def test_a_resume_resolves_its_checkpoint_once(tmp_path, tiny_args, monkeypatch):
    from hfgan.training import checkpoint as ckpt

    base = ["train", "mlp-gan-fashion-mnist", *tiny_args(tmp_path / "run", checkpointing_steps=2, max_train_samples=64)]
    assert main([*base, "--max_train_steps", "2"]) == 0
    calls = []
    verify = ckpt.verify
    monkeypatch.setattr(ckpt, "verify", lambda folder: calls.append(folder) or verify(folder))
    assert main([*base, "--max_train_steps", "3", "--resume", "latest"]) == 0
    assert [os.path.basename(p) for p in calls] == ["checkpoint-2"]
