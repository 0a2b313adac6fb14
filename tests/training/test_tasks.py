"""Every task through the one trainer: a few steps, an exact resume, the pipeline it builds and its round trip;
an exact resume after SIGKILL and 2 processes against 1 for the translation and progressive tasks (generation's
are in test_trainer.py and test_distributed.py)."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest
import torch
from safetensors.torch import load_file

import hfgan
from hfgan.training import GANTrainer, load_config, parse_overrides
from hfgan.training.checkpoint import list_checkpoints

# a constant learning rate: a linear decay depends on max_train_steps, which the resume tests extend
COMMON = {"logging_steps": "2", "sample_steps": "2", "report_to": "none", "train_batch_size": "4", "lr_scheduler": "constant"}
# Tiny, deterministic across process counts: instance norm, no dropout (dropout draws from each rank's own RNG).
TASKS = {
    "generation": ("mlp-gan-fashion-mnist", {
        "generator_kwargs": '{"latent_dim": 8, "hidden_dims": [16]}', "discriminator_kwargs": '{"hidden_dims": [16]}',
        "max_train_samples": "64", "num_sample_images": "4"}),
    "paired-translation": ("pix2pix-edges2fashion", {
        "generator_kwargs": '{"base_channels": 4, "max_channels": 8, "norm_type": "instance", "use_dropout": false}',
        "discriminator_kwargs": '{"base_channels": 4, "max_channels": 8, "norm_type": "instance"}',
        "max_train_samples": "64"}),
    "unpaired-translation": ("cyclegan-sneaker2boot", {
        "generator_kwargs": '{"base_channels": 4, "num_res_blocks": 1}',
        "discriminator_kwargs": '{"base_channels": 4, "max_channels": 8}',
        "max_train_samples": "64", "task_kwargs": '{"pool_size": 6}'}),
    # global batch 4: 7x7 at step 0, 14x14 fading in at steps 1-2 (alpha 0, 0.5; the resume at step 2 is mid-fade),
    # 14x14 from step 3
    "progressive": ("progan-fashion-mnist", {
        "generator_kwargs": '{"latent_dim": 8, "base_channels": 4, "max_channels": 8}',
        "discriminator_kwargs": '{"base_channels": 4, "max_channels": 8}',
        "max_train_samples": "64", "num_sample_images": "4",
        "task_kwargs": '{"stabilize_images": 4, "fade_images": 8}', "lr_scheduler": "constant"}),
}
LATENT_TASKS = ("generation", "progressive")


def task_args(name, output_dir, **extra):
    preset, values = TASKS[name]
    args = [preset]
    for key, value in {**COMMON, **values, "output_dir": str(output_dir), **{k: str(v) for k, v in extra.items()}}.items():
        args += [f"--{key}", value]
    return args


def task_config(name, output_dir, **extra):
    preset, *rest = task_args(name, output_dir, **extra)
    return load_config(preset, parse_overrides(rest))


def weights(folder):
    """Every component's safetensors of a saved pipeline folder, keyed ``component.param``."""
    found = {}
    for component in sorted(os.listdir(folder)):
        path = os.path.join(folder, component, "diffusion_pytorch_model.safetensors")
        if os.path.isfile(path):
            found.update({f"{component}.{k}": v for k, v in load_file(path).items()})
    return found


def assert_same(a, b, atol=0.0):
    assert a.keys() == b.keys() and a
    for key in a:
        torch.testing.assert_close(a[key], b[key], atol=atol, rtol=0 if atol == 0 else 1e-4, msg=key)


@pytest.mark.parametrize("task", sorted(TASKS))
def test_task_trains_resumes_exactly_and_builds_its_pipeline(tmp_path, task):
    full = GANTrainer(task_config(task, tmp_path / "full", max_train_steps=4, checkpointing_steps=2))
    full.train()
    GANTrainer(task_config(task, tmp_path / "part", max_train_steps=2, checkpointing_steps=2)).train()
    GANTrainer(task_config(task, tmp_path / "part", max_train_steps=4, checkpointing_steps=2,
                           resume_from_checkpoint="latest")).train()
    assert_same(weights(tmp_path / "full"), weights(tmp_path / "part"))
    assert all(torch.isfinite(torch.tensor(v)).all() for k, v in full.history.items() if k.startswith("loss"))

    pipe = hfgan.load_pipeline(str(tmp_path / "full"))
    expected = hfgan.GANPipeline if task in LATENT_TASKS else hfgan.GANImageToImagePipeline
    assert type(pipe) is expected
    for name in ("samples/grid.png", "samples/progress.gif", "losses.png", "training_config.json", "README.md"):
        assert os.path.isfile(tmp_path / "full" / name), name
    card = open(tmp_path / "full" / "README.md", encoding="utf-8").read()
    pipe.save_pretrained(tmp_path / "again")
    again = hfgan.load_pipeline(str(tmp_path / "again"))
    if task in LATENT_TASKS:
        out = pipe(batch_size=2, generator=torch.Generator().manual_seed(0), output_type="pt").images
        out2 = again(batch_size=2, generator=torch.Generator().manual_seed(0), output_type="pt").images
        assert "pipeline_tag: unconditional-image-generation" in card
    else:
        assert "pipeline_tag: image-to-image" in card
        image = torch.rand(2, 1, 28, 28)
        out, out2 = pipe(image=image, output_type="pt").images, again(image=image, output_type="pt").images
        assert out.shape == (2, 1, 28, 28)
        if task == "unpaired-translation":
            assert pipe.directions == ("forward", "reverse")
            assert torch.equal(pipe(image=image, direction="reverse", output_type="pt").images,
                               again(image=image, direction="reverse", output_type="pt").images)
    assert torch.equal(out, out2)


