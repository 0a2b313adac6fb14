"""The Image-to-image tab: pick a translation pipeline and a direction, upload an image or click an example,
and see the input and the output side by side. The page's card panel shows the translation model's card while
this tab is open (see ``layout``)."""

from types import SimpleNamespace

import gradio as gr

from ..errors import SpaceError, one_line
from ..summary import load_error
from ..translation import DIRECTIONS
from .common import ui

TAB_ID = "img2img"
NO_MODEL = ("No translation pipelines are shipped: type the Hub repo id (`org/name`) of an hfgan image-to-image "
            "pipeline and press Enter.")
DIRECTION_INFO = {
    1: "one-way model: forward only",
    2: "two-way model: forward (source → target) or reverse (target → source)",
}


def uploaded(payload):
    """The uploaded file's server-side path, from an event that runs without gradio's preprocessing.

    gr.Image's own preprocessing fails on a file that is not an image with a generic error; the translate
    events skip it (``preprocess=False``: gradio still moves the upload into its cache and checks it is
    there), so that :func:`playground.translation.open_image` can say what is wrong with the file.
    """
    if payload is None or isinstance(payload, str):
        return payload
    path = payload.get("path") if isinstance(payload, dict) else getattr(payload, "path", None)
    if not path:
        raise SpaceError("the upload did not arrive as a file: upload it again")
    return path


def build(play, demo: gr.Blocks, card_panel: gr.Markdown) -> SimpleNamespace:
    """The tab's components and events (``/translate``); ``card_panel`` is the page's card panel, which shows the
    tab's model. Returns the tab, its model picker (which the model box can set) and ``card(model)``, the panel's
    text for a translation model."""
    default = play.default_translation_model
    info = None
    if default is not None:
        try:  # loads (and caches) the default translation model, so its first request is served warm
            info = play.translation_info(default)
        except SpaceError:
            pass  # the card panel says why when the tab opens

    with gr.Tab("Image-to-image", id=TAB_ID) as tab:
        with gr.Row():
            model = gr.Dropdown(play.translation_models, value=default, label="Translation model", allow_custom_value=True,
                                interactive=True, scale=2, elem_id="img2img-model",
                                info="a shipped translation pipeline, or a Hub repo id typed here (press Enter)")
            # A one-way model's page offers forward only; the translate events skip gradio's check of the
            # choices (preprocess=False), so that the translation function answers reverse with a message.
            direction = gr.Radio(list(DIRECTIONS), value="forward", label="Direction", elem_id="direction",
                                 info=DIRECTION_INFO[len(info["directions"])] if info else None)
        with gr.Row(equal_height=True):
            source = gr.Image(label="Input", type="filepath", image_mode=None, sources=["upload", "clipboard"], height=300,
                              elem_id="img2img-input")
            output = gr.Image(label="Output", type="pil", format="png", interactive=False, height=300,
                              elem_id="img2img-output", buttons=["download", "fullscreen"])
        translate_button = gr.Button("Translate", variant="primary", elem_id="translate-button")
        caption = gr.Markdown(elem_id="img2img-caption")
        items = info["examples"] if info else []
        gallery = gr.Gallery(items, label="Examples from the test split: click one to translate it", columns=8,
                             fit_columns=False, height=150, allow_preview=False, object_fit="contain", interactive=False,
                             elem_id="img2img-examples")
        examples_note = gr.Markdown(info["examples_note"] if info else "", elem_id="img2img-examples-note")
        example_paths = gr.State([path for path, _ in items])

    def on_model(model, direction):
        """A new translation model: its directions, examples and card; the last output is cleared."""
        try:
            info = play.translation_info(model, direction)
        except SpaceError as err:
            gr.Warning(one_line(err))
            return (gr.Radio(choices=list(DIRECTIONS), value="forward", info=None), gr.Gallery([]), "", [],
                    load_error(model, one_line(err)), None, "", [])
        return (gr.Radio(choices=info["directions"], value=info["direction"], info=DIRECTION_INFO[len(info["directions"])]),
                gr.Gallery(info["examples"]), info["examples_note"], [path for path, _ in info["examples"]],
                info["summary"], None, "", [])

    def card(model):
        """The card panel's text for the tab's model (the panel itself belongs to the page)."""
        if model is None or not str(model).strip():
            return NO_MODEL
        try:
            return play.translation_info(model)["summary"]
        except SpaceError as err:
            return load_error(model, one_line(err))

    def on_direction(model, direction):
        """The examples of the other domain."""
        try:
            items, note = play.examples(model, direction)
        except SpaceError:
            return gr.skip(), gr.skip(), gr.skip(), []
        return gr.Gallery(items), note, [path for path, _ in items], []

    def on_translate(model, image, direction):  # raw inputs: preprocess=False
        return play.translate(model, uploaded(image), direction)

    def on_example(model, direction, paths, evt: gr.SelectData):
        if not paths or evt.index is None or not 0 <= evt.index < len(paths):
            raise SpaceError("that example is no longer listed: pick another")
        path = paths[evt.index]
        out, text, notes = play.translate(model, path, direction)
        return path, out, text, notes

    model.change(ui(on_model), [model, direction],
                 [direction, gallery, examples_note, example_paths, card_panel, output, caption], api_visibility="private")
    direction.input(ui(on_direction), [model, direction], [gallery, examples_note, example_paths],
                    api_visibility="private")
    translate_button.click(ui(on_translate), [model, source, direction], [output, caption], api_name="translate",
                           preprocess=False)
    source.upload(ui(on_translate), [model, source, direction], [output, caption], api_visibility="private",
                  preprocess=False)
    gallery.select(ui(on_example), [model, direction, example_paths], [source, output, caption],
                   api_visibility="private")
    if info and len(info["directions"]) == 1:  # every page starts with the default model's directions only
        demo.load(lambda: gr.Radio(choices=info["directions"], value="forward"), None, direction, queue=False,
                  api_visibility="private")
    return SimpleNamespace(tab=tab, model=model, tab_id=TAB_ID, card=card)
