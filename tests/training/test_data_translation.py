import json
import os

import datasets
import numpy as np
import pytest
import torch
from PIL import Image

import hfgan.data.translation as translation
from hfgan.data import FASHION_MNIST_LABELS, load_fashion_mnist_arrays, load_image_dataset, load_image_tensor_data
from hfgan.data import (
    PairedTensorData,
    edge_map,
    load_domain_tensor_data,
    load_paired_tensor_data,
)
from hfgan.errors import HFGANError


@pytest.fixture(scope="module")
def fmnist_test():
    return load_fashion_mnist_arrays("test")


def _dilate(mask):
    out = mask.copy()
    out[:, 1:] |= mask[:, :-1]
    out[:, :-1] |= mask[:, 1:]
    out[:, :, 1:] |= mask[:, :, :-1]
    out[:, :, :-1] |= mask[:, :, 1:]
    return out


def test_edge_map_is_deterministic_non_trivial_and_aligned(fmnist_test):
    images = fmnist_test[0][:2000]
    edges = edge_map(images)
    assert edges.dtype == np.uint8 and edges.shape == images.shape
    assert set(np.unique(edges)) == {0, 255}  # white edges on black
    assert np.array_equal(edge_map(images.copy()), edges)  # same garment, same edges
    assert np.array_equal(edge_map(torch.from_numpy(images[:, None])), edges[:, None])  # tensors, a channel axis
    fraction = (edges > 0).mean(axis=(1, 2))
    assert 0.02 < fraction.min() and fraction.max() < 0.4 and 0.08 < fraction.mean() < 0.2  # some, not all
    # aligned: edges lie on the garment (within a pixel of it), and trace its silhouette (bright pixels next
    # to the black background), which another garment's edges do not
    on = edges > 0
    assert (on & ~_dilate(images > 0)).sum() < 1e-3 * on.sum()
    silhouette = (images >= 64) & _dilate(images == 0)
    assert (silhouette & _dilate(on)).sum() > 0.95 * silhouette.sum()
    assert (silhouette & _dilate(np.roll(on, 1, axis=0))).sum() < 0.6 * silhouette.sum()
    # mirror images give mirrored edges; a garment moved on a canvas gives moved edges
    assert np.array_equal(edge_map(images[:, :, ::-1].copy()), edges[:, :, ::-1])
    first, second = np.zeros((2, 50, 38, 38), np.uint8)
    first[:, 3:31, 5:33], second[:, 8:36, 2:30] = images[:50], images[:50]
    assert np.array_equal(edge_map(first)[:, 3:31, 5:33], edge_map(second)[:, 8:36, 2:30])


def test_edge_map_of_simple_shapes_and_bad_input():
    square = np.zeros((12, 12), np.uint8)
    square[3:9, 3:9] = 255
    on = edge_map(square) > 0
    ring = np.zeros((12, 12), bool)
    ring[2:10, 2:10] = True
    ring[5:7, 5:7] = False
    assert on.sum() > 16 and not (on & ~ring).any()  # a closed outline of the square, nothing elsewhere
    assert on[3, 3:9].all() and on[3:9, 3].all() and on[8, 3:9].all() and on[3:9, 8].all()
    assert not edge_map(np.full((3, 9, 9), 77, np.uint8)).any()  # a blank image has no edges
    with pytest.raises(HFGANError, match="uint8"):
        edge_map(np.zeros((4, 4), np.float32))


def test_fashion_mnist_edges_dataset_test_split(fmnist_test):
    images, labels = fmnist_test
    dataset = load_image_dataset("fashion_mnist_edges", split="test")
    assert isinstance(dataset, datasets.Dataset) and len(dataset) == 10000
    assert dataset.column_names == ["edges", "image", "label"]
    assert dataset.features["label"].names == list(FASHION_MNIST_LABELS)
    for i in (0, 9999):
        row = dataset[i]
        assert row["edges"].mode == "L" and row["edges"].size == (28, 28) and row["image"].size == (28, 28)
        assert np.array_equal(np.asarray(row["image"]), images[i]) and row["label"] == labels[i]
        assert np.array_equal(np.asarray(row["edges"]), edge_map(images[i]))


