"""The Space's generation functions and model cache, without a server or a browser."""

import threading
from pathlib import Path

import gradio as gr
import numpy as np
import pytest
import torch
from PIL import Image

PIX2PIX = "pix2pix-edges2fashion-tiny"  # the translation pipelines of conftest.build_tiny_pipelines
CYCLEGAN = "cyclegan-sneaker2boot-tiny"


@pytest.fixture(scope="module")
def play(app_module, tiny_pipelines_dir):
    return app_module.Playground(tiny_pipelines_dir)


def arrays(images):
    return [np.asarray(im, dtype=np.int16) for im in images]


def test_discovery_lists_saved_pipelines_only(app_module, tiny_pipelines_dir, play):
    models = app_module.discover_models(tiny_pipelines_dir)
    assert list(models) == ["biggan-tiny", "broken-weights", "cdcgan-tiny", "cyclegan-sneaker2boot-tiny", "dcgan-tiny",
                            "mlp-gan-tiny", "other-pipeline", "pix2pix-edges2fashion-tiny", "progan-tiny",
                            "stylegan2-tiny"]
    assert "not-a-pipeline" not in models
    # translation pipelines, told apart by model_index.json alone, go to the Image-to-image tab
    assert play.models == ["biggan-tiny", "broken-weights", "cdcgan-tiny", "dcgan-tiny", "mlp-gan-tiny", "other-pipeline",
                           "progan-tiny", "stylegan2-tiny"]
    assert play.translation_models == [CYCLEGAN, PIX2PIX] and play.default_translation_model == CYCLEGAN
    assert play.cache.loads == 0
    assert play.default_model == "dcgan-tiny"
    assert app_module.discover_models(tiny_pipelines_dir / "missing") == {}


def test_the_published_stylegan2_is_the_default_model(app_module, tiny_pipelines_dir, tmp_path):
    for name, source in (("dcgan-fashion-mnist", "dcgan-tiny"), ("stylegan2-fashion-mnist", "stylegan2-tiny")):
        (tmp_path / name).symlink_to(tiny_pipelines_dir / source, target_is_directory=True)
    assert app_module.Playground(tmp_path).default_model == "stylegan2-fashion-mnist"
    (tmp_path / "stylegan2-fashion-mnist").unlink()
    assert app_module.Playground(tmp_path).default_model == "dcgan-fashion-mnist"


def test_default_pipelines_dir(app_module, monkeypatch, tmp_path):
    monkeypatch.setenv("HFGAN_PIPELINES_DIR", str(tmp_path))
    assert app_module.default_pipelines_dir() == tmp_path.resolve()
    monkeypatch.delenv("HFGAN_PIPELINES_DIR")
    # resolved from app.py, not from the working directory: <repo>/pipelines in the repository
    assert app_module.default_pipelines_dir() == app_module.APP_DIR.parent.parent / "pipelines"


def test_generate_grid_is_reproducible_and_seed_per_image(app_module, play):
    pipe = play.pipeline("dcgan-tiny")
    four = app_module.generate(pipe, 4, seed=10)
    assert len(four) == 4 and four[0].size == (16, 16)
    again = app_module.generate(pipe, 4, seed=10)
    assert all((a == b).all() for a, b in zip(arrays(four), arrays(again)))
    # image i comes from seed + i, whatever the grid size
    two = app_module.generate(pipe, 2, seed=12)
    assert all((a == b).all() for a, b in zip(arrays(four[2:]), arrays(two)))
    grid, caption, notes = play.generate("dcgan-tiny", 16, 0, None, 1.0)
    assert isinstance(grid, Image.Image) and grid.width >= 256  # in memory: gradio writes it once
    assert "16 images" in caption and "seeds 0–15" in caption and notes == []


def test_class_picker(app_module, play):
    pipe = play.pipeline("cdcgan-tiny")
    assert app_module.class_labels_for(pipe, None, 5).tolist() == [0, 1, 2, 0, 1]
    assert app_module.class_labels_for(pipe, app_module.ALL_CLASSES, 3).tolist() == [0, 1, 2]
    assert app_module.class_labels_for(pipe, "bag", 2).tolist() == [2, 2]
    assert app_module.class_labels_for(pipe, "1", 2).tolist() == [1, 1]
    shoes = app_module.generate(pipe, 3, 0, "shoe")
    bags = app_module.generate(pipe, 3, 0, "bag")
    assert any((a != b).any() for a, b in zip(arrays(shoes), arrays(bags)))
    with pytest.raises(app_module.SpaceError, match="unknown class name 'hat'"):
        play.generate("cdcgan-tiny", 4, 0, "hat")
    # unconditional models ignore a stale class choice
    assert app_module.class_labels_for(play.pipeline("dcgan-tiny"), "bag", 2) is None
    assert play.info("cdcgan-tiny")["class_names"] == ["shirt", "shoe", "bag"]
    assert play.info("dcgan-tiny")["class_names"] == []


