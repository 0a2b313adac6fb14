"""The Generate tab: a seeded grid of 1-64 images, a class picker for conditional models, a truncation slider over
the model's range, a PNG download; for models that grow (ProGAN), the first images at each resolution side by side."""

import os
from types import SimpleNamespace
from typing import List, Optional

import gradio as gr

from ..settings import DEFAULT_IMAGES, MAX_IMAGES, MAX_SEED
from ..text import md_text
from .common import class_dropdown, model_truncation_slider, ui


def build(play, model: gr.Dropdown, class_names: List[str], first: Optional[dict] = None) -> SimpleNamespace:
    """The tab's components and its events (``/generate``, ``/resolutions``); returns the class picker, the
    truncation slider and the resolutions image, which follow the model (``first``: the default model's info)."""
    first = first or {}
    with gr.Tab("Generate", id="generate") as tab:
        with gr.Row():
            num_images = gr.Slider(1, MAX_IMAGES, value=DEFAULT_IMAGES, step=1, label="Number of images")
            seed = gr.Number(0, label="Seed", precision=0)
            random_seed = gr.Button("Random seed", scale=0, min_width=140, elem_id="random-seed")
        with gr.Row():
            gen_class = class_dropdown(class_names, "Class")
            truncation = model_truncation_slider(first, elem_id="truncation")
        gen_button = gr.Button("Generate", variant="primary", elem_id="generate-button")
        grid = gr.Image(label="Samples", type="filepath", format="png", interactive=False,
                        elem_id="grid", buttons=["download", "fullscreen"])
        gen_caption = gr.Markdown(elem_id="grid-caption")
        download = gr.DownloadButton("Download PNG", value=None, elem_id="download")
        ladder = gr.Image(label="At each resolution", type="pil", format="png", interactive=False, elem_id="resolutions",
                          visible=bool(first.get("resolutions")))
        ladder_caption = gr.Markdown(elem_id="resolutions-caption")

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
    def on_resolutions(model, num_images, seed, class_name, truncation):
        """The image stays hidden for models that do not grow (the model box's event shows it for those that do)."""
        return play.resolutions(model, num_images, seed, class_name, truncation)

    inputs = [model, num_images, seed, gen_class, truncation]
    done = gen_button.click(ui(on_generate), inputs, [grid, gen_caption], api_name="generate")
    done.then(lambda path: path, grid, download, queue=False, api_visibility="private")
    done.success(ui(on_resolutions), inputs, [ladder, ladder_caption], api_name="resolutions")
    return SimpleNamespace(tab=tab, class_picker=gen_class, truncation=truncation, ladder=ladder, ladder_caption=ladder_caption)
