"""Style mixing for generators with a W space (StyleGAN2): a rows x columns grid in which every image takes the row
latent's styles, except at ``style_layers``, where it takes the column latent's.

``GANPipeline.style_mixing(...)`` calls :func:`style_mixing`; the grid is laid out as in the StyleGAN papers: the
column sources along the top, the row sources down the left, the mixes inside.
"""

from dataclasses import dataclass
from typing import Any, List, Optional, Sequence, Union

import numpy as np
import torch
from PIL import Image

from ..errors import HFGANError
from ..models.capabilities import has_w_space
from .image_processor import postprocess_image
from .pipeline_utils import eval_mode, placement

StyleLayers = Union[int, Sequence[int], range, None]


@dataclass
class StyleMixingOutput:
    """Result of :func:`style_mixing`.

    Attributes:
        images: The ``rows * columns`` mixes, row by row, as ``output_type`` (mix ``[r * columns + c]`` has row
            ``r``'s styles but at ``style_layers``, where it has column ``c``'s).
        grid (`PIL.Image.Image`): ``(rows + 1) x (columns + 1)`` tiles: a blank corner, the column sources along the
            top, the row sources down the left, the mixes inside.
        row_images: The row sources, as ``output_type``.
        column_images: The column sources, as ``output_type``.
        style_layers (`List[int]`): The ws that took the column latents' styles.
    """

    images: Any
    grid: Image.Image
    row_images: Any
    column_images: Any
    style_layers: List[int]


def resolve_style_layers(style_layers: StyleLayers, num_ws: int) -> List[int]:
    """The ws indices that take the column styles: ``None`` -> the coarse half ``range(num_ws // 2)``; an int ``k`` ->
    ``range(k)`` (the first k); a range or list of indices in ``[0, num_ws)``."""
    if style_layers is None:
        return list(range(max(num_ws // 2, 1)))
    if isinstance(style_layers, (int, np.integer)) and not isinstance(style_layers, bool):
        if not 0 <= style_layers <= num_ws:
            raise HFGANError(f"style_layers={style_layers} must lie in [0, {num_ws}] (the generator has {num_ws} ws)")
        return list(range(int(style_layers)))
    if not isinstance(style_layers, (list, tuple, range)) or not all(
            isinstance(i, (int, np.integer)) and not isinstance(i, bool) for i in style_layers):
        raise HFGANError(f"style_layers must be None, an int, a range or a list of ints, got {style_layers!r}")
    layers = sorted({int(i) for i in style_layers})
    if layers and not (0 <= layers[0] and layers[-1] < num_ws):
        raise HFGANError(f"style_layers must be indices in [0, {num_ws - 1}] (the generator has {num_ws} ws), "
                         f"got {list(style_layers)}")
    return layers


def _count(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise HFGANError(f"{name} must be an integer >= 1, got {value!r}")
    return int(value)


@torch.no_grad()
def style_mixing(pipe, num_rows: int = 3, num_columns: int = 3, row_latents: Optional[torch.Tensor] = None,
                 column_latents: Optional[torch.Tensor] = None, style_layers: StyleLayers = None,
                 class_labels=None, column_class_labels=None, generator: Optional[torch.Generator] = None,
                 truncation_psi: float = 1.0, noise_mode: str = "const", output_type: str = "pil") -> StyleMixingOutput:
    """See :meth:`hfgan.GANPipeline.style_mixing`."""
    model = pipe.generator
    if not has_w_space(model):
        raise HFGANError(f"style mixing needs a generator with a W space (map / synthesize, e.g. StyleGAN2); "
                         f"{type(model).__name__} has none")
    if generator is not None and not isinstance(generator, torch.Generator):
        raise HFGANError(f"generator must be one torch.Generator for style mixing, got {type(generator).__name__}")
    if not isinstance(truncation_psi, (int, float)) or isinstance(truncation_psi, bool) or not 0.0 <= truncation_psi <= 2.0:
        raise HFGANError(f"truncation_psi must be a number in [0, 2], got {truncation_psi!r}")
    num_rows = len(row_latents) if isinstance(row_latents, torch.Tensor) and row_latents.ndim == 2 else _count("num_rows", num_rows)
    num_columns = len(column_latents) if isinstance(column_latents, torch.Tensor) and column_latents.ndim == 2 \
        else _count("num_columns", num_columns)
    if num_rows * num_columns > pipe.max_batch_size:
        raise HFGANError(f"{num_rows} x {num_columns} mixes are more than the {pipe.max_batch_size} images one call may make")
    layers = resolve_style_layers(style_layers, model.num_ws)

    device, dtype, hooked = placement(pipe, model)
    row_latents = pipe.prepare_latents(num_rows, generator, row_latents, device, dtype)        # [R, Z]
    column_latents = pipe.prepare_latents(num_columns, generator, column_latents, device, dtype)  # [C, Z]
    row_labels = pipe.prepare_class_labels(class_labels, num_rows, device)
    column_labels = pipe.prepare_class_labels(class_labels if column_class_labels is None else column_class_labels,
                                              num_columns, device)
    with eval_mode(model):
        row_ws = model.map(row_latents, row_labels, truncation_psi=truncation_psi)            # [R, L, W]
        column_ws = model.map(column_latents, column_labels, truncation_psi=truncation_psi)   # [C, L, W]
        mixed = row_ws.unsqueeze(1).repeat(1, num_columns, 1, 1)                              # [R, C, L, W]
        mixed[:, :, layers] = column_ws.unsqueeze(0)[:, :, layers].expand(num_rows, -1, -1, -1)
        synth = dict(noise_mode=noise_mode, generator=generator)
        images = model.synthesize(mixed.flatten(0, 1), **synth)  # [R * C, ch, H, W]
        row_images = model.synthesize(row_ws, **synth)
        column_images = model.synthesize(column_ws, **synth)
    # the grid, in [0, 1]: a blank corner, column sources on top, each row's source then its mixes
    unit = lambda x: (x.float() * 0.5 + 0.5).clamp(0, 1)  # noqa: E731
    tiles = [torch.ones_like(unit(column_images[:1]))]
    tiles.append(unit(column_images))
    for r in range(num_rows):
        tiles.append(unit(row_images[r: r + 1]))
        tiles.append(unit(images[r * num_columns: (r + 1) * num_columns]))
    from ..viz import make_image_grid

    grid = make_image_grid(torch.cat(tiles), nrow=num_columns + 1)
    output = StyleMixingOutput(images=postprocess_image(images, output_type), grid=grid,
                               row_images=postprocess_image(row_images, output_type),
                               column_images=postprocess_image(column_images, output_type), style_layers=layers)
    if hooked:
        pipe.maybe_free_model_hooks()
    return output
