"""What a command imports: a usage error of ``generate``, ``evaluate`` or ``translate`` answers before torch and
diffusers load, and generating a grid imports none of the libraries that only training, the Space, datasets or
plotting need. Each case runs ``hfgan.cli.main`` in a fresh interpreter and reads ``sys.modules`` afterwards."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

PIPELINE = str(Path(__file__).resolve().parents[1] / "pipelines" / "dcgan-fashion-mnist")
ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": os.pathsep.join(sys.path)}
HEAVY = ("torch", "diffusers")
NOT_FOR_GENERATING = ("gradio", "matplotlib", "datasets", "torchmetrics", "transformers", "peft", "pandas")


def _imported(argv, names, cwd) -> tuple:
    """``(exit status, stderr, the modules of names imported)`` after ``main(argv)`` in a fresh interpreter."""
    code = (f"import sys\nfrom hfgan.cli import main\nstatus = main({argv!r})\n"
            f"print(status, ','.join(sorted(m for m in {names!r} if m in sys.modules)))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=ENV, timeout=600, cwd=cwd)
    status, _, modules = result.stdout.strip().splitlines()[-1].partition(" ")
    return int(status), result.stderr, modules


@pytest.mark.parametrize("argv", [
    ["generate", PIPELINE, "--num-images", "0"],
    ["generate", PIPELINE, "--seed", "-1"],
    ["evaluate", PIPELINE, "--num-samples", "1"],
    ["evaluate", PIPELINE, "--batch-size", "0"],
    ["translate", PIPELINE, "in.png", "--out", "out", "--batch-size", "0"],
])
def test_usage_errors_answer_before_torch_and_diffusers_load(argv, tmp_path):
    status, stderr, modules = _imported(argv, HEAVY, tmp_path)
    assert status == 2 and stderr.count("\n") == 1 and "error:" in stderr, stderr
    assert modules == ""


def test_generate_imports_nothing_that_only_training_the_space_or_plotting_need(tmp_path):
    status, stderr, modules = _imported(["generate", PIPELINE, "--num-images", "1", "--out", "g.png"],
                                        NOT_FOR_GENERATING, tmp_path)
    assert status == 0, stderr
    assert (tmp_path / "g.png").is_file()
    assert modules == ""
