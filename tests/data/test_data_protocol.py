"""The data classes declare the protocols the trainer relies on (hfgan.data.base), and the data package keeps its
modules apart: no import cycle among them, no private name imported from one into another."""

import ast
from pathlib import Path

import datasets
import numpy as np
import pytest
import torch
from PIL import Image

import hfgan.data
from hfgan.data import (
    ArrowImageData,
    ImageData,
    ImageTensorData,
    PairedTensorData,
    ReadAheadData,
    TrainingData,
    describe_data,
)
from hfgan.tasks.cyclegan import UnpairedData

PACKAGE = Path(hfgan.data.__file__).parent


def _images(n=4, channels=1, size=8):
    return np.arange(n * channels * size * size, dtype=np.uint8).reshape(n, channels, size, size)


def _arrow(n=4):
    rows = {"image": [Image.new("RGB", (10, 8), (40 * i, 0, 0)) for i in range(n)], "label": [i % 2 for i in range(n)]}
    features = datasets.Features({"image": datasets.Image(), "label": datasets.ClassLabel(names=["a", "b"])})
    return ArrowImageData(datasets.Dataset.from_dict(rows, features=features), "rows", resolution=8, channels=3)


def _all_data():
    tensors = ImageTensorData(_images(), [0, 1, 0, 1], ["a", "b"])
    paired = PairedTensorData(_images(channels=1), _images(channels=3), [0, 1, 1, 0])
    unpaired = UnpairedData(tensors, ImageTensorData(_images(n=3)), torch.Generator().manual_seed(0))
    return {"tensors": tensors, "paired": paired, "arrow": _arrow(), "unpaired": unpaired}


@pytest.mark.parametrize("kind", ["tensors", "paired", "arrow", "unpaired"])
def test_every_data_class_declares_the_training_protocol(kind):
    data = _all_data()[kind]
    assert isinstance(data, TrainingData) and type(data).__mro__.count(TrainingData) == 1  # declared, not just shaped
    first, second = data.batch(torch.tensor([0, 1]), "cpu", torch.tensor([True, False]))
    assert first.dtype == torch.float32 and first.shape[0] == 2 and -1 <= float(first.min()) <= float(first.max()) <= 1
    assert isinstance(data, ReadAheadData) == (kind == "arrow")


@pytest.mark.parametrize("kind, channels, resolution, num_classes", [
    ("tensors", 1, 8, 2), ("paired", 3, 8, 2), ("arrow", 3, 8, 2)])
def test_image_data_says_its_size_channels_and_classes(kind, channels, resolution, num_classes):
    data = _all_data()[kind]
    assert ImageData in type(data).__mro__ and isinstance(data, ImageData)
    assert (data.channels, data.resolution, data.num_classes) == (channels, resolution, num_classes)
    info = describe_data(None, data)
    assert (info.num_images, info.channels, info.size, info.num_classes) == (4, channels, resolution, num_classes)


def test_an_object_of_the_same_shape_serves_without_subclassing():
    class Rows:
        def __len__(self):
            return 2

        def batch(self, indices, device=None, flip_mask=None):
            return torch.zeros(len(indices), 1, 2, 2), None

    assert isinstance(Rows(), TrainingData) and not isinstance(Rows(), ReadAheadData)
    assert not isinstance(object(), TrainingData)


def _relative_imports(path: Path):
    """``(module, names, function_level)`` of each ``from .x import ...`` of a module of the data package."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = set(map(id, tree.body))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            yield node.module or "", [alias.name for alias in node.names], id(node) not in top


def test_the_data_modules_form_no_cycle_and_share_no_private_names():
    graph = {}
    for path in sorted(PACKAGE.glob("*.py")):
        edges = set()
        for module, names, _ in _relative_imports(path):
            assert not [n for n in names if n.startswith("_")], (path.name, module, names)
            edges |= {module} if module else {n for n in names if (PACKAGE / f"{n}.py").exists()}
        graph[path.stem] = edges

    def reaches(start, goal, seen=()):
        return any(t == goal or (t not in seen and reaches(t, goal, (*seen, t))) for t in graph.get(start, ()))

    assert [m for m in graph if m != "__init__" and reaches(m, m)] == []
    assert graph["__init__"] == set()  # the package's public names are imported on first use
