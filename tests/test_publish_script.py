"""``scripts/publish.py``'s progress GIF: the trainer's caption strip kept legible, the samples below it shrunk."""

import numpy as np
import pytest
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
