"""Image grids, progress GIFs and loss plots (no torchvision)."""

import math
import os
import unicodedata
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
import torch
from PIL import Image

from .errors import HFGANError


def _to_array(images) -> np.ndarray:
    """PIL list, ``[N, H, W, C]`` array or ``[N, C, H, W]`` tensor in [0, 1] -> uint8 ``[N, H, W, C]``."""
    if isinstance(images, torch.Tensor):
        images = images.detach().float().cpu().permute(0, 2, 3, 1).numpy()
    if isinstance(images, np.ndarray):
        if images.dtype != np.uint8:
            images = (np.clip(images, 0, 1) * 255).round().astype(np.uint8)
        return images if images.ndim == 4 else images[..., None]
    arrays = [np.asarray(img) for img in images]
    return np.stack([a if a.ndim == 3 else a[..., None] for a in arrays])


def make_image_grid(images: Union[List[Image.Image], np.ndarray, torch.Tensor], nrow: Optional[int] = None,
                    padding: int = 2, pad_value: int = 255, scale: int = 1) -> Image.Image:
    """Tile images into one PIL image, ``nrow`` per row (default: a near-square grid)."""
    arrays = _to_array(images)  # [N, H, W, C]
    n, h, w, c = arrays.shape
    if n == 0:
        raise HFGANError("make_image_grid needs at least one image")
    nrow = nrow or math.ceil(math.sqrt(n))
    rows = math.ceil(n / nrow)
    grid = np.full((rows * (h + padding) + padding, nrow * (w + padding) + padding, c), pad_value, np.uint8)
    for i in range(n):
        r, col = divmod(i, nrow)
        y, x = padding + r * (h + padding), padding + col * (w + padding)
        grid[y:y + h, x:x + w] = arrays[i]
    image = Image.fromarray(grid[..., 0] if c == 1 else grid, mode="L" if c == 1 else "RGB")
    if scale > 1:
        image = image.resize((image.width * scale, image.height * scale), Image.NEAREST)
    return image


CAPTION_HEIGHT = 14  # pixels of the white strip caption_image adds above an image
_UNDRAWABLE = ("Cc", "Cs", "Zl", "Zp")  # control characters, lone surrogates, line and paragraph separators


def one_line(text) -> str:
    """``text`` as one drawable line: line breaks, control characters and lone surrogates shown as escapes
    (``"a\\nb"``), so that any class name or caption draws on one line."""
    return "".join(c.encode("unicode_escape").decode("ascii") if unicodedata.category(c) in _UNDRAWABLE else c
                   for c in str(text))


def caption_image(image: Image.Image, text: str, height: int = CAPTION_HEIGHT) -> Image.Image:
    """``image`` with a white strip of ``height`` pixels above it holding ``text`` (PIL's default font)."""
    from PIL import ImageDraw

    out = Image.new(image.mode, (image.width, image.height + height), "white")
    out.paste(image, (0, height))
    ImageDraw.Draw(out).text((2, 1), one_line(text), fill="black")
    return out


def label_columns(grid: Image.Image, labels: Sequence[str], cell_width: int, padding: int = 0,
                  height: int = 14) -> Image.Image:
    """``grid`` with a white strip of ``height`` pixels above it naming each column (``labels[i]`` centred over
    column ``i``, whose cells are ``cell_width`` pixels apart after a left margin of ``padding``). A label longer
    than its column is cut short with "."; columns narrower than 3 characters get no labels."""
    from PIL import ImageDraw

    out = Image.new(grid.mode, (grid.width, grid.height + height), "white")
    out.paste(grid, (0, height))
    draw = ImageDraw.Draw(out)
    room = cell_width - 2
    if draw.textlength("abc") > room:
        return grid
    for i, label in enumerate(labels):
        text = one_line(label)
        while len(text) > 1 and draw.textlength(text) > room:
            text = text[:-2] + "."
        x = padding + i * cell_width + (cell_width - draw.textlength(text)) / 2
        draw.text((max(0, x), 1), text, fill="black")
    return out


def save_gif(frames: Sequence[Image.Image], path: str, duration_ms: int = 200, loop: int = 0) -> str:
    """Write frames as an animated GIF."""
    frames = list(frames)
    if not frames:
        raise HFGANError("save_gif needs at least one frame")
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=duration_ms, loop=loop, optimize=False)
    return path


def plot_losses(history: Dict[str, Sequence[float]], path: str, steps: Optional[Sequence[int]] = None,
                title: str = "Training losses", smooth: int = 1) -> str:
    """Plot loss curves (one line per key) to a PNG; ``smooth`` is a moving-average window."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4), dpi=100)
    for name, values in history.items():
        values = np.asarray(values, dtype=float)
        if len(values) == 0:
            continue
        x = np.asarray(steps if steps is not None and len(steps) == len(values) else np.arange(len(values)))
        if smooth > 1 and len(values) >= smooth:
            kernel = np.ones(smooth) / smooth
            values = np.convolve(values, kernel, mode="valid")
            x = x[smooth - 1:]
        ax.plot(x, values, label=name, linewidth=1)
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path
