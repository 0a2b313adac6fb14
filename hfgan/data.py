"""Datasets for training and evaluation, through ``datasets``.

Sources: the built-in ``fashion_mnist`` (Debian's IDX files under ``/usr/share/datasets/fashion-mnist``
when present, otherwise the Hub copy), the built-in ``fashion_mnist_edges`` (garments paired with their
edge maps, see :mod:`hfgan.data_translation`), any Hub dataset name, or a local ``imagefolder``.
Rows come out as ``pixel_values`` in [-1, 1] and ``class_labels``.
"""

import gzip
import os
import struct
from typing import Optional, Tuple

import numpy as np

from .errors import HFGANError, one_line
from .models import FASHION_MNIST_CLASSES as FASHION_MNIST_LABELS

FASHION_MNIST_DIR = os.environ.get("HFGAN_FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist")
FASHION_MNIST_HUB_ID = "zalando-datasets/fashion_mnist"
_IDX_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


def _open_idx(folder: str, stem: str):
    for name, opener in ((stem + ".gz", gzip.open), (stem, open)):
        path = os.path.join(folder, name)
        if os.path.isfile(path):
            return path, opener(path, "rb")
    raise FileNotFoundError(os.path.join(folder, stem + ".gz"))


def read_idx(folder: str, stem: str) -> np.ndarray:
    """Read one IDX file (``.gz`` or plain) into a uint8 array, checking its header."""
    path, f = _open_idx(folder, stem)
    with f:
        data = f.read()
    if len(data) < 4:
        raise HFGANError(f"{path} is not an IDX file (too short)")
    zero, dtype_code, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype_code != 0x08 or ndim not in (1, 3):
        raise HFGANError(f"{path} is not a uint8 IDX file")
    shape = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    payload = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if payload.size != int(np.prod(shape)):
        raise HFGANError(f"{path} is truncated: expected {int(np.prod(shape))} values, found {payload.size}")
    return payload.reshape(shape).copy()  # writable, detached from the file buffer


def fashion_mnist_available(folder: Optional[str] = None) -> bool:
    folder = folder or FASHION_MNIST_DIR
    return all(os.path.isfile(os.path.join(folder, f + ".gz")) or os.path.isfile(os.path.join(folder, f))
               for pair in _IDX_FILES.values() for f in pair)


def check_fashion_mnist_split(split: str) -> None:
    """A one-line error unless ``split`` is one of Fashion-MNIST's (``train``, ``test``)."""
    if split not in _IDX_FILES:
        raise HFGANError(f"fashion_mnist has splits {sorted(_IDX_FILES)}, not {split!r}")


def load_fashion_mnist_arrays(split: str = "train", folder: Optional[str] = None) -> Tuple[np.ndarray, np.ndarray]:
    """Fashion-MNIST from the local IDX files: ``images`` uint8 ``[N, 28, 28]``, ``labels`` int64 ``[N]``."""
    check_fashion_mnist_split(split)
    folder = folder or FASHION_MNIST_DIR
    image_stem, label_stem = _IDX_FILES[split]
    try:
        images = read_idx(folder, image_stem)
        labels = read_idx(folder, label_stem).astype(np.int64)
    except FileNotFoundError as err:
        raise HFGANError(f"Fashion-MNIST IDX file not found: {err} (apt-get install dataset-fashion-mnist)") from None
    if images.shape[0] != labels.shape[0]:
        raise HFGANError(f"Fashion-MNIST {split}: {images.shape[0]} images but {labels.shape[0]} labels")
    return images, labels


# --------------------------------------------------------------------------------------------------
# datasets-based loading
# --------------------------------------------------------------------------------------------------

IMAGE_COLUMNS = ("image", "img", "images", "pixel_values")
LABEL_COLUMNS = ("label", "labels", "class", "class_label", "fine_label")


def load_fashion_mnist(split: str = "train", folder: Optional[str] = None):
    """Fashion-MNIST as a ``datasets.Dataset`` with an ``image`` column and a ``label`` ``ClassLabel``.

    Read from Debian's IDX files when present, otherwise from the Hub copy.
    """
    import datasets

    if fashion_mnist_available(folder):
        images, labels = load_fashion_mnist_arrays(split, folder)
        features = datasets.Features({"image": datasets.Image(), "label": datasets.ClassLabel(names=FASHION_MNIST_LABELS)})
        return datasets.Dataset.from_dict({"image": list(images), "label": labels.tolist()}, features=features)
    return datasets.load_dataset(FASHION_MNIST_HUB_ID, split=split)


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
    """A ``datasets.Dataset`` from ``fashion_mnist``, ``fashion_mnist_edges``, a local folder (``imagefolder``, or a
    ``save_to_disk`` folder), ``imagefolder`` with ``data_dir`` (diffusers' ``--train_data_dir``) or a Hub dataset name.

    Everything but the built-in Fashion-MNIST is memory-mapped from ``datasets``' Arrow files, not read into memory.
    """
    import datasets

    if source == "fashion_mnist":
        return load_fashion_mnist(split)
    if source == "fashion_mnist_edges":
        from .data_translation import load_fashion_mnist_edges

        return load_fashion_mnist_edges(split)
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


