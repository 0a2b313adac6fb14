"""Where data sets come from, through ``datasets``: a built-in (:data:`BUILTIN_SOURCES`), a local folder (an
``imagefolder``, whose ``metadata.jsonl`` / ``metadata.csv`` are checked, or a ``save_to_disk`` folder), or a Hub
dataset name; and :func:`load_image_tensor_data`, a split decoded into memory.
"""

import os
from typing import Optional

from ..errors import HFGANError, one_line
from . import fashion_mnist
from .rows import check_class_names
from .tensors import ImageTensorData, image_tensor_data_from_dataset

# Built-in data sets by name -> the module that serves them: ``dataset(name, split)``, ``describe(name, split)``,
# ``serves(...)``, ``tensor_data(...)``, ``paired_data(...)`` and ``CLASS_NAMES`` (see :mod:`.fashion_mnist`).
BUILTIN_SOURCES = {name: fashion_mnist for name in fashion_mnist.NAMES}


def builtin_source(name: str):
    """The module serving built-in data set ``name`` (:data:`BUILTIN_SOURCES`), or None for any other name."""
    return BUILTIN_SOURCES.get(name)


def _saved_dataset(path: str, split: str):
    """A ``save_to_disk`` folder (a ``Dataset`` or a ``DatasetDict``) as a memory-mapped ``Dataset``."""
    import datasets

    loaded = datasets.load_from_disk(path)
    if isinstance(loaded, datasets.DatasetDict):
        if split not in loaded:
            raise HFGANError(f"{path} has splits {sorted(loaded)}, not {split!r}")
        return loaded[split]
    return loaded


def is_saved_dataset(path: str) -> bool:
    """Whether ``path`` is a folder written by ``Dataset.save_to_disk`` / ``DatasetDict.save_to_disk``."""
    return os.path.isfile(os.path.join(path, "state.json")) or os.path.isfile(os.path.join(path, "dataset_dict.json"))


_FOLDER_CACHE: dict = {}  # the last image folder opened: (path, split, stamp) -> Dataset


def _folder_stamp(path: str):
    """Modification times of a folder and of its direct sub-folders: a file added or removed changes one."""
    entries = [(path, os.stat(path).st_mtime_ns)]
    with os.scandir(path) as it:
        entries += sorted((e.name, e.stat().st_mtime_ns) for e in it if e.is_dir())
    return tuple(entries)


METADATA_FILES = ("metadata.jsonl", "metadata.csv")  # imagefolder's per-image metadata, in any sub-folder


def _metadata_rows(file: str):
    """``(line number, row dict)`` of a ``metadata.jsonl`` or ``metadata.csv`` file, or a one-line error."""
    import csv
    import json

    with open(file, encoding="utf-8", newline="") as f:
        if file.endswith(".csv"):
            yield from enumerate(csv.DictReader(f), start=2)
            return
        for number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError:
                raise HFGANError(f"{file} line {number} is not a JSON object") from None
            if not isinstance(row, dict):
                raise HFGANError(f"{file} line {number} is not a JSON object")
            yield number, row


def check_metadata_files(folder: str) -> None:
    """Refuse, in one line, an image folder whose ``metadata.jsonl`` / ``metadata.csv`` names an image outside the
    folder (``../secret.png``, an absolute path, a symlink out) or one that does not exist: ``datasets`` would read
    the file, or fail with a message that names neither."""
    root = os.path.realpath(folder)
    for directory, _, files in os.walk(folder):
        for name in (n for n in files if n in METADATA_FILES):
            file = os.path.join(directory, name)
            for number, row in _metadata_rows(file):
                for key, value in row.items():
                    if not (isinstance(key, str) and key.endswith("file_name")):
                        continue
                    if not isinstance(value, str) or not value:
                        raise HFGANError(f"{file} line {number}: {key} must be a relative file path, got {value!r}")
                    target = os.path.realpath(os.path.join(directory, value))
                    if os.path.isabs(value) or os.path.commonpath([root, target]) != root:
                        raise HFGANError(f"{file} line {number}: {key} {value[:200]!r} is outside the folder {folder} "
                                         "(metadata may name only images inside it)")
                    if not os.path.isfile(target):
                        raise HFGANError(f"{file} line {number}: {key} {value[:200]!r} does not exist in {folder}")


