"""The built-in data sets: ``fashion_mnist`` and ``fashion_mnist_edges``.

* ``fashion_mnist``: Debian's IDX files under ``/usr/share/datasets/fashion-mnist`` (``HFGAN_FASHION_MNIST_DIR``)
  when present, otherwise the Hub copy; columns ``image`` and ``label`` (a ``ClassLabel``), splits ``train`` and
  ``test``.
* ``fashion_mnist_edges``: a paired data set, Fashion-MNIST with a deterministic edge map of each garment
  (:func:`edge_map`) as the source. Columns ``edges`` (mode ``L``, 28x28, **white edges (255) on black (0)**, the
  same polarity as the garments, which are light on black), ``image`` (the garment) and ``label``.

The generic loaders (:mod:`.sources`, :mod:`.stream`, :mod:`.translation`, :mod:`.fit`) find this module by the
data set's name (:data:`NAMES`) and ask it: :func:`dataset` (a ``datasets.Dataset``), :func:`describe` (its size,
without loading it), :func:`serves` (whether the IDX arrays give what was asked) and then :func:`tensor_data` or
:func:`paired_data` (in memory, straight from the arrays, no image decoding).
"""

import gzip
import os
import struct
from typing import List, Optional, Sequence, Tuple

import numpy as np

from ..errors import HFGANError
from ..models import FASHION_MNIST_CLASSES as FASHION_MNIST_LABELS
from .tensors import ImageTensorData, PairedTensorData

FASHION_MNIST_DIR = os.environ.get("HFGAN_FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist")
FASHION_MNIST_HUB_ID = "zalando-datasets/fashion_mnist"
FASHION_MNIST_EDGES = "fashion_mnist_edges"
FASHION_MNIST_EDGES_COLUMNS = ("edges", "image", "label")
NAMES = ("fashion_mnist", FASHION_MNIST_EDGES)
CLASS_NAMES = FASHION_MNIST_LABELS
_IMAGE_COLUMNS = {"fashion_mnist": ("image",), FASHION_MNIST_EDGES: ("image", "edges")}
_IDX_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}

# --------------------------------------------------------------------------------------------------
# IDX files
# --------------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------------
# Edge maps
# --------------------------------------------------------------------------------------------------

# A pixel is an edge when its gradient magnitude is a local maximum across the edge (non-maximum
# suppression) and above both thresholds below. Everything is integer arithmetic, so the same image
# gives bit-identical edges on every machine and numpy version.
EDGE_RELATIVE_DIVISOR = 4  # magnitude > (the image's largest magnitude) / 4
EDGE_MIN_MAGNITUDE = 0.02  # and > 0.02 in units where a full black-to-white step is 0.5 (ignores faint noise)
_EDGE_SCALE = 255 * 16 * 8  # uint8 levels x binomial blur weight x Sobel weight
_EDGE_MIN_MAGNITUDE_SQ = int((EDGE_MIN_MAGNITUDE * _EDGE_SCALE) ** 2)
_TAN_22_5 = (414, 1000)  # tan(22.5 deg) as an integer ratio, to bin gradient directions without floats
_EDGE_BLOCK_PIXELS = 1 << 21  # pixels per block: bounds each int32 temporary to ~8 MB at any image size


def _pad(x: np.ndarray) -> np.ndarray:
    return np.pad(x, ((0, 0), (1, 1), (1, 1)), mode="edge")


