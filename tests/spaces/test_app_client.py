"""Every endpoint of the launched Space, driven over HTTP by gradio_client."""

import concurrent.futures
import ssl

import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError
from PIL import Image


@pytest.fixture(scope="module")
def client(launched_app):
    _, url = launched_app
    # a ready SSL context: gradio_client otherwise builds one (loading the CA bundle) three times per request
    return Client(url, verbose=False, ssl_verify=ssl.create_default_context())


def test_generate(client, app_module):
    grid, caption = client.predict("dcgan-tiny", 16, 7, app_module.ALL_CLASSES, 1.0, api_name="/generate")
    with Image.open(grid) as image:
        assert image.format == "PNG" and image.width >= 256
    assert caption.startswith("16 images · seeds 7–22")


def test_generate_conditional_with_class_name(client):
    grid, caption = client.predict("cdcgan-tiny", 4, 0, "bag", 0.7, api_name="/generate")
    assert "class: bag" in caption and "truncation 0.7" in caption


def test_model_info(client):
    summary, gen_class, class_a, class_b, note, blend_a, blend_b, style_note, style_class, _, truncation, *_ = \
        client.predict("cdcgan-tiny", api_name="/model_controls")
    assert "shirt, shoe, bag" in summary
    assert gen_class["visible"] and [c[0] for c in gen_class["choices"]][1:] == ["shirt", "shoe", "bag"]
    assert class_a["value"] == "shirt"
    assert blend_a["value"] == "shirt" and blend_b["value"] == "shoe" and not note["visible"]  # class interpolation
    assert (truncation["minimum"], truncation["maximum"]) == (0.0, 2.0)
    assert style_note["visible"] and not style_class["visible"]  # style mixing: StyleGAN2 only
    summary, gen_class, *_, note, blend_a, _, _, _, _, truncation, _, _, _, ladder, _ = client.predict(
        "dcgan-tiny", api_name="/model_controls")
    assert "Tiny DCGAN" in summary and "| FID | 123.4 |" in summary and not gen_class["visible"]
    assert note["visible"] and not blend_a["visible"] and not ladder["visible"]
    *_, truncation, _, _, _, ladder, _ = client.predict("biggan-tiny", api_name="/model_controls")
    assert (truncation["minimum"], truncation["maximum"]) == (0.05, 1.0) and not ladder["visible"]
    *_, ladder, _ = client.predict("progan-tiny", api_name="/model_controls")
    assert ladder["visible"]


def test_class_interpolate(client):
    strip, caption = client.predict("biggan-tiny", 3, "shirt", "bag", 5, 0.5, api_name="/class_interpolate")
    with Image.open(strip) as image:
        assert image.width > 4 * image.height
    assert caption.startswith("seed 3 · class shirt → bag in 5 steps")


def test_style_mixing(client):
    *_, style_note, _, layers, truncation, _, _, style_truncation, ladder, _ = client.predict(
        "stylegan2-tiny", api_name="/model_controls")
    assert not style_note["visible"] and not ladder["visible"]
    assert "coarse 0, middle 1–2, fine 3–5" in layers["info"]
    assert (truncation["minimum"], truncation["maximum"]) == (0.0, 2.0) and "average w" in truncation["info"]
    assert style_truncation["info"] == truncation["info"]
    grid, caption = client.predict("stylegan2-tiny", "0, 1", "2 3 4", "fine", 0, 3, "All classes (one per image)", 0.7,
                                   "const", api_name="/style_mixing")
    with Image.open(grid) as image:
        assert image.format == "PNG" and image.width > image.height  # 4 tiles across, 3 down
    assert caption.startswith("rows: seeds 0, 1 · columns: seeds 2, 3, 4 · fine layers (3–5 of 0–5) from the column")
    with pytest.raises(AppError, match="style mixing needs a StyleGAN2 model"):
        client.predict("dcgan-tiny", "0", "1", "coarse", 0, 3, "All classes (one per image)", 1.0, "const",
                       api_name="/style_mixing")


def test_resolutions(client):
    ladder, caption = client.predict("progan-tiny", 4, 0, "All classes (one per image)", 1.0, api_name="/resolutions")
    with Image.open(ladder) as image:
        assert image.height > image.width  # 3 resolutions side by side, 4 seeds
    assert "4×4 · 8×8 · 16×16" in caption


