"""The app's front door: every request's inputs are checked for their type before gradio reads them, and every
refusal is one line, for the user and in the server log.

A client of the API may send any JSON where the page sends a number or a text (an int for a model name, a list for
a slider, NaN, megabytes of text). Gradio's own reading of such a value fails with a multi-line message and a
traceback in the log; here it is refused first, in one line that names the input as the page labels it. Refusals
raised by the app's functions (:class:`~playground.errors.SpaceError`, shown by :func:`.common.ui`) are logged the
same way; only an internal error leaves a traceback in the log.
"""

from typing import Any, List

import gradio as gr

from ..errors import SpaceError, log_error, one_line
from ..inputs import choice, file_payload, require_number, shown, text


def input_name(component) -> str:
    """How messages call an input: its label with a lower-case first word ("Number of images" -> "number of
    images", "Class A" -> "class A")."""
    label = str(getattr(component, "label", None) or type(component).__name__.lower())
    return label[:1].lower() + label[1:] if label[1:2].islower() else label


def _number(value) -> str:
    return f"{value:g}" if abs(value) < 1e15 else shown(value)


def check_payload(component, value: Any, preprocess: bool) -> None:
    """A :class:`SpaceError` naming ``component`` unless ``value`` is what it takes (``preprocess``: gradio will
    read it, so a slider's bounds and a radio's choices hold too)."""
    name = input_name(component)
    if isinstance(component, (gr.Slider, gr.Number)):
        if value is None and isinstance(component, gr.Number):
            return  # an empty number box: the function says what it needs
        require_number(value, name)
        low, high = getattr(component, "minimum", None), getattr(component, "maximum", None)
        if preprocess and low is not None and value < low:
            raise SpaceError(f"{name}: {_number(value)} is less than minimum value {low:g}")
        if preprocess and high is not None and value > high:
            raise SpaceError(f"{name}: {_number(value)} is greater than maximum value {high:g}")
    elif isinstance(component, (gr.Dropdown, gr.Radio, gr.Textbox)):
        value = choice(value, name) if not isinstance(component, gr.Textbox) else text(value, name)
        strict = isinstance(component, gr.Radio) or not getattr(component, "allow_custom_value", True)
        options = [option for _, option in getattr(component, "choices", None) or []]
        if preprocess and strict and value is not None and value not in options:
            raise SpaceError(f"{name}: {shown(value)} is not one of {', '.join(map(str, options))}")
    elif isinstance(component, gr.Image):
        file_payload(value, name)


def check_inputs(block_fn, inputs: List[Any], state=None) -> None:
    """Every raw input of one request to ``block_fn`` (an event), in the order of its input components, each as
    the session holds it (``state``: a slider's range follows the model)."""
    components = list(block_fn.inputs)
    if len(inputs) < len(components):
        names = ", ".join(input_name(c) for c in components)
        raise SpaceError(f"this endpoint takes {len(components)} inputs ({names}), got {len(inputs)}")
    for component, value in zip(components, inputs):
        if state is not None and not component.stateful and component._id in state:
            component = state[component._id]
        check_payload(component, value, bool(block_fn.preprocess))


def endpoint_name(demo: gr.Blocks, block_fn) -> str:
    """``/generate`` for an API endpoint, else the event function's name."""
    if isinstance(block_fn, int):
        block_fn = demo.fns.get(block_fn, block_fn)
    api_name = getattr(block_fn, "api_name", None)
    return f"/{api_name}" if api_name else str(getattr(block_fn, "name", block_fn))


def guard_inputs(demo: gr.Blocks) -> None:
    """Check every request's inputs before gradio reads them, and log every refusal of ``demo`` in one line."""
    preprocess_data, process_api = demo.preprocess_data, demo.process_api

    async def checked_preprocess_data(block_fn, inputs, state=None, *args, **kwargs):
        try:
            check_inputs(block_fn, inputs, state)
            return await preprocess_data(block_fn, inputs, state, *args, **kwargs)
        except SpaceError as err:
            raise gr.Error(one_line(err), print_exception=False) from None
        except gr.Error as err:
            raise gr.Error(one_line(SpaceError(err.message)), print_exception=False) from None  # gradio's own
        except Exception as err:  # noqa: BLE001 - gradio could not read an input: the request is wrong
            raise gr.Error(f"could not read the inputs: {one_line(err)}", print_exception=False) from None

    async def logged_process_api(block_fn, *args, **kwargs):
        try:
            return await process_api(block_fn, *args, **kwargs)
        except gr.Error as err:
            if not err.print_exception:  # shown to the user (a traceback, if any, is printed where it was raised)
                log_error(endpoint_name(demo, block_fn), err.message)
            raise

    demo.preprocess_data = checked_preprocess_data
    demo.process_api = logged_process_api
