"""``GANPipeline.__call__``: the diffusers call signature, reproducibility, output types and input errors."""

import numpy as np
import pytest
import torch
from PIL import Image

from hfgan import GANPipeline, HFGANError, ImagePipelineOutput


def seeded(seed=0):
    return torch.Generator().manual_seed(seed)


def test_same_seed_same_images_and_default_batch(tiny_pipeline):
    a = tiny_pipeline(batch_size=4, generator=seeded(0), output_type="pt").images
    b = tiny_pipeline(batch_size=4, generator=seeded(0), output_type="pt").images
    c = tiny_pipeline(batch_size=4, generator=seeded(1), output_type="pt").images
    assert torch.equal(a, b) and not torch.equal(a, c)
    assert len(tiny_pipeline().images) == 1


def test_generator_list_gives_per_image_reproducibility(tiny_pipeline):
    seeds = [3, 1, 4, 1]
    batch = tiny_pipeline(generator=[seeded(s) for s in seeds], output_type="pt").images  # batch_size from the list
    assert batch.shape[0] == 4
    for i, seed in enumerate(seeds):
        single = tiny_pipeline(batch_size=1, generator=seeded(seed), output_type="pt").images
        torch.testing.assert_close(batch[i], single[0])


def test_images_do_not_depend_on_the_rest_of_the_batch(tiny_pipeline):
    tiny_pipeline.generator.train()  # batch norm in training mode would mix the images of a batch
    latents = torch.randn(4, 8, generator=seeded(0))
    batch = tiny_pipeline(latents=latents, output_type="pt").images
    single = tiny_pipeline(latents=latents[2:3], output_type="pt").images
    torch.testing.assert_close(batch[2], single[0])


def test_call_restores_each_modules_training_mode(tiny_pipeline):
    generator = tiny_pipeline.generator
    generator.train()
    generator.blocks[1].eval()  # a mixed state, e.g. frozen batch norm statistics
    before = {name: m.training for name, m in generator.named_modules()}
    tiny_pipeline(batch_size=2)
    assert {name: m.training for name, m in generator.named_modules()} == before
    generator.eval()
    tiny_pipeline(batch_size=2)
    assert not any(m.training for m in generator.modules())


@pytest.mark.parametrize("channels", [1, 3])
def test_output_types(make_tiny_pipeline, channels):
    pipe = make_tiny_pipeline(channels=channels)
    pt = pipe(batch_size=3, generator=seeded(), output_type="pt").images
    np_images = pipe(batch_size=3, generator=seeded(), output_type="np").images
    pil = pipe(batch_size=3, generator=seeded()).images
    assert isinstance(pt, torch.Tensor) and pt.shape == (3, channels, 8, 8) and pt.dtype == torch.float32
    assert isinstance(np_images, np.ndarray) and np_images.shape == (3, 8, 8, channels) and np_images.dtype == np.float32
    assert 0 <= pt.min() and pt.max() <= 1 and 0 <= np_images.min() and np_images.max() <= 1
    np.testing.assert_array_equal(np_images, pt.permute(0, 2, 3, 1).numpy())
    assert isinstance(pil, list) and len(pil) == 3 and all(isinstance(im, Image.Image) for im in pil)
    assert pil[0].size == (8, 8) and pil[0].mode == ("L" if channels == 1 else "RGB")
    expected = (np_images[0] * 255).round().astype(np.uint8)
    np.testing.assert_array_equal(np.asarray(pil[0]).reshape(expected.shape), expected)


def test_return_dict(tiny_pipeline):
    out = tiny_pipeline(batch_size=2, generator=seeded(), output_type="pt")
    assert isinstance(out, ImagePipelineOutput)
    as_tuple = tiny_pipeline(batch_size=2, generator=seeded(), output_type="pt", return_dict=False)
    assert isinstance(as_tuple, tuple) and len(as_tuple) == 1
    assert torch.equal(as_tuple[0], out.images)


def test_latents_and_truncation(tiny_pipeline):
    latents = torch.randn(3, 8, generator=seeded(5))
    images = tiny_pipeline(latents=latents, output_type="pt").images
    with torch.no_grad():
        expected = tiny_pipeline.generator.eval()(latents) / 2 + 0.5
    torch.testing.assert_close(images, expected.clamp(0, 1))
    half = tiny_pipeline(latents=latents, truncation_psi=0.5, output_type="pt").images
    torch.testing.assert_close(half, tiny_pipeline(latents=latents * 0.5, output_type="pt").images)
    zero = tiny_pipeline(batch_size=4, generator=seeded(), truncation_psi=0.0, output_type="pt").images
    assert all(torch.equal(zero[0], zero[i]) for i in range(1, 4))


