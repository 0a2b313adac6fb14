import gzip
import os

import numpy as np
import pytest
import torch
from PIL import Image

from hfgan.data import (
    ImageTensorData,
    load_fashion_mnist,
    load_fashion_mnist_arrays,
    load_image_tensor_data,
    read_idx,
    resize_and_crop,
)
from hfgan.errors import HFGANError


def test_fashion_mnist_arrays_and_dataset():
    images, labels = load_fashion_mnist_arrays("test")
    assert images.shape == (10000, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (10000,) and set(np.unique(labels)) == set(range(10))
    dataset = load_fashion_mnist("test")
    assert dataset.features["label"].names[9] == "Ankle boot"
    row = dataset[0]
    assert row["image"].size == (28, 28) and np.array_equal(np.asarray(row["image"]), images[0])


def test_in_memory_batches_are_normalised_and_flippable():
    data = load_image_tensor_data("fashion_mnist", "test", max_samples=64)
    assert data.images.dtype == torch.uint8 and data.images.shape == (64, 1, 28, 28) and data.num_classes == 10
    idx = torch.arange(8)
    pixel_values, class_labels = data.batch(idx)
    assert pixel_values.shape == (8, 1, 28, 28) and pixel_values.min() >= -1 and pixel_values.max() <= 1
    flipped, _ = data.batch(idx, flip_mask=torch.tensor([True] * 4 + [False] * 4))
    assert torch.equal(flipped[:4], pixel_values[:4].flip(3)) and torch.equal(flipped[4:], pixel_values[4:])
    assert class_labels.dtype == torch.long


def _write_folder(root, sizes=((40, 30), (30, 40), (28, 28)), mode="RGB"):
    for label in ("cats", "dogs"):
        os.makedirs(root / label, exist_ok=True)
        for i, size in enumerate(sizes):
            Image.new(mode, size, color=(i * 40, 100, 200) if mode == "RGB" else i * 40).save(root / label / f"{i}.png")


def test_imagefolder_with_labels_from_subfolders(tmp_path):
    _write_folder(tmp_path / "imgs")
    data = load_image_tensor_data(str(tmp_path / "imgs"), resolution=16, channels=3)
    assert data.images.shape == (6, 3, 16, 16)
    assert data.class_names == ["cats", "dogs"] and data.class_labels.tolist() == [0, 0, 0, 1, 1, 1]
    gray = load_image_tensor_data(str(tmp_path / "imgs"), resolution=8, channels=1)
    assert gray.images.shape == (6, 1, 8, 8)


def test_preprocess_center_crops_the_long_side():
    image = Image.new("L", (60, 30), 0)
    image.paste(255, (0, 0, 15, 30))  # a white band on the far left is cropped away
    array = resize_and_crop(image, 16, 1)
    assert array.shape == (1, 16, 16) and array.max() < 128


def test_bad_data_gives_clear_errors(tmp_path):
    with pytest.raises(HFGANError, match="not found|cannot load|empty"):
        load_image_tensor_data(str(tmp_path / "missing"), resolution=8)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(HFGANError):
        load_image_tensor_data(str(empty), resolution=8)
    broken = tmp_path / "broken" / "a"
    broken.mkdir(parents=True)
    Image.new("RGB", (8, 8)).save(broken / "ok.png")
    (broken / "bad.png").write_bytes(b"\x89PNG\r\n\x1a\n not really a png")
    with pytest.raises(HFGANError, match="cannot read image|cannot load"):
        load_image_tensor_data(str(tmp_path / "broken"), resolution=8)
    with pytest.raises(HFGANError, match="no image column"):
        import datasets

        from hfgan.data.rows import find_column

        find_column(datasets.Dataset.from_dict({"text": ["a"]}), None, ("image",), "image")
    with pytest.raises(HFGANError, match="empty"):
        ImageTensorData(np.zeros((0, 1, 8, 8), np.uint8))
    with pytest.raises(HFGANError, match="splits"):
        load_fashion_mnist_arrays("validation")


def test_truncated_idx_file_is_refused(tmp_path):
    header = bytes([0, 0, 8, 3]) + (10).to_bytes(4, "big") + (28).to_bytes(4, "big") + (28).to_bytes(4, "big")
    with gzip.open(tmp_path / "x-idx3-ubyte.gz", "wb") as f:
        f.write(header + bytes(100))
    with pytest.raises(HFGANError, match="truncated"):
        read_idx(str(tmp_path), "x-idx3-ubyte")
