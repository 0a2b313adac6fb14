"""One pipeline call makes a bounded number of images (``pipe.max_batch_size``), refused before anything is
allocated, with the limit in the message."""

import numpy as np
import pytest
import torch
from PIL import Image

from hfgan import GANImageToImagePipeline, GANPipeline, HFGANError, Pix2PixGenerator


def test_gan_pipeline_batch_size_is_bounded(tiny_pipeline, monkeypatch):
    assert GANPipeline.max_batch_size == 1024 and "max_batch_size" in GANPipeline.__call__.__doc__

    def no_sampling(*args, **kwargs):
        raise AssertionError("latents were sampled for a refused batch")

    monkeypatch.setattr(tiny_pipeline, "prepare_latents", no_sampling)
    for batch_size in (1025, 200_000, 10**12):
        with pytest.raises(HFGANError, match=f"batch_size={batch_size} is more than the 1024 images one call may make"):
            tiny_pipeline(batch_size=batch_size)
    monkeypatch.undo()

    tiny_pipeline.max_batch_size = 4  # an instance may choose its own bound
    assert len(tiny_pipeline(batch_size=4).images) == 4
    with pytest.raises(HFGANError, match="more than the 4 images"):
        tiny_pipeline(latents=torch.zeros(5, tiny_pipeline.latent_dim))


@pytest.fixture
def translator():
    torch.manual_seed(0)
    return GANImageToImagePipeline(Pix2PixGenerator(in_channels=1, out_channels=1, sample_size=16, base_channels=4,
                                                    max_channels=8))


@pytest.mark.parametrize("make", [
    lambda n: [Image.new("L", (16, 16))] * n,
    lambda n: torch.zeros(n, 1, 16, 16),
    lambda n: np.zeros((n, 16, 16, 1), np.float32),
    lambda n: [torch.zeros(n - 1, 1, 16, 16), torch.zeros(1, 16, 16)],
], ids=["pil-list", "nchw-tensor", "nhwc-array", "tensor-list"])
def test_image_to_image_input_count_is_bounded(translator, make):
    assert GANImageToImagePipeline.max_batch_size == 1024 and "max_batch_size" in GANImageToImagePipeline.__call__.__doc__
    translator.max_batch_size = 3
    assert len(translator(make(3)).images) == 3
    with pytest.raises(HFGANError, match="got 4 input images, more than the 3 one call may translate"):
        translator(make(4))
