"""Atomic writes into gradio's cache of output images.

gradio stores a returned PIL image under ``<cache>/<hash of its bytes>/image.<format>`` by truncating and rewriting
that file. Two requests that produce the same image at the same time (two users pressing Generate with the
default seed) write the same path, and a browser downloading it in between gets an empty or short file. This
writes to a temporary file beside it and renames it into place, so a reader always sees a whole file.
"""

import os
import tempfile
from pathlib import Path

from gradio import processing_utils

_original = processing_utils.save_pil_to_cache


def save_pil_to_cache(img, cache_dir: str, name: str = "image", format: str = "webp") -> str:
    data = processing_utils.encode_pil_to_bytes(img, format)
    folder = Path(cache_dir) / processing_utils.hash_bytes(data)
    folder.mkdir(exist_ok=True, parents=True)
    path = (folder / f"{name}.{format}").resolve()
    try:
        if path.stat().st_size == len(data):  # the same content is already there, whole
            return str(path)
    except FileNotFoundError:
        pass
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return str(path)


def install() -> None:
    """Make gradio's image components save through :func:`save_pil_to_cache` (idempotent)."""
    processing_utils.save_pil_to_cache = save_pil_to_cache
