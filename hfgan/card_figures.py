"""The figures a family's model card shows beside its samples, written into a saved pipeline folder.

* StyleGAN2 (a generator with a W space, :func:`hfgan.models.has_w_space`): a truncation strip (the same latents
  at ``truncation_psi`` 1.0 down to 0.0) and two style-mixing grids (coarse and fine ws from the top row's latents).
* ProGAN (a generator with ``resolutions``): the same latents at every resolution it renders, side by side.

``add_card_figures(folder)`` writes the PNGs under ``samples/``, lists them in the card's ``figures`` and re-renders
the card (its user-written text is kept). Other families get no figures.
"""

import os
from typing import Dict, List

import torch
from PIL import Image

from .models.capabilities import has_w_space
from .viz import label_columns, make_image_grid

TRUNCATION_PSIS = (1.0, 0.8, 0.6, 0.4, 0.2, 0.0)


def truncation_strip(pipe, num_rows: int = 6, psis=TRUNCATION_PSIS, seed: int = 0, scale: int = 2) -> Image.Image:
    """Rows: latents; columns: ``truncation_psi`` (labelled). Every column uses the same latents."""
    latents = torch.randn(num_rows, pipe.generator.config.latent_dim, generator=torch.Generator().manual_seed(seed))
    columns = [pipe(latents=latents, truncation_psi=psi, output_type="pt").images for psi in psis]  # [R, C, H, W] each
    tiles = torch.stack(columns, dim=1).flatten(0, 1)  # [R * P, C, H, W], row by row
    grid = make_image_grid(tiles, nrow=len(psis), scale=scale)
    cell = (tiles.shape[-1] + 2) * scale
    return label_columns(grid, [f"psi {psi:g}" for psi in psis], cell_width=cell, padding=2 * scale)


def style_mixing_grids(pipe, seed: int = 0, scale: int = 2) -> Dict[str, Image.Image]:
    """``{"coarse": grid, "fine": grid}``: 4 rows x 5 columns; the mixes take the columns' first half of the ws
    (coarse: pose and shape) or the second half (fine: texture and shading)."""
    num_ws = pipe.generator.num_ws
    half = num_ws // 2
    out = {}
    for name, layers in (("coarse", range(0, half)), ("fine", range(half, num_ws))):
        mix = pipe.style_mixing(num_rows=4, num_columns=5, style_layers=layers,
                                generator=torch.Generator().manual_seed(seed))
        grid = mix.grid
        out[name] = grid.resize((grid.width * scale, grid.height * scale), Image.NEAREST) if scale > 1 else grid
    return out


def resolution_strip(pipe, num_rows: int = 6, seed: int = 0, scale: int = 2) -> Image.Image:
    """Rows: latents; columns: each resolution the generator renders (upsampled to the last, nearest)."""
    resolutions: List[int] = list(pipe.generator.resolutions)
    latents = torch.randn(num_rows, pipe.generator.config.latent_dim, generator=torch.Generator().manual_seed(seed))
    size = resolutions[-1]
    columns = []
    for res in resolutions:
        images = pipe(latents=latents, resolution=res, output_type="pt").images  # [R, C, res, res] in [0, 1]
        columns.append(torch.nn.functional.interpolate(images.float(), size=(size, size), mode="nearest"))
    tiles = torch.stack(columns, dim=1).flatten(0, 1)
    grid = make_image_grid(tiles, nrow=len(resolutions), scale=scale)
    return label_columns(grid, [f"{r}px" for r in resolutions], cell_width=(size + 2) * scale, padding=2 * scale)


def card_figures(pipe, folder: str, seed: int = 0) -> List[Dict[str, str]]:
    """Write this family's figures under ``folder/samples``; returns the card's ``figures`` entries."""
    generator = pipe.generator
    figures = []

    def save(image: Image.Image, name: str, caption: str) -> None:
        os.makedirs(os.path.join(folder, "samples"), exist_ok=True)
        image.save(os.path.join(folder, "samples", name))
        figures.append({"path": f"samples/{name}", "caption": caption})

    if has_w_space(generator):
        save(truncation_strip(pipe, seed=seed), "truncation.png",
             "Truncation: each row is one latent at `truncation_psi` 1.0 (none) down to 0.0 (the average image, "
             "`w_avg`).")
        grids = style_mixing_grids(pipe, seed=seed)
        half = generator.num_ws // 2
        save(grids["coarse"], "style_mixing_coarse.png",
             f"Style mixing, coarse: each mix has its row's styles except ws 0-{half - 1}, taken from its column "
             "(`pipe.style_mixing`).")
        save(grids["fine"], "style_mixing_fine.png",
             f"Style mixing, fine: ws {half}-{generator.num_ws - 1} from the column.")
    elif len(getattr(generator, "resolutions", []) or []) > 1:
        save(resolution_strip(pipe, seed=seed), "resolutions.png",
             "The same latents at every resolution the generator grew through (`pipe(resolution=...)`).")
    return figures


def add_card_figures(folder: str, seed: int = 0) -> List[Dict[str, str]]:
    """Write the figures of the pipeline saved in ``folder`` and show them in its card."""
    from .cards import write_model_card
    from .pipelines.pipeline_utils import load_pipeline

    pipe = load_pipeline(folder)
    figures = card_figures(pipe, folder, seed=seed)
    if figures:
        pipe.card_data = {**(pipe.card_data or {}), "figures": figures}
        write_model_card(pipe, folder)
    return figures
