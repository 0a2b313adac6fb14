"""Class interpolation, truncation ranges by model, and a growing model's resolutions side by side (no server)."""

import numpy as np
import pytest
from PIL import Image


@pytest.fixture(scope="module")
def play(app_module, tiny_pipelines_dir):
    return app_module.Playground(tiny_pipelines_dir)


def arrays(images):
    return [np.asarray(im, dtype=np.int16) for im in images]


@pytest.mark.parametrize("model, psi", [("cdcgan-tiny", 1.0), ("cdcgan-tiny", 0.6), ("biggan-tiny", 0.5)])
def test_class_interpolation_goes_from_class_a_to_class_b(play, model, psi):
    from playground.generation import class_interpolation, generate

    pipe = play.pipeline(model)
    frames = class_interpolation(pipe, 5, "shirt", "bag", 6, psi)
    assert len(frames) == 6 and frames[0].size == (16, 16)
    # the same latent as the Generate tab's image of that seed: the ends are its shirt and its bag
    shirt, bag = generate(pipe, 1, 5, "shirt", psi)[0], generate(pipe, 1, 5, "bag", psi)[0]
    assert np.abs(arrays(frames)[0] - arrays([shirt])[0]).max() <= 1
    assert np.abs(arrays(frames)[-1] - arrays([bag])[0]).max() <= 1
    assert (arrays(frames)[2] != arrays(frames)[0]).any() and (arrays(frames)[2] != arrays(frames)[-1]).any()
    again = class_interpolation(pipe, 5, "shirt", "bag", 6, psi)
    assert all((a == b).all() for a, b in zip(arrays(frames), arrays(again)))


def test_class_interpolation_through_the_playground(app_module, play):
    strip, caption, notes = play.class_interpolate("biggan-tiny", 0, "shoe", "bag", 100, 1.5)
    assert isinstance(strip, Image.Image) and strip.width > 20 * strip.height
    assert "class shoe → bag in 32 steps" in caption and "truncation 1" in caption
    assert notes == ["number of steps 100 is outside [2, 32]: using 32",
                     "truncation (standing statistics) 1.5 is outside [0.05, 1]: using 1"]
    for model, message in [("dcgan-tiny", "needs a class-conditional model"),
                           ("pix2pix-edges2fashion-tiny", "use the Image-to-image tab")]:
        with pytest.raises(app_module.SpaceError, match=message):
            play.class_interpolate(model, 0, "shirt", "bag")
    with pytest.raises(app_module.SpaceError, match="pick class A: one class"):
        play.class_interpolate("cdcgan-tiny", 0, app_module.ALL_CLASSES, "bag")
    with pytest.raises(app_module.SpaceError, match="unknown class name 'hat'"):
        play.class_interpolate("cdcgan-tiny", 0, "shirt", "hat")


def test_truncation_follows_the_model(app_module, play):
    biggan, dcgan = play.info("biggan-tiny"), play.info("dcgan-tiny")
    assert biggan["truncation"] == (0.05, 1.0) and biggan["standing_stats"] and biggan["class_blend"]
    assert dcgan["truncation"] == (0.0, 2.0) and not dcgan["standing_stats"] and not dcgan["class_blend"]
    assert play.info("cdcgan-tiny")["class_blend"] and not play.info(app_module.CYCLEGAN if hasattr(app_module, "CYCLEGAN")
                                                                       else "cyclegan-sneaker2boot-tiny")["class_blend"]
    # BigGAN: truncation picks standing statistics and the truncated prior; out of (0, 1] is clamped with a note
    grid_low, caption, notes = play.generate("biggan-tiny", 4, 0, None, 0.3)
    grid_one, _, _ = play.generate("biggan-tiny", 4, 0, None, 1.0)
    assert notes == [] and "truncation 0.3" in caption
    assert (np.asarray(grid_low) != np.asarray(grid_one)).any()
    grid, caption, notes = play.generate("biggan-tiny", 4, 0, None, 2.0)
    assert notes == ["truncation (standing statistics) 2 is outside [0.05, 1]: using 1"]
    assert (np.asarray(grid) == np.asarray(grid_one)).all()
    *_, notes = play.interpolate("biggan-tiny", 0, 1, 4, "shirt", "bag", 0.0)
    assert notes == ["truncation (standing statistics) 0 is outside [0.05, 1]: using 0.05"]


def test_latent_interpolation_of_biggan_starts_at_the_generated_image(app_module, play):
    pipe = play.pipeline("biggan-tiny")
    frames = app_module.interpolate(pipe, 3, 9, 4, "shoe", "shoe", 0.4)
    ends = [app_module.generate(pipe, 1, 3, "shoe", 0.4)[0], app_module.generate(pipe, 1, 9, "shoe", 0.4)[0]]
    assert np.abs(arrays(frames)[0] - arrays(ends)[0]).max() <= 1
    assert np.abs(arrays(frames)[-1] - arrays(ends)[1]).max() <= 1


def test_a_growing_model_shows_every_resolution_side_by_side(play):
    from playground.generation import generate, resolution_ladder

    assert play.info("progan-tiny")["resolutions"] == [4, 8, 16]
    pipe = play.pipeline("progan-tiny")
    rows = resolution_ladder(pipe, 3, 7)
    assert len(rows) == 3 and all(len(row) == 3 and {im.size for im in row} == {(16, 16)} for row in rows)
    final = generate(pipe, 3, 7)
    assert all((np.asarray(row[-1]) == np.asarray(im)).all() for row, im in zip(rows, final))
    coarse = np.asarray(rows[0][0])  # 4 px upscaled: blocks of 4x4 equal pixels
    assert (coarse == np.repeat(np.repeat(coarse[::4, ::4], 4, 0), 4, 1)).all()
    image, caption, notes = play.resolutions("progan-tiny", 16, 0)
    assert 0.3 < image.width / image.height < 0.45  # 3 columns (resolutions), 8 rows (seeds) at most
    assert "4×4 · 8×8 · 16×16" in caption and "seeds 0–7" in caption and notes == []
    assert play.resolutions("dcgan-tiny", 16, 0) == (None, "", [])
    assert play.info("dcgan-tiny")["resolutions"] is None
