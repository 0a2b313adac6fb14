"""The command a run records for its card: the `accelerate launch` flags rebuilt from what a launched process sees."""

import os
import sys

import pytest

import hfgan
from hfgan.training.launch import command_line

TRAIN_PY = os.path.join(os.path.dirname(hfgan.__file__), "train.py")
LAUNCH_KEYS = ("ACCELERATE_MIXED_PRECISION", "ACCELERATE_USE_CPU", "ACCELERATE_DYNAMO_BACKEND", "ACCELERATE_DYNAMO_MODE",
               "ACCELERATE_DYNAMO_USE_FULLGRAPH", "ACCELERATE_DYNAMO_USE_DYNAMIC", "WORLD_SIZE", "LOCAL_WORLD_SIZE",
               "MASTER_ADDR", "MASTER_PORT")


@pytest.fixture
def launched(monkeypatch):
    """``set(env)``: this process as `accelerate launch -m hfgan.train mlp-gan --max_steps 2` starts it."""
    for key in LAUNCH_KEYS:
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setattr(sys, "argv", [TRAIN_PY, "mlp-gan", "--max_steps", "2"])

    def set_env(env):
        for key, value in env.items():
            monkeypatch.setenv(key, value)
    return set_env


def test_a_multi_process_launch_records_its_flags(launched):
    launched({"ACCELERATE_MIXED_PRECISION": "bf16", "WORLD_SIZE": "4", "LOCAL_WORLD_SIZE": "4",
              "ACCELERATE_DYNAMO_BACKEND": "NO", "ACCELERATE_DYNAMO_MODE": "default",
              "ACCELERATE_DYNAMO_USE_FULLGRAPH": "False"})
    assert command_line() == ("accelerate launch --multi_gpu --num_processes 4 --mixed_precision bf16 "
                              "-m hfgan.train mlp-gan --max_steps 2")
    from hfgan.cards.text import public_command

    assert public_command(command_line()) == command_line()  # the card shows the launch as it is


def test_several_machines_and_compilation_are_recorded(launched):
    launched({"ACCELERATE_MIXED_PRECISION": "fp16", "WORLD_SIZE": "8", "LOCAL_WORLD_SIZE": "4",
              "ACCELERATE_DYNAMO_BACKEND": "INDUCTOR", "ACCELERATE_DYNAMO_MODE": "max-autotune",
              "ACCELERATE_DYNAMO_USE_FULLGRAPH": "True"})
    assert command_line() == ("accelerate launch --multi_gpu --num_processes 8 --num_machines 2 --mixed_precision fp16 "
                              "--dynamo_backend inductor --dynamo_mode max-autotune --dynamo_use_fullgraph "
                              "-m hfgan.train mlp-gan --max_steps 2")


def test_a_one_process_cpu_launch_records_cpu(launched):
    launched({"ACCELERATE_MIXED_PRECISION": "no", "ACCELERATE_USE_CPU": "True"})
    assert command_line() == "accelerate launch --cpu -m hfgan.train mlp-gan --max_steps 2"
    launched({"ACCELERATE_USE_CPU": "False"})
    assert command_line() == "accelerate launch -m hfgan.train mlp-gan --max_steps 2"


def test_plain_runs_record_what_was_typed(launched, monkeypatch):
    assert command_line() == "python -m hfgan.train mlp-gan --max_steps 2"
    monkeypatch.setattr(sys, "argv", ["/usr/bin/hfgan", "train", "mlp-gan", "--note", "two words"])
    assert command_line() == "hfgan train mlp-gan --note 'two words'"