def _image_folder(path: str, split: str):
    """``imagefolder`` over ``path``; the last one opened is kept, since ``datasets`` lists every file again on each
    call (minutes for 200k files)."""
    import datasets

    key = (os.path.abspath(path), split, _folder_stamp(path))
    if key not in _FOLDER_CACHE:
        check_metadata_files(path)
        try:
            dataset = datasets.load_dataset("imagefolder", data_dir=path, split=split)
        except datasets.exceptions.DatasetGenerationError as err:  # its message says only that something failed
            cause = err.__cause__ or err.__context__ or err
            raise HFGANError(f"cannot read the image folder {path}: {one_line(cause)}") from None
        for feature in dataset.features.values():  # class names: the names of its sub-folders
            check_class_names(getattr(feature, "names", None) or (), path)
        _FOLDER_CACHE.clear()
        _FOLDER_CACHE[key] = dataset
    return _FOLDER_CACHE[key]


def load_image_dataset(source: str, split: str = "train", data_dir: Optional[str] = None):
    """A ``datasets.Dataset`` from a built-in (``fashion_mnist``, ``fashion_mnist_edges``), a local folder
    (``imagefolder``, or a ``save_to_disk`` folder), ``imagefolder`` with ``data_dir`` (diffusers'
    ``--train_data_dir``) or a Hub dataset name.

    Everything but the built-ins is memory-mapped from ``datasets``' Arrow files, not read into memory.
    """
    import datasets

    builtin = builtin_source(source)
    if builtin is not None:
        return builtin.dataset(source, split)
    if source == "imagefolder":
        if not data_dir:
            raise HFGANError("dataset 'imagefolder' needs a folder: --train_data_dir PATH")
        if not os.path.isdir(data_dir):
            raise HFGANError(f"train_data_dir {data_dir!r} is not a folder")
        source, data_dir = data_dir, None
    try:
        if os.path.isdir(source) and is_saved_dataset(source):
            return _saved_dataset(source, split)
        if os.path.isdir(source):
            return _image_folder(source, split)
        return datasets.load_dataset(source, data_dir=data_dir, split=split)
    except FileNotFoundError as err:
        raise HFGANError(f"dataset {source!r} not found: {err}") from None
    except ValueError as err:
        raise HFGANError(f"cannot load dataset {source!r} split {split!r}: {str(err).splitlines()[0]}") from None
    except ConnectionError as err:
        raise HFGANError(f"cannot reach dataset {source!r} on the Hub: {str(err).splitlines()[0]}") from None


def load_image_tensor_data(source: str = "fashion_mnist", split: str = "train", resolution: int = 28,
                           channels: int = 1, image_column: Optional[str] = None, label_column: Optional[str] = None,
                           center_crop: bool = True, max_samples: Optional[int] = None,
                           max_memory_gb: float = 8.0, data_dir: Optional[str] = None) -> ImageTensorData:
    """Load a dataset split into memory as :class:`~hfgan.data.ImageTensorData`.

    A built-in at its own size (``fashion_mnist`` at 28x28 grayscale) is read straight from its arrays; every other
    source goes through ``datasets`` (``imagefolder`` or a Hub name) and is decoded once, with a progress bar.
    """
    builtin = builtin_source(source)
    if builtin is not None and builtin.serves(source, resolution, channels, image_column, label_column):
        return builtin.tensor_data(source, split, image_column, max_samples)
    dataset = load_image_dataset(source, split, data_dir)
    return image_tensor_data_from_dataset(dataset, source, split, resolution, channels, image_column, label_column,
                                          center_crop, max_samples, max_memory_gb)


__all__ = ["BUILTIN_SOURCES", "builtin_source", "check_metadata_files", "is_saved_dataset", "load_image_dataset",
           "load_image_tensor_data"]
