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

HUGE = "1" + "0" * 30


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


def cases(f, tmp):
    """``(argv, message)`` of bad input to every sub-command."""
    ok, cond, hostile, corrupt, huge, image = (str(f[k]) for k in ("ok", "cond", "hostile", "corrupt", "huge", "image"))
    out = ["--out", str(tmp / "g.png")]
    return [
        ([], "the following arguments are required: COMMAND"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        (["generate"], "the following arguments are required: pipeline"),
        (["generate", str(tmp / "missing")], "no such folder"),
        (["generate", ok, "--num-images", "many"], "argument --num-images: invalid int value: 'many'"),
        (["generate", ok, "--num-images", "-5"], "--num-images must be in [1, 1000000], got -5"),
        (["generate", ok, "--num-images", HUGE], "--num-images must be in [1, 1000000]"),
        (["generate", ok, "--scale", "-1"], "--scale and --nrow must be >= 1"),
        (["generate", ok, "--seed", "99999999999999999999999"], "--seed must be in [0, 2**64 - 1]"),
        (["generate", ok, "--seed", "-1"], "--seed must be in [0, 2**64 - 1]"),
        (["generate", ok, "--device", "meta", *out], "images are made on cpu, cuda, mps, xpu devices, not meta"),
        (["generate", ok, "--device", "banana", *out], "is not a torch device"),
        (["generate", ok, "--truncation-psi", "nan", *out], "truncation_psi must be a number in [0, 2]"),
        (["generate", cond, "--class-label", "dragon", *out], "unknown class name 'dragon'"),
        (["generate", cond, "--class-label", HUGE, *out], "out of range"),
        (["generate", ok, "--no-grid"], "--no-grid writes nothing without --save-images"),
        (["generate", ok, "--bogus"], "unrecognized arguments: --bogus"),
        (["generate", hostile, *out], "the key '../../etc' is a path"),
        (["generate", corrupt, *out], "is corrupt or truncated"),
        (["generate", huge, *out], "but only"),
        (["generate", str(f["image"]), *out], "(it is a file)"),
        (["translate", ok, image, "--out", str(tmp / "t")], "is an image generation pipeline"),
        (["translate", ok, str(tmp / "missing.png"), "--out", str(tmp / "t")], "no such file or folder"),
        (["translate", ok, image], "the following arguments are required: --out"),
        (["translate", ok, image, "--out", str(tmp / "t"), "--batch-size", "-1"], "--batch-size must be >= 1"),
        (["translate", ok, image, "--out", str(tmp / "t"), "--direction", "sideways"], "invalid choice: 'sideways'"),
        (["translate", hostile, image, "--out", str(tmp / "t")], "is a path"),
        (["evaluate"], "give either a PIPELINE to evaluate or --real-vs-real SPLIT"),
        (["evaluate", str(tmp / "missing")], "no such folder"),
        (["evaluate", ok, "--num-samples", "-3"], "--num-samples must be >= 2"),
        (["evaluate", ok, "--batch-size", "x"], "invalid int value: 'x'"),
        (["evaluate", ok, "--features", "nope"], "unknown --features 'nope'"),
        (["push", str(tmp / "missing"), "org/name"], "has no model_index.json"),
        (["push", hostile, "org/name"], "is a path"),
        (["push", corrupt, "org/name"], "is corrupt or truncated"),
        (["push", ok], "the following arguments are required: repo_id"),
        (["list", "no-such-model-*"], "no model variant or preset matches 'no-such-model-*'"),
        (["train", "no-such-preset"], "is neither a config file nor a preset"),
        (["train", str(tmp / "missing.yaml")], "is neither a config file nor a preset"),
        (["train", "dcgan-fashion-mnist", "--max_train_steps", "abc", "--print-config"], "--max_train_steps expects int"),
        (["train", "dcgan-fashion-mnist", "--max_train_steps", "-5", "--print-config"], "max_train_steps must be >= 1"),
        (["train", "dcgan-fashion-mnist", "--no_such_key", "3", "--print-config"], "unknown config key 'no_such_key'"),
    ]


def test_bad_input_to_every_command_is_one_line(folders, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("HFGAN_DEBUG", raising=False)
    failures = []
    for argv, message in cases(folders, tmp_path):
        status = main(argv)
        out, err = capsys.readouterr()
        one_line = err.count("\n") == 1 and err.startswith("hfgan") and ": error: " in err
        if status == 0 or not one_line or "Traceback" in err or message not in err:
            failures.append(f"{argv[:4]} -> {status}: {err!r}")
    assert not failures, "\n".join(failures)
    assert not (tmp_path / "g.png").exists() and not (tmp_path / "t").exists()


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