def test_class_labels_as_ints_names_lists_and_tensors(tiny_conditional_pipeline):
    pipe = tiny_conditional_pipeline
    assert pipe.num_classes == 3 and pipe.class_names == ["shirt", "shoe", "bag"]

    def run(labels, batch_size=None):
        return pipe(batch_size=batch_size, class_labels=labels, generator=seeded(), output_type="pt").images

    by_int = run(1, batch_size=2)
    assert by_int.shape[0] == 2
    assert torch.equal(by_int, run("shoe", batch_size=2)) and torch.equal(by_int, run("SHOE", batch_size=2))
    assert torch.equal(run([0, "shoe", 2]), run(torch.tensor([0, 1, 2])))
    assert torch.equal(run([0, 1, 2]), run(np.array([0, 1, 2])))
    assert not torch.equal(run(0, batch_size=2), by_int)


@pytest.mark.parametrize("kwargs, match", [
    ({"batch_size": 2}, "class-conditional: pass class_labels"),
    ({"class_labels": 3}, r"out of range \[0, 2\]"),
    ({"class_labels": -1}, "out of range"),
    ({"class_labels": "hat"}, "unknown class name 'hat'"),
    ({"class_labels": [0, 1], "batch_size": 3}, "2 class_labels for batch_size=3"),
    ({"class_labels": torch.tensor([[0, 1]])}, "1-D"),
    ({"class_labels": 0.5}, "integers or class names"),
])
def test_class_label_errors(tiny_conditional_pipeline, kwargs, match):
    with pytest.raises(HFGANError, match=match):
        tiny_conditional_pipeline(**kwargs)


@pytest.mark.parametrize("kwargs, match", [
    ({"class_labels": 0}, "unconditional"),
    ({"batch_size": 0}, "batch_size must be an integer >= 1, got 0"),
    ({"batch_size": -2}, "batch_size must be an integer >= 1"),
    ({"batch_size": 1.5}, "batch_size must be an integer"),
    ({"latents": torch.randn(2, 5)}, r"latents must be .* shape \[2, 8\], got torch.float32 \[2, 5\]"),
    ({"latents": torch.randn(2, 8), "batch_size": 3}, r"shape \[3, 8\]"),
    ({"latents": torch.randn(2, 8, 1)}, "latents must be"),
    ({"latents": torch.zeros(2, 8, dtype=torch.long)}, "floating-point"),
    ({"latents": [[0.0] * 8]}, "got list"),
    ({"output_type": "jpg"}, "unknown output_type 'jpg'"),
    ({"generator": 0}, "generator must be a torch.Generator"),
    ({"generator": [torch.Generator()] * 2, "batch_size": 3}, "2 generators for batch_size=3"),
    ({"truncation_psi": 3}, "truncation_psi"),
])
def test_input_errors(tiny_pipeline, kwargs, match):
    with pytest.raises(HFGANError, match=match):
        tiny_pipeline(**kwargs)


def test_no_progress_bar_or_output_for_a_call(tiny_pipeline, capfd):
    tiny_pipeline(batch_size=2)
    captured = capfd.readouterr()
    assert captured.out == "" and captured.err == ""


def test_to_dtype_and_device(tiny_pipeline):
    reference = tiny_pipeline(batch_size=2, generator=seeded(), output_type="pt").images
    pipe = tiny_pipeline.to(torch.float64)
    assert pipe is tiny_pipeline and pipe.generator.dtype == torch.float64
    images = pipe(batch_size=2, generator=seeded(), output_type="pt").images
    assert images.dtype == torch.float64
    torch.testing.assert_close(images.float(), reference, atol=1e-5, rtol=0)
    assert pipe(batch_size=2, output_type="np").images.dtype == np.float32
    assert pipe.to("cpu").device == torch.device("cpu")


def test_config_properties_and_positional_generator(make_tiny_pipeline):
    pipe = make_tiny_pipeline(family="mlp_gan", sample_size=14, channels=3)
    same = GANPipeline(pipe.generator)
    assert same.discriminator is None and same.latent_dim == 8 and same.num_classes is None and same.class_names is None
    assert same(batch_size=2, output_type="pt").images.shape == (2, 3, 14, 14)
