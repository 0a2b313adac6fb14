"""The Space's generation functions and model cache, without a server or a browser."""

import threading

import gradio as gr
import numpy as np
import pytest
import torch
from PIL import Image



@pytest.fixture(scope="module")
def play(app_module, tiny_pipelines_dir):
    return app_module.Playground(tiny_pipelines_dir)


def arrays(images):
    return [np.asarray(im, dtype=np.int16) for im in images]


def test_discovery_lists_saved_pipelines_only(app_module, tiny_pipelines_dir, play):
    models = app_module.discover_models(tiny_pipelines_dir)
    assert list(models) == ["broken-weights", "cdcgan-tiny", "dcgan-tiny", "mlp-gan-tiny", "other-pipeline"]
    assert "not-a-pipeline" not in models
    assert play.default_model == "dcgan-tiny"
    assert app_module.discover_models(tiny_pipelines_dir / "missing") == {}


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
    grid, path, caption, notes = play.generate("dcgan-tiny", 16, 0, None, 1.0)
    assert Image.open(path).size == grid.size and grid.width >= 256
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
    grid, _, caption, notes = play.generate("dcgan-tiny", 1000, -5, None, 7)
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
    with Image.open(gif) as im:
        assert im.format == "GIF" and im.n_frames == 2 * 6 - 2  # A -> B -> A
        assert im.size[0] >= 128
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


def test_image_to_image_path(app_module, tiny_pipelines_dir, translation_pipeline):
    play = app_module.Playground(tiny_pipelines_dir)
    play.cache.put("toy-img2img", translation_pipeline)
    out, notes = play.translate("toy-img2img", Image.new("L", (16, 16), 10))
    assert np.asarray(out).max() == 245 and notes == []
    with pytest.raises(app_module.SpaceError, match="use the Image-to-image tab"):
        play.generate("toy-img2img", 4, 0)
    with pytest.raises(app_module.SpaceError, match="needs a translation pipeline"):
        play.translate("dcgan-tiny", Image.new("L", (16, 16)))
    assert play.info("toy-img2img")["pipeline_tag"] == "image-to-image"


def test_build_demo(app_module, tiny_pipelines_dir, tmp_path):
    demo = app_module.build_demo(pipelines_dir=tiny_pipelines_dir)
    assert isinstance(demo, gr.Blocks)
    names = {fn.api_name for fn in demo.fns.values() if fn.api_name}
    assert {"generate", "interpolate", "compare", "translate", "model_info"} <= names
    assert demo._queue.max_size == app_module.MAX_QUEUE
    assert demo._queue.default_concurrency_limit == app_module.CONCURRENCY
    empty = app_module.build_demo(pipelines_dir=tmp_path)  # no shipped models yet: still builds
    assert isinstance(empty, gr.Blocks) and empty.playground.models == []
    broken = tmp_path / "dcgan-broken"  # the default model is broken: still builds, and says so
    broken.mkdir()
    (broken / "model_index.json").write_text('{"_class_name": "GANPipeline", "generator": ["hfgan", "DCGANGenerator"]}')
    demo = app_module.build_demo(pipelines_dir=tmp_path)
    assert demo.playground.default_model == "dcgan-broken"
