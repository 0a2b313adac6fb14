"""``hfgan publish`` (:mod:`hfgan.publishing`): a finished run copied into a Hub-ready pipeline folder; its progress
GIF keeps the trainer's caption strip legible and shrinks the samples below it."""

import os

import numpy as np
import pytest
import torch
from PIL import Image

from hfgan.cli import main
from hfgan.errors import HFGANError
from hfgan.publishing import best_grid, progress_gif, publish_run
from hfgan.viz import CAPTION_HEIGHT, caption_image, make_image_grid


def write_grids(folder, steps):
    rng = np.random.default_rng(0)
    for step in steps:
        images = rng.integers(0, 256, size=(4, 8, 8, 1), dtype=np.uint8)
        grid = caption_image(make_image_grid(images, nrow=2, scale=4), f"step {step}  28x28  alpha 1.00")
        grid.save(folder / f"step_{step:06d}.png")
    return grid.size


def test_progress_gif_keeps_the_caption_and_shrinks_the_samples(tmp_path):
    (tmp_path / "samples").mkdir()
    width, height = write_grids(tmp_path / "samples", [250, 500, 750, 1000])

    path = progress_gif(str(tmp_path), str(tmp_path / "progress.gif"), every=500)

    gif = Image.open(path)
    assert gif.n_frames == 2  # steps 500 and 1000
    assert gif.size == (width // 2, CAPTION_HEIGHT + (height - CAPTION_HEIGHT) // 2)
    frames = []
    for i in range(gif.n_frames):
        gif.seek(i)
        frames.append(np.asarray(gif.convert("L"), dtype=np.int16))
    source = np.asarray(Image.open(tmp_path / "samples" / "step_001000.png").convert("L"), dtype=np.int16)
    strip = source[:CAPTION_HEIGHT, : width // 2]
    assert (strip < 128).sum() > 20  # the caption has text in the part that is kept
    assert np.abs(frames[1][:CAPTION_HEIGHT] - strip).max() <= 8  # kept at full size, not re-captioned
    assert not np.array_equal(frames[0][:CAPTION_HEIGHT], frames[1][:CAPTION_HEIGHT])  # each frame its own step


def test_progress_gif_without_grids_at_the_interval_is_a_clear_error(tmp_path):
    (tmp_path / "samples").mkdir()
    write_grids(tmp_path / "samples", [250])
    with pytest.raises(HFGANError, match="no sample grid at a multiple of 1000"):
        progress_gif(str(tmp_path), str(tmp_path / "progress.gif"), every=1000)


def _fake_run(folder, make_tiny_pipeline, with_best=True):
    """A finished run folder: its final pipeline, training config, loss plot, progress GIF and (optionally) a
    different ``best/`` pipeline chosen at step 2."""
    import json

    from hfgan.training.presets import load_config

    final = make_tiny_pipeline(num_classes=3, seed=0)
    final.card_data = {"name": "tiny", "dataset": "fashion_mnist", "train_steps": 4}
    final.save_pretrained(folder)
    (folder / "training_config.json").write_text(json.dumps(load_config("cdcgan-fashion-mnist", {}).to_dict()))
    Image.new("RGB", (16, 16), "white").save(folder / "losses.png")
    Image.new("RGB", (16, 16), "white").save(folder / "samples" / "progress.gif")
    if with_best:
        best = make_tiny_pipeline(num_classes=3, seed=1)
        best.card_data = {"name": "tiny", "dataset": "fashion_mnist", "train_steps": 2, "best_step": 2}
        best.save_pretrained(folder / "best")


def test_publishing_the_best_weights_keeps_the_runs_figures_and_draws_their_grid(tmp_path, make_tiny_pipeline):
    from safetensors.torch import load_file

    from hfgan import load_pipeline

    run = tmp_path / "run"
    (run / "samples").mkdir(parents=True)
    _fake_run(run, make_tiny_pipeline)

    target = publish_run(str(run), str(tmp_path / "pipelines" / "tiny"), weights="best")

    weights = "generator/diffusion_pytorch_model.safetensors"
    published, best, final = (load_file(os.path.join(d, weights)) for d in (target, run / "best", run))
    assert all(torch.equal(published[k], best[k]) for k in best)
    assert not all(torch.equal(published[k], final[k]) for k in final)
    pipe = load_pipeline(target)
    assert pipe.card_data["best_step"] == 2 and pipe.card_data["losses"] == "losses.png"
    assert pipe.card_data["progress"] == "samples/progress.gif"
    assert "losses.png" in open(os.path.join(target, "README.md")).read()
    # the grid is the best weights' (one column per class, the trainer's seed), not the final weights' grid
    grid = np.asarray(Image.open(os.path.join(target, "samples", "grid.png")))
    expected, of_final = (np.asarray(best_grid(str(run), load_pipeline(str(d)))) for d in (run / "best", run))
    np.testing.assert_array_equal(grid, expected)
    assert grid.shape == of_final.shape and not np.array_equal(grid, of_final)


def test_publishing_best_weights_of_a_run_without_them_is_a_clear_error(tmp_path, make_tiny_pipeline):
    run = tmp_path / "run"
    (run / "samples").mkdir(parents=True)
    _fake_run(run, make_tiny_pipeline, with_best=False)
    with pytest.raises(HFGANError, match="no best/ pipeline"):
        publish_run(str(run), str(tmp_path / "tiny"), weights="best")


def test_hfgan_publish_copies_the_run_and_its_card_names_the_target(tmp_path, make_tiny_pipeline, capsys):
    from hfgan import load_pipeline

    run = tmp_path / "run"
    (run / "samples").mkdir(parents=True)
    _fake_run(run, make_tiny_pipeline, with_best=False)
    (run / "checkpoint-4").mkdir()  # left behind
    target = tmp_path / "pipelines" / "tiny"

    assert main(["publish", str(run), str(target), "--command", "hfgan train cdcgan-fashion-mnist"]) == 0

    assert f"published {target}" in capsys.readouterr().out
    assert not (target / "checkpoint-4").exists() and (target / "losses.png").is_file()
    pipe = load_pipeline(str(target))
    assert pipe.card_data["command"] == "hfgan train cdcgan-fashion-mnist"
    assert (target / "training_config.json").is_file() and (target / "samples" / "progress.gif").is_file()


@pytest.mark.parametrize("case, expected", [
    ("not-a-run", "is not a finished run (no model_index.json)"),
    ("same-folder", "the run folder itself"),
    ("foreign-target", "is not a pipeline folder"),
    ("gif-every", "--gif-every must be >= 1"),
])
def test_hfgan_publish_refuses_bad_input_in_one_line(tmp_path, make_tiny_pipeline, capsys, case, expected):
    run = tmp_path / "run"
    (run / "samples").mkdir(parents=True)
    _fake_run(run, make_tiny_pipeline, with_best=False)
    foreign = tmp_path / "notes"
    foreign.mkdir()
    (foreign / "keep.txt").write_text("mine")
    argv = {"not-a-run": [str(tmp_path / "samples-only"), str(tmp_path / "out")],
            "same-folder": [str(run), str(run)],
            "foreign-target": [str(run), str(foreign)],
            "gif-every": [str(run), str(tmp_path / "out"), "--gif-every", "0"]}[case]
    (tmp_path / "samples-only").mkdir()
    assert main(["publish", *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("hfgan publish: error: ") and expected in err and err.count("\n") == 1
    assert (foreign / "keep.txt").read_text() == "mine" and (run / "model_index.json").is_file()
    assert not (tmp_path / "out").exists()
