"""The Interpolate tab: slerp between two seeds' latents, as a looping GIF and a strip."""

from types import SimpleNamespace
from typing import List, Optional

import gradio as gr

from ..settings import ALL_CLASSES, DEFAULT_FRAMES, MAX_FRAMES, MIN_FRAMES
from .common import class_dropdown, model_truncation_slider, ui


def build(play, model: gr.Dropdown, class_names: List[str], info: Optional[dict] = None) -> SimpleNamespace:
    """The tab's components and its event (``/interpolate``); returns the two class pickers and the truncation
    slider, which follow the model (``info``: the default model's)."""
    info = info or {}
    first = class_names[0] if class_names else ALL_CLASSES
    with gr.Tab("Interpolate", id="interpolate") as tab:
        with gr.Row():
            seed_a = gr.Number(0, label="Seed A", precision=0)
            class_a = class_dropdown(class_names, "Class A", value=first)
            seed_b = gr.Number(1, label="Seed B", precision=0)
            class_b = class_dropdown(class_names, "Class B", value=first)
        with gr.Row():
            frames = gr.Slider(MIN_FRAMES, MAX_FRAMES, value=DEFAULT_FRAMES, step=1, label="Frames")
            truncation = model_truncation_slider(info)
        interp_button = gr.Button("Interpolate", variant="primary", elem_id="interpolate-button")
        gif = gr.Image(label="Animation (A → B → A)", type="pil", format="gif", interactive=False, elem_id="gif", height=320)
        strip = gr.Image(label="Strip", type="pil", format="png", interactive=False, elem_id="strip")
        caption = gr.Markdown()

    def on_interpolate(model, seed_a, class_a, seed_b, class_b, frames, truncation):
        return play.interpolate(model, seed_a, seed_b, frames, class_a, class_b, truncation)

    interp_button.click(ui(on_interpolate), [model, seed_a, class_a, seed_b, class_b, frames, truncation],
                        [gif, strip, caption], api_name="interpolate")
    return SimpleNamespace(tab=tab, class_a=class_a, class_b=class_b, truncation=truncation)
