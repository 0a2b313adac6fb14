"""Two CPU processes (gloo) against one process with the same global batch."""

import json
import os
import shutil
import subprocess
import sys

import pytest
import torch
from safetensors.torch import load_file


@pytest.mark.skipif(shutil.which("accelerate") is None, reason="accelerate CLI not installed")
def test_two_processes_match_one_process(tmp_path, tiny_args):
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "OMP_NUM_THREADS": "1"}
    common = ["--max_train_steps", "6", "--checkpointing_steps", "6", "--use_ema", "true"]
    one = subprocess.run([sys.executable, "-m", "hfgan.cli", "train", "mlp-gan-fashion-mnist",
                          *tiny_args(tmp_path / "one", train_batch_size=16), *common],
                         env=env, capture_output=True, text=True)
    assert one.returncode == 0, one.stderr[-2000:]
    two = subprocess.run(["accelerate", "launch", "--multi_gpu", "--num_processes", "2", "--num_machines", "1",
                          "--mixed_precision", "no", "--dynamo_backend", "no", "--main_process_port", "29517",
                          "-m", "hfgan.train", "mlp-gan-fashion-mnist",
                          *tiny_args(tmp_path / "two", train_batch_size=8), *common],
                         env=env, capture_output=True, text=True)
    assert two.returncode == 0, two.stderr[-2000:]
    # every rank ends with identical weights
    rows = json.load(open(tmp_path / "two" / "logs" / "rank_checksums.json"))
    assert len(rows) == 2 and rows[0] == rows[1]
    # and 2 x 8 matches 1 x 16 up to the order of floating-point reductions
    for part in ("generator", "discriminator"):
        a = load_file(str(tmp_path / "one" / part / "diffusion_pytorch_model.safetensors"))
        b = load_file(str(tmp_path / "two" / part / "diffusion_pytorch_model.safetensors"))
        for key in a:
            torch.testing.assert_close(a[key], b[key], atol=1e-5, rtol=1e-4, msg=f"{part}.{key}")


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.skipif(shutil.which("accelerate") is None, reason="accelerate CLI not installed")
def test_two_machines_match_one_process(tmp_path, tiny_args):
    """Multi-node, simulated: two `accelerate launch` (one CPU process each, machine ranks 0 and 1, rendezvous on
    127.0.0.1) train to the weights of one process with the same global batch."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "OMP_NUM_THREADS": "1"}
    common = ["--max_train_steps", "4", "--checkpointing_steps", "4", "--use_ema", "true"]
    one = subprocess.run([sys.executable, "-m", "hfgan.cli", "train", "mlp-gan-fashion-mnist",
                          *tiny_args(tmp_path / "one", train_batch_size=16), *common],
                         env=env, capture_output=True, text=True)
    assert one.returncode == 0, one.stderr[-2000:]
    port = str(_free_port())
    machines = [subprocess.Popen(["accelerate", "launch", "--multi_gpu", "--num_machines", "2", "--machine_rank", str(rank),
                                  "--num_processes", "2", "--main_process_ip", "127.0.0.1", "--main_process_port", port,
                                  "--mixed_precision", "no", "--dynamo_backend", "no", "-m", "hfgan.train",
                                  "mlp-gan-fashion-mnist", *tiny_args(tmp_path / "two", train_batch_size=8), *common],
                                 env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                for rank in (0, 1)]
    outputs = [m.communicate(timeout=600)[0] for m in machines]
    for machine, output in zip(machines, outputs):
        assert machine.returncode == 0, output[-3000:]
    rows = json.load(open(tmp_path / "two" / "logs" / "rank_checksums.json"))
    assert len(rows) == 2 and rows[0] == rows[1]
    for part in ("generator", "discriminator"):
        a = load_file(str(tmp_path / "one" / part / "diffusion_pytorch_model.safetensors"))
        b = load_file(str(tmp_path / "two" / part / "diffusion_pytorch_model.safetensors"))
        for key in a:
            torch.testing.assert_close(a[key], b[key], atol=1e-5, rtol=1e-4, msg=f"{part}.{key}")
