"""The Style mixing tab (StyleGAN2): row seeds x column seeds, each image taking the row's styles except at the
chosen layers (coarse / middle / fine, or a range), where it takes the column's; the pipeline's grid, with the column
sources on top and the row sources on the left."""

from types import SimpleNamespace
from typing import Optional

import gradio as gr

from ..settings import MAX_MIX_SEEDS, NOISE_MODES, STYLE_CUSTOM, STYLE_PRESETS
from .common import class_dropdown, model_truncation_slider, ui

UNAVAILABLE = "_Style mixing needs a StyleGAN2 model (a generator with a W space): pick one in the model box._"
LAYER_CHOICES = list(STYLE_PRESETS) + [STYLE_CUSTOM]


def layers_info(info: Optional[dict]) -> str:
    """The layer presets of a model, in words (empty for models without a W space)."""
    presets = (info or {}).get("style_layers")
    if not presets:
        return ""
    num_ws = sum(len(v) for v in presets.values())
    spans = ", ".join(f"{name} {v[0]}–{v[-1]}" if len(v) > 1 else f"{name} {v[0] if v else 'none'}"
                      for name, v in presets.items())
    return f"{num_ws} style layers (0 = lowest resolution): {spans}"


def layer_picker(info: Optional[dict], **kw) -> gr.Radio:
    return gr.Radio(LAYER_CHOICES, value=LAYER_CHOICES[0], label="Layers that take the column's styles",
                    info=layers_info(info) or None, **kw)


def build(play, model: gr.Dropdown, info: Optional[dict] = None) -> SimpleNamespace:
    """The tab's components and its event (``/style_mixing``); returns what follows the model."""
    info = info or {}
    available = bool(info.get("style_layers"))
    with gr.Tab("Style mixing", id="style-mixing") as tab:
        note = gr.Markdown(UNAVAILABLE, visible=not available, elem_id="style-mix-note")
        with gr.Row():
            row_seeds = gr.Textbox("0, 1, 2", label="Row seeds", info=f"up to {MAX_MIX_SEEDS}, commas or spaces",
                                   elem_id="style-mix-rows")
            column_seeds = gr.Textbox("3, 4, 5, 6", label="Column seeds", info=f"up to {MAX_MIX_SEEDS}",
                                      elem_id="style-mix-columns")
            mix_class = class_dropdown(info.get("class_names", []) if available else [], "Class (rows and columns)")
        with gr.Row():
            layers = layer_picker(info, elem_id="style-mix-layers")
            first_layer = gr.Number(0, label="First layer (custom range)", precision=0)
            last_layer = gr.Number(3, label="Last layer (custom range)", precision=0)
        with gr.Row():
            truncation = model_truncation_slider(info)
            noise = gr.Radio(list(NOISE_MODES), value=NOISE_MODES[0], label="Noise",
                             info="const: the stored noise (a seed always gives the same image); random; none")
        button = gr.Button("Mix styles", variant="primary", elem_id="style-mix-button")
        grid = gr.Image(label="Column sources on top, row sources on the left", type="pil", format="png",
                        interactive=False, elem_id="style-grid")
        caption = gr.Markdown(elem_id="style-grid-caption")

    button.click(ui(play.style_mix), [model, row_seeds, column_seeds, layers, first_layer, last_layer, mix_class,
                                      truncation, noise], [grid, caption], api_name="style_mixing")
    return SimpleNamespace(tab=tab, note=note, class_picker=mix_class, layers=layers, truncation=truncation)


def for_model(info: Optional[dict]):
    """Updates of (note, class picker, layer picker) for a model's info (None: it could not be loaded)."""
    available = bool((info or {}).get("style_layers"))
    names = (info or {}).get("class_names", []) if available else []
    return gr.Markdown(visible=not available), class_dropdown(names, "Class (rows and columns)"), layer_picker(info)