def test_paired_fashion_mnist_edges_from_arrays(fmnist_test):
    images, labels = fmnist_test
    pairs = load_paired_tensor_data("fashion_mnist_edges", split="test")
    assert isinstance(pairs, PairedTensorData) and len(pairs) == 10000
    assert pairs.sources.shape == pairs.targets.shape == (10000, 1, 28, 28) and pairs.sources.dtype == torch.uint8
    assert np.array_equal(pairs.targets[:, 0].numpy(), images) and np.array_equal(pairs.class_labels.numpy(), labels)
    assert np.array_equal(pairs.sources[:100, 0].numpy(), edge_map(images[:100]))
    assert pairs.num_classes == 10 and pairs.class_names[7] == "Sneaker" and pairs.images is pairs.targets
    assert (pairs.source_name, pairs.target_name) == ("edges", "image")
    back = load_paired_tensor_data("fashion_mnist_edges", split="test", direction="BtoA", max_samples=32)
    named = load_paired_tensor_data("fashion_mnist_edges", split="test", source_column="image",
                                    target_column="edges", max_samples=32)
    half_named = load_paired_tensor_data("fashion_mnist_edges", split="test", source_column="image", max_samples=32)
    assert len(back) == 32 and torch.equal(back.sources, pairs.targets[:32])
    assert torch.equal(back.targets, pairs.sources[:32])
    for other in (named, half_named):
        assert torch.equal(other.sources, back.sources) and torch.equal(other.targets, back.targets)
    edges_only = load_image_tensor_data("fashion_mnist_edges", "test", image_column="edges", max_samples=32)
    assert torch.equal(edges_only.images, pairs.sources[:32])


def test_pairs_flip_together(fmnist_test):
    pairs = load_paired_tensor_data("fashion_mnist_edges", split="test", max_samples=16)
    idx = torch.arange(8)
    source_values, pixel_values = pairs.batch(idx)
    assert source_values.shape == pixel_values.shape == (8, 1, 28, 28)
    assert source_values.min() == -1 and source_values.max() == 1 and pixel_values.min() >= -1
    mask = torch.tensor([True, False] * 4)
    flipped_source, flipped_target = pairs.batch(idx, flip_mask=mask)
    assert torch.equal(flipped_source[mask], source_values[mask].flip(3))
    assert torch.equal(flipped_target[mask], pixel_values[mask].flip(3))
    assert torch.equal(flipped_source[~mask], source_values[~mask])
    assert torch.equal(flipped_target[~mask], pixel_values[~mask])
    # still a pair: the flipped source is the edge map of the flipped garment
    garment = ((flipped_target + 1) * 127.5).round().to(torch.uint8)[:, 0]
    assert np.array_equal(edge_map(garment) > 0, flipped_source[:, 0].numpy() > 0)


def _square(size, box, value, mode="L"):
    image = Image.new(mode, size, 0 if mode == "L" else (0, 0, 0))
    image.paste(value, box)
    return image