def _edges_block(images: np.ndarray) -> np.ndarray:
    """uint8 ``[n, H, W]`` -> uint8 ``[n, H, W]`` edge map (0 or 255)."""
    x = images.astype(np.int16)  # blur <= 255 * 16 and |gradient| <= 255 * 16 * 4 fit int16
    # 3x3 binomial blur [1 2 1]^T [1 2 1] (weight 16), borders replicated
    p = _pad(x)
    rows = p[:, :, :-2] + 2 * p[:, :, 1:-1] + p[:, :, 2:]
    blurred = rows[:, :-2] + 2 * rows[:, 1:-1] + rows[:, 2:]
    # Sobel gradients (kernel weight 8; a black-to-white step gives 4 x 255 x 16), borders replicated
    p = _pad(blurred)
    smooth_y = p[:, :-2] + 2 * p[:, 1:-1] + p[:, 2:]  # smoothed down the rows, for d/dx
    gx = smooth_y[:, :, 2:] - smooth_y[:, :, :-2]
    smooth_x = p[:, :, :-2] + 2 * p[:, :, 1:-1] + p[:, :, 2:]  # smoothed along the rows, for d/dy
    gy = smooth_x[:, 2:] - smooth_x[:, :-2]
    gx, gy = gx.astype(np.int32), gy.astype(np.int32)  # magnitude^2 <= 2 * 16320^2 < 2^31
    mag2 = gx * gx + gy * gy
    # non-maximum suppression: keep a pixel that is >= both neighbours along its gradient direction,
    # the direction binned to 0, 45, 90 or 135 degrees
    ax, ay = np.abs(gx), np.abs(gy)
    num, den = _TAN_22_5
    horizontal = ay * den <= ax * num  # gradient along x: compare left/right
    vertical = ax * den <= ay * num  # gradient along y: compare up/down
    falling = (gx ^ gy) >= 0  # same signs: gradient towards down-right, compare the main diagonal
    h, w = mag2.shape[1:]
    m = np.pad(mag2, ((0, 0), (1, 1), (1, 1)))

    def shifted(dy: int, dx: int) -> np.ndarray:
        return m[:, 1 + dy:1 + dy + h, 1 + dx:1 + dx + w]

    diagonal = np.where(falling, np.maximum(shifted(1, 1), shifted(-1, -1)),
                        np.maximum(shifted(1, -1), shifted(-1, 1)))
    across = np.where(horizontal, np.maximum(shifted(0, 1), shifted(0, -1)),
                      np.where(vertical, np.maximum(shifted(1, 0), shifted(-1, 0)), diagonal))
    # magnitude > largest / EDGE_RELATIVE_DIVISOR, in integers: mag2 * k^2 > largest2 <=> mag2 > largest2 // k^2
    largest = mag2.max(axis=(1, 2), keepdims=True)
    strong = (mag2 > largest // EDGE_RELATIVE_DIVISOR ** 2) & (mag2 > _EDGE_MIN_MAGNITUDE_SQ)
    return np.where((mag2 >= across) & strong, np.uint8(255), np.uint8(0))


def edge_map(images_uint8) -> np.ndarray:
    """Deterministic thin edges of grayscale images: uint8 ``[..., H, W]`` -> uint8 ``[..., H, W]``.

    Edges are 255 (white) on 0 (black). Per image: a 3x3 binomial blur, Sobel gradients, non-maximum
    suppression across the edge (a Canny-like one-pixel line), then a pixel is kept when its gradient
    magnitude exceeds a quarter of the image's largest one and a small absolute floor (a blank image has no
    edges). The last two axes are height and width; every leading axis (batch, a single channel) is kept.
    Colour images must be converted to grayscale first. Accepts numpy arrays and CPU/GPU torch tensors;
    always returns a numpy array.
    """
    if hasattr(images_uint8, "detach"):  # a torch tensor
        images_uint8 = images_uint8.detach().cpu().numpy()
    array = np.asarray(images_uint8)
    if array.dtype != np.uint8 or array.ndim < 2:
        raise HFGANError(f"edge_map needs uint8 images [..., H, W], got {array.dtype} {list(array.shape)}")
    flat = array.reshape((-1,) + array.shape[-2:])
    out = np.empty_like(flat)
    step = max(1, _EDGE_BLOCK_PIXELS // max(1, flat.shape[1] * flat.shape[2]))
    for start in range(0, len(flat), step):
        out[start:start + step] = _edges_block(flat[start:start + step])
    return out.reshape(array.shape)


def load_fashion_mnist_edges(split: str = "train", folder: Optional[str] = None):
    """The built-in ``fashion_mnist_edges`` as a ``datasets.Dataset``: ``edges``, ``image``, ``label``.

    From Debian's IDX files when present, otherwise from the Hub copy of Fashion-MNIST.
    """
    import datasets

    if fashion_mnist_available(folder):
        images, labels = load_fashion_mnist_arrays(split, folder)
    else:
        hub = load_fashion_mnist(split, folder)
        images = np.stack([np.asarray(image.convert("L"), dtype=np.uint8) for image in hub["image"]])
        labels = np.asarray(hub["label"], dtype=np.int64)
    features = datasets.Features({"edges": datasets.Image(), "image": datasets.Image(),
                                  "label": datasets.ClassLabel(names=FASHION_MNIST_LABELS)})
    return datasets.Dataset.from_dict({"edges": list(edge_map(images)), "image": list(images),
                                       "label": labels.tolist()}, features=features)


# --------------------------------------------------------------------------------------------------
# What the generic loaders ask of a built-in data set
# --------------------------------------------------------------------------------------------------

def dataset(name: str, split: str = "train"):
    """Built-in ``name`` as a ``datasets.Dataset``."""
    return load_fashion_mnist_edges(split) if name == FASHION_MNIST_EDGES else load_fashion_mnist(split)


def describe(name: str, split: str = "train") -> Tuple[int, int, int, List[str]]:
    """``(num_images, channels, size, class_names)`` of built-in ``name``, without loading it."""
    return (60000 if split == "train" else 10000), 1, 28, list(CLASS_NAMES)


def serves(name: str, resolution: int, channels: int, image_column: Optional[str] = None,
           label_column: Optional[str] = None, classes: bool = False) -> bool:
    """Whether :func:`tensor_data` gives built-in ``name`` as asked: 28 px grayscale with the IDX files present,
    read under the data set's own column names. (The whole of ``fashion_mnist``, with its one image and one label
    column, is read under any names; a class subset of it, ``classes=True``, only under its own.)"""
    if resolution != 28 or channels != 1:
        return False
    any_column = name == "fashion_mnist" and not classes
    if not any_column and (image_column not in (None, *_IMAGE_COLUMNS[name]) or label_column not in (None, "label")):
        return False
    return fashion_mnist_available()


def tensor_data(name: str, split: str = "train", image_column: Optional[str] = None,
                max_samples: Optional[int] = None, class_ids: Optional[Sequence[int]] = None,
                domain: Optional[str] = None) -> ImageTensorData:
    """Built-in ``name`` in memory, straight from the IDX arrays (where :func:`serves` says so): the first
    ``max_samples`` images, of the classes ``class_ids`` only when given (``domain`` names that selection in its
    error); ``image_column="edges"`` gives the edge maps."""
    images, labels = load_fashion_mnist_arrays(split)
    if class_ids is not None:
        keep = np.flatnonzero(np.isin(labels, class_ids))
        if len(keep) == 0:
            raise HFGANError(f"domain {domain!r} split {split!r} has no images")
        if max_samples:
            keep = keep[:max_samples]
        images, labels = images[keep], labels[keep]
    elif max_samples:
        images, labels = images[:max_samples], labels[:max_samples]
    if name == FASHION_MNIST_EDGES and image_column == "edges":
        images = edge_map(images)
    return ImageTensorData(images[:, None], labels, FASHION_MNIST_LABELS)


def paired_data(name: str, split: str = "train", resolution: int = 28, source_channels: int = 1,
                target_channels: int = 1, source_column: Optional[str] = None, target_column: Optional[str] = None,
                label_column: Optional[str] = None, direction: str = "AtoB",
                max_samples: Optional[int] = None) -> Optional[PairedTensorData]:
    """``fashion_mnist_edges`` as aligned pairs straight from the IDX arrays (``edges`` -> ``image`` unless the
    columns say otherwise; ``direction="BtoA"`` swaps them), or None where the arrays do not give what was asked
    (another data set, size or colour, another label column, the files absent)."""
    if (name != FASHION_MNIST_EDGES or resolution != 28 or source_channels != 1 or target_channels != 1
            or label_column not in (None, "label") or not fashion_mnist_available()):
        return None
    a = source_column or ("image" if target_column == "edges" else "edges")
    b = target_column or ("edges" if a == "image" else "image")
    for kind, column in (("source", a), ("target", b)):
        if column not in ("edges", "image"):
            raise HFGANError(f"dataset {name!r} has no {kind} image column {column!r}; "
                             f"columns: {list(FASHION_MNIST_EDGES_COLUMNS)}")
    if a == b:
        raise HFGANError(f"dataset {name!r}: source and target are both column {a!r}")
    if direction == "BtoA":
        a, b = b, a
    images, labels = load_fashion_mnist_arrays(split)
    if max_samples:
        images, labels = images[:max_samples], labels[:max_samples]
    sides = {"edges": edge_map(images), "image": images}
    return PairedTensorData(sides[a][:, None], sides[b][:, None], labels, FASHION_MNIST_LABELS, a, b)


__all__ = ["FASHION_MNIST_LABELS", "NAMES", "check_fashion_mnist_split", "dataset", "describe", "edge_map",
           "fashion_mnist_available", "load_fashion_mnist", "load_fashion_mnist_arrays", "load_fashion_mnist_edges",
           "paired_data", "read_idx", "serves", "tensor_data"]
