"""Data that need not fit in memory: Arrow rows read ahead by DataLoader workers in the trainer's order, chosen by
size, with seeded per-item crops; training on it matches the in-memory path and resumes exactly."""

import json
import os
import signal
import subprocess
import sys
import time

import datasets
import pytest
import torch
from safetensors.torch import load_file

from hfgan.data import load_image_tensor_data
from hfgan.data import ArrowImageData, choose_in_memory, load_image_data
from hfgan.errors import ConfigError
from hfgan.training import GANTrainer
from hfgan.training.checkpoint import STATE_FILE, list_checkpoints
from hfgan.training.recipes import config_for_model


def _weights(folder):
    found = {}
    for component in ("generator", "discriminator"):
        path = os.path.join(folder, component, "diffusion_pytorch_model.safetensors")
        found.update({f"{component}.{k}": v for k, v in load_file(path).items()})
    return found


def _assert_same(a, b):
    assert a.keys() == b.keys() and a
    for key in a:
        torch.testing.assert_close(a[key], b[key], atol=0, rtol=0, msg=key)


def _arrow(folder, **kwargs):
    dataset = datasets.load_dataset("imagefolder", data_dir=folder, split="train")
    return ArrowImageData(dataset, folder, **{"resolution": 16, "channels": 3, **kwargs})


def test_in_memory_or_arrow_by_size():
    gib = 1024**3
    assert choose_in_memory("auto", 60000, 1, 28, memory_bytes=8 * gib)  # Fashion-MNIST: 47 MB
    assert not choose_in_memory("auto", 70000, 3, 256, memory_bytes=32 * gib)  # FFHQ-256: 13.8 GB
    assert not choose_in_memory("auto", 1_281_167, 3, 64, memory_bytes=32 * gib)  # ImageNet-64: 15.7 GB
    # every process on a machine decodes its own copy: 8 processes share the quarter of the RAM
    assert choose_in_memory("auto", 70000, 3, 128, memory_bytes=64 * gib, processes=1)  # 3.4 GB
    assert not choose_in_memory("auto", 70000, 3, 128, memory_bytes=64 * gib, processes=8)  # 27.5 GB in all
    assert not choose_in_memory("auto", 10, 3, 16, random_crop=True)  # a crop per item and epoch
    assert choose_in_memory("true", 10**7, 3, 256) and not choose_in_memory("false", 10, 1, 8)
    with pytest.raises(ConfigError, match="random_crop"):
        choose_in_memory("true", 10, 3, 16, random_crop=True)


def test_arrow_rows_decode_like_the_in_memory_path(pets):
    arrow = load_image_data(pets, resolution=16, channels=3, in_memory="false", log=lambda *a: None)
    memory = load_image_tensor_data(pets, resolution=16, channels=3)
    assert isinstance(arrow, ArrowImageData) and len(arrow) == 16
    assert arrow.class_names == ["cats", "dogs"] and torch.equal(arrow.class_labels, memory.class_labels)
    idx = torch.tensor([3, 0, 15, 8])
    flips = torch.tensor([True, False, True, False])
    for a, b in zip(arrow.batch(idx, flip_mask=flips), memory.batch(idx, flip_mask=flips)):
        assert torch.equal(a, b)


def test_random_crops_are_seeded_by_seed_epoch_and_index(pets):
    data = _arrow(pets, random_crop=True, seed=1)
    first, again = data.read([0, 1], epoch=0), data.read([0, 1], epoch=0)
    assert torch.equal(first, again) and first.shape == (2, 3, 16, 16)
    assert not torch.equal(first, data.read([0, 1], epoch=1))  # 20x16 images: 4 columns to choose from
    assert not torch.equal(first, _arrow(pets, random_crop=True, seed=2).read([0, 1], epoch=0))


@pytest.mark.parametrize("workers", [0, 2])
def test_read_ahead_follows_the_plan(pets, workers):
    data = _arrow(pets, num_workers=workers)
    plan = lambda position: (torch.tensor([(position * 3 + k) % 16 for k in range(4)]), position // 4)  # noqa: E731
    data.set_plan(plan)
    for position in (0, 1, 1, 2, 7, 3):  # in order, again (a phase reusing its batch), then jumps: a restart
        pixel_values, labels = data.batch_at(position)
        expected, expected_labels = data.batch(plan(position)[0])
        assert torch.equal(pixel_values, expected) and torch.equal(labels, expected_labels)
    data.close()


def test_training_from_arrow_matches_training_in_memory(pets, tiny_overrides):
    common = dict(model="dcgan", dataset=pets, resolution=16, max_train_steps=3, random_flip=True)
    memory = GANTrainer(config_for_model(tiny_overrides("memory", **common, data_in_memory="true"))).train()
    arrow = GANTrainer(config_for_model(tiny_overrides("arrow", **common, data_in_memory="false",
                                                       dataloader_num_workers=2))).train()
    _assert_same(_weights(memory), _weights(arrow))


def test_arrow_path_stop_and_resume_matches_uninterrupted(pets, tiny_overrides):
    # 16 images, global batch 4: 4 batches an epoch, so 6 steps cross into a second epoch (new crops, new order)
    common = dict(model="dcgan", dataset=pets, resolution=16, random_crop=True, random_flip=True,
                  dataloader_num_workers=2, checkpointing_steps=3)
    full = GANTrainer(config_for_model(tiny_overrides("full", **common, max_train_steps=6))).train()
    GANTrainer(config_for_model(tiny_overrides("resumed", **common, max_train_steps=3))).train()
    resumed = tiny_overrides("resumed", **common, max_train_steps=6, resume_from_checkpoint="latest")
    _assert_same(_weights(full), _weights(GANTrainer(config_for_model(resumed)).train()))
    with open(os.path.join(list_checkpoints(full)[0], STATE_FILE)) as f:
        position = json.load(f)["data_position"]
    assert position["batch_counter"] == 3 and position["epoch"] == 0 and position["index_in_epoch"] == 12
    assert position["dataset_size"] == 16 and position["global_batch"] == 4 and "permutation_seed" in position


@pytest.mark.slow
def test_sigkill_on_the_arrow_path_then_resume_matches_uninterrupted(pets, tmp_path, procs):
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "OMP_NUM_THREADS": "1"}
    base = [sys.executable, "-m", "hfgan.cli", "train", "--model", "dcgan", "--dataset", pets, "--resolution", "16",
            "--data_in_memory", "false", "--dataloader_num_workers", "2", "--random_crop", "true", "--random_flip", "true",
            "--max_train_steps", "24", "--checkpointing_steps", "3", "--train_batch_size", "4", "--report_to", "none",
            "--num_sample_images", "4", "--sample_steps", "100", "--lr_scheduler", "constant",
            "--generator_kwargs", '{"latent_dim": 8, "base_channels": 4, "max_channels": 8}',
            "--discriminator_kwargs", '{"base_channels": 4, "max_channels": 8}']
    procs.run(base + ["--output_dir", str(tmp_path / "full")], env=env, check=True)
    proc = subprocess.Popen(base + ["--output_dir", str(tmp_path / "killed")], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 180
    while time.time() < deadline and not list_checkpoints(tmp_path / "killed"):
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert list_checkpoints(tmp_path / "killed") and not os.path.isfile(tmp_path / "killed" / "model_index.json")
    procs.run(base + ["--output_dir", str(tmp_path / "killed"), "--resume", "latest"], env=env, check=True)
    _assert_same(_weights(tmp_path / "full"), _weights(tmp_path / "killed"))
