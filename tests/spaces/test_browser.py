"""A real browser (Debian's Chromium through Playwright) clicks Generate and sees the image grid.

The screenshot goes to ``$HFGAN_SPACE_SCREENSHOT`` when set, else into the test's tmp folder;
``$HFGAN_SPACE_BROWSER_PIPELINES_DIR`` serves another pipelines folder to that test. The README's screenshots are
made with the published models by ``spaces/hfgan-playground/screenshots.py``.
"""

import os
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = [
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"needs Debian's Chromium at {CHROMIUM} (apt-get install chromium)"),
]


@pytest.fixture(scope="module")
def browser_page():
    sync_api = pytest.importorskip("playwright.sync_api", reason="needs the playwright package (pip install playwright)")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        try:
            yield page
        finally:
            browser.close()


@pytest.fixture(scope="module")
def app_url(request, serve_app):
    """The session's tiny-model app, or (for the committed screenshot) an app serving
    ``$HFGAN_SPACE_BROWSER_PIPELINES_DIR``, e.g. the published ``pipelines/``."""
    folder = os.environ.get("HFGAN_SPACE_BROWSER_PIPELINES_DIR")
    if not folder:
        yield request.getfixturevalue("launched_app")[1], "Tiny DCGAN"
        return
    with serve_app(folder) as (demo, url):
        yield url, demo.playground.default_model


def test_click_generate_shows_the_grid(app_url, browser_page, tmp_path):
    url, card_title = app_url
    page = browser_page
    page.goto(url, wait_until="domcontentloaded")
    page.locator("#generate-button").wait_for(state="visible", timeout=120_000)  # a first render on a busy machine
    assert card_title in page.locator("#model-card").inner_text()  # the card summary beside the output
    assert page.get_by_role("tab", name="Image-to-image").count() == 1

    page.locator("#generate-button").click()
    image = page.locator("#grid img")
    image.wait_for(state="visible", timeout=30_000)
    page.wait_for_function("() => { const im = document.querySelector('#grid img');"
                           " return im && im.complete && im.naturalWidth > 0; }", timeout=30_000)
    width = image.evaluate("im => im.naturalWidth")
    assert width >= 256
    page.get_by_text("16 images · seeds 0–15").wait_for(timeout=10_000)
    assert page.locator(".toast-body.error").count() == 0
    with page.expect_download(timeout=10_000) as download:  # filled by a second, unqueued event
        page.locator("#download").click()
    assert download.value.suggested_filename.endswith(".png")

    screenshot = Path(os.environ.get("HFGAN_SPACE_SCREENSHOT") or tmp_path / "playground.png")
    screenshot.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(screenshot), full_page=True)
    assert screenshot.stat().st_size > 10_000
    print(f"screenshot: {screenshot}")


def test_switching_models_updates_the_controls(launched_app, browser_page):
    _, url = launched_app
    page = browser_page
    page.goto(url, wait_until="domcontentloaded")
    page.locator("#generate-button").wait_for(state="visible", timeout=120_000)  # a first render on a busy machine
    class_picker = page.get_by_label("Class", exact=True)
    assert class_picker.count() == 0  # unconditional default model: no class picker

    def choose(model: str) -> None:
        box = page.locator("#model input")
        box.click()
        box.fill(model)
        box.press("Enter")

    choose("cdcgan-tiny")
    page.locator("#model-card").get_by_text("shirt, shoe, bag").wait_for(timeout=60_000)
    class_picker.wait_for(state="visible", timeout=10_000)
    choose("nobody/missing")  # a repo that cannot be loaded: a message, and the app keeps serving
    page.locator("#model-card").get_by_text("Could not load").wait_for(timeout=60_000)
    choose("dcgan-tiny")
    page.locator("#generate-button").click()
    page.get_by_text("16 images · seeds 0–15").wait_for(timeout=60_000)
    choose("pix2pix-edges2fashion-tiny")  # a translation pipeline opens in the Image-to-image tab
    page.locator("#model-card").get_by_text("forward only (one-way)").wait_for(timeout=60_000)
    # offered for two-way models only (the choices may arrive a moment after the card)
    page.locator("#direction").get_by_label("reverse").wait_for(state="detached", timeout=60_000)
    assert page.get_by_text("Directions:").count() == 1  # the card once: in the panel, not again in the tab
    page.get_by_role("tab", name="Generate").click()  # the panel follows the tab: back to the model box's model
    page.locator("#model-card").get_by_text("Tiny Pix2Pix").wait_for(timeout=60_000)


