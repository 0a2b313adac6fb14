"""The files the Space leaves in temp folders stay within a budget, however many requests arrive."""

import os
import ssl
import time

from gradio_client import Client, handle_file
from PIL import Image


def test_sweep_keeps_the_newest_within_the_budget(app_module, tmp_path):
    from playground.tempfiles import TempBudget, remove_empty_parents, sweep

    now = time.time()
    paths = []
    for i, age in enumerate([7200, 500, 400, 300, 200, 5]):  # seconds old; 1000 bytes each, one per folder
        path = tmp_path / f"h{i}" / "image.png"
        path.parent.mkdir()
        path.write_bytes(b"x" * 1000)
        os.utime(path, (now - age, now - age))
        paths.append(str(path))
    budget = TempBudget(max_bytes=2500, max_age_s=3600, min_age_s=60)
    gone, kept = sweep(paths + [str(tmp_path / "missing.png")], budget, now=now)
    # too old: 0; then oldest first until 2500 bytes are left: 1, 2, 3
    assert gone == {paths[0], paths[1], paths[2], paths[3], str(tmp_path / "missing.png")} and kept == 2000
    remove_empty_parents(gone, str(tmp_path))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["h4", "h5"]
    # files younger than min_age_s stay even over the budget: the browser may still be fetching them
    gone, kept = sweep(paths[4:], TempBudget(max_bytes=0, max_age_s=3600, min_age_s=60), now=now)
    assert gone == {paths[4]} and kept == 1000 and os.path.exists(paths[5])


def test_temp_folder_stays_bounded_under_many_requests(app_module, serve_app, tiny_pipelines_dir, tmp_path, monkeypatch):
    from playground.tempfiles import TempBudget, folder_usage

    cache = tmp_path / "gradio-cache"
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(cache))  # read by gradio when the app is built and on each request
    budget = TempBudget(max_bytes=12_000, max_age_s=3600, min_age_s=0, interval_s=0.2)
    upload = tmp_path / "input.png"
    Image.effect_noise((28, 28), 60).save(upload)
    written, peak, largest = 0, 0, 0
    with serve_app(tiny_pipelines_dir, temp_budget=budget) as (demo, url):
        assert os.path.samefile(demo.GRADIO_CACHE, cache)
        kept = folder_usage(str(cache))[0]  # what the page shows before any request (examples): never swept
        client = Client(url, verbose=False, download_files=str(tmp_path / "client"),
                        ssl_verify=ssl.create_default_context())
        for i in range(40):
            if i % 10 == 9:  # an upload and its output, and an animated GIF, count too
                outputs = [client.predict("pix2pix-edges2fashion-tiny", handle_file(str(upload)), "forward",
                                          api_name="/translate")[0],
                           client.predict("dcgan-tiny", i, "", i + 1, "", 6, 1.0, api_name="/interpolate")[0]]
            else:
                outputs = [client.predict("dcgan-tiny", 16, 100 * i, "", 1.0, api_name="/generate")[0]]
            sizes = [os.path.getsize(p) for p in outputs]
            written += sum(sizes)
            largest = max([largest] + sizes)
            peak = max(peak, folder_usage(str(cache))[0])
        time.sleep(4 * budget.interval_s)
        final, files = folder_usage(str(cache))
        # the app keeps serving, and its newest output is still there to fetch
        grid, caption = client.predict("dcgan-tiny", 4, 7, "", 1.0, api_name="/generate")
        assert caption.startswith("4 images") and Image.open(grid).size[0] >= 256
    assert written > 4 * budget.max_bytes, "the requests must write well over the budget for the test to mean anything"
    assert final <= kept + budget.max_bytes, (final, kept, files)
    # between two sweeps a few more outputs may land
    assert peak <= kept + budget.max_bytes + 6 * largest, (peak, kept, largest)
