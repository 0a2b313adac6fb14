"""The page: the model box, the tabs, the model card panel, and the app's queue."""

from typing import Optional

import gradio as gr

from ..errors import SpaceError, one_line
from ..service import Playground
from ..settings import ALL_CLASSES, CONCURRENCY, IMAGE_TO_IMAGE, MAX_QUEUE
from . import compare_tab, generate_tab, img2img_tab, interpolate_tab
from .common import class_dropdown, ui

INTRO = """# hfgan playground
Generate images with every published [hfgan](https://huggingface.co/models?library=hfgan) GAN.
Pick a shipped model, or type a Hub repo id (`org/name`) and press Enter."""


def build_demo(pipelines_dir=None, playground: Optional[Playground] = None) -> gr.Blocks:
    """The Gradio app. ``pipelines_dir`` defaults to :func:`playground.models.default_pipelines_dir`."""
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
            summary0 = f"### Could not load `{default}`\n\n{one_line(err)}"
    second = next((m for m in play.models if m != default), default)

    with gr.Blocks(title="hfgan playground", analytics_enabled=False, delete_cache=(1800, 3600)) as demo:
        gr.Markdown(INTRO)
        model = gr.Dropdown(play.models, value=default, label="Model", allow_custom_value=True, interactive=True,
                            info="a shipped model, or a Hub repo id typed here (press Enter)", elem_id="model")
        with gr.Row():
            with gr.Column(scale=3):
                with gr.Tabs():
                    gen = generate_tab.build(play, model, names0)
                    interp = interpolate_tab.build(play, model, names0)
                    img2img = img2img_tab.build(play, model, visible=bool(first and first["pipeline_tag"] == IMAGE_TO_IMAGE))
                    compare_tab.build(play, default, second, names0)
            with gr.Column(scale=2, min_width=280):
                summary = gr.Markdown(summary0, elem_id="model-card")

        def on_model(model):
            try:
                info = play.info(model)
            except SpaceError as err:  # shown in the card panel (and a toast); the other models keep working
                gr.Warning(one_line(err))
                hidden = class_dropdown([], "Class")
                return (f"### Could not load `{(model or '').strip()}`\n\n{one_line(err)}", hidden, hidden, hidden,
                        gr.Tab(visible=False), [])
            names = info["class_names"]
            first_name = names[0] if names else ALL_CLASSES
            return (info["summary"], class_dropdown(names, "Class"), class_dropdown(names, "Class A", value=first_name),
                    class_dropdown(names, "Class B", value=first_name), gr.Tab(visible=info["pipeline_tag"] == IMAGE_TO_IMAGE), [])

        model.change(ui(on_model), model, [summary, gen.class_picker, interp.class_a, interp.class_b, img2img.tab],
                     api_name="model_info")

    demo.queue(default_concurrency_limit=CONCURRENCY, max_size=MAX_QUEUE)
    demo.playground = play  # for tests and scripts
    return demo
