"""Image layout for display: grids and frames upscaled (nearest) so that small images stay visible."""

import io
from typing import Optional, Sequence

from PIL import Image

from hfgan.viz import make_image_grid

from .settings import FRAME_DISPLAY_SIZE, GRID_DISPLAY_WIDTH


def grid_image(images: Sequence[Image.Image], nrow: Optional[int] = None, width: int = GRID_DISPLAY_WIDTH) -> Image.Image:
    """Tile images with ``make_image_grid``, upscaled by an integer factor to about ``width`` pixels."""
    grid = make_image_grid(list(images), nrow=nrow)
    scale = max(1, min(8, width // max(1, grid.width)))
    return grid.resize((grid.width * scale, grid.height * scale), Image.NEAREST) if scale > 1 else grid


def upscale(image: Image.Image, size: int = FRAME_DISPLAY_SIZE) -> Image.Image:
    """``image`` upscaled by an integer factor to about ``size`` pixels on its longer side."""
    scale = max(1, size // max(image.size))
    return image.resize((image.width * scale, image.height * scale), Image.NEAREST) if scale > 1 else image


def animated_gif(frames: Sequence[Image.Image], duration_ms: int = 120, loop: int = 0) -> Image.Image:
    """``frames`` as an animated GIF held in memory: a PIL image whose frames keep ``duration_ms``.

    gradio (``gr.Image(format="gif")``) writes it to its cache once, frames and timing included.
    """
    frames = list(frames)
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:], duration=duration_ms, loop=loop,
                   optimize=False)
    buffer.seek(0)
    return Image.open(buffer)
