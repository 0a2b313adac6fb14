"""``scripts/publish.py``'s progress GIF: the trainer's caption strip kept legible, the samples below it shrunk."""

import os

import numpy as np
import pytest
import torch
from PIL import Image

from hfgan.viz import CAPTION_HEIGHT, caption_image, make_image_grid


def write_grids(folder, steps):
    rng = np.random.default_rng(0)
    for step in steps:
        images = rng.integers(0, 256, size=(4, 8, 8, 1), dtype=np.uint8)
        grid = caption_image(make_image_grid(images, nrow=2, scale=4), f"step {step}  28x28  alpha 1.00")
        grid.save(folder / f"step_{step:06d}.png")
    return grid.size


def test_progress_gif_keeps_the_caption_and_shrinks_the_samples(tmp_path, load_script):
    publish = load_script("publish")
    (tmp_path / "samples").mkdir()
    width, height = write_grids(tmp_path / "samples", [250, 500, 750, 1000])

    path = publish.progress_gif(str(tmp_path), str(tmp_path / "progress.gif"), every=500)

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


def test_progress_gif_without_grids_at_the_interval_is_a_clear_error(tmp_path, load_script):
    publish = load_script("publish")
    (tmp_path / "samples").mkdir()
    write_grids(tmp_path / "samples", [250])
    with pytest.raises(SystemExit, match="no sample grid at a multiple of 1000"):
        publish.progress_gif(str(tmp_path), str(tmp_path / "progress.gif"), every=1000)


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


def test_publishing_the_best_weights_keeps_the_runs_figures_and_draws_their_grid(tmp_path, load_script,
                                                                                make_tiny_pipeline):
    from safetensors.torch import load_file

    from hfgan import load_pipeline

    publish = load_script("publish")
    run = tmp_path / "run"
    (run / "samples").mkdir(parents=True)
    _fake_run(run, make_tiny_pipeline)

    target = publish.publish(str(run), str(tmp_path / "pipelines" / "tiny"), weights="best")

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
    expected, of_final = (np.asarray(publish.best_grid(str(run), load_pipeline(str(d)))) for d in (run / "best", run))
    np.testing.assert_array_equal(grid, expected)
    assert grid.shape == of_final.shape and not np.array_equal(grid, of_final)


def test_publishing_best_weights_of_a_run_without_them_is_a_clear_error(tmp_path, load_script, make_tiny_pipeline):
    publish = load_script("publish")
    run = tmp_path / "run"
    (run / "samples").mkdir(parents=True)
    _fake_run(run, make_tiny_pipeline, with_best=False)
    with pytest.raises(SystemExit, match="no best/ pipeline"):
        publish.publish(str(run), str(tmp_path / "tiny"), weights="best")