def test_interpolate(client):
    gif, strip, caption = client.predict("cdcgan-tiny", 1, "shirt", 2, "shoe", 8, 1.0, api_name="/interpolate")
    with Image.open(gif) as animation:
        assert animation.format == "GIF" and animation.n_frames == 14
    with Image.open(strip) as image:
        assert image.width > 5 * image.height
    assert "8 frames" in caption


def test_compare(client):
    grid_a, grid_b, summary_a, summary_b = client.predict("dcgan-tiny", "mlp-gan-tiny", 4, 3, "All classes (one per image)",
                                                          1.0, api_name="/compare")
    with Image.open(grid_a) as a, Image.open(grid_b) as b:
        assert a.size == b.size
    assert "dcgan" in summary_a and "mlp-gan" in summary_b


def test_translate_refuses_a_noise_to_image_model(client, tmp_path):
    path = tmp_path / "input.png"
    Image.new("L", (16, 16)).save(path)
    with pytest.raises(AppError, match="needs a translation pipeline"):
        client.predict("dcgan-tiny", handle_file(str(path)), "forward", api_name="/translate")


def test_translate_an_example(client, app_module):
    from playground.examples import list_examples

    example = list_examples()["fashion_mnist_edges"][0]
    out, caption = client.predict("pix2pix-edges2fashion-tiny", handle_file(example), "forward", api_name="/translate")
    with Image.open(out) as image:
        assert image.format == "PNG" and image.size == (16, 16)
    assert caption.startswith("forward (source → target) · 16×16 output from a 28×28 input")
    summary, gen_class, *_ = client.predict("cyclegan-sneaker2boot-tiny", api_name="/model_controls")
    assert "image-to-image" in summary and "forward and reverse (two-way)" in summary and not gen_class["visible"]


def test_bad_input_is_a_message_and_the_app_keeps_serving(client, tmp_path):
    with pytest.raises(AppError, match="could not reach the Hugging Face Hub to fetch 'nobody/no-such-gan'"):
        client.predict("nobody/no-such-gan", 16, 0, "", 1.0, api_name="/generate")
    summary, gen_class, *_ = client.predict("other-pipeline", api_name="/model_controls")  # shown in the card panel
    assert summary.startswith("### Could not load `other-pipeline`") and "not an hfgan pipeline" in summary
    assert not gen_class["visible"]
    with pytest.raises(AppError, match="unknown model 'rm -rf'"):
        client.predict("rm -rf", 16, 0, "", 1.0, api_name="/generate")
    with pytest.raises(AppError, match="greater than maximum value 64"):  # sliders refuse, naming the bound
        client.predict("dcgan-tiny", 1000, 0, "", 1.0, api_name="/generate")
    with pytest.raises(AppError, match="unknown class name 'hat'"):
        client.predict("cdcgan-tiny", 4, 0, "hat", 1.0, api_name="/generate")
    notes = tmp_path / "notes.txt"
    notes.write_text("not an image")
    with pytest.raises(AppError, match="'notes.txt' is not an image that can be read"):
        client.predict("pix2pix-edges2fashion-tiny", handle_file(str(notes)), "forward", api_name="/translate")
    image = tmp_path / "input.png"
    Image.new("L", (16, 16)).save(image)
    with pytest.raises(AppError, match="translates one way only"):
        client.predict("pix2pix-edges2fashion-tiny", handle_file(str(image)), "reverse", api_name="/translate")
    _, caption = client.predict("dcgan-tiny", 4, -3, "", 1.0, api_name="/generate")  # seeds are clamped
    assert "seeds 0–3" in caption and "seed -3 is outside" in caption


def test_concurrent_clients(launched_app, client):
    _, url = launched_app

    def one(seed):
        return Client(url, verbose=False, ssl_verify=ssl.create_default_context()).predict("dcgan-tiny", 16, seed, "", 1.0, api_name="/generate")[1]

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        captions = list(pool.map(one, range(4)))
    assert [c.split(" · ")[1] for c in captions] == [f"seeds {s}–{s + 15}" for s in range(4)]
