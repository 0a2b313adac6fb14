"""``hfgan generate | list | push``: outputs, and bad input as one line on stderr with exit status 2."""

import json
import os
import shutil
import subprocess
import sys
import types

import numpy as np
import pytest
import torch
from huggingface_hub import HfApi

from hfgan.hub import files_to_upload
from PIL import Image

from hfgan import GANPipeline, list_models
from hfgan.cli import main


@pytest.fixture(scope="module")
def conditional_dir(tmp_path_factory):
    from hfgan import DCGANGenerator

    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("cli") / "tiny-cdcgan"
    generator = DCGANGenerator(latent_dim=8, sample_size=8, base_channels=8, max_channels=16, num_classes=3,
                               class_names=["shirt", "shoe", "bag"])
    GANPipeline(generator).save_pretrained(path)
    return path


def test_generate_grid_and_images(saved_pipeline_dir, tmp_path, capsys):
    out, images_dir = tmp_path / "grids" / "grid.png", tmp_path / "images"
    args = ["generate", str(saved_pipeline_dir), "--num-images", "6", "--seed", "1", "--out", str(out)]
    assert main(args + ["--save-images", str(images_dir)]) == 0
    assert f"wrote {out} (6 images, 32x22)" in capsys.readouterr().out
    grid = Image.open(out)
    assert grid.size == (3 * (8 + 2) + 2, 2 * (8 + 2) + 2) and grid.mode == "L"  # 3 per row, 2 px padding
    assert sorted(os.listdir(images_dir)) == [f"{i:05d}.png" for i in range(6)]

    pipe = GANPipeline.from_pretrained(saved_pipeline_dir)
    expected = pipe(batch_size=6, generator=torch.Generator().manual_seed(1)).images
    for i in range(6):
        np.testing.assert_array_equal(np.asarray(Image.open(images_dir / f"{i:05d}.png")), np.asarray(expected[i]))
    np.testing.assert_array_equal(np.asarray(grid)[2:10, 12:20], np.asarray(expected[1]))

    assert main(args[:-1] + [str(tmp_path / "again.png"), "--scale", "2", "--nrow", "6"]) == 0
    assert Image.open(tmp_path / "again.png").size == (2 * (6 * 10 + 2), 2 * 12)


def test_generate_class_labels(conditional_dir, tmp_path):
    def grid(*extra):
        out = tmp_path / f"{len(os.listdir(tmp_path))}.png"
        assert main(["generate", str(conditional_dir), "--num-images", "6", "--out", str(out), *extra]) == 0
        return np.asarray(Image.open(out))

    np.testing.assert_array_equal(grid("--class-label", "shoe"), grid("--class-label", "1"))
    cycled = grid()  # conditional without a label: every class in turn, one class per column
    assert cycled.shape == (2 * 10 + 2, 3 * 10 + 2)
    np.testing.assert_array_equal(cycled, grid("--class-label", "all"))


def _write_bad_config(folder):
    config_path = folder / "generator" / "config.json"
    config = json.loads(config_path.read_text())
    config_path.write_text(json.dumps({**config, "latent_dim": "eight"}))


@pytest.mark.parametrize("case, extra, message", [
    ("no model_index", [], "has no model_index.json"),
    ("truncated", [], "diffusion_pytorch_model.safetensors is corrupt or truncated"),
    ("bad config", [], "config 'latent_dim' must be a positive integer, got 'eight'"),
    ("ok", ["--class-label", "2"], "class_labels were given, but this model is unconditional"),
    ("ok", ["--num-images", "0"], "--num-images must be in [1, 1000000], got 0"),
    ("ok", ["--out", "grid.txt"], "not an image file extension"),
    ("missing", [], "no such folder"),
])
def test_generate_errors_are_one_line(saved_pipeline_dir, tmp_path, capsys, case, extra, message):
    folder = shutil.copytree(saved_pipeline_dir, tmp_path / "p")
    if case == "no model_index":
        (folder / "model_index.json").unlink()
    elif case == "truncated":
        weights = folder / "generator" / "diffusion_pytorch_model.safetensors"
        weights.write_bytes(weights.read_bytes()[:100])
    elif case == "bad config":
        _write_bad_config(folder)
    elif case == "missing":
        folder = tmp_path / "nope" / "missing"
    assert main(["generate", str(folder), "--out", str(tmp_path / "g.png"), *extra]) == 2
    err = capsys.readouterr().err
    assert err.startswith("hfgan generate: error: ") and message in err and err.count("\n") == 1, err
    assert not (tmp_path / "g.png").exists()


def test_generate_error_in_a_subprocess(saved_pipeline_dir, tmp_path):
    folder = shutil.copytree(saved_pipeline_dir, tmp_path / "p")
    _write_bad_config(folder)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONWARNINGS": "ignore"}
    result = subprocess.run([sys.executable, "-m", "hfgan.cli", "generate", str(folder), "--out", str(tmp_path / "g.png")],
                            capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [f"hfgan generate: error: could not load {folder}: DCGANGenerator: config "
                                          "'latent_dim' must be a positive integer, got 'eight'"]


def test_list(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert all(f"  {name} " in out for name in list_models())
    assert main(["list", "dcgan-*"]) == 0
    models = capsys.readouterr().out.split("Training presets:")[0]
    assert "dcgan-64" in models and "mlp-gan-28" not in models


def test_push(saved_pipeline_dir, tmp_path, monkeypatch, capsys):
    uploads = []
    monkeypatch.setattr(HfApi, "create_repo", lambda self, repo_id, **kw: types.SimpleNamespace(repo_id=repo_id))
    monkeypatch.setattr(HfApi, "upload_folder", lambda self, *, repo_id, folder_path, **kw: uploads.append(
        (repo_id, sorted(os.path.relpath(os.path.join(r, f), folder_path) for r, _, fs in os.walk(folder_path) for f in fs))))
    assert main(["push", str(saved_pipeline_dir), "org/tiny", "--private"]) == 0
    assert uploads == [("org/tiny", files_to_upload(str(saved_pipeline_dir)))]
    assert main(["push", str(tmp_path), "org/tiny"]) == 2
    assert "has no model_index.json" in capsys.readouterr().err