def test_out_of_range_numbers_are_clamped_with_a_note(app_module, play):
    grid, caption, notes = play.generate("dcgan-tiny", 1000, -5, None, 7)
    assert "64 images" in caption and "seeds 0–63" in caption and "truncation 2" in caption
    assert len(notes) == 3 and "number of images 1000 is outside [1, 64]: using 64" in notes[0]
    _, strip, _, notes = play.interpolate("dcgan-tiny", 0, 1, 500)
    assert notes == [f"number of frames 500 is outside [2, {app_module.MAX_FRAMES}]: using {app_module.MAX_FRAMES}"]
    for bad in (None, "", "abc", float("nan"), float("inf")):
        with pytest.raises(app_module.SpaceError, match="number of images"):
            play.generate("dcgan-tiny", bad, 0)


def test_slerp(app_module):
    from_app = app_module
    a, b = torch.randn(8), torch.randn(8)
    assert torch.allclose(from_app.slerp(a, b, 0.0), a, atol=1e-6)
    assert torch.allclose(from_app.slerp(a, b, 1.0), b, atol=1e-6)
    mid = from_app.slerp(a / a.norm(), b / b.norm(), 0.5)
    assert mid.norm() == pytest.approx(1.0, abs=1e-5)  # stays on the sphere, unlike lerp
    assert torch.allclose(from_app.slerp(a, a * 2, 0.5), a * 1.5, atol=1e-5)  # parallel: linear


def test_interpolation_endpoints_are_the_generated_images(app_module, play):
    pipe = play.pipeline("dcgan-tiny")
    frames = app_module.interpolate(pipe, 3, 9, 5)
    assert len(frames) == 5
    ends = [app_module.generate(pipe, 1, 3)[0], app_module.generate(pipe, 1, 9)[0]]
    assert np.abs(arrays(frames)[0] - arrays(ends)[0]).max() <= 1
    assert np.abs(arrays(frames)[-1] - arrays(ends)[1]).max() <= 1
    gif, strip, caption, notes = play.interpolate("cdcgan-tiny", 3, 9, 6, "shirt", "bag")
    assert gif.format == "GIF" and gif.n_frames == 2 * 6 - 2  # A -> B -> A, an animated image in memory
    assert gif.size[0] >= 128 and gif.info["duration"] == 120
    assert strip.width > 5 * strip.height  # one row of 6 frames (with padding)
    assert "switches halfway" in caption and notes == []


def test_compare_same_seeds_two_models(app_module, play):
    grid_a, grid_b, summary_a, summary_b, notes = play.compare("dcgan-tiny", "cdcgan-tiny", 4, 0, "bag")
    assert grid_a.size == grid_b.size
    assert "Tiny DCGAN" in summary_a and "shirt, shoe, bag" in summary_b and notes == []
    *_, notes = play.compare("cdcgan-tiny", "dcgan-tiny", 4, 0, "hat")
    assert notes == ["model A has no class 'hat': showing one image per class"]
    with pytest.raises(app_module.SpaceError, match="model B: unknown model 'nope'"):
        play.compare("dcgan-tiny", "nope", 4, 0)


@pytest.mark.parametrize("model, message", [
    ("nope", "unknown model 'nope': pick a shipped model"),
    ("", "pick a model first"),
    ("../etc", "unknown model"),
    ("someone/missing-gan", "could not reach the Hugging Face Hub to fetch 'someone/missing-gan'"),
    ("broken-weights", "broken-weights"),  # the library names the missing file or folder
    ("other-pipeline", "holds a DDPMPipeline, not an hfgan pipeline"),
])
def test_models_that_cannot_be_loaded_give_one_line(app_module, play, model, message):
    with pytest.raises(app_module.SpaceError, match=message.replace(".", r"\.")) as err:
        play.generate(model, 4, 0)
    assert "\n" not in str(err.value)
    assert play.generate("dcgan-tiny", 1, 0)[0] is not None  # still serving


