"""The Image-to-image tab: translate an uploaded image with a translation pipeline."""

from types import SimpleNamespace

import gradio as gr

from .common import ui


def build(play, model: gr.Dropdown, visible: bool) -> SimpleNamespace:
    """The tab's components and its event (``/translate``); returns the tab, shown only for translation models."""
    with gr.Tab("Image-to-image", id="img2img", visible=visible) as tab:
        with gr.Row():
            source_image = gr.Image(label="Input", type="pil", sources=["upload", "clipboard"])
            translated = gr.Image(label="Output", type="pil", format="png", interactive=False)
        translate_button = gr.Button("Translate", variant="primary")

    translate_button.click(ui(play.translate), [model, source_image], translated, api_name="translate")
    return SimpleNamespace(tab=tab)
