"""What the tabs share: the event wrapper that turns errors into one-line messages, and the class picker."""

import functools
import traceback

import gradio as gr

from hfgan.errors import HFGANError

from ..errors import SpaceError, one_line
from ..settings import ALL_CLASSES, TRUNCATION_MAX, TRUNCATION_MIN


def ui(fn):
    """Run ``fn``; show notes as warnings and every error as a one-line message (never a stack trace).

    ``fn`` returns ``(*outputs, notes)``; the wrapper returns the outputs.
    """

    @functools.wraps(fn)
    def wrapper(*args):
        try:
            *outputs, notes = fn(*args)
        except (SpaceError, HFGANError) as err:
            raise gr.Error(one_line(err), print_exception=False) from None
        except Exception as err:  # noqa: BLE001 - logged on the server, one line in the UI
            traceback.print_exc()
            raise gr.Error(f"internal error: {type(err).__name__}: {one_line(err)}", print_exception=False) from None
        for note in notes:
            gr.Warning(note)
        return tuple(outputs) if len(outputs) > 1 else outputs[0]

    return wrapper


def class_dropdown(names, label, value=ALL_CLASSES, **kw) -> gr.Dropdown:
    """A class picker for a conditional model (hidden when ``names`` is empty), or its update."""
    return gr.Dropdown([ALL_CLASSES] + list(names), value=value, label=label, visible=bool(names),
                       allow_custom_value=True, interactive=True, **kw)


TRUNCATION_INFO = {False: "below 1: less variety, higher fidelity (the latents are scaled)",
                   True: "below 1: less variety, higher fidelity (latents from the truncated prior, standing statistics "
                         "measured at that truncation)",
                   "w_space": "below 1: less variety, higher fidelity (the ws are moved towards the average w; "
                              "0 gives the average image)"}


def truncation_slider(value: float = 1.0, low: float = TRUNCATION_MIN, high: float = TRUNCATION_MAX,
                      standing_stats: bool = False, w_space: bool = False, **kw) -> gr.Slider:
    """The truncation slider for a model's range (BigGAN's standing statistics: (0, 1]; StyleGAN2 truncates in W
    space), or its update."""
    return gr.Slider(low, high, value=min(max(value, low), high), step=0.05, label="Truncation ψ",
                     info=TRUNCATION_INFO["w_space" if w_space else bool(standing_stats)], **kw)


def model_truncation_slider(info, value: float = 1.0, **kw) -> gr.Slider:
    """The truncation slider (or its update) for a model's ``Playground.info`` (None or empty: the default range)."""
    info = info or {}
    return truncation_slider(value, *info.get("truncation", ()), standing_stats=info.get("standing_stats", False),
                             w_space=info.get("w_space", False), **kw)