def test_cache_is_bounded_lru_and_loads_once(app_module, tiny_pipelines_dir):
    cache = app_module.PipelineCache(app_module.discover_models(tiny_pipelines_dir), max_size=2)
    first = cache.get("dcgan-tiny")
    assert cache.get("dcgan-tiny") is first and cache.loads == 1
    cache.get("cdcgan-tiny")
    cache.get("dcgan-tiny")  # most recent again
    cache.get("mlp-gan-tiny")  # evicts cdcgan-tiny
    assert len(cache) == 2 and "cdcgan-tiny" not in cache and "dcgan-tiny" in cache
    assert not first.generator.training

    cache = app_module.PipelineCache(app_module.discover_models(tiny_pipelines_dir), max_size=2)
    results = []
    threads = [threading.Thread(target=lambda: results.append(cache.get("cdcgan-tiny"))) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert cache.loads == 1 and all(r is results[0] for r in results)


def test_model_summary_shows_card(app_module, play):
    text = play.info("dcgan-tiny")["summary"]
    for part in ("### Tiny DCGAN", "A random-init test model.", "- **Family:** dcgan (`DCGANGenerator`)",
                 "- **Dataset:** fashion_mnist", "- **Output:** 16×16 grayscale", "| FID | 123.4 | inception | test | 100 |"):
        assert part in text
    assert "mlp-gan (`MLPGANGenerator`)" in play.info("mlp-gan-tiny")["summary"]
    assert "No metrics" in play.info("mlp-gan-tiny")["summary"]


def test_translate_an_example(app_module, play):
    examples, note = play.examples(PIX2PIX, "forward")
    assert note.startswith("Examples: edge maps of Fashion-MNIST test garments")
    assert len(examples) == 10 and all("fashion_mnist_edges" in path for path, _ in examples)
    path, caption = examples[0]
    assert caption == "Ankle boot · test #0"
    out, caption, notes = play.translate(PIX2PIX, path, "forward")
    assert out.size == (16, 16) and out.mode == "L" and notes == []  # the model's own output
    assert caption.startswith("forward (source → target) · 16×16 output from a 28×28 input · ")
    again, *_ = play.translate(PIX2PIX, Image.open(path), "forward")
    assert (np.asarray(again) == np.asarray(out)).all()  # a path or the image: the same translation
    # the two-way model: Sneakers go forward, Ankle boots come back
    sneakers, _ = play.examples(CYCLEGAN, "forward")
    boots, _ = play.examples(CYCLEGAN, "reverse")
    assert sneakers and all("sneaker" in c.lower() for _, c in sneakers)
    assert boots and all("ankle boot" in c.lower() for _, c in boots)
    out, caption, _ = play.translate(CYCLEGAN, boots[0][0], "reverse")
    assert caption.startswith("reverse (target → source)") and out.size == (16, 16)
    info = play.translation_info(PIX2PIX, "reverse")  # a direction the model lacks falls back to forward
    assert info["directions"] == ["forward"] and info["direction"] == "forward"
    assert "- **Directions:** forward only (one-way)" in info["summary"] and "Tiny Pix2Pix" in info["summary"]
    assert play.translation_info(CYCLEGAN)["directions"] == ["forward", "reverse"]


def test_example_sets_follow_the_model_name_and_card(app_module):
    from playground import examples

    def folders(name, card, direction):
        sets, matched = examples.example_sets_for(name, card, direction)
        return [s.folder for s in sets], matched

    assert folders("pix2pix-edges2fashion", None, "forward") == (["fashion_mnist_edges"], True)
    assert folders("pix2pix-edges2fashion", None, "reverse") == ([], True)
    assert folders("cyclegan-sneaker2boot", None, "reverse") == (["fashion_mnist_ankle_boot"], True)
    boot2sneaker = {"domains": {"A": "fashion_mnist:Ankle boot", "B": "fashion_mnist:Sneaker"}}  # the card wins
    assert folders("org/cyclegan", boot2sneaker, "forward") == (["fashion_mnist_ankle_boot"], True)
    assert folders("org/cyclegan", boot2sneaker, "reverse") == (["fashion_mnist_sneaker"], True)
    assert folders("org/p2p", {"dataset": "fashion_mnist_edges"}, "forward") == (["fashion_mnist_edges"], True)
    everything, matched = folders("org/horse2zebra", {"dataset": "horses"}, "forward")  # unknown: every example
    assert len(everything) == 3 and not matched


def test_reverse_on_a_one_way_model_is_refused(app_module, play):
    image = Image.new("L", (16, 16), 10)
    with pytest.raises(app_module.SpaceError, match="pix2pix-edges2fashion-tiny translates one way only .forward.: "
                                                    "the reverse direction needs a two-way .CycleGAN. model"):
        play.translate(PIX2PIX, image, "reverse")
    with pytest.raises(app_module.SpaceError, match="unknown direction 'sideways'"):
        play.translate(CYCLEGAN, image, "sideways")
    with pytest.raises(app_module.SpaceError, match="translates one way only"):
        play.examples(PIX2PIX, "reverse")
    assert play.translate(CYCLEGAN, image, "reverse")[0].size == (16, 16)


def test_non_image_upload_is_a_message(app_module, play, tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("not an image")
    fake = tmp_path / "photo.png"  # an image name, text inside
    fake.write_bytes(b"\x89PNG\r\n\x1a\n" + b"garbage" * 10)
    with pytest.raises(app_module.SpaceError, match="'notes.txt' is not an image that can be read: upload a PNG, JPEG"):
        play.translate(PIX2PIX, str(text))
    with pytest.raises(app_module.SpaceError, match="'photo.png' (is not an image|could not be read as an image)"):
        play.translate(PIX2PIX, str(fake))
    with pytest.raises(app_module.SpaceError, match="upload an image first"):
        play.translate(PIX2PIX, None)
    huge = tmp_path / "huge.png"
    Image.new("1", (5000, 5000)).save(huge)
    with pytest.raises(app_module.SpaceError, match="'huge.png' is 5000×5000 pixels: upload an image of at most 16 megapixels"):
        play.translate(PIX2PIX, str(huge))
    assert play.translate(PIX2PIX, Image.new("RGB", (40, 30)))[0].size == (16, 16)  # still serving


def test_image_to_image_and_noise_models_stay_apart(app_module, play, tmp_path):
    with pytest.raises(app_module.SpaceError, match="is an image-to-image pipeline: use the Image-to-image tab"):
        play.generate(PIX2PIX, 4, 0)
    with pytest.raises(app_module.SpaceError, match="dcgan-tiny generates images from noise: the Image-to-image tab "
                                                    "needs a translation pipeline"):
        play.translate("dcgan-tiny", Image.new("L", (16, 16)))
    assert play.info(CYCLEGAN)["pipeline_tag"] == "image-to-image"
    assert not play.pipeline(CYCLEGAN).generator_reverse.training  # every component at rest in eval mode
    embedded = app_module.Playground(tmp_path)  # pipelines served from memory are listed by their kind
    embedded.add("mine", play.pipeline(PIX2PIX))
    assert embedded.translation_models == ["mine"] and embedded.models == []


def test_shipped_examples_are_the_test_split(app_module, tmp_path):
    """The committed examples are what ``playground/examples.py`` writes from the Fashion-MNIST test split."""
    from hfgan.data import fashion_mnist_available
    from playground import examples

    if not fashion_mnist_available():
        pytest.skip("needs the Fashion-MNIST files (apt-get install dataset-fashion-mnist)")
    written = examples.write_examples(tmp_path)
    shipped = examples.list_examples()
    assert sorted(shipped) == sorted(s.folder for s in examples.EXAMPLE_SETS)
    assert sorted(str(Path(p).relative_to(examples.EXAMPLES_DIR)) for f in shipped.values() for p in f) == \
        sorted(str(Path(p).relative_to(tmp_path)) for p in written)
    for path in written:
        shipped_path = examples.EXAMPLES_DIR / Path(path).relative_to(tmp_path)
        assert (np.asarray(Image.open(path)) == np.asarray(Image.open(shipped_path))).all(), shipped_path


def test_build_demo(app_module, tiny_pipelines_dir, tmp_path):
    demo = app_module.build_demo(pipelines_dir=tiny_pipelines_dir)
    assert isinstance(demo, gr.Blocks)
    names = {fn.api_name for fn in demo.fns.values() if fn.api_name}
    assert {"generate", "resolutions", "interpolate", "class_interpolate", "compare", "translate", "model_info"} <= names
    assert demo._queue.max_size == app_module.MAX_QUEUE
    assert demo._queue.default_concurrency_limit == app_module.CONCURRENCY
    empty = app_module.build_demo(pipelines_dir=tmp_path)  # no shipped models yet: still builds
    assert isinstance(empty, gr.Blocks) and empty.playground.models == []
    broken = tmp_path / "dcgan-broken"  # the default model is broken: still builds, and says so
    broken.mkdir()
    (broken / "model_index.json").write_text('{"_class_name": "GANPipeline", "generator": ["hfgan", "DCGANGenerator"]}')
    demo = app_module.build_demo(pipelines_dir=tmp_path)
    assert demo.playground.default_model == "dcgan-broken"
