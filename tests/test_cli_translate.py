"""``hfgan translate``: one PNG per input (files and folders), batches, pairs, directions, and bad input as one
line on stderr with exit status 2; ``hfgan generate`` on a translation pipeline points to ``translate``."""

import os

import numpy as np
import pytest
import torch
from PIL import Image

from hfgan import CycleGANGenerator, GANImageToImagePipeline, Pix2PixGenerator, load_pipeline
from hfgan.cli import main


@pytest.fixture(scope="module")
def one_way_dir(tmp_path_factory):
    """A saved Pix2Pix pipeline: 16x16 RGB -> grayscale."""
    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("translate") / "p2p"
    GANImageToImagePipeline(Pix2PixGenerator(in_channels=3, out_channels=1, sample_size=16, base_channels=4,
                                             max_channels=8)).save_pretrained(path)
    return path


@pytest.fixture(scope="module")
def two_way_dir(tmp_path_factory):
    """A saved two-way CycleGAN pipeline: 12x12 grayscale <-> RGB."""
    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("translate") / "cyclegan"
    tiny = dict(sample_size=12, base_channels=4, num_res_blocks=1)
    GANImageToImagePipeline(generator=CycleGANGenerator(in_channels=1, out_channels=3, **tiny),
                            generator_reverse=CycleGANGenerator(in_channels=3, out_channels=1, **tiny)).save_pretrained(path)
    return path


@pytest.fixture
def inputs(tmp_path):
    """``photos/`` with three images of other sizes and modes plus a text file, and ``extra.jpg`` beside it."""
    rng = np.random.default_rng(0)
    folder = tmp_path / "photos"
    folder.mkdir()
    Image.fromarray(rng.integers(0, 256, (20, 24, 3), dtype=np.uint8)).save(folder / "a.png")
    Image.fromarray(rng.integers(0, 256, (16, 16), dtype=np.uint8)).save(folder / "b.png")
    Image.fromarray(rng.integers(0, 256, (9, 9, 4), dtype=np.uint8)).save(folder / "c.webp")
    (folder / "notes.txt").write_text("not an image")
    Image.fromarray(rng.integers(0, 256, (16, 16, 3), dtype=np.uint8)).save(tmp_path / "extra.jpg")
    return tmp_path


def pixels(path):
    return np.asarray(Image.open(path))


def test_translate_files_and_folders(one_way_dir, inputs, capsys):
    out = inputs / "out"
    assert main(["translate", str(one_way_dir), str(inputs / "photos"), str(inputs / "extra.jpg"), "--out", str(out)]) == 0
    assert "wrote 4 translated images to" in capsys.readouterr().out
    assert sorted(os.listdir(out)) == ["a.png", "b.png", "c.png", "extra.png"]
    pipe = load_pipeline(one_way_dir)
    for name, source in [("a", "photos/a.png"), ("c", "photos/c.webp"), ("extra", "extra.jpg")]:
        expected = pipe(Image.open(inputs / source)).images[0]
        assert Image.open(out / f"{name}.png").mode == "L"
        np.testing.assert_array_equal(pixels(out / f"{name}.png"), np.asarray(expected))

    again = inputs / "again"  # batches of 1, with a progress bar, give the same files
    assert main(["translate", str(one_way_dir), str(inputs / "photos"), "--out", str(again), "--batch-size", "1",
                 "--side-by-side"]) == 0
    assert "translate" in capsys.readouterr().err  # the progress bar
    assert sorted(os.listdir(again)) == ["a.png", "a_pair.png", "b.png", "b_pair.png", "c.png", "c_pair.png"]
    for name in "abc":
        np.testing.assert_array_equal(pixels(again / f"{name}.png"), pixels(out / f"{name}.png"))
    pair = Image.open(again / "a_pair.png")
    assert pair.size == (2 * (16 + 2) + 2, 16 + 4) and pair.mode == "RGB"  # the RGB input beside the gray output
    np.testing.assert_array_equal(np.asarray(pair)[2:18, 20:36, 0], pixels(out / "a.png"))


def test_translate_reverse(two_way_dir, inputs):
    out = inputs / "out"
    assert main(["translate", str(two_way_dir), str(inputs / "extra.jpg"), "--direction", "reverse", "--out", str(out)]) == 0
    expected = load_pipeline(two_way_dir)(Image.open(inputs / "extra.jpg"), direction="reverse").images[0]
    assert Image.open(out / "extra.png").size == (12, 12)
    np.testing.assert_array_equal(pixels(out / "extra.png"), np.asarray(expected))


@pytest.mark.parametrize("case, message", [
    ("missing", "nope.png: no such file or folder"),
    ("not an image", "notes.txt: not an image PIL can read"),
    ("broken", "broken.png: not an image PIL can read"),
    ("empty folder", "the folder holds no image files"),
    ("same stem", "would both be written as a.png"),
    ("reverse one-way", "direction='reverse' needs a two-way (CycleGAN) pipeline"),
    ("generation pipeline", "is an image generation pipeline (GANPipeline), not an image-to-image one: use `hfgan generate"),
    ("batch size", "--batch-size must be >= 1, got 0"),
])
def test_translate_errors_are_one_line(one_way_dir, saved_pipeline_dir, inputs, capsys, case, message):
    pipeline, extra, images = str(one_way_dir), [], [str(inputs / "photos")]
    if case == "missing":
        images = [str(inputs / "nope.png")]
    elif case == "not an image":
        images = [str(inputs / "photos" / "notes.txt")]
    elif case == "broken":
        (inputs / "broken.png").write_bytes(b"\x89PNG not really")
        images = [str(inputs / "broken.png")]
    elif case == "empty folder":
        (inputs / "empty").mkdir()
        images = [str(inputs / "empty")]
    elif case == "same stem":
        (inputs / "more").mkdir()
        Image.new("RGB", (8, 8)).save(inputs / "more" / "a.jpg")
        images += [str(inputs / "more")]
    elif case == "reverse one-way":
        extra = ["--direction", "reverse"]
    elif case == "generation pipeline":
        pipeline = str(saved_pipeline_dir)
    elif case == "batch size":
        extra = ["--batch-size", "0"]
    assert main(["translate", pipeline, *images, "--out", str(inputs / "out"), *extra]) == 2
    err = capsys.readouterr().err
    assert err.startswith("hfgan translate: error: ") and message in err and err.count("\n") == 1, err
    assert not (inputs / "out").exists()


def test_generate_points_to_translate(one_way_dir, tmp_path, capsys):
    assert main(["generate", str(one_way_dir), "--out", str(tmp_path / "g.png")]) == 2
    err = capsys.readouterr().err
    assert "is an image-to-image pipeline (GANImageToImagePipeline): use `hfgan translate" in err and err.count("\n") == 1


def test_side_by_side_names_must_not_clash(one_way_dir, inputs, capsys):
    Image.new("RGB", (8, 8)).save(inputs / "photos" / "a_pair.png")
    assert main(["translate", str(one_way_dir), str(inputs / "photos"), "--out", str(inputs / "o"), "--side-by-side"]) == 2
    assert "the pair of " in capsys.readouterr().err and not (inputs / "o").exists()
    assert main(["translate", str(one_way_dir), str(inputs / "photos"), "--out", str(inputs / "o")]) == 0
