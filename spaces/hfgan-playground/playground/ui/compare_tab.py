"""The Compare tab: the same seeds (and class) through two models side by side."""

from types import SimpleNamespace
from typing import List, Optional

import gradio as gr

from ..errors import SpaceError
from ..settings import ALL_CLASSES, MAX_IMAGES, TRUNCATION_MAX, TRUNCATION_MIN
from .common import ui


def build(play, model_a_default: Optional[str], model_b_default: Optional[str], class_names: List[str]) -> SimpleNamespace:
    """The tab's components and its events (``/compare``)."""
    with gr.Tab("Compare", id="compare") as tab:
        with gr.Row():
            model_a = gr.Dropdown(play.models, value=model_a_default, label="Model A", allow_custom_value=True)
            model_b = gr.Dropdown(play.models, value=model_b_default, label="Model B", allow_custom_value=True)
        with gr.Row():
            num_images = gr.Slider(1, MAX_IMAGES, value=8, step=1, label="Number of images")
            seed = gr.Number(0, label="Seed", precision=0)
            class_choice = gr.Dropdown([ALL_CLASSES] + class_names, value=ALL_CLASSES, label="Class (if conditional)",
                                       allow_custom_value=True)
            truncation = gr.Slider(TRUNCATION_MIN, TRUNCATION_MAX, value=1.0, step=0.05, label="Truncation ψ")
        button = gr.Button("Compare", variant="primary")
        with gr.Row():
            with gr.Column():
                grid_a = gr.Image(label="Model A", type="pil", format="png", interactive=False)
                summary_a = gr.Markdown()
            with gr.Column():
                grid_b = gr.Image(label="Model B", type="pil", format="png", interactive=False)
                summary_b = gr.Markdown()

    def on_models(a, b):
        """The class picker offers the classes of both models."""
        names: List[str] = []
        for m in (a, b):
            try:
                names += [c for c in play.info(m)["class_names"] if c not in names]
            except SpaceError:
                pass
        return gr.Dropdown([ALL_CLASSES] + names, value=ALL_CLASSES), []

    for dd in (model_a, model_b):
        dd.change(ui(on_models), [model_a, model_b], class_choice, api_visibility="private")
    button.click(ui(play.compare), [model_a, model_b, num_images, seed, class_choice, truncation],
                 [grid_a, grid_b, summary_a, summary_b], api_name="compare")
    return SimpleNamespace(tab=tab)
