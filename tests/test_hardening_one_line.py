"""One line, every time: loading flags that cannot apply, ``env --config-file``, push's repo id, an unknown
``--model``, a converter config too large for memory, image-folder metadata that points outside the folder, and the
sweep of bad input to every sub-command (``scripts/cli_error_sweep.py``)."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import torch
from PIL import Image

from hfgan.cli import main
from hfgan.data import check_metadata_files, load_image_dataset
from hfgan.errors import HFGANError

ROOT = os.path.join(os.path.dirname(__file__), "..")


def one_line_error(capsys, *needles):
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and ": error: " in err and "Traceback" not in err, err
    for needle in needles:
        assert needle in err, err
    return err


@pytest.fixture
def ok(saved_pipeline_dir):
    return str(saved_pipeline_dir)


def test_an_empty_device_is_refused(ok, tmp_path, capsys):
    assert main(["generate", ok, "--device", "", "--out", str(tmp_path / "g.png")]) == 2
    one_line_error(capsys, "--device is empty")
    assert not (tmp_path / "g.png").exists()


def test_revision_of_a_local_folder_is_refused(ok, tmp_path, capsys):
    Image.new("L", (8, 8)).save(tmp_path / "in.png")
    for argv in (["generate", ok, "--out", str(tmp_path / "g.png")], ["evaluate", ok],
                 ["translate", ok, str(tmp_path / "in.png"), "--out", str(tmp_path / "t")]):
        assert main([*argv, "--revision", "v2"]) == 2
        one_line_error(capsys, "--revision v2", "local folder")
    assert not (tmp_path / "g.png").exists()


@pytest.mark.parametrize("dtype", ["fp16", "float16", "half"])
def test_float16_on_the_cpu_is_refused_before_loading(ok, tmp_path, capsys, dtype):
    assert main(["generate", ok, "--dtype", dtype, "--device", "cpu", "--out", str(tmp_path / "g.png")]) == 2
    one_line_error(capsys, "float16 pipelines run on GPUs", "bfloat16")


def test_bfloat16_on_the_cpu_still_generates(ok, tmp_path):
    assert main(["generate", ok, "--dtype", "bf16", "--device", "cpu", "--num-images", "2",
                 "--out", str(tmp_path / "g.png")]) == 0


def test_env_with_a_missing_or_garbage_config_file_fails(tmp_path, capsys):
    assert main(["env", "--config-file", str(tmp_path / "none.yaml")]) == 2
    one_line_error(capsys, "none.yaml", "no such file")
    garbage = tmp_path / "garbage.yaml"
    garbage.write_text("just a string\n")
    assert main(["env", "--config-file", str(garbage)]) == 2
    one_line_error(capsys, "garbage.yaml", "not an Accelerate config")
    good = tmp_path / "good.yaml"
    good.write_text("compute_environment: LOCAL_MACHINE\ndistributed_type: 'NO'\nmixed_precision: 'no'\n")
    assert main(["env", "--config-file", str(good)]) == 0
    assert "distributed_type" in capsys.readouterr().out


def test_push_refuses_a_bad_repo_id_without_a_progress_bar(ok, capsys):
    assert main(["push", ok, "not a repo id!", "--dry-run"]) == 2
    one_line_error(capsys, "'not a repo id!' is not a valid Hub repo id")
    assert main(["push", ok, "org/name", "--dry-run"]) == 0
    captured = capsys.readouterr()
    assert "would upload" in captured.out and "Loading pipeline components" not in captured.err


def test_an_unknown_model_is_refused_by_print_config(tmp_path, capsys):
    Image.new("L", (8, 8)).save(tmp_path / "a.png")
    assert main(["train", "--model", "no-such-family", "--dataset", str(tmp_path), "--print-config"]) == 2
    one_line_error(capsys, "'no-such-family' is not a registered model", "dcgan")


def test_biggan_deep_config_larger_than_memory_is_refused_before_allocating(tmp_path, capsys):
    src = tmp_path / "biggan"
    src.mkdir()
    (src / "config.json").write_text(json.dumps({
        "z_dim": 128, "num_classes": 1000, "channel_width": 200000, "attention_layer_position": 8, "eps": 1e-4,
        "n_stats": 51, "output_dim": 128,
        "layers": [[False, 16, 16], [True, 16, 16], [False, 16, 16], [True, 16, 8], [False, 8, 8], [True, 8, 4],
                   [False, 4, 4], [True, 4, 2], [False, 2, 2], [True, 2, 1]]}))
    torch.save({}, src / "pytorch_model.bin")
    assert main(["convert", "biggan-deep", str(src), str(tmp_path / "out")]) == 2
    one_line_error(capsys, "config.json describes a generator of", "GiB of memory")
    assert not (tmp_path / "out").exists()


def _image_folder(path, rows):
    path.mkdir()
    for i in range(3):
        Image.fromarray(np.full((8, 8), 60 * i, np.uint8)).save(path / f"{i}.png")
    (path / "metadata.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


@pytest.mark.parametrize("name, says", [("../secret.png", "is outside the folder"),
                                        ("/etc/passwd", "is outside the folder"),
                                        ("gone.png", "does not exist"),
                                        (7, "must be a relative file path")])
def test_metadata_naming_a_file_outside_the_folder_is_one_line(tmp_path, name, says):
    Image.new("L", (8, 8)).save(tmp_path / "secret.png")
    folder = _image_folder(tmp_path / "data", [{"file_name": f"{i}.png"} for i in range(3)] + [{"file_name": name}])
    with pytest.raises(HFGANError, match=f"metadata.jsonl line 4: file_name .*{says}") as err:
        load_image_dataset(str(folder))
    assert "\n" not in str(err.value)


def test_metadata_through_a_symlink_out_is_refused_and_good_metadata_loads(tmp_path):
    Image.new("L", (8, 8)).save(tmp_path / "secret.png")
    folder = _image_folder(tmp_path / "data", [{"file_name": f"{i}.png", "caption": "x"} for i in range(3)])
    assert len(load_image_dataset(str(folder))) == 3
    os.symlink(tmp_path / "secret.png", folder / "link.png")
    with open(folder / "metadata.jsonl", "a") as f:
        f.write(json.dumps({"file_name": "link.png"}) + "\n")
    with pytest.raises(HFGANError, match="link.png' is outside the folder"):
        check_metadata_files(str(folder))
    (folder / "metadata.jsonl").write_text("[1, 2]\n")
    with pytest.raises(HFGANError, match="line 1 is not a JSON object"):
        check_metadata_files(str(folder))


def test_the_sweep_of_bad_cli_input_is_all_one_line(tmp_path):
    """Every case of ``scripts/cli_error_sweep.py``, in one process with its file descriptors captured (progress
    bars, warnings and logging included): one line on stderr, non-zero, no traceback."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    env.pop("HFGAN_DEBUG", None)
    result = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "cli_error_sweep.py")], cwd=tmp_path,
                            capture_output=True, text=True, env=env, timeout=600)
    assert result.returncode == 0 and result.stdout.rstrip().endswith("(100%)"), result.stdout[-6000:] + result.stderr[-3000:]
