"""A StyleGAN2 card shows a truncation strip and style-mixing grids, a ProGAN card its resolutions; both are in
the files pushed to the Hub, and the card's user text survives."""

import os

import torch
from PIL import Image

import hfgan
from hfgan.card_figures import add_card_figures
from hfgan.hub import files_to_upload


def _saved(folder, generator):
    pipe = hfgan.GANPipeline(generator=generator)
    pipe.save_pretrained(str(folder))
    return str(folder)


def test_stylegan2_card_shows_truncation_and_style_mixing(tmp_path):
    torch.manual_seed(0)
    folder = _saved(tmp_path / "sg2", hfgan.StyleGAN2Generator(
        out_channels=1, sample_size=28, latent_dim=8, w_dim=8, channel_base=64, channel_max=8, mapping_layers=2))
    with open(os.path.join(folder, "README.md"), "a", encoding="utf-8") as f:
        f.write("\nMy own notes.\n")
    figures = add_card_figures(folder)
    paths = [f["path"] for f in figures]
    assert paths == ["samples/truncation.png", "samples/style_mixing_coarse.png", "samples/style_mixing_fine.png"]
    strip = Image.open(os.path.join(folder, "samples/truncation.png"))
    assert strip.width == (6 * 30 + 2) * 2  # 6 psi columns of 28 px + 2 px padding, scale 2
    card = open(os.path.join(folder, "README.md"), encoding="utf-8").read()
    assert all(f"]({p})" in card for p in paths) and "My own notes." in card and "truncation_psi=0.7" in card
    assert set(paths) <= set(files_to_upload(folder))
    # rows of the truncation strip converge: at psi 0 every latent gives the same (average) image
    pipe = hfgan.load_pipeline(folder)
    same = pipe(latents=torch.randn(3, 8), truncation_psi=0.0, output_type="pt").images
    torch.testing.assert_close(same[0], same[2])


def test_progan_card_shows_every_resolution(tmp_path):
    torch.manual_seed(0)
    folder = _saved(tmp_path / "pg", hfgan.ProGANGenerator(out_channels=1, latent_dim=8, base_channels=4, max_channels=8))
    assert [f["path"] for f in add_card_figures(folder)] == ["samples/resolutions.png"]
    assert "samples/resolutions.png" in files_to_upload(folder)


def test_other_families_get_no_figures(tmp_path, tiny_pipeline):
    tiny_pipeline.save_pretrained(str(tmp_path / "dc"))
    assert add_card_figures(str(tmp_path / "dc")) == []
    assert "## Figures" not in open(tmp_path / "dc" / "README.md", encoding="utf-8").read()
