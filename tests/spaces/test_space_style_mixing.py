"""The Style mixing tab's functions (StyleGAN2) and W-space truncation on the Generate tab (no server)."""

import numpy as np
import pytest
from PIL import Image

MODEL = "stylegan2-tiny"
TILE, PAD = 16, 2  # the tiny model's images, make_image_grid's padding


@pytest.fixture(scope="module")
def play(app_module, tiny_pipelines_dir):
    return app_module.Playground(tiny_pipelines_dir)


def tile(grid: Image.Image, row: int, column: int) -> np.ndarray:
    """Tile (row, column) of an unscaled style-mixing grid (row 0: the column sources; column 0: the row sources)."""
    x, y = PAD + column * (TILE + PAD), PAD + row * (TILE + PAD)
    return np.asarray(grid.crop((x, y, x + TILE, y + TILE)), dtype=np.int16)


def test_layer_presets_follow_the_blocks(play):
    from playground.style_mixing import layer_presets

    pipe = play.pipeline(MODEL)
    assert pipe.generator.num_ws == 6  # b4: 1 conv, b8 and b16: 2 each, the last toRGB
    assert layer_presets(pipe) == {"coarse": [0], "middle": [1, 2], "fine": [3, 4, 5]}
    info = play.info(MODEL)
    assert info["w_space"] and info["style_layers"] == layer_presets(pipe) and info["truncation"] == (0.0, 2.0)
    assert play.info("dcgan-tiny")["style_layers"] is None and not play.info("dcgan-tiny")["w_space"]


def test_sources_are_the_generate_tabs_images_and_mixes_take_the_column_styles(play):
    from playground.generation import generate
    from playground.style_mixing import style_mixing

    pipe = play.pipeline(MODEL)
    grid = style_mixing(pipe, [0, 1], [5, 6], list(range(6)), truncation=0.8)  # every layer from the column
    assert grid.size == (3 * TILE + 4 * PAD, 3 * TILE + 4 * PAD)
    generated = {s: np.asarray(im, dtype=np.int16) for s, im in zip((0, 1, 5, 6), [
        *generate(pipe, 2, 0, None, 0.8), *generate(pipe, 2, 5, None, 0.8)])}
    for r, seed in enumerate((0, 1)):
        assert np.abs(tile(grid, r + 1, 0) - generated[seed]).max() <= 1
    for c, seed in enumerate((5, 6)):
        assert np.abs(tile(grid, 0, c + 1) - generated[seed]).max() <= 1
        for r in range(2):  # all layers from the column: the mix is the column source
            assert np.abs(tile(grid, r + 1, c + 1) - generated[seed]).max() <= 1
    coarse = style_mixing(pipe, [0], [5], [0], truncation=0.8)
    mix = tile(coarse, 1, 1)
    assert (mix != generated[0]).any() and (mix != generated[5]).any()


def test_truncation_on_the_generate_tab_is_in_w_space(play):
    grid_zero, caption, notes = play.generate(MODEL, 4, 0, None, 0.0)
    assert notes == [] and "truncation 0" in caption
    tiles = np.asarray(grid_zero)
    # psi 0: every seed gives the average image (const noise)
    generated = [np.asarray(im) for im in play.pipeline(MODEL)(batch_size=4, truncation_psi=0.0).images]
    assert all((im == generated[0]).all() for im in generated)
    half, _, _ = play.generate(MODEL, 4, 0, None, 0.5)
    one, _, _ = play.generate(MODEL, 4, 0, None, 1.0)
    assert (np.asarray(half) != np.asarray(one)).any() and (np.asarray(half) != tiles).any()
    _, _, notes = play.generate(MODEL, 1, 0, None, 3.0)
    assert notes == ["truncation 3 is outside [0, 2]: using 2"]


def test_style_mix_through_the_playground(app_module, play):
    grid, caption, notes = play.style_mix(MODEL, "0, 1", "2 3 4", "custom range", -1, 9, None, 0.5, "random")
    assert isinstance(grid, Image.Image) and grid.width > grid.height >= 3 * TILE
    assert caption.startswith("rows: seeds 0, 1 · columns: seeds 2, 3, 4 · layers 0–5 from the column · "
                              "truncation 0.5 · noise random")
    assert notes == ["first layer -1 is outside [0, 5]: using 0", "last layer 9 is outside [0, 5]: using 5"]
    _, caption, notes = play.style_mix(MODEL, " ".join(map(str, range(10))), "1", "coarse", 0, 0, None, 1.0, "none")
    assert "coarse layers (0 of 0–5)" in caption
    assert notes == ["row seeds: 10 seeds, more than 8: using the first 8"]
    for args, message in [((MODEL, "0, x", "1"), "row seeds: 'x' is not a seed"),
                          ((MODEL, "", "1"), "row seeds is empty"),
                          ((MODEL, "0", "1", "everything"), "unknown layer choice 'everything'"),
                          ((MODEL, "0", "1", "fine", 0, 0, None, 1.0, "loud"), "noise mode must be one of"),
                          (("dcgan-tiny", "0", "1"), "needs a StyleGAN2 model"),
                          (("pix2pix-edges2fashion-tiny", "0", "1"), "use the Image-to-image tab")]:
        with pytest.raises(app_module.SpaceError, match=message):
            play.style_mix(*args)


def test_conditional_stylegan2_and_the_other_tabs(app_module, tiny_pipelines_dir):
    import hfgan
    import torch

    torch.manual_seed(0)
    generator = hfgan.StyleGAN2Generator(latent_dim=8, w_dim=8, channel_base=64, channel_max=8, mapping_layers=2,
                                         sample_size=16, out_channels=1, num_classes=3, class_names=["shirt", "shoe", "bag"])
    play = app_module.Playground(tiny_pipelines_dir)
    play.add("cstylegan2-tiny", hfgan.GANPipeline(generator.eval()))
    info = play.info("cstylegan2-tiny")
    assert info["class_names"] == ["shirt", "shoe", "bag"] and info["style_layers"] and not info["class_blend"]
    bag, caption, notes = play.style_mix("cstylegan2-tiny", "0, 1", "2", "middle", 0, 0, "bag", 0.7, "const")
    shirt, _, _ = play.style_mix("cstylegan2-tiny", "0, 1", "2", "middle", 0, 0, "shirt", 0.7, "const")
    assert notes == [] and "middle layers (1–2 of 0–5)" in caption
    assert (np.asarray(bag) != np.asarray(shirt)).any()
    play.style_mix("cstylegan2-tiny", "0, 1", "2", "fine", 0, 0, app_module.ALL_CLASSES, 1.0, "const")
    # the other noise-to-image tabs take StyleGAN2 models too
    _, strip, caption, _ = play.interpolate("cstylegan2-tiny", 0, 1, 4, "shirt", "bag", 0.5)
    assert strip.width > 3 * strip.height and "truncation 0.5" in caption
    play.compare("cstylegan2-tiny", MODEL, 2, 0, "shoe", 0.7)
    with pytest.raises(app_module.SpaceError, match="needs a generator with a class embedding"):
        play.class_interpolate("cstylegan2-tiny", 0, "shirt", "bag")
