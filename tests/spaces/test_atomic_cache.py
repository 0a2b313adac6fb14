"""Two requests that produce the same image at once never let a reader see a short file in gradio's cache."""

import os
import threading
from pathlib import Path

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402


def test_identical_outputs_saved_concurrently_are_always_whole(app_module, tmp_path):
    from gradio import processing_utils
    from playground.ui import atomic_cache

    atomic_cache.install()
    assert processing_utils.save_pil_to_cache is atomic_cache.save_pil_to_cache
    image = Image.fromarray((np.random.default_rng(0).random((256, 256, 3)) * 255).astype(np.uint8))
    size = len(processing_utils.encode_pil_to_bytes(image, "png"))
    path = atomic_cache.save_pil_to_cache(image, str(tmp_path), format="png")
    short, stop = [], threading.Event()

    def writer():
        while not stop.is_set():
            atomic_cache.save_pil_to_cache(image, str(tmp_path), format="png")
            Path(path).unlink(missing_ok=True)  # so the next save writes again

    def reader():
        for _ in range(300):
            try:
                with open(path, "rb") as f:
                    n = len(f.read())
            except FileNotFoundError:
                continue
            if n != size:
                short.append(n)

    threads = [threading.Thread(target=writer) for _ in range(2)] + [threading.Thread(target=reader) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads[2:]:
        t.join()
    stop.set()
    for t in threads[:2]:
        t.join()
    assert not short, f"readers saw short files: {short[:5]}"
    assert not [p for p in os.listdir(os.path.dirname(path)) if p.endswith(".part")]
