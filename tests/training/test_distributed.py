"""Two CPU processes (gloo) against one process with the same global batch."""

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


@pytest.mark.skipif(shutil.which("accelerate") is None, reason="accelerate CLI not installed")
def test_two_processes_match_one_process(tmp_path, tiny_args, procs):
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "OMP_NUM_THREADS": "1"}
    common = ["--max_train_steps", "6", "--checkpointing_steps", "6", "--use_ema", "true"]
    procs.run([sys.executable, "-m", "hfgan.cli", "train", "mlp-gan-fashion-mnist",
               *tiny_args(tmp_path / "one", train_batch_size=16), *common], env=env, check=True,
              retry_after_removing=[tmp_path / "one"])
    procs.run(["accelerate", "launch", "--multi_gpu", "--num_processes", "2", "--num_machines", "1",
               "--mixed_precision", "no", "--dynamo_backend", "no", "--main_process_port", str(procs.free_port()),
               "-m", "hfgan.train", "mlp-gan-fashion-mnist", *tiny_args(tmp_path / "two", train_batch_size=8), *common],
              env=env, check=True, retry_after_removing=[tmp_path / "two"])
    # every rank ends with identical weights
    rows = json.load(open(tmp_path / "two" / "logs" / "rank_checksums.json"))
    assert len(rows) == 2 and rows[0] == rows[1]
    # and 2 x 8 matches 1 x 16 up to the order of floating-point reductions
    for part in ("generator", "discriminator"):
        a = load_file(str(tmp_path / "one" / part / "diffusion_pytorch_model.safetensors"))
        b = load_file(str(tmp_path / "two" / part / "diffusion_pytorch_model.safetensors"))
        for key in a:
            torch.testing.assert_close(a[key], b[key], atol=1e-5, rtol=1e-4, msg=f"{part}.{key}")



@pytest.mark.skipif(shutil.which("accelerate") is None, reason="accelerate CLI not installed")
def test_two_machines_match_one_process(tmp_path, tiny_args, procs):
    """Multi-node, simulated: two `accelerate launch` (one CPU process each, machine ranks 0 and 1, rendezvous on
    127.0.0.1) train to the weights of one process with the same global batch."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "OMP_NUM_THREADS": "1"}
    common = ["--max_train_steps", "4", "--checkpointing_steps", "4", "--use_ema", "true"]
    procs.run([sys.executable, "-m", "hfgan.cli", "train", "mlp-gan-fashion-mnist",
               *tiny_args(tmp_path / "one", train_batch_size=16), *common], env=env, check=True,
              retry_after_removing=[tmp_path / "one"])
    port = str(procs.free_port())
    machines = [subprocess.Popen(["accelerate", "launch", "--multi_gpu", "--num_machines", "2", "--machine_rank", str(rank),
                                  "--num_processes", "2", "--main_process_ip", "127.0.0.1", "--main_process_port", port,
                                  "--mixed_precision", "no", "--dynamo_backend", "no", "-m", "hfgan.train",
                                  "mlp-gan-fashion-mnist", *tiny_args(tmp_path / "two", train_batch_size=8), *common],
                                 env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                 start_new_session=True)
                for rank in (0, 1)]
    try:
        outputs = [m.communicate(timeout=240)[0] for m in machines]
    except subprocess.TimeoutExpired:
        for sig in (signal.SIGUSR1, signal.SIGKILL):  # every thread's stack (hfgan.cli), then stop
            for machine in machines:
                try:
                    os.killpg(machine.pid, sig)
                except ProcessLookupError:
                    pass
            time.sleep(3 if sig == signal.SIGUSR1 else 0)
        outputs = [m.communicate(timeout=30)[0] for m in machines]
        pytest.fail("the two machines did not finish in 240 s; stacks (SIGUSR1):\n"
                    + "\n".join(f"machine {rank}:\n{out[-5000:]}" for rank, out in enumerate(outputs)))
    for machine, output in zip(machines, outputs):
        assert machine.returncode == 0, output[-3000:]
    rows = json.load(open(tmp_path / "two" / "logs" / "rank_checksums.json"))
    assert len(rows) == 2 and rows[0] == rows[1]
    for part in ("generator", "discriminator"):
        a = load_file(str(tmp_path / "one" / part / "diffusion_pytorch_model.safetensors"))
        b = load_file(str(tmp_path / "two" / part / "diffusion_pytorch_model.safetensors"))
        for key in a:
            torch.testing.assert_close(a[key], b[key], atol=1e-5, rtol=1e-4, msg=f"{part}.{key}")