def _paired_folder(root, target_size=(16, 16)):
    """``train/`` with a metadata.jsonl pairing ``sN.png`` (L) with ``tN.png`` (RGB): a bright square on the left."""
    os.makedirs(root / "train")
    rows = []
    for i in range(4):
        _square((16, 16), (0, 0, 8, 16), 200 + i).save(root / "train" / f"s{i}.png")
        _square(target_size if i == 2 else (16, 16), (0, 0, 8, 16), (10 * i, 100, 250), "RGB").save(
            root / "train" / f"t{i}.png")
        rows.append({"source_file_name": f"s{i}.png", "target_file_name": f"t{i}.png", "label": i % 2})
    (root / "train" / "metadata.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
    return str(root)


def test_paired_columns_from_a_local_folder(tmp_path):
    folder = _paired_folder(tmp_path / "pairs")
    pairs = load_paired_tensor_data(folder, resolution=16, source_channels=1, target_channels=3)
    assert pairs.sources.shape == (4, 1, 16, 16) and pairs.targets.shape == (4, 3, 16, 16)
    assert (pairs.source_name, pairs.target_name) == ("source", "target")
    assert pairs.sources[1, 0, :, :8].eq(201).all() and pairs.sources[1, 0, :, 8:].eq(0).all()
    assert pairs.targets[3, :, 0, 0].tolist() == [30, 100, 250] and pairs.class_labels.tolist() == [0, 1, 0, 1]
    back = load_paired_tensor_data(folder, resolution=16, source_channels=3, target_channels=1, direction="BtoA")
    assert torch.equal(back.sources, pairs.targets) and torch.equal(back.targets, pairs.sources)
    named = load_paired_tensor_data(folder, resolution=16, source_channels=3, target_channels=1, target_column="source")
    assert torch.equal(named.sources, back.sources) and (named.source_name, named.target_name) == ("target", "source")
    small = load_paired_tensor_data(folder, resolution=8, source_channels=1, target_channels=3, max_samples=2)
    assert small.sources.shape == (2, 1, 8, 8) and small.targets.shape == (2, 3, 8, 8)
    source_values, pixel_values = pairs.batch(torch.tensor([0, 1]), flip_mask=torch.tensor([True, False]))
    assert source_values.shape == (2, 1, 16, 16) and pixel_values.shape == (2, 3, 16, 16)
    assert source_values[0, 0, 0, -1] > 0 and source_values[1, 0, 0, 0] > 0  # pair 0 mirrored, pair 1 not
    assert pixel_values[0, 2, 0, -1] > 0 and pixel_values[1, 2, 0, 0] > 0


def test_side_by_side_pairs_split_in_halves(tmp_path):
    for label in ("a", "b"):
        os.makedirs(tmp_path / "sbs" / label)
        for i in range(2):
            image = Image.new("RGB", (33, 16), (0, 0, 0))  # odd width: the last column is dropped
            image.paste((255, 0, 0), (0, 0, 16, 8))  # A (left half): red top
            image.paste((0, 0, 255), (16, 8, 32, 16))  # B (right half): blue bottom
            image.paste((0, 255, 0), (32, 0, 33, 16))
            image.save(tmp_path / "sbs" / label / f"{i}.png")
    folder = str(tmp_path / "sbs")
    pairs = load_paired_tensor_data(folder, resolution=16, source_channels=3, target_channels=3,
                                    paired_layout="side_by_side")
    assert len(pairs) == 4 and pairs.sources.shape == pairs.targets.shape == (4, 3, 16, 16)
    assert pairs.sources[:, 0, :8].eq(255).all() and pairs.sources.sum() == 4 * 8 * 16 * 255
    assert pairs.targets[:, 2, 8:].eq(255).all() and pairs.targets.sum() == 4 * 8 * 16 * 255
    assert pairs.class_labels.tolist() == [0, 0, 1, 1] and pairs.class_names == ["a", "b"]
    back = load_paired_tensor_data(folder, resolution=8, source_channels=3, target_channels=1,
                                   paired_layout="side_by_side", direction="BtoA")
    assert back.sources[:, 2, 5:].gt(200).all() and back.sources[:, 2, :3].lt(50).all()
    assert back.sources[:, :2].lt(50).all() and back.targets.shape == (4, 1, 8, 8)
    assert (back.source_name, back.target_name) == ("right", "left")


def test_class_subset_domains(fmnist_test, tmp_path):
    sneakers = load_domain_tensor_data("fashion_mnist:Sneaker")
    assert len(sneakers) == 6000 and sneakers.images.shape == (6000, 1, 28, 28)
    assert sneakers.class_labels.eq(7).all() and sneakers.class_names == list(FASHION_MNIST_LABELS)
    boots = load_domain_tensor_data("fashion_mnist:Ankle boot", split="test", max_samples=100)
    images, labels = fmnist_test
    assert len(boots) == 100 and boots.class_labels.eq(9).all()
    assert np.array_equal(boots.images[:, 0].numpy(), images[labels == 9][:100])
    both = load_domain_tensor_data("fashion_mnist:sneaker, Ankle boot", split="test")
    ids = load_domain_tensor_data("fashion_mnist:9,7", split="test")
    assert len(both) == 2000 and set(both.class_labels.tolist()) == {7, 9} and torch.equal(both.images, ids.images)
    whole = load_domain_tensor_data("fashion_mnist", split="test", max_samples=10)
    assert len(whole) == 10 and whole.num_classes == 10
    for label in ("cats", "dogs"):
        os.makedirs(tmp_path / "pets" / label)
        for i in range(3):
            Image.new("RGB", (10, 12), (40 * i, 0, 0)).save(tmp_path / "pets" / label / f"{i}.png")
    dogs = load_domain_tensor_data(f"{tmp_path / 'pets'}:dogs", resolution=8, channels=3)
    assert dogs.images.shape == (3, 3, 8, 8) and dogs.class_labels.tolist() == [1, 1, 1]
    assert dogs.class_names == ["cats", "dogs"]
    assert len(load_domain_tensor_data(str(tmp_path / "pets"), resolution=8)) == 6


def test_paired_errors(tmp_path, monkeypatch):
    with pytest.raises(HFGANError, match=r"no source image column 'sketch'; columns: \['edges', 'image', 'label'\]"):
        load_paired_tensor_data("fashion_mnist_edges", split="test", source_column="sketch")
    folder = _paired_folder(tmp_path / "pairs", target_size=(16, 12))
    with pytest.raises(HFGANError, match=r"no target column 'photo'; columns: \['source', 'target', 'label'\]"):
        load_paired_tensor_data(folder, resolution=8, target_column="photo")
    with pytest.raises(HFGANError, match=r"row 2 \(s2.png\) .*'source' is 16x16 but target 'target' is 16x12"):
        load_paired_tensor_data(folder, resolution=8)
    with pytest.raises(HFGANError, match="paired_layout must be one of"):
        load_paired_tensor_data(folder, paired_layout="stacked")
    with pytest.raises(HFGANError, match="direction must be one of"):
        load_paired_tensor_data(folder, direction="AB")
    with pytest.raises(HFGANError, match="image_column"):
        load_paired_tensor_data(folder, paired_layout="side_by_side", source_column="source")
    one_image = datasets.Dataset.from_dict({"image": [Image.new("L", (4, 4))]}, features=datasets.Features(
        {"image": datasets.Image()}))
    monkeypatch.setattr(translation, "load_image_dataset", lambda source, split: one_image)
    with pytest.raises(HFGANError, match=r"name its paired image columns .*columns: \['image'\]"):
        load_paired_tensor_data("hub/one-image", resolution=4)
    monkeypatch.setattr(translation, "load_image_dataset", lambda source, split: one_image.select([]))
    with pytest.raises(HFGANError, match="'hub/empty' split 'train' is empty"):
        load_paired_tensor_data("hub/empty", resolution=4)
    with pytest.raises(HFGANError, match="empty"):
        PairedTensorData(np.zeros((0, 1, 4, 4), np.uint8), np.zeros((0, 1, 4, 4), np.uint8))
    with pytest.raises(HFGANError, match="same size"):
        PairedTensorData(np.zeros((2, 1, 4, 4), np.uint8), np.zeros((2, 3, 4, 5), np.uint8))


def test_domain_errors(tmp_path, monkeypatch):
    with pytest.raises(HFGANError, match=r"unknown class 'Sneakers' .*valid names: \['T-shirt/top', 'Trouser'"):
        load_domain_tensor_data("fashion_mnist:Sneakers")
    with pytest.raises(HFGANError, match="unknown class '12'"):
        load_domain_tensor_data("fashion_mnist:7,12")
    with pytest.raises(HFGANError, match="must be '<dataset>:"):
        load_domain_tensor_data("fashion_mnist:")
    with pytest.raises(HFGANError, match="cannot reach dataset 'nobody/no-such-data'|not found"):
        load_domain_tensor_data("nobody/no-such-data:cats")  # tests run with HF_HUB_OFFLINE=1
    os.makedirs(tmp_path / "flat")
    for i in range(2):
        Image.new("L", (8, 8)).save(tmp_path / "flat" / f"{i}.png")
    with pytest.raises(HFGANError, match="no label column to pick classes from"):
        load_domain_tensor_data(f"{tmp_path / 'flat'}:cats", resolution=8)
    labelled = datasets.Dataset.from_dict(
        {"image": [Image.new("L", (4, 4))] * 3, "label": [0, 1, 0]},
        features=datasets.Features({"image": datasets.Image(), "label": datasets.ClassLabel(names=["a", "b", "c"])}))
    monkeypatch.setattr(translation, "load_image_dataset", lambda source, split: labelled)
    assert load_domain_tensor_data("hub/abc:b", resolution=4).class_labels.tolist() == [1]
    with pytest.raises(HFGANError, match="domain 'hub/abc:c' split 'train' has no images"):
        load_domain_tensor_data("hub/abc:c", resolution=4)
