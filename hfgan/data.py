"""Datasets for training and evaluation, through ``datasets``.

Sources: the built-in ``fashion_mnist`` (Debian's IDX files under ``/usr/share/datasets/fashion-mnist``
when present, otherwise the Hub copy), any Hub dataset name, or a local ``imagefolder``.
Rows come out as ``pixel_values`` in [-1, 1] and ``class_labels``.
"""

import gzip
import os
import struct
from typing import Optional, Tuple

import numpy as np

from .errors import HFGANError

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
    return payload.reshape(shape)


def fashion_mnist_available(folder: Optional[str] = None) -> bool:
    folder = folder or FASHION_MNIST_DIR
    return all(os.path.isfile(os.path.join(folder, f + ".gz")) or os.path.isfile(os.path.join(folder, f))
               for pair in _IDX_FILES.values() for f in pair)


def load_fashion_mnist_arrays(split: str = "train", folder: Optional[str] = None) -> Tuple[np.ndarray, np.ndarray]:
    """Fashion-MNIST from the local IDX files: ``images`` uint8 ``[N, 28, 28]``, ``labels`` int64 ``[N]``."""
    if split not in _IDX_FILES:
        raise HFGANError(f"fashion_mnist has splits {sorted(_IDX_FILES)}, not {split!r}")
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
