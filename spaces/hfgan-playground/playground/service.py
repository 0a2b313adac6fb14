"""The playground: model names in, UI-ready outputs out (still no Gradio here)."""

import time
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from . import examples, generation, style_mixing, translation
from .display import animated_gif, grid_image, upscale
from .errors import SpaceError
from .inputs import choice, clamp_float, clamp_int, model_name, text
from .models import PipelineCache, default_pipelines_dir, discover_models, pipeline_class_name
from .settings import (ALL_CLASSES, CACHE_SIZE, DEFAULT_CLASS_STEPS, DEFAULT_FRAMES, DEFAULT_IMAGES, MAX_CLASS_STEPS,
                       MAX_FRAMES, MAX_IMAGES, MAX_LADDER_ROWS, MAX_SEED, MIN_CLASS_STEPS, MIN_FRAMES,
                       STYLE_CUSTOM, TRANSLATION_PIPELINE, TRUNCATION_MAX, TRUNCATION_MIN)
from .summary import card_facts, model_summary
from .text import md_text


class Playground:
    """Everything the Space does, addressed by model name; every method raises :class:`SpaceError` on bad input
    and returns ``(..., notes)`` where ``notes`` lists the clamped inputs."""

    def __init__(self, pipelines_dir=None, cache_size: int = CACHE_SIZE, examples_dir=None):
        self.pipelines_dir = Path(pipelines_dir) if pipelines_dir else default_pipelines_dir()
        self.examples_dir = Path(examples_dir) if examples_dir else examples.EXAMPLES_DIR
        found = discover_models(self.pipelines_dir)
        self.cache = PipelineCache(found, cache_size)
        # told apart by their model_index.json alone, so that listing them loads nothing
        self._translators = {name for name, folder in found.items() if pipeline_class_name(folder) == TRANSLATION_PIPELINE}

    @property
    def models(self) -> List[str]:
        """The shipped models that generate from noise (and folders that cannot be told apart: they say why on use)."""
        return [m for m in self.cache.local_models if m not in self._translators]

    @property
    def translation_models(self) -> List[str]:
        """The shipped translation pipelines (``GANImageToImagePipeline``), for the Image-to-image tab."""
        return [m for m in self.cache.local_models if m in self._translators]

    @property
    def default_translation_model(self) -> Optional[str]:
        return (self.translation_models or [None])[0]

    def add(self, name: str, pipe) -> None:
        """Serve an already loaded pipeline under ``name`` (embedding the app, tests), listed by its kind."""
        self.cache.put(name, pipe)
        if translation.is_translator(pipe):
            self._translators.add(name)

    @property
    def default_model(self) -> Optional[str]:
        """The model shown first: the best unconditional pipeline we ship (``stylegan2-fashion-mnist``), else a
        DCGAN, else the first."""
        if "stylegan2-fashion-mnist" in self.models:
            return "stylegan2-fashion-mnist"
        preferred = [m for m in self.models if m.startswith("dcgan")]
        return (preferred or self.models or [None])[0]

    def pipeline(self, model: Optional[str]):
        """The pipeline called ``model`` (a shipped model's name or a Hub repo id), loaded once and cached."""
        return self.cache.get(model_name(model))

    def info(self, model: Optional[str]) -> Dict:
        """What the UI needs to know about a model: summary markdown, class names, task, the truncation range it
        takes (and whether it picks standing statistics), whether its classes can be blended, its resolutions."""
        pipe = self.pipeline(model)
        generator = not translation.is_translator(pipe)
        return {"summary": model_summary(pipe, model_name(model)), "class_names": list(getattr(pipe, "class_names", None) or []),
                "pipeline_tag": getattr(pipe, "pipeline_tag", ""),
                "truncation": generation.truncation_range(pipe) if generator else (TRUNCATION_MIN, TRUNCATION_MAX),
                "standing_stats": generator and generation.standing_stats(pipe),
                "class_blend": generator and generation.can_blend_classes(pipe),
                "w_space": generator and style_mixing.w_space(pipe),
                "style_layers": style_mixing.layer_presets(pipe) if generator and style_mixing.w_space(pipe) else None,
                "resolutions": (list(getattr(pipe, "resolutions", None) or []) or None) if generator else None}

    def model_info(self, model: Optional[str]) -> Dict:
        """A model's facts as a plain dict (JSON-able), for API callers: :func:`summary.card_facts` plus the truncation
        it takes (its kind and range), whether its classes blend, its style layers, resolutions and directions."""
        pipe = self.pipeline(model)
        info = {"model": model_name(model), **card_facts(pipe, model_name(model))}
        if translation.is_translator(pipe):
            return {**info, "directions": list(translation.directions(pipe))}
        low, high = generation.truncation_range(pipe)
        kind = ("standing statistics" if generation.standing_stats(pipe) else
                "w space" if style_mixing.w_space(pipe) else "latent scale")
        layers = style_mixing.layer_presets(pipe) if style_mixing.w_space(pipe) else None
        return {**info, "truncation": {"kind": kind, "min": float(low), "max": float(high)},
                "class_blend": generation.can_blend_classes(pipe),
                "style_layers": {k: [int(i) for i in v] for k, v in layers.items()} if layers else None,
                "resolutions": list(getattr(pipe, "resolutions", None) or [])}

    def _truncation(self, pipe, truncation, notes: List[str]) -> float:
        low, high = generation.truncation_range(pipe)
        name = "truncation (standing statistics)" if generation.standing_stats(pipe) else "truncation"
        return clamp_float(truncation, low, high, name, notes)

    def generate(self, model, num_images=DEFAULT_IMAGES, seed=0, class_choice=None, truncation=1.0):
        """``(grid PIL image, caption markdown, notes)``: the grid stays in memory (gradio encodes it once)."""
        notes: List[str] = []
        n = clamp_int(num_images, 1, MAX_IMAGES, "number of images", notes)
        seed = clamp_int(seed, 0, MAX_SEED - n + 1, "seed", notes)
        psi = clamp_float(truncation, TRUNCATION_MIN, TRUNCATION_MAX, "truncation", notes)
        class_choice = choice(class_choice, "class")
        pipe = self.pipeline(model)
        psi = self._truncation(pipe, psi, notes)
        start = time.perf_counter()
        images = generation.generate(pipe, n, seed, class_choice, psi)
        grid = grid_image(images)
        ms = (time.perf_counter() - start) * 1000
        cls = ""
        if getattr(pipe, "num_classes", None):
            cls = " · class: " + ("all, one per image" if class_choice in (None, "", ALL_CLASSES) else md_text(class_choice))
        caption = f"{n} image{'s' * (n > 1)} · seeds {seed}–{seed + n - 1}{cls} · truncation {psi:g} · {ms:.0f} ms"
        return grid, caption, notes

    def interpolate(self, model, seed_a=0, seed_b=1, frames=DEFAULT_FRAMES, class_a=None, class_b=None,
                    truncation=1.0, duration_ms: int = 120):
        """``(GIF, strip PIL image, caption, notes)``: the GIF goes A -> B -> A so it loops smoothly.

        The GIF is an animated PIL image held in memory (no file is written here; gradio encodes it once).
        """
        notes: List[str] = []
        seed_a = clamp_int(seed_a, 0, MAX_SEED, "seed A", notes)
        seed_b = clamp_int(seed_b, 0, MAX_SEED, "seed B", notes)
        frames = clamp_int(frames, MIN_FRAMES, MAX_FRAMES, "number of frames", notes)
        psi = clamp_float(truncation, TRUNCATION_MIN, TRUNCATION_MAX, "truncation", notes)
        class_a, class_b = choice(class_a, "class A"), choice(class_b, "class B")
        pipe = self.pipeline(model)
        psi = self._truncation(pipe, psi, notes)
        images = generation.interpolate(pipe, seed_a, seed_b, frames, class_a, class_b, psi)
        big = [upscale(im) for im in images]
        gif = animated_gif(big + big[-2:0:-1], duration_ms=duration_ms)
        strip = grid_image(images, nrow=frames, width=1024)
        caption = f"{frames} frames · slerp from seed {seed_a} to seed {seed_b} · truncation {psi:g}"
        if getattr(pipe, "num_classes", None):
            caption += f" · class {md_text(class_a or ALL_CLASSES)} → {md_text(class_b or ALL_CLASSES)} (switches halfway)"
        return gif, strip, caption, notes

    def compare(self, model_a, model_b, num_images=8, seed=0, class_choice=None, truncation=1.0):
        """The same seeds through two models: ``(grid A, grid B, summary A, summary B, notes)``.

        A class name that one of the models does not know falls back to one image per class for it.
        """
        notes: List[str] = []
        n = clamp_int(num_images, 1, MAX_IMAGES, "number of images", notes)
        seed = clamp_int(seed, 0, MAX_SEED - n + 1, "seed", notes)
        psi = clamp_float(truncation, TRUNCATION_MIN, TRUNCATION_MAX, "truncation", notes)
        class_choice = choice(class_choice, "class")
        names = [model_name(model_a, "model A"), model_name(model_b, "model B")]
        grids, summaries = [], []
        for label, model in zip("AB", names):
            try:
                pipe = self.pipeline(model)
            except SpaceError as err:
                raise SpaceError(f"model {label}: {err}") from None
            picked = class_choice
            if getattr(pipe, "num_classes", None) and picked not in (None, "", ALL_CLASSES):
                known = [c.lower() for c in pipe.class_names]
                if picked.strip().lower() not in known:
                    notes.append(f"model {label} has no class {picked!r}: showing one image per class")
                    picked = ALL_CLASSES
            grids.append(grid_image(generation.generate(pipe, n, seed, picked, self._truncation(pipe, psi, notes)),
                                    width=384))
            summaries.append(model_summary(pipe, model))
        return grids[0], grids[1], summaries[0], summaries[1], notes

    def resolutions(self, model, num_images=DEFAULT_IMAGES, seed=0, class_choice=None, truncation=1.0):
        """``(PIL image or None, caption, notes)``: for a model that grows (ProGAN), the first images of the grid
        (at most ``MAX_LADDER_ROWS``) at each of its resolutions, side by side; None for other models."""
        notes: List[str] = []
        n = clamp_int(num_images, 1, MAX_IMAGES, "number of images", notes)
        seed = clamp_int(seed, 0, MAX_SEED - n + 1, "seed", notes)
        psi = clamp_float(truncation, TRUNCATION_MIN, TRUNCATION_MAX, "truncation", notes)
        class_choice = choice(class_choice, "class")
        pipe = self.pipeline(model)
        psi = self._truncation(pipe, psi, [])  # the grid's own event reports the notes
        rows = generation.resolution_ladder(pipe, min(n, MAX_LADDER_ROWS), seed, class_choice, psi)
        if rows is None:
            return None, "", []
        ladder = pipe.resolutions
        image = grid_image([im for row in rows for im in row], nrow=len(ladder), width=96 * len(ladder))
        caption = (f"seeds {seed}–{seed + len(rows) - 1} at each resolution: "
                   + " · ".join(f"{r}×{r}" for r in ladder) + " (upscaled to the last)")
        return image, caption, []

    def class_interpolate(self, model, seed=0, class_a=None, class_b=None, steps=DEFAULT_CLASS_STEPS, truncation=1.0):
        """``(strip PIL image, caption, notes)``: one latent, the class embedding moved from class A to class B."""
        notes: List[str] = []
        seed = clamp_int(seed, 0, MAX_SEED, "seed", notes)
        steps = clamp_int(steps, MIN_CLASS_STEPS, MAX_CLASS_STEPS, "number of steps", notes)
        psi = clamp_float(truncation, TRUNCATION_MIN, TRUNCATION_MAX, "truncation", notes)
        class_a, class_b = choice(class_a, "class A"), choice(class_b, "class B")
        pipe = self.pipeline(model)
        psi = self._truncation(pipe, psi, notes)
        images = generation.class_interpolation(pipe, seed, class_a, class_b, steps, psi)
        strip = grid_image(images, nrow=steps, width=1024)
        caption = (f"seed {seed} · class {md_text(class_a)} → {md_text(class_b)} in {steps} steps of the class "
                   f"embedding · truncation {psi:g}")
        return strip, caption, notes

    def style_mix(self, model, row_seeds="0, 1, 2", column_seeds="3, 4, 5, 6", layers="coarse", first_layer=0,
                  last_layer=3, class_choice=None, truncation=1.0, noise_mode="const"):
        """``(grid PIL image, caption, notes)``: the row seeds' images take the column seeds' styles at ``layers``
        (a preset: coarse / middle / fine, or ``STYLE_CUSTOM``: ``first_layer``..``last_layer``); the column sources
        along the top, the row sources down the left."""
        notes: List[str] = []
        rows = style_mixing.parse_seeds(row_seeds, "row seeds", notes)
        columns = style_mixing.parse_seeds(column_seeds, "column seeds", notes)
        psi = clamp_float(truncation, TRUNCATION_MIN, TRUNCATION_MAX, "truncation", notes)
        layers, class_choice = text(layers, "layers"), choice(class_choice, "class")
        noise_mode = text(noise_mode, "noise mode")
        name = model_name(model)
        pipe = self.pipeline(name)
        generation.require_generator(pipe, name)
        if not style_mixing.w_space(pipe):
            raise SpaceError(f"style mixing needs a StyleGAN2 model (a W space): {name} has none")
        psi = self._truncation(pipe, psi, notes)
        top = pipe.generator.num_ws - 1
        if layers == STYLE_CUSTOM:
            first_layer = clamp_int(first_layer, 0, top, "first layer", notes)
            last_layer = clamp_int(last_layer, 0, top, "last layer", notes)
        chosen, described = style_mixing.resolve_layers(pipe, layers, first_layer, last_layer)
        start = time.perf_counter()
        grid = style_mixing.style_mixing(pipe, rows, columns, chosen, class_choice, psi, noise_mode)
        grid = upscale(grid, size=768)
        ms = (time.perf_counter() - start) * 1000
        caption = (f"rows: seeds {', '.join(map(str, rows))} · columns: seeds {', '.join(map(str, columns))} · "
                   f"{described} from the column · truncation {psi:g} · noise {noise_mode} · {ms:.0f} ms")
        return grid, caption, notes

    # -- image-to-image ------------------------------------------------------------------------------

    def translator(self, model: Optional[str]):
        """The translation pipeline called ``model``, or a :class:`SpaceError` that says what it is instead."""
        pipe = self.pipeline(model)
        if not translation.is_translator(pipe):
            raise SpaceError(f"{model_name(model)} generates images from noise: the Image-to-image tab needs a "
                             "translation pipeline")
        return pipe

    def examples(self, model: Optional[str], direction: str = "forward") -> Tuple[List[Tuple[str, str]], str]:
        """``([(PNG path, caption)], note)``: the test-split examples that fit ``direction`` of ``model``."""
        pipe = self.translator(model)
        name = model_name(model)
        direction = translation.check_direction(pipe, choice(direction, "direction"), name)
        return examples.examples_for(name, getattr(pipe, "card_data", None), direction, self.examples_dir)

    def translation_info(self, model: Optional[str], direction: str = "forward") -> Dict:
        """What the Image-to-image tab shows for a model: its directions, card summary and examples.

        A direction that the model does not have falls back to ``"forward"``.
        """
        pipe = self.translator(model)
        name = model_name(model)
        directions = translation.directions(pipe)
        direction = direction if isinstance(direction, str) and direction in directions else "forward"
        items, note = examples.examples_for(name, getattr(pipe, "card_data", None), direction, self.examples_dir)
        return {"directions": list(directions), "direction": direction, "summary": model_summary(pipe, name),
                "examples": items, "examples_note": note}

    def translate(self, model, image, direction="forward"):
        """``(output PIL image, caption, notes)``: ``image`` (PIL, array, or an uploaded file's path) translated.

        The output is the model's own, at its size (the page draws it larger).
        """
        direction = choice(direction, "direction")
        if isinstance(image, str):
            text(image, "image", limit=4096)
        pipe = self.translator(model)
        name = model_name(model)
        direction = translation.check_direction(pipe, direction, name)
        image = translation.open_image(image)
        start = time.perf_counter()
        out = translation.translate(pipe, image, direction, name)
        ms = (time.perf_counter() - start) * 1000
        size = getattr(image, "size", None)
        way = {"forward": "forward (source → target)", "reverse": "reverse (target → source)"}[direction]
        caption = f"{way} · {out.width}×{out.height} output"
        if size and tuple(size) != out.size:
            caption += f" from a {size[0]}×{size[1]} input"
        return out, caption + f" · {ms:.0f} ms", []