def _find_column(dataset, requested: Optional[str], candidates, kind: str) -> Optional[str]:
    columns = list(dataset.column_names)
    if requested:
        if requested not in columns:
            raise HFGANError(f"dataset has no {kind} column {requested!r}; columns: {columns}")
        return requested
    for name in candidates:
        if name in columns:
            return name
    if kind == "image":
        import datasets

        for name, feature in dataset.features.items():
            if isinstance(feature, datasets.Image):
                return name
        raise HFGANError(f"dataset has no image column (looked for {list(candidates)}); columns: {columns}")
    return None


def _to_pil(image, channels: int):
    from PIL import Image

    if isinstance(image, np.ndarray):
        image = Image.fromarray(image)
    if not isinstance(image, Image.Image):
        raise HFGANError(f"image column holds {type(image).__name__}, not images")
    return image.convert("L" if channels == 1 else "RGB")


def preprocess_image(image, resolution: int, channels: int, center_crop: bool = True,
                     crop_at: Optional[Tuple[float, float]] = None) -> np.ndarray:
    """PIL/array image -> uint8 ``[C, resolution, resolution]`` (resize the short side, then center-crop).

    ``crop_at`` (fractions in [0, 1] of the free width and height) crops there instead of at the center: a random
    crop when drawn per item. ``center_crop=False`` without ``crop_at`` resizes to a square instead.
    """
    from PIL import Image

    image = _to_pil(image, channels)
    if image.size != (resolution, resolution):
        w, h = image.size
        if center_crop or crop_at is not None:
            scale = resolution / min(w, h)
            image = image.resize((max(resolution, round(w * scale)), max(resolution, round(h * scale))), Image.BICUBIC)
            w, h = image.size
            left, top = (w - resolution) // 2, (h - resolution) // 2
            if crop_at is not None:
                left, top = round(crop_at[0] * (w - resolution)), round(crop_at[1] * (h - resolution))
            image = image.crop((left, top, left + resolution, top + resolution))
        else:
            image = image.resize((resolution, resolution), Image.BICUBIC)
    array = np.asarray(image, dtype=np.uint8)
    return array[None] if array.ndim == 2 else array.transpose(2, 0, 1)


def _decode(value):
    """An undecoded ``datasets.Image`` cell (``{"bytes", "path"}``) -> PIL image; other values pass through."""
    if isinstance(value, dict) and ("bytes" in value or "path" in value):
        import io

        from PIL import Image

        source = io.BytesIO(value["bytes"]) if value.get("bytes") else value["path"]
        image = Image.open(source)
        image.load()
        return image
    return value


def check_class_names(names, source: str) -> None:
    """Refuse a class name that is not one line of text (a line break or control character, which an image folder's
    sub-folder name may hold): class names caption sample grids and fill model cards. One line naming it."""
    import unicodedata

    for name in names:
        if any(unicodedata.category(c) in ("Cc", "Cs", "Zl", "Zp") for c in str(name)):
            raise HFGANError(f"class name {str(name)!r} of {source} has a line break or control character: class names "
                             "caption sample grids and model cards, one line each (rename that class's sub-folder)")


class ImageTensorData:
    """A whole image dataset as one uint8 tensor ``[N, C, H, W]`` in memory, plus ``class_labels [N]``.

    Small data sets (Fashion-MNIST: 47 MB) are decoded once; batches are then plain tensor indexing,
    converted to float ``pixel_values`` in [-1, 1] on the device that trains.
    """

    def __init__(self, images, class_labels=None, class_names=None):
        import torch

        self.images = torch.as_tensor(images)  # uint8 [N, C, H, W]
        if self.images.dtype != torch.uint8 or self.images.ndim != 4:
            raise HFGANError(f"images must be uint8 [N, C, H, W], got {self.images.dtype} {list(self.images.shape)}")
        if len(self.images) == 0:
            raise HFGANError("the dataset split is empty")
        self.class_labels = None if class_labels is None else torch.as_tensor(class_labels, dtype=torch.long)
        if self.class_labels is not None and len(self.class_labels) != len(self.images):
            raise HFGANError(f"{len(self.images)} images but {len(self.class_labels)} labels")
        self.class_names = list(class_names) if class_names else None
        check_class_names(self.class_names or (), "the dataset")

    def __len__(self) -> int:
        return len(self.images)

    @property
    def num_classes(self) -> Optional[int]:
        if self.class_names:
            return len(self.class_names)
        return int(self.class_labels.max()) + 1 if self.class_labels is not None else None

    def batch(self, indices, device=None, flip_mask=None):
        """``pixel_values`` float ``[B, C, H, W]`` in [-1, 1] and ``class_labels [B]`` (or None)."""
        pixel_values = to_pixel_values(self.images[indices], device, flip_mask)
        labels = self.class_labels[indices].to(device) if self.class_labels is not None else None
        return pixel_values, labels


