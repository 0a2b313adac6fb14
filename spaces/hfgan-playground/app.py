"""hfgan playground: try every hfgan model in the browser.

Run locally from the repository root::

    pip install -e .[space]
    python spaces/hfgan-playground/app.py            # http://127.0.0.1:7860

The models are the published pipeline folders found in ``HFGAN_PIPELINES_DIR`` (default: ``pipelines/``
next to this file when the Space is deployed with a copy of them, else ``<repo>/pipelines``), plus any
Hub repo id typed into a model box: the noise-to-image ones in the main model box, the translation ones
(``GANImageToImagePipeline``) in the Image-to-image tab, with example inputs from ``examples/``.

This file is the entry point (the Space's ``app_file``); the app lives in the ``playground`` package
beside it. Everything outside ``playground/ui/`` is plain Python: the generation functions take a
pipeline (or a model name through :class:`Playground`) and return PIL images, so they are testable
without a browser; the Gradio layer (one module per tab, and ``layout.build_demo``) only wires them to
components and turns :class:`SpaceError` into a message in the UI. The names below are re-exported so
that ``app.py`` stays importable as before.
"""

import argparse
import os
import sys
from pathlib import Path

# Before gradio is imported: no analytics, no telemetry.
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

# ``python app.py`` puts this folder on sys.path; importing app.py by its file path (tests, scripts) does not.
if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent))

import torch  # noqa: E402

from playground.display import grid_image  # noqa: E402
from playground.errors import SpaceError, one_line  # noqa: E402
from playground.generation import (class_labels_for, generate, interpolate, seed_generators,  # noqa: E402
                                   seed_latents, slerp)
from playground.inputs import clamp_float, clamp_int  # noqa: E402
from playground.models import PipelineCache, default_pipelines_dir, discover_models, load_pipeline  # noqa: E402
from playground.service import Playground  # noqa: E402
from playground.settings import (ALL_CLASSES, APP_DIR, CACHE_SIZE, CONCURRENCY, DEFAULT_FRAMES,  # noqa: E402
                                 DEFAULT_IMAGES, IMAGE_TO_IMAGE, MAX_FRAMES, MAX_IMAGES, MAX_QUEUE, MAX_SEED,
                                 MIN_FRAMES, TRUNCATION_MAX, TRUNCATION_MIN)
from playground.summary import model_summary  # noqa: E402
from playground.translation import DIRECTIONS, open_image, translate  # noqa: E402
from playground.ui.layout import CSS, INTRO, build_demo  # noqa: E402

__all__ = [
    "ALL_CLASSES", "APP_DIR", "CACHE_SIZE", "CONCURRENCY", "CSS", "DEFAULT_FRAMES", "DEFAULT_IMAGES", "DIRECTIONS",
    "IMAGE_TO_IMAGE", "INTRO", "MAX_FRAMES", "MAX_IMAGES", "MAX_QUEUE", "MAX_SEED", "MIN_FRAMES", "TRUNCATION_MAX", "TRUNCATION_MIN",
    "PipelineCache", "Playground", "SpaceError", "build_demo", "clamp_float", "clamp_int", "class_labels_for",
    "default_pipelines_dir", "discover_models", "generate", "grid_image", "interpolate", "load_pipeline", "main",
    "model_summary", "one_line", "open_image", "seed_generators", "seed_latents", "slerp", "translate",
]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="hfgan playground (Gradio)")
    parser.add_argument("--pipelines-dir", default=None, help="folder of saved pipelines (default: $HFGAN_PIPELINES_DIR or pipelines/)")
    parser.add_argument("--host", default=None, help="server name (default: $GRADIO_SERVER_NAME or 127.0.0.1)")
    parser.add_argument("--port", type=int, default=None, help="port (default: $GRADIO_SERVER_PORT or 7860)")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch threads (default: $HFGAN_TORCH_THREADS or CPU cores / concurrency)")
    args = parser.parse_args(argv)
    threads = args.threads or int(os.environ.get("HFGAN_TORCH_THREADS", "0")) or max(1, (os.cpu_count() or 1) // CONCURRENCY)
    torch.set_num_threads(threads)
    demo = build_demo(args.pipelines_dir)
    play = demo.playground
    print(f"hfgan playground: {len(play.models)} model(s) in {play.pipelines_dir}: {', '.join(play.models) or 'none'}; "
          f"translation: {', '.join(play.translation_models) or 'none'}; "
          f"torch threads {threads}, queue concurrency {CONCURRENCY}, max queue {MAX_QUEUE}", flush=True)
    demo.launch(server_name=args.host, server_port=args.port, footer_links=["api"], css=CSS)


if __name__ == "__main__":
    main()
