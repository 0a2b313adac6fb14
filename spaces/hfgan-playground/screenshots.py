"""Take the README's screenshots: the app serving a pipelines folder, driven by Debian's Chromium (Playwright).

From the repository root::

    python spaces/hfgan-playground/screenshots.py --pipelines-dir pipelines

writes, beside this file, ``screenshot.png`` (Generate: a 16-image grid of the default model),
``screenshot-classes.png`` (Class interpolation: ``--class-model``, ``--class-a`` to ``--class-b``) and
``screenshot-img2img.png`` (Image-to-image: the default translation model on its first example).
"""

import argparse
import socket
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
LOADED = "(selector) => { const im = document.querySelector(selector); return im && im.complete && im.naturalWidth > 0; }"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def choose(page, elem_id: str, value: str) -> None:
    box = page.locator(f"#{elem_id} input")
    box.click()
    box.fill(value)
    box.press("Enter")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pipelines-dir", default="pipelines")
    parser.add_argument("--out-dir", default=str(HERE))
    parser.add_argument("--class-model", default="biggan-fashion-mnist")
    parser.add_argument("--class-a", default="Sneaker")
    parser.add_argument("--class-b", default="Ankle boot")
    parser.add_argument("--steps", type=int, default=10)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(HERE))
    import app
    from playwright.sync_api import sync_playwright

    out = Path(args.out_dir)
    demo = app.build_demo(args.pipelines_dir)
    demo.launch(server_name="127.0.0.1", server_port=free_port(), prevent_thread_lock=True, quiet=True, css=app.CSS)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            page.goto(demo.local_url, wait_until="domcontentloaded")
            page.locator("#generate-button").click(timeout=60_000)
            page.wait_for_function(LOADED, arg="#grid img", timeout=60_000)
            page.get_by_text("16 images · seeds 0–15").wait_for(timeout=30_000)
            page.screenshot(path=str(out / "screenshot.png"), full_page=True)

            choose(page, "model", args.class_model)
            page.get_by_role("tab", name="Class interpolation").click()
            page.locator("#class-interp-note").wait_for(state="hidden", timeout=30_000)
            choose(page, "class-interp-a", args.class_a)
            choose(page, "class-interp-b", args.class_b)
            page.locator("#class-interp-steps input[type=number]").fill(str(args.steps))
            page.locator("#class-interp-steps input[type=number]").press("Enter")
            page.locator("#class-interp-button").click()
            page.get_by_text(f"in {args.steps} steps").wait_for(timeout=60_000)
            page.wait_for_function(LOADED, arg="#class-strip img", timeout=30_000)
            page.screenshot(path=str(out / "screenshot-classes.png"), full_page=True)

            page.get_by_role("tab", name="Image-to-image").click()
            page.locator("#img2img-examples img").first.click(timeout=60_000)
            page.wait_for_function(LOADED, arg="#img2img-output img", timeout=60_000)
            page.wait_for_timeout(500)
            page.screenshot(path=str(out / "screenshot-img2img.png"), full_page=True)
            browser.close()
    finally:
        demo.stop_temp_sweeper()
        demo.close()
    print(f"screenshots in {out}")


if __name__ == "__main__":
    main()
