import os

import numpy as np
import pytest
from PIL import Image

# A tiny DCGAN: fast, and deterministic in one process.
TINY_DCGAN = {
    "generator_kwargs": {"latent_dim": 8, "base_channels": 4, "max_channels": 8, "class_embed_dim": 4},
    "discriminator_kwargs": {"base_channels": 4, "max_channels": 8},
    "train_batch_size": 4, "report_to": "none", "num_sample_images": 4, "logging_steps": 2, "sample_steps": 100,
    "lr_scheduler": "constant",
}


def write_folder(root, classes=("cats", "dogs"), count=8, size=(20, 16), mode="RGB", seed=0):
    """``root/<class>/<i>.png``: ``count`` noise images per class, ``size`` (w, h)."""
    rng = np.random.default_rng(seed)
    for label in classes:
        os.makedirs(os.path.join(root, label), exist_ok=True)
        for i in range(count):
            shape = (size[1], size[0], 3) if mode == "RGB" else (size[1], size[0])
            Image.fromarray(rng.integers(0, 256, shape, dtype=np.uint8), mode).save(os.path.join(root, label, f"{i}.png"))
    return str(root)


@pytest.fixture
def make_folder():
    """``make_folder(root, classes=("cats", "dogs"), count=8, size=(20, 16), mode="RGB")`` -> the folder path."""
    return write_folder


@pytest.fixture
def pets(tmp_path):
    """A cats/dogs image folder: 8 RGB 20x16 images of each."""
    return write_folder(tmp_path / "pets")


@pytest.fixture
def tiny_overrides(tmp_path):
    def make(output="run", **extra):
        return {**TINY_DCGAN, "output_dir": str(tmp_path / output), **extra}

    return make