def to_pixel_values(pixels, device=None, flip_mask=None):
    """uint8 ``[B, C, H, W]`` -> float ``pixel_values`` in [-1, 1] on ``device``, mirrored where ``flip_mask [B]``."""
    import torch

    pixel_values = pixels.to(device, non_blocking=True).float().mul_(2.0 / 255.0).sub_(1.0)
    if flip_mask is not None and bool(flip_mask.any()):
        flip_mask = flip_mask.to(pixel_values.device)
        pixel_values = torch.where(flip_mask[:, None, None, None], pixel_values.flip(3), pixel_values)
    return pixel_values


def load_image_tensor_data(source: str = "fashion_mnist", split: str = "train", resolution: int = 28,
                           channels: int = 1, image_column: Optional[str] = None, label_column: Optional[str] = None,
                           center_crop: bool = True, max_samples: Optional[int] = None,
                           max_memory_gb: float = 8.0, data_dir: Optional[str] = None) -> ImageTensorData:
    """Load a dataset split into memory as :class:`ImageTensorData`.

    ``fashion_mnist`` at 28x28 grayscale is read straight from its IDX files; every other source goes
    through ``datasets`` (``imagefolder`` or a Hub name) and is decoded once, with a progress bar.
    """
    if source == "fashion_mnist" and resolution == 28 and channels == 1 and fashion_mnist_available():
        images, labels = load_fashion_mnist_arrays(split)
        if max_samples:
            images, labels = images[:max_samples], labels[:max_samples]
        return ImageTensorData(images[:, None], labels, FASHION_MNIST_LABELS)
    if (source == "fashion_mnist_edges" and resolution == 28 and channels == 1
            and image_column in (None, "image", "edges") and label_column in (None, "label")
            and fashion_mnist_available()):
        images, labels = load_fashion_mnist_arrays(split)
        if max_samples:
            images, labels = images[:max_samples], labels[:max_samples]
        if image_column == "edges":
            from .data_translation import edge_map

            images = edge_map(images)
        return ImageTensorData(images[:, None], labels, FASHION_MNIST_LABELS)

    dataset = load_image_dataset(source, split, data_dir)
    return image_tensor_data_from_dataset(dataset, source, split, resolution, channels, image_column, label_column,
                                          center_crop, max_samples, max_memory_gb)


def image_tensor_data_from_dataset(dataset, source: str, split: str = "train", resolution: int = 28,
                                   channels: int = 1, image_column: Optional[str] = None,
                                   label_column: Optional[str] = None, center_crop: bool = True,
                                   max_samples: Optional[int] = None, max_memory_gb: float = 8.0) -> ImageTensorData:
    """Decode a loaded ``datasets.Dataset`` into :class:`ImageTensorData` (``source``/``split`` name it in errors)."""
    from tqdm.auto import tqdm

    if len(dataset) == 0:
        raise HFGANError(f"dataset {source!r} split {split!r} is empty")
    if max_samples:
        dataset = dataset.select(range(min(max_samples, len(dataset))))
    needed_gb = len(dataset) * channels * resolution * resolution / 1e9
    if needed_gb > max_memory_gb:
        raise HFGANError(f"{source!r} needs {needed_gb:.1f} GB as uint8 at {resolution}px (limit {max_memory_gb} GB): "
                         "lower the resolution or max_samples")
    image_key = _find_column(dataset, image_column, IMAGE_COLUMNS, "image")
    label_key = _find_column(dataset, label_column, LABEL_COLUMNS, "label")
    class_names = None
    if label_key is not None:
        feature = dataset.features[label_key]
        class_names = getattr(feature, "names", None)
    import datasets

    if isinstance(dataset.features[image_key], datasets.Image):  # decode here, where a bad file can be named
        dataset = dataset.cast_column(image_key, datasets.Image(decode=False))
    images = np.empty((len(dataset), channels, resolution, resolution), dtype=np.uint8)
    labels = np.empty(len(dataset), dtype=np.int64) if label_key else None
    for i, row in enumerate(tqdm(dataset, desc=f"decoding {source}:{split}", unit="img", mininterval=2)):
        try:
            images[i] = preprocess_image(_decode(row[image_key]), resolution, channels, center_crop)
        except HFGANError:
            raise
        except Exception as err:  # noqa: BLE001 - unreadable file -> one line naming the row
            where = row[image_key].get("path") if isinstance(row[image_key], dict) else None
            raise HFGANError(f"cannot read image {i} of {source!r}{f' ({where})' if where else ''}: "
                             f"{type(err).__name__}: {err}") from None
        if labels is not None:
            labels[i] = int(row[label_key])
    return ImageTensorData(images, labels, class_names)