def test_non_image_upload_is_a_message_and_the_app_keeps_serving(launched_app, browser_page, tmp_path):
    _, url = launched_app
    page = browser_page
    page.goto(url, wait_until="domcontentloaded")
    page.get_by_role("tab", name="Image-to-image").click()
    page.locator("#model-card").get_by_text("forward and reverse (two-way)").wait_for(timeout=60_000)
    fake = tmp_path / "garment.png"  # an image's name, text inside: the browser lets it through
    fake.write_text("this is not an image")
    page.locator("#img2img-input input[type=file]").set_input_files(str(fake))
    page.locator(".toast-body.error").get_by_text("'garment.png' is not an image that can be read").wait_for(timeout=60_000)
    page.locator("#img2img-examples img").first.click()  # still serving: an example translates
    page.locator("#img2img-caption").get_by_text("forward (source → target)").wait_for(timeout=60_000)
    page.wait_for_function("() => { const im = document.querySelector('#img2img-output img');"
                           " return im && im.complete && im.naturalWidth === 16; }", timeout=60_000)
    # the page draws the 16 px output and the 28 px input larger, side by side
    boxes = [page.locator(f"#img2img-{side} img").bounding_box() for side in ("input", "output")]
    assert all(box["width"] >= 128 for box in boxes) and boxes[0]["x"] < boxes[1]["x"]


def test_hostile_card_renders_as_text_and_runs_nothing(serve_app, hostile_pipelines_dir, browser_page):
    from hostile_payloads import HOSTILE_NAME

    page = browser_page
    console = []
    page.on("console", lambda message: console.append(message.text))
    with serve_app(hostile_pipelines_dir) as (_, url):
        page.goto(url, wait_until="domcontentloaded")
        card = page.locator("#model-card")
        card.get_by_text("not a heading").wait_for(timeout=120_000)  # a first render on a busy machine
        text = card.inner_text()
        # every payload shows as the characters it is
        for shown in ('<img src=x onerror="window.__pwned=1"> Evil <script>window.__pwned=2</script>',
                      "[click me](javascript:window.__pwned=3)", "# not a heading", "**not bold**",
                      '<svg onload="window.__pwned=5"></svg>', "<b>FID</b> | col", '<img src=z onerror="window.__pwned=8">'):
            assert shown in text, shown
        assert card.locator("img, script, iframe, b, h1, svg[onload], [onerror]").count() == 0  # no element from the card
        assert card.locator("a").count() == 0  # no link at all, javascript: or other
        assert card.locator("table tr").first.locator("th").count() == 5  # the cell's "|" split nothing

        box = page.locator("#model input")  # a hostile model name: shown in the card's error, as text
        box.click()
        box.fill(HOSTILE_NAME)
        box.press("Enter")
        card.get_by_text("Could not load").wait_for(timeout=60_000)
        assert HOSTILE_NAME in card.inner_text() and card.locator("img").count() == 0
        page.wait_for_timeout(500)
        assert page.evaluate("() => window.__pwned") is None
        assert not [m for m in console if "pwned" in m], console


def _tab_with_model(page, url, tab, note, note_text, model, card_text):
    """Open the Space, switch to ``tab`` (whose ``note`` says ``note_text`` for the default model), then load
    ``model`` and wait until the note is gone."""
    page.goto(url, wait_until="domcontentloaded")
    page.locator("#generate-button").wait_for(state="visible", timeout=120_000)  # a first render on a busy machine
    page.get_by_role("tab", name=tab).click()
    page.locator(note).get_by_text(note_text).wait_for(timeout=60_000)
    box = page.locator("#model input")
    box.click()
    box.fill(model)
    box.press("Enter")
    page.locator("#model-card").get_by_text(card_text).wait_for(timeout=60_000)
    page.locator(note).wait_for(state="hidden", timeout=10_000)


def _wait_image(page, selector):
    page.wait_for_function(f"() => {{ const im = document.querySelector('{selector}');"
                           " return im && im.complete && im.naturalWidth > 0; }", timeout=60_000)


def test_class_interpolation_tab_and_truncation_slider(launched_app, browser_page):
    _, url = launched_app
    page = browser_page
    _tab_with_model(page, url, "Class interpolation", "#class-interp-note", "needs a class-conditional model",
                    "biggan-tiny", "BigGANDeepGenerator")
    page.locator("#class-interp-button").click()
    page.get_by_text("seed 0 · class shirt → shoe in 8 steps").wait_for(timeout=30_000)
    _wait_image(page, "#class-strip img")
    assert page.locator("#class-strip img").evaluate("im => im.naturalWidth") >= 8 * 16
    page.get_by_role("tab", name="Generate").click()  # the generate tab's slider takes BigGAN's range, (0, 1]
    slider = page.locator("#truncation input[type=range]")
    assert (slider.get_attribute("min"), slider.get_attribute("max")) == ("0.05", "1")


def test_style_mixing_tab(launched_app, browser_page):
    _, url = launched_app
    page = browser_page
    _tab_with_model(page, url, "Style mixing", "#style-mix-note", "needs a StyleGAN2 model", "stylegan2-tiny",
                    "StyleGAN2Generator")
    page.locator("#style-mix-button").click()
    page.get_by_text("rows: seeds 0, 1, 2 · columns: seeds 3, 4, 5, 6 · coarse layers").wait_for(timeout=30_000)
    _wait_image(page, "#style-grid img")
    # 5 tiles across (a blank corner, 4 column sources), 4 down (the row sources and their mixes)
    width, height = page.locator("#style-grid img").evaluate("im => [im.naturalWidth, im.naturalHeight]")
    assert width > height >= 4 * 16
    assert page.locator(".toast-body.error").count() == 0
