"""The Space sizes a request by the generator's activations before it generates: a model whose images cannot be
held in memory is refused at once, in one line, instead of growing until the allocator fails."""

import time

import pytest
import torch

from hfgan import DCGANGenerator, GANPipeline
from hfgan.pipelines import memory

GiB = 2**30
HUGE_SIZE = 7 * 2**14  # 114688 px: one image is 49 GiB as float32


@pytest.fixture
def sixteen_gib(monkeypatch):
    monkeypatch.setattr(memory, "_available_memory", lambda: 16 * GiB)


@pytest.fixture
def play(app_module, tmp_path):
    torch.manual_seed(0)
    playground = app_module.Playground(tmp_path)
    tiny = dict(latent_dim=2, base_channels=1, max_channels=1, sample_size=HUGE_SIZE)
    playground.add("huge", GANPipeline(DCGANGenerator(**tiny)))
    playground.add("huge-cond", GANPipeline(DCGANGenerator(num_classes=2, class_names=["a", "b"], **tiny)))
    playground.add("small", GANPipeline(DCGANGenerator(latent_dim=8, base_channels=8, max_channels=16, sample_size=16)))
    return playground


@pytest.mark.parametrize("call", [
    lambda play: play.generate("huge", 16),
    lambda play: play.interpolate("huge", 0, 1, 16),
    lambda play: play.compare("small", "huge", 8),
    lambda play: play.class_interpolate("huge-cond", 0, "a", "b", 8),
], ids=["generate", "interpolate", "compare", "class-interpolate"])
def test_a_model_whose_images_do_not_fit_is_refused_at_once(app_module, play, sixteen_gib, call):
    start = time.perf_counter()
    with pytest.raises(app_module.SpaceError) as info:
        call(play)
    message = str(info.value)
    assert "\n" not in message and "114688x114688" in message and "16.0 GiB" in message
    assert time.perf_counter() - start < 2


def test_a_request_for_more_images_than_fit_names_how_many_do(app_module, play, monkeypatch):
    generator = play.pipeline("small").generator
    estimate = memory.generator_activations(generator)
    monkeypatch.setattr(memory, "_available_memory",
                        lambda: int(estimate.bytes_for(3) / memory.MEMORY_FRACTION) + 1)
    with pytest.raises(app_module.SpaceError, match="16 images of 16x16 need about .*: ask for at most 3$"):
        play.generate("small", 16)
    grid, caption, notes = play.generate("small", 3)
    assert caption.startswith("3 images") and notes == []


def test_a_saved_folder_of_such_a_model_is_refused_when_loaded(app_module, tmp_path, sixteen_gib):
    torch.manual_seed(0)
    GANPipeline(DCGANGenerator(latent_dim=2, base_channels=1, max_channels=1,
                               sample_size=HUGE_SIZE)).save_pretrained(tmp_path / "pipelines" / "huge-folder")
    playground = app_module.Playground(tmp_path / "pipelines")
    start = time.perf_counter()
    with pytest.raises(app_module.SpaceError, match="one 114688x114688 image") as info:
        playground.generate("huge-folder", 4)
    assert "\n" not in str(info.value) and time.perf_counter() - start < 5


def test_the_space_and_the_library_share_the_pixel_limit(app_module):
    from playground import settings, translation

    from hfgan.pipelines import image_processor

    assert image_processor.MAX_INPUT_PIXELS == 16_000_000
    assert settings.MAX_INPUT_PIXELS is image_processor.MAX_INPUT_PIXELS
    assert translation.MAX_INPUT_PIXELS is image_processor.MAX_INPUT_PIXELS
