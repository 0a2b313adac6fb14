"""The Generate tab: a seeded grid of 1-64 images, a class picker for conditional models, a PNG download."""

import os
from types import SimpleNamespace
from typing import List

import gradio as gr

from ..settings import DEFAULT_IMAGES, MAX_IMAGES, MAX_SEED, TRUNCATION_MAX, TRUNCATION_MIN
from ..text import md_text
from .common import class_dropdown, ui


def build(play, model: gr.Dropdown, class_names: List[str]) -> SimpleNamespace:
    """The tab's components and its events (``/generate``); returns the class picker, which follows the model."""
    with gr.Tab("Generate", id="generate"):
        with gr.Row():
            num_images = gr.Slider(1, MAX_IMAGES, value=DEFAULT_IMAGES, step=1, label="Number of images")
            seed = gr.Number(0, label="Seed", precision=0)
            random_seed = gr.Button("Random seed", scale=0, min_width=140, elem_id="random-seed")
        with gr.Row():
            gen_class = class_dropdown(class_names, "Class")
            truncation = gr.Slider(TRUNCATION_MIN, TRUNCATION_MAX, value=1.0, step=0.05, label="Truncation ψ",
                                   info="below 1: less variety, higher fidelity")
        gen_button = gr.Button("Generate", variant="primary", elem_id="generate-button")
        grid = gr.Image(label="Samples", type="filepath", format="png", interactive=False,
                        elem_id="grid", buttons=["download", "fullscreen"])
        gen_caption = gr.Markdown(elem_id="grid-caption")
        download = gr.DownloadButton("Download PNG", value=None, elem_id="download")

    random_seed.click(lambda: int.from_bytes(os.urandom(4), "little") % (MAX_SEED - MAX_IMAGES), None, seed,
                      queue=False, api_visibility="private")

    def on_generate(model, num_images, seed, class_name, truncation):
        grid_image, caption, notes = play.generate(model, num_images, seed, class_name, truncation)
        if notes:
            caption += "\n\n" + "\n".join(f"- {md_text(note)}" for note in notes)
        return grid_image, caption, notes

    # The grid goes out as a PIL image, which gradio encodes into its cache once; the download button is then
    # filled by a second, unqueued event with that cached file's path (the grid's ``filepath`` value), so the
    # PNG is neither written twice nor sent twice.
    gen_button.click(ui(on_generate), [model, num_images, seed, gen_class, truncation], [grid, gen_caption],
                     api_name="generate").then(lambda path: path, grid, download, queue=False,
                                               api_visibility="private")
    return SimpleNamespace(class_picker=gen_class)
