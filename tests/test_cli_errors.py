"""Bounded work and one-line failures on the command line.

``hfgan generate`` makes and writes images chunk by chunk and refuses a grid above its pixel budget; every
sub-command ends bad input in one line on stderr, non-zero, with no traceback, unless ``--debug`` or
``HFGAN_DEBUG=1`` asks for one.
"""

import json
import os
import shutil
import subprocess
import sys

import pytest
import torch
from PIL import Image

from hfgan import DCGANGenerator, GANPipeline
from hfgan.cli import main
from hfgan.commands import generate



@pytest.fixture(scope="module")
def folders(tmp_path_factory, saved_pipeline_dir):
    """``ok`` (unconditional 8x8), ``cond`` (3 classes), ``img28`` (28x28), and broken copies of ``ok``."""
    root = tmp_path_factory.mktemp("cli-errors")
    torch.manual_seed(0)
    tiny = dict(latent_dim=8, base_channels=8, max_channels=16)
    GANPipeline(DCGANGenerator(sample_size=8, num_classes=3, class_names=["shirt", "shoe", "bag"], **tiny)).save_pretrained(root / "cond")
    GANPipeline(DCGANGenerator(sample_size=28, **tiny)).save_pretrained(root / "img28")
    hostile = shutil.copytree(saved_pipeline_dir, root / "hostile")
    index = json.loads((hostile / "model_index.json").read_text())
    (hostile / "model_index.json").write_text(json.dumps({**index, "../../etc": ["hfgan", "DCGANGenerator"]}))
    corrupt = shutil.copytree(saved_pipeline_dir, root / "corrupt")
    (corrupt / "generator" / "diffusion_pytorch_model.safetensors").write_bytes(b"\x7fELF not safetensors" * 10)
    huge = shutil.copytree(saved_pipeline_dir, root / "huge")
    config = json.loads((huge / "generator" / "config.json").read_text())
    (huge / "generator" / "config.json").write_text(json.dumps({**config, "latent_dim": 10**9}))
    image = root / "image.png"
    Image.new("L", (8, 8)).save(image)
    return {"ok": saved_pipeline_dir, "root": root, "image": image,
            **{name: root / name for name in ("cond", "img28", "hostile", "corrupt", "huge")}}


def test_generate_streams_chunks_to_disk(folders, tmp_path, monkeypatch, capsys):
    calls, images_dir = [], tmp_path / "images"
    original = GANPipeline.__call__

    def spy(self, *args, **kwargs):
        calls.append((kwargs["batch_size"], len(os.listdir(images_dir))))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(GANPipeline, "__call__", spy)
    assert main(["generate", str(folders["ok"]), "--num-images", "600", "--save-images", str(images_dir), "--no-grid"]) == 0
    assert calls == [(256, 0), (256, 256), (88, 512)]  # chunks; each written before the next is made
    assert len(os.listdir(images_dir)) == 600 and not (tmp_path / "grid.png").exists()
    out, err = capsys.readouterr()
    assert out == f"wrote 600 images to {images_dir}\n" and "generate:" in err and "/600" in err  # a progress bar


def test_generate_chunks_are_the_generator_stream(folders, tmp_path, monkeypatch):
    """A seed gives the same images in any number of chunks as in one call of the same generator stream."""
    monkeypatch.setattr(generate, "CHUNK_SIZE", 4)
    out = tmp_path / "chunked.png"
    assert main(["generate", str(folders["ok"]), "--num-images", "4", "--seed", "3", "--out", str(out)]) == 0
    pipe = GANPipeline.from_pretrained(folders["ok"])
    expected = pipe(batch_size=4, generator=torch.Generator().manual_seed(3)).images
    from hfgan.viz import make_image_grid

    assert list(Image.open(out).getdata()) == list(make_image_grid(expected).getdata())


@pytest.mark.parametrize("extra, pixels", [
    (["--num-images", "4", "--scale", "100000"], "3.84e+13 pixels"),
    (["--num-images", "200000"], "1.8e+08 pixels"),  # 28x28 images: today's kernel kill
    (["--num-images", "4", "--nrow", "1000000000"], "pixels"),
])
def test_a_grid_above_the_pixel_budget_is_refused_before_generating(folders, tmp_path, monkeypatch, capsys, extra, pixels):
    monkeypatch.setattr(GANPipeline, "__call__", lambda *a, **k: pytest.fail("images were generated"))
    assert main(["generate", str(folders["img28"]), "--out", str(tmp_path / "g.png"), *extra]) == 2
    err = capsys.readouterr().err
    assert pixels in err and f"more than the limit of {generate.MAX_GRID_PIXELS} (64 megapixels)" in err
    assert err.count("\n") == 1 and not (tmp_path / "g.png").exists()


def test_a_grid_at_the_budget_is_made(folders, tmp_path, monkeypatch):
    monkeypatch.setattr(generate, "MAX_GRID_PIXELS", generate.grid_pixels(5, 8, 8, nrow=3, scale=2))
    assert main(["generate", str(folders["ok"]), "--num-images", "5", "--scale", "2", "--out", str(tmp_path / "g.png")]) == 0
    assert Image.open(tmp_path / "g.png").size == (2 * 32, 2 * 22)
    assert main(["generate", str(folders["ok"]), "--num-images", "10", "--scale", "2", "--out", str(tmp_path / "h.png")]) == 2


# Bad input to every sub-command, one line each: scripts/cli_error_sweep.py, run by
# tests/test_hardening_one_line.py::test_the_sweep_of_bad_cli_input_is_all_one_line.


def test_an_unexpected_error_is_one_line_and_debug_shows_it(folders, tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("HFGAN_DEBUG", raising=False)

    def bug(*args, **kwargs):
        raise ZeroDivisionError("division by zero\nsecond line")

    monkeypatch.setattr(GANPipeline, "__call__", bug)
    argv = ["generate", str(folders["ok"]), "--out", str(tmp_path / "g.png")]
    assert main(argv) == 1
    assert capsys.readouterr().err == ("hfgan generate: error: ZeroDivisionError: division by zero "
                                       "(--debug or HFGAN_DEBUG=1 shows the traceback)\n")
    for debug_argv in (["--debug", *argv], [*argv, "--debug"]):
        with pytest.raises(ZeroDivisionError):
            main(debug_argv)
    monkeypatch.setenv("HFGAN_DEBUG", "1")
    with pytest.raises(ZeroDivisionError):
        main(argv)
    monkeypatch.setenv("HFGAN_DEBUG", "0")
    assert main(argv) == 1


def test_the_console_entry_point_in_a_subprocess(folders, tmp_path):
    """The real entry point: ``--device meta`` is one line; with ``HFGAN_DEBUG=1`` the traceback is shown."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONWARNINGS": "ignore"}
    env.pop("HFGAN_DEBUG", None)
    argv = [sys.executable, "-m", "hfgan.cli", "generate", str(folders["ok"]), "--device", "meta", "--out", str(tmp_path / "g.png")]
    result = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=600)
    assert result.returncode == 2
    assert result.stderr.splitlines() == ["hfgan generate: error: --device meta: images are made on cpu, cuda, mps, "
                                          "xpu devices, not meta"]
    debug = subprocess.run(argv, capture_output=True, text=True, env={**env, "HFGAN_DEBUG": "1"}, timeout=600)
    assert debug.returncode == 1 and "Traceback (most recent call last)" in debug.stderr
    assert debug.stderr.rstrip().splitlines()[-1].startswith("hfgan.errors.HFGANError: --device meta")
