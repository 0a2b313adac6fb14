"""The Class interpolation tab: one latent, the class embedding moved from class A to class B in N steps (a strip),
for conditional models whose generator has a class embedding (``embed_classes``)."""

from types import SimpleNamespace
from typing import List, Optional

import gradio as gr

from ..settings import DEFAULT_CLASS_STEPS, MAX_CLASS_STEPS, MIN_CLASS_STEPS
from .common import model_truncation_slider, ui

UNAVAILABLE = ("_Class interpolation needs a class-conditional model with a class embedding (conditional DCGAN, "
               "BigGAN, SNGAN): pick one in the model box._")


def class_pickers(names: List[str]):
    """Class A (the first class) and class B (the second), or hidden pickers for a model without classes."""
    a = names[0] if names else None
    b = names[1] if len(names) > 1 else a
    return (gr.Dropdown(names, value=a, label="Class A", visible=bool(names), allow_custom_value=True, interactive=True,
                        elem_id="class-interp-a"),
            gr.Dropdown(names, value=b, label="Class B", visible=bool(names), allow_custom_value=True, interactive=True,
                        elem_id="class-interp-b"))


def build(play, model: gr.Dropdown, info: Optional[dict] = None) -> SimpleNamespace:
    """The tab's components and its event (``/class_interpolate``); returns what follows the model."""
    info = info or {}
    names = info.get("class_names", []) if info.get("class_blend") else []
    with gr.Tab("Class interpolation", id="class-interpolate") as tab:
        note = gr.Markdown(UNAVAILABLE, visible=not names, elem_id="class-interp-note")
        with gr.Row():
            seed = gr.Number(0, label="Seed", precision=0)
            class_a, class_b = class_pickers(names)
        with gr.Row():
            steps = gr.Slider(MIN_CLASS_STEPS, MAX_CLASS_STEPS, value=DEFAULT_CLASS_STEPS, step=1, label="Steps",
                              elem_id="class-interp-steps")
            truncation = model_truncation_slider(info)
        button = gr.Button("Interpolate classes", variant="primary", elem_id="class-interp-button")
        strip = gr.Image(label="Class A → class B (same latent)", type="pil", format="png", interactive=False,
                         elem_id="class-strip")
        caption = gr.Markdown(elem_id="class-strip-caption")

    button.click(ui(play.class_interpolate), [model, seed, class_a, class_b, steps, truncation], [strip, caption],
                 api_name="class_interpolate")
    return SimpleNamespace(tab=tab, class_a=class_a, class_b=class_b, truncation=truncation, note=note)


def for_model(info: Optional[dict]):
    """Updates of (note, class A, class B) for a model's info (None: it could not be loaded)."""
    names = info["class_names"] if info and info.get("class_blend") else []
    return (gr.Markdown(visible=not names), *class_pickers(names))
