"""The page: the model box, the tabs, the model card panel, and the app's queue."""

from typing import Optional

import gradio as gr

from ..errors import SpaceError, one_line
from ..summary import load_error
from ..service import Playground
from ..settings import (ALL_CLASSES, CONCURRENCY, IMAGE_TO_IMAGE, MAX_QUEUE, TEMP_MAX_AGE_S, TEMP_MAX_MB, TEMP_MIN_AGE_S,
                        TEMP_SWEEP_S)
from ..tempfiles import TempBudget
from . import (atomic_cache, class_interpolate_tab, compare_tab, generate_tab, img2img_tab, interpolate_tab,
               style_mixing_tab)
from .cleanup import start_sweeper
from .common import class_dropdown, model_truncation_slider, ui
from .guard import guard_inputs

INTRO = """# hfgan playground
Generate images with every published [hfgan](https://huggingface.co/models?library=hfgan) GAN, or translate
images with its image-to-image ones. Pick a shipped model, or type a Hub repo id (`org/name`) and press Enter."""

# Pass to ``demo.launch(css=CSS)`` (Gradio 6 takes page CSS at launch): small images (28 px Fashion-MNIST) fill
# the Image-to-image boxes with hard pixel edges; gr.Image alone never draws an image above its natural size.
CSS = """
#img2img-input img, #img2img-output img { width: 100%; height: 100%; object-fit: contain; image-rendering: pixelated; }
"""


def default_temp_budget() -> TempBudget:
    return TempBudget(max_bytes=int(TEMP_MAX_MB * 1e6), max_age_s=TEMP_MAX_AGE_S, min_age_s=TEMP_MIN_AGE_S,
                      interval_s=TEMP_SWEEP_S)


def build_demo(pipelines_dir=None, playground: Optional[Playground] = None,
               temp_budget: Optional[TempBudget] = None) -> gr.Blocks:
    """The Gradio app. ``pipelines_dir`` defaults to :func:`playground.models.default_pipelines_dir`; the files it
    leaves in gradio's cache are kept within ``temp_budget`` (default: the ``HFGAN_SPACE_TEMP_*`` settings)."""
    atomic_cache.install()
    play = playground or Playground(pipelines_dir)
    default = play.default_model
    first, names0 = None, []
    if default is None:
        summary0 = f"No shipped models found in `{play.pipelines_dir}`: type a Hub repo id (`org/name`)."
    else:
        try:  # loads (and caches) the default model, so the first request is served warm
            first = play.info(default)
            summary0, names0 = first["summary"], first["class_names"]
        except SpaceError as err:  # a broken shipped model must not stop the app from starting
            summary0 = load_error(default, one_line(err))
    second = next((m for m in play.models if m != default), default)

    with gr.Blocks(title="hfgan playground", analytics_enabled=False, delete_cache=(1800, 3600)) as demo:
        gr.Markdown(INTRO)
        model = gr.Dropdown(play.models, value=default, label="Model", allow_custom_value=True, interactive=True,
                            info="a shipped model, or a Hub repo id typed here (press Enter)", elem_id="model")
        # the card panel: the model box's model, or the translation model while the Image-to-image tab is open
        summary = gr.Markdown(summary0, elem_id="model-card", render=False)
        with gr.Row():
            with gr.Column(scale=3):
                with gr.Tabs() as tabs:
                    gen = generate_tab.build(play, model, names0, first)
                    interp = interpolate_tab.build(play, model, names0, first)
                    classes = class_interpolate_tab.build(play, model, first)
                    styles = style_mixing_tab.build(play, model, first)
                    img2img = img2img_tab.build(play, demo, summary)
                    compare = compare_tab.build(play, default, second, names0)
            with gr.Column(scale=2, min_width=280):
                summary.render()

        def on_model(model):
            try:
                info = play.info(model)
            except SpaceError as err:  # shown in the card panel (and a toast); the other models keep working
                gr.Warning(one_line(err))
                hidden = class_dropdown([], "Class")
                return (load_error(model, one_line(err)), hidden, hidden, hidden,
                        *class_interpolate_tab.for_model(None), *style_mixing_tab.for_model(None),
                        *[model_truncation_slider(None)] * 4,
                        gr.Image(None, visible=False), "", [])
            names = info["class_names"]
            first_name = names[0] if names else ALL_CLASSES
            sliders = [model_truncation_slider(info)] * 4
            return (info["summary"], class_dropdown(names, "Class"), class_dropdown(names, "Class A", value=first_name),
                    class_dropdown(names, "Class B", value=first_name), *class_interpolate_tab.for_model(info),
                    *style_mixing_tab.for_model(info),
                    *sliders, gr.Image(None, visible=bool(info["resolutions"])), "", [])

        def to_img2img(model):
            """A translation pipeline typed into the model box opens in the Image-to-image tab."""
            try:
                translator = play.info(model)["pipeline_tag"] == IMAGE_TO_IMAGE
            except SpaceError:
                translator = False
            if not translator:
                return gr.skip(), gr.skip(), []
            return gr.Dropdown(value=model.strip()), gr.Tabs(selected=img2img.tab_id), []

        def main_card(model):
            """The card panel back on the model box's model (another tab was opened)."""
            try:
                return play.info(model)["summary"], []
            except SpaceError as err:
                return load_error(model, one_line(err)), []

        model.change(ui(on_model), model, [summary, gen.class_picker, interp.class_a, interp.class_b, classes.note,
                                           classes.class_a, classes.class_b, styles.note, styles.class_picker,
                                           styles.layers, gen.truncation, interp.truncation, classes.truncation,
                                           styles.truncation, gen.ladder, gen.ladder_caption],
                     api_name="model_controls", api_visibility="undocumented",  # the page's updates, not the API's
                     ).success(ui(to_img2img), model, [img2img.model, tabs], api_visibility="private")

        def model_info(model: str) -> dict:
            """A model's facts as a plain dict: name, family, task, sizes, channels, classes, truncation, metrics
            (``ui`` shows the empty notes list returned beside it)."""
            return play.model_info(model), []

        gr.api(ui(model_info), api_name="model_info", api_description=model_info.__doc__)
        img2img.tab.select(img2img.card, img2img.model, summary, queue=False, api_visibility="private")
        for tab in (gen.tab, interp.tab, classes.tab, styles.tab, compare.tab):
            tab.select(ui(main_card), model, summary, queue=False, api_visibility="private")

    demo.queue(default_concurrency_limit=CONCURRENCY, max_size=MAX_QUEUE)
    guard_inputs(demo)  # every request's inputs checked for their type; every refusal one line in the log
    demo.playground = play  # for tests and scripts
    demo.temp_budget = temp_budget or default_temp_budget()
    demo.stop_temp_sweeper = start_sweeper(demo, demo.temp_budget).set
    return demo
