"""Style mixing for generators with a W space (StyleGAN2): seeds in, ``GANPipeline.style_mixing``'s grid out."""

import math
import re
from typing import Dict, List, Tuple

import numpy as np
import torch
from PIL import Image

from hfgan.errors import HFGANError
from hfgan.models import has_w_space

from .errors import SpaceError, one_line
from .generation import class_labels_for, require_generator, seed_latents
from .inputs import text as checked_text
from .settings import MAX_MIX_SEEDS, MAX_SEED, NOISE_MODES, STYLE_CUSTOM, STYLE_PRESETS


def w_space(pipe) -> bool:
    """Whether the model's generator has a W space (StyleGAN2): ws to mix, and truncation that moves them towards the
    average w rather than scaling latents."""
    return has_w_space(getattr(pipe, "generator", None))


def layer_resolutions(pipe) -> List[int]:
    """The resolution of every w (style input), coarse to fine: the block whose convolutions take it (the last
    toRGB's w: the final resolution)."""
    generator = pipe.generator
    synthesis = getattr(generator, "synthesis", None)
    resolutions: List[int] = []
    for res in getattr(synthesis, "block_resolutions", []):
        resolutions += [res] * int(getattr(getattr(synthesis, f"b{res}"), "num_conv", 1))
    resolutions += [resolutions[-1]] if resolutions else []
    if len(resolutions) != generator.num_ws:  # not laid out as StyleGAN2's synthesis: thirds of the ws
        return [0] * generator.num_ws
    return resolutions


def layer_presets(pipe) -> Dict[str, List[int]]:
    """``{"coarse": ws, "middle": ws, "fine": ws}``: the ws of the first, middle and last third of the blocks
    (by resolution; with fewer than three resolutions, thirds of the ws)."""
    resolutions = layer_resolutions(pipe)
    distinct = sorted(set(resolutions))
    if len(distinct) >= 3:
        groups = [set(g.tolist()) for g in np.array_split(np.array(distinct), 3)]
        return {name: [i for i, r in enumerate(resolutions) if r in group] for name, group in zip(STYLE_PRESETS, groups)}
    thirds = np.array_split(np.arange(len(resolutions)), 3)
    return {name: [int(i) for i in part] for name, part in zip(STYLE_PRESETS, thirds)}


def parse_seeds(text, name: str, notes: List[str]) -> List[int]:
    """``"0, 1, 2"`` (commas or spaces) -> seeds in ``[0, MAX_SEED]``; more than ``MAX_MIX_SEEDS`` are cut, with a note."""
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        text = str(int(text)) if math.isfinite(text) else str(text)
    if text is None or (isinstance(text, str) and not text.strip()):
        raise SpaceError(f"{name} is empty: enter seeds like 0, 1, 2")
    text = checked_text(text, name)
    seeds = []
    for part in re.split(r"[\s,;]+", text.strip()):
        if not part:
            continue
        if not re.fullmatch(r"\d{1,10}", part) or int(part) > MAX_SEED:
            raise SpaceError(f"{name}: {part[:20]!r} is not a seed (an integer in [0, {MAX_SEED}])")
        seeds.append(int(part))
    if not seeds:
        raise SpaceError(f"{name} is empty: enter seeds like 0, 1, 2")
    if len(seeds) > MAX_MIX_SEEDS:
        notes.append(f"{name}: {len(seeds)} seeds, more than {MAX_MIX_SEEDS}: using the first {MAX_MIX_SEEDS}")
        seeds = seeds[:MAX_MIX_SEEDS]
    return seeds


def resolve_layers(pipe, preset: str, first: int, last: int) -> Tuple[List[int], str]:
    """The ws that take the column's styles, and how to say so: a preset's, or ``first..last`` (inclusive)."""
    num_ws = pipe.generator.num_ws
    if preset == STYLE_CUSTOM:
        lo, hi = sorted((int(first), int(last)))
        return list(range(lo, hi + 1)), f"layers {lo}–{hi}"
    presets = layer_presets(pipe)
    if preset not in presets:
        raise SpaceError(f"unknown layer choice {preset!r}: pick one of {', '.join(STYLE_PRESETS + (STYLE_CUSTOM,))}")
    layers = presets[preset]
    span = f"{layers[0]}–{layers[-1]}" if len(layers) > 1 else (str(layers[0]) if layers else "none")
    return layers, f"{preset} layers ({span} of 0–{num_ws - 1})"


@torch.no_grad()
def style_mixing(pipe, row_seeds: List[int], column_seeds: List[int], layers: List[int], class_choice=None,
                 truncation: float = 1.0, noise_mode: str = "const") -> Image.Image:
    """The grid of ``GANPipeline.style_mixing``: row seed ``s``'s latent is the Generate tab's image of seed ``s``
    (so with ``noise_mode="const"`` the row and column sources are those images); random noise is drawn from a
    generator seeded with the first row seed."""
    require_generator(pipe)
    if not w_space(pipe):
        raise SpaceError(f"style mixing needs a generator with a W space (StyleGAN2); "
                         f"{type(pipe.generator).__name__} has none")
    if noise_mode not in NOISE_MODES:
        raise SpaceError(f"noise mode must be one of {', '.join(NOISE_MODES)}, got {str(noise_mode)[:40]!r}")
    rows = torch.stack([seed_latents(pipe, s) for s in row_seeds])        # [R, Z]
    columns = torch.stack([seed_latents(pipe, s) for s in column_seeds])  # [C, Z]
    row_labels = class_labels_for(pipe, class_choice, len(row_seeds))
    column_labels = class_labels_for(pipe, class_choice, len(column_seeds))
    try:
        return pipe.style_mixing(row_latents=rows, column_latents=columns, style_layers=layers, class_labels=row_labels,
                                 column_class_labels=column_labels,
                                 generator=torch.Generator().manual_seed(int(row_seeds[0])),
                                 truncation_psi=float(truncation), noise_mode=noise_mode, output_type="pil").grid
    except HFGANError as err:
        raise SpaceError(one_line(err)) from None