def test_cyclegan_pools_are_checkpointed_in_safetensors(tmp_path):
    GANTrainer(task_config("unpaired-translation", tmp_path / "run", max_train_steps=2, checkpointing_steps=2)).train()
    ckpt = list_checkpoints(tmp_path / "run")[-1]
    pools = load_file(os.path.join(ckpt, "task_state.safetensors"))
    assert sorted(pools) == ["pool_a", "pool_b"] and all(len(v) == 6 for v in pools.values())  # 2 steps x 4 > 6


def test_task_mismatch_and_bad_task_kwargs_are_clear_errors(tmp_path):
    from hfgan.errors import ConfigError

    with pytest.raises(ConfigError, match="lambda_nope"):
        GANTrainer(task_config("paired-translation", tmp_path / "a", max_train_steps=1,
                               task_kwargs='{"lambda_nope": 1}')).train()
    with pytest.raises(ConfigError, match="needs networks"):
        GANTrainer(task_config("generation", tmp_path / "b", max_train_steps=1, task="unpaired-translation")).train()
    with pytest.raises(ConfigError, match="task must be one of"):
        task_config("generation", tmp_path / "c", task="nope")


# progressive: 7x7 for steps 0-1, 14x14 fading in over steps 2-12, so every checkpoint (3, 6, 9, 12) that the kill
# can leave as the latest lies inside the fade; its lr decays from step 12 (half the run, as the others by default)
SIGKILL_EXTRA = {"progressive": {"task_kwargs": '{"stabilize_images": 8, "fade_images": 44}', "lr_decay_start_step": 12}}


@pytest.mark.parametrize("task", ["paired-translation", "unpaired-translation", "progressive"])
def test_sigkill_then_resume_matches_uninterrupted(tmp_path, task, procs):
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "OMP_NUM_THREADS": "1"}
    base = [sys.executable, "-m", "hfgan.cli", "train"]
    steps = {"max_train_steps": 24, "checkpointing_steps": 3, "lr_scheduler": "constant_then_linear",
             **SIGKILL_EXTRA.get(task, {})}
    procs.run(base + task_args(task, tmp_path / "full", **steps), env=env, check=True)
    proc = subprocess.Popen(base + task_args(task, tmp_path / "killed", **steps), env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline and not list_checkpoints(tmp_path / "killed"):
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert list_checkpoints(tmp_path / "killed") and not os.path.isfile(tmp_path / "killed" / "model_index.json")
    if task == "progressive":  # the run resumes inside a fade
        state = load_file(os.path.join(list_checkpoints(tmp_path / "killed")[-1], "task_state.safetensors"))
        assert int(state["resolution"]) == 14 and 0 < float(state["alpha"]) < 1, state
    procs.run(base + task_args(task, tmp_path / "killed", **steps) + ["--resume", "latest"], env=env, check=True)
    assert_same(weights(tmp_path / "full"), weights(tmp_path / "killed"))


# progressive, global batch 8: 7x7 at step 0, 14x14 fading in at steps 1-2, 14x14 at step 3
DDP_EXTRA = {"progressive": {"task_kwargs": '{"stabilize_images": 8, "fade_images": 16}'}}


@pytest.mark.skipif(shutil.which("accelerate") is None, reason="accelerate CLI not installed")
@pytest.mark.parametrize("task", ["paired-translation", "unpaired-translation", "progressive"])
def test_two_processes_match_one_process(tmp_path, task, procs):
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "OMP_NUM_THREADS": "1"}
    common = {"max_train_steps": 4, "checkpointing_steps": 4, **DDP_EXTRA.get(task, {})}
    procs.run([sys.executable, "-m", "hfgan.cli", "train", *task_args(task, tmp_path / "one", train_batch_size=8, **common)],
              env=env, check=True, retry_after_removing=[tmp_path / "one"])
    procs.run(["accelerate", "launch", "--multi_gpu", "--num_processes", "2", "--num_machines", "1",
               "--mixed_precision", "no", "--dynamo_backend", "no", "--main_process_port", str(procs.free_port()),
               "-m", "hfgan.train", *task_args(task, tmp_path / "two", train_batch_size=4, **common)], env=env, check=True,
              retry_after_removing=[tmp_path / "two"])
    rows = json.load(open(tmp_path / "two" / "logs" / "rank_checksums.json"))
    assert len(rows) == 2 and rows[0] == rows[1]
    assert_same(weights(tmp_path / "one"), weights(tmp_path / "two"), atol=1e-5)
