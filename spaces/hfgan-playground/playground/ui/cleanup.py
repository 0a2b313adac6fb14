"""Keeps the files this app leaves in gradio's cache within a :class:`playground.tempfiles.TempBudget`.

gradio records every file it writes for a Blocks app (outputs, uploads) in ``demo.temp_file_sets``; a daemon
thread sweeps those sets every ``budget.interval_s`` seconds (files of other apps sharing the cache folder are
never touched), and ends with the app.
"""

import threading
import traceback
import weakref

import gradio as gr

from ..tempfiles import TempBudget, remove_empty_parents, sweep


def sweep_demo(demo: gr.Blocks, budget: TempBudget) -> int:
    """One sweep of ``demo``'s files; returns the bytes kept."""
    keep = set()
    for block in list(demo.blocks.values()):
        keep.update(getattr(block, "keep_in_cache", ()))  # default values and examples stay
    sets = list(demo.temp_file_sets)
    paths = {p for s in sets for p in list(s)} - keep
    gone, kept = sweep(paths, budget)
    for s in sets:
        s.difference_update(gone)
    remove_empty_parents(gone, demo.GRADIO_CACHE)
    return kept


def start_sweeper(demo: gr.Blocks, budget: TempBudget) -> threading.Event:
    """Sweep ``demo``'s files in the background until it is garbage-collected or the returned event is set."""
    stop = threading.Event()
    ref = weakref.ref(demo)

    def loop():
        while not stop.wait(budget.interval_s):
            app = ref()
            if app is None:
                return
            try:
                sweep_demo(app, budget)
            except Exception:  # noqa: BLE001 - a failed sweep is logged and retried
                traceback.print_exc()
            del app

    threading.Thread(target=loop, name="hfgan-space-temp-sweeper", daemon=True).start()
    return stop
