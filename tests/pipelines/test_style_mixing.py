"""GANPipeline.style_mixing: rows x columns of mixes built from the rows' and columns' ws, the grid, the errors."""

import pytest
import torch

from hfgan import GANPipeline, HFGANError, StyleGAN2Generator
from hfgan.pipelines.style_mixing import resolve_style_layers

TINY = dict(latent_dim=8, w_dim=8, channel_base=64, channel_max=8, mapping_layers=2, sample_size=16, out_channels=3)


@pytest.fixture
def pipe():
    torch.manual_seed(0)
    generator = StyleGAN2Generator(**TINY)
    with torch.no_grad():
        generator.mapping.w_avg.normal_()
        for name, p in generator.named_parameters():
            if name.endswith("noise_strength"):
                p.fill_(0.3)
    return GANPipeline(generator=generator.eval())


def test_mixes_take_column_styles_at_style_layers(pipe):
    g = pipe.generator
    rows, cols = torch.randn(2, 8), torch.randn(3, 8)
    out = pipe.style_mixing(row_latents=rows, column_latents=cols, style_layers=[0, 1, 2], output_type="pt")
    assert out.images.shape == (6, 3, 16, 16) and out.style_layers == [0, 1, 2]
    assert out.row_images.shape == (2, 3, 16, 16) and out.column_images.shape == (3, 3, 16, 16)
    row_ws, col_ws = g.map(rows), g.map(cols)
    for r in range(2):
        for c in range(3):
            ws = row_ws[r: r + 1].clone()
            ws[:, :3] = col_ws[c: c + 1, :3]
            expected = g.synthesize(ws, noise_mode="const") * 0.5 + 0.5
            assert torch.allclose(out.images[r * 3 + c: r * 3 + c + 1], expected, atol=1e-6)
    assert out.grid.size == (4 * 16 + 5 * 2, 3 * 16 + 4 * 2)  # (columns + 1) x (rows + 1) tiles, 2-px padding


def test_no_layers_and_all_layers(pipe):
    rows, cols = torch.randn(2, 8), torch.randn(2, 8)
    none = pipe.style_mixing(row_latents=rows, column_latents=cols, style_layers=[], output_type="pt")
    assert torch.allclose(none.images[0::2], none.row_images, atol=1e-6)
    every = pipe.style_mixing(row_latents=rows, column_latents=cols, style_layers=pipe.generator.num_ws, output_type="pt")
    assert torch.allclose(every.images[:2], every.column_images, atol=1e-6)


def test_defaults_seed_truncation_and_pil(pipe):
    seed = lambda: torch.Generator().manual_seed(0)  # noqa: E731
    out = pipe.style_mixing(generator=seed())
    assert len(out.images) == 9 and len(out.row_images) == 3 and out.style_layers == [0, 1, 2]  # num_ws 6: coarse half
    again = pipe.style_mixing(generator=seed(), output_type="pt")
    first = pipe.style_mixing(generator=seed(), output_type="pt")
    assert torch.equal(again.images, first.images)
    average = pipe.style_mixing(generator=seed(), truncation_psi=0.0, output_type="pt")
    assert torch.allclose(average.images, average.images[:1].expand_as(average.images), atol=1e-6)


def test_conditional_labels():
    torch.manual_seed(0)
    generator = StyleGAN2Generator(**{**TINY, "num_classes": 3, "class_names": ["a", "b", "c"]}).eval()
    pipe = GANPipeline(generator=generator)
    out = pipe.style_mixing(num_rows=2, num_columns=2, class_labels="b", output_type="pt")
    assert out.images.shape == (4, 3, 16, 16)
    mixed = pipe.style_mixing(num_rows=2, num_columns=3, class_labels=[0, 1], column_class_labels=[2, 2, 0])
    assert len(mixed.images) == 6
    with pytest.raises(HFGANError, match="class-conditional"):
        pipe.style_mixing()


def test_errors(pipe, make_tiny_pipeline):
    with pytest.raises(HFGANError, match="needs a generator with a W space"):
        make_tiny_pipeline().style_mixing()
    with pytest.raises(HFGANError, match=r"indices in \[0, 5\]"):
        pipe.style_mixing(style_layers=[0, 6])
    with pytest.raises(HFGANError, match="style_layers must be"):
        pipe.style_mixing(style_layers="coarse")
    with pytest.raises(HFGANError, match="num_rows must be an integer"):
        pipe.style_mixing(num_rows=0)
    with pytest.raises(HFGANError, match="one torch.Generator"):
        pipe.style_mixing(generator=[torch.Generator()])
    with pytest.raises(HFGANError, match=r"latents must be a floating-point tensor of shape \[2, 8\]"):
        pipe.style_mixing(row_latents=torch.randn(2, 5))
    assert resolve_style_layers(range(2, 4), 6) == [2, 3]
