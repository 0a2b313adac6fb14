"""Datasets for image-to-image translation: paired (pix2pix) and unpaired (CycleGAN) data.

* ``fashion_mnist_edges`` (:mod:`.fashion_mnist`) is a built-in paired dataset: columns ``edges``, ``image``,
  ``label``; loadable as ``hfgan.data.load_image_dataset("fashion_mnist_edges", split="test")``.
* :func:`load_paired_tensor_data` -> :class:`PairedTensorData`: aligned source/target pairs in memory,
  either from two image columns (``paired_layout="columns"``) or from one image per row holding both
  halves side by side (``paired_layout="side_by_side"``, pix2pix's layout: A on the left, B on the right).
* :func:`load_domain_tensor_data` -> :class:`~hfgan.data.ImageTensorData`: one unpaired domain, a whole
  dataset or a class subset of a labelled one (``"fashion_mnist:Sneaker"``, ``"fashion_mnist:Ankle boot"``,
  ``"fashion_mnist:5,7,9"``).
"""

import os
from typing import List, Optional, Sequence, Tuple

import numpy as np

from ..errors import HFGANError, one_line
from .rows import IMAGE_COLUMNS, LABEL_COLUMNS, decode_cell, find_column, resize_and_crop
from .sources import builtin_source, load_image_dataset, load_image_tensor_data
from .tensors import ImageTensorData, PairedTensorData, image_tensor_data_from_dataset

# --------------------------------------------------------------------------------------------------
# Paired data
# --------------------------------------------------------------------------------------------------

PAIRED_LAYOUTS = ("columns", "side_by_side")
DIRECTIONS = ("AtoB", "BtoA")
# (source, target) image columns tried in order when none are named
PAIRED_COLUMN_CANDIDATES = (
    ("edges", "image"), ("source", "target"), ("A", "B"), ("imageA", "imageB"), ("image_A", "image_B"),
    ("input", "target"), ("input_image", "output_image"), ("input_image", "edited_image"),
    ("conditioning_image", "image"),
)


def _check_choice(value: str, choices: Sequence[str], name: str) -> None:
    if value not in choices:
        raise HFGANError(f"{name} must be one of {list(choices)}, not {value!r}")


def _paired_columns(dataset, source: str, source_column: Optional[str],
                    target_column: Optional[str]) -> Tuple[str, str]:
    import datasets

    columns = list(dataset.column_names)
    for kind, requested in (("source", source_column), ("target", target_column)):
        if requested is not None and requested not in columns:
            raise HFGANError(f"dataset {source!r} has no {kind} column {requested!r}; columns: {columns}")
    if source_column is None or target_column is None:
        image_columns = [name for name, feature in dataset.features.items() if isinstance(feature, datasets.Image)]
        found = next(((s, t) for s, t in PAIRED_COLUMN_CANDIDATES
                      if s in columns and t in columns and source_column in (None, s) and target_column in (None, t)),
                     None)
        given = source_column or target_column
        others = [name for name in image_columns if name != given]
        if found is None and given is not None and len(others) == 1:  # the one other image column
            found = (given, others[0]) if source_column else (others[0], given)
        if found is None and given is None and len(image_columns) == 2:
            found = tuple(image_columns)
        if found is None:
            raise HFGANError(f"dataset {source!r}: name its paired image columns (source_column=, target_column=); "
                             f"columns: {columns}")
        source_column, target_column = source_column or found[0], target_column or found[1]
    if source_column == target_column:
        raise HFGANError(f"dataset {source!r}: source and target are both column {source_column!r}")
    return source_column, target_column


def _label_column(dataset, requested: Optional[str], exclude: Sequence[str]) -> Optional[str]:
    """An integer/``ClassLabel`` column to keep as class labels (image columns are never labels)."""
    import datasets

    columns = list(dataset.column_names)
    if requested is not None:
        if requested not in columns:
            raise HFGANError(f"dataset has no label column {requested!r}; columns: {columns}")
        return requested
    for name in LABEL_COLUMNS:
        feature = dataset.features.get(name)
        if name in exclude or feature is None:
            continue
        if isinstance(feature, datasets.ClassLabel) or (isinstance(feature, datasets.Value)
                                                        and feature.dtype.startswith(("int", "uint"))):
            return name
    return None


def _open_cell(value, row: int, column: str, source: str):
    """A raw image cell -> PIL image; an unreadable file is one error line naming the row."""
    try:
        image = decode_cell(value)
        if isinstance(image, np.ndarray):
            from PIL import Image

            image = Image.fromarray(image)
        if not hasattr(image, "size") or not hasattr(image, "convert"):
            raise HFGANError(f"column {column!r} of {source!r} holds {type(image).__name__}, not images")
        return image
    except HFGANError:
        raise
    except Exception as err:  # noqa: BLE001 - unreadable file -> one line naming the row
        where = value.get("path") if isinstance(value, dict) else None
        raise HFGANError(f"cannot read image {row} ({column!r}) of {source!r}{f' ({where})' if where else ''}: "
                         f"{one_line(err)}") from None


def _row_path(value) -> str:
    path = value.get("path") if isinstance(value, dict) else None
    return f" ({os.path.basename(path)})" if path else ""


def load_paired_tensor_data(source: str, split: str = "train", resolution: int = 28, source_channels: int = 1,
                            target_channels: int = 1, source_column: Optional[str] = None,
                            target_column: Optional[str] = None, center_crop: bool = True,
                            max_samples: Optional[int] = None, paired_layout: str = "columns",
                            direction: str = "AtoB", image_column: Optional[str] = None,
                            label_column: Optional[str] = None, max_memory_gb: float = 8.0) -> PairedTensorData:
    """Load aligned image pairs into memory as :class:`PairedTensorData`.

    ``source``: the built-in ``fashion_mnist_edges``, a local folder (``imagefolder``; two image columns come
    from a ``metadata.jsonl`` with ``source_file_name``/``target_file_name`` keys, say) or a Hub dataset name.

    ``paired_layout="columns"``: A is ``source_column`` and B is ``target_column`` (defaults: ``edges``/``image``
    for ``fashion_mnist_edges``; otherwise a known pair such as ``source``/``target`` or ``A``/``B``, or the only
    two image columns). ``paired_layout="side_by_side"``: each row's ``image_column`` holds A in its left half
    and B in its right half (pix2pix's layout; in its ``facades`` A is the photo, B the label map, so
    labels -> photo is ``direction="BtoA"``). ``direction="AtoB"`` makes A the source and B the target;
    ``"BtoA"`` swaps them. Both images of a pair get the same resize/center-crop to ``resolution``.
    Class labels come from ``label_column`` (or a ``label``-like integer column) when there is one.

    ``fashion_mnist_edges`` at 28 px grayscale is built straight from the IDX arrays (no image decoding).
    """
    _check_choice(paired_layout, PAIRED_LAYOUTS, "paired_layout")
    _check_choice(direction, DIRECTIONS, "direction")
    if paired_layout == "side_by_side" and (source_column or target_column):
        raise HFGANError("source_column/target_column are for paired_layout='columns'; "
                         "name the side-by-side image with image_column")
    if paired_layout == "columns" and image_column:
        raise HFGANError("image_column is for paired_layout='side_by_side'; "
                         "name the paired columns with source_column/target_column")

    builtin = builtin_source(source)
    if builtin is not None and paired_layout == "columns":
        pairs = builtin.paired_data(source, split, resolution, source_channels, target_channels, source_column,
                                    target_column, label_column, direction, max_samples)
        if pairs is not None:
            return pairs

    import datasets
    from tqdm.auto import tqdm

    dataset = load_image_dataset(source, split)
    if len(dataset) == 0:
        raise HFGANError(f"dataset {source!r} split {split!r} is empty")
    if max_samples:
        dataset = dataset.select(range(min(max_samples, len(dataset))))
    needed_gb = len(dataset) * (source_channels + target_channels) * resolution * resolution / 1e9
    if needed_gb > max_memory_gb:
        raise HFGANError(f"{source!r} needs {needed_gb:.1f} GB as uint8 pairs at {resolution}px "
                         f"(limit {max_memory_gb} GB): lower the resolution or max_samples")

    if paired_layout == "columns":
        a_key, b_key = _paired_columns(dataset, source, source_column, target_column)
        image_keys = [a_key, b_key]
    else:
        image_keys = [find_column(dataset, image_column, IMAGE_COLUMNS, "image")]
    label_key = _label_column(dataset, label_column, image_keys)
    class_names = getattr(dataset.features[label_key], "names", None) if label_key else None
    for key in set(image_keys):
        if isinstance(dataset.features[key], datasets.Image):  # decode here, where a bad file can be named
            dataset = dataset.cast_column(key, datasets.Image(decode=False))

    n = len(dataset)
    a_channels, b_channels = ((source_channels, target_channels) if direction == "AtoB"
                              else (target_channels, source_channels))
    a_out = np.empty((n, a_channels, resolution, resolution), dtype=np.uint8)
    b_out = np.empty((n, b_channels, resolution, resolution), dtype=np.uint8)
    labels = np.empty(n, dtype=np.int64) if label_key else None
    for i, row in enumerate(tqdm(dataset, desc=f"decoding pairs {source}:{split}", unit="pair", mininterval=2)):
        if paired_layout == "columns":
            a = _open_cell(row[a_key], i, a_key, source)
            b = _open_cell(row[b_key], i, b_key, source)
            if a.size != b.size:
                raise HFGANError(f"row {i}{_row_path(row[a_key])} of {source!r} split {split!r}: source {a_key!r} is "
                                 f"{a.size[0]}x{a.size[1]} but target {b_key!r} is {b.size[0]}x{b.size[1]}; "
                                 "paired images must have the same size")
        else:
            whole = _open_cell(row[image_keys[0]], i, image_keys[0], source)
            width, height = whole.size
            half = width // 2
            if half == 0:
                raise HFGANError(f"row {i}{_row_path(row[image_keys[0]])} of {source!r} split {split!r} is "
                                 f"{width}x{height}: too narrow to split into side-by-side halves")
            a, b = whole.crop((0, 0, half, height)), whole.crop((half, 0, 2 * half, height))
        a_out[i] = resize_and_crop(a, resolution, a_channels, center_crop)
        b_out[i] = resize_and_crop(b, resolution, b_channels, center_crop)
        if labels is not None:
            labels[i] = int(row[label_key])
    names = (a_key, b_key) if paired_layout == "columns" else ("left", "right")
    if direction == "BtoA":
        a_out, b_out, names = b_out, a_out, names[::-1]
    return PairedTensorData(a_out, b_out, labels, class_names, *names)


# --------------------------------------------------------------------------------------------------
# Unpaired domains
# --------------------------------------------------------------------------------------------------

def class_ids(spec: str, classes: str, class_names: Optional[List[str]], num_labels: Optional[int]) -> List[int]:
    """``"Sneaker"``, ``"Ankle boot"``, ``"sneaker,bag"`` or ``"0,7"`` -> sorted class ids (``spec``, the whole
    ``"<dataset>:<classes>"``, names the selection in errors)."""
    names = list(class_names or [])
    lower = {name.lower(): i for i, name in enumerate(names)}
    if classes in names:  # a whole name, even one with a comma in it
        return [names.index(classes)]
    count = len(names) if names else num_labels
    ids = []
    for token in (t.strip() for t in classes.split(",")):
        if token in names:
            ids.append(names.index(token))
        elif token.lower() in lower:
            ids.append(lower[token.lower()])
        elif token.isdigit() and (count is None or int(token) < count):
            ids.append(int(token))
        else:
            valid = f"valid names: {names}" if names else f"labels are integers 0..{(num_labels or 1) - 1}"
            raise HFGANError(f"unknown class {token!r} in domain {spec!r}; {valid}")
    return sorted(set(ids))


def load_domain_tensor_data(spec: str, split: str = "train", resolution: int = 28, channels: int = 1,
                            max_samples: Optional[int] = None, center_crop: bool = True,
                            image_column: Optional[str] = None, label_column: Optional[str] = None,
                            max_memory_gb: float = 8.0) -> ImageTensorData:
    """One unpaired image domain in memory as :class:`~hfgan.data.ImageTensorData`.

    ``spec``: a Hub dataset name, a local image folder, a built-in (``fashion_mnist``), or a class subset of a
    labelled dataset: ``"<dataset>:<classes>"`` where ``<classes>`` is a class name (``fashion_mnist:Sneaker``,
    ``"fashion_mnist:Ankle boot"``, case-insensitive), several comma-separated names, or class ids
    (``fashion_mnist:0,7``). The images keep their original class labels and the dataset's full list of
    class names. ``max_samples`` caps the domain after the class selection.
    """
    if os.path.isdir(spec) or ":" not in spec:
        return load_image_tensor_data(spec, split, resolution, channels, image_column, label_column, center_crop,
                                      max_samples, max_memory_gb)
    name, _, classes = spec.partition(":")
    if not name or not classes.strip():
        raise HFGANError(f"domain {spec!r} must be '<dataset>:<class names or ids>'")
    classes = classes.strip()

    builtin = builtin_source(name)
    if builtin is not None and builtin.serves(name, resolution, channels, image_column, label_column, classes=True):
        ids = class_ids(spec, classes, builtin.CLASS_NAMES, None)
        return builtin.tensor_data(name, split, image_column, max_samples, ids, spec)

    dataset = load_image_dataset(name, split)
    if len(dataset) == 0:
        raise HFGANError(f"dataset {name!r} split {split!r} is empty")
    image_key = find_column(dataset, image_column, IMAGE_COLUMNS, "image")
    label_key = _label_column(dataset, label_column, [image_key])
    if label_key is None:
        raise HFGANError(f"domain {spec!r}: dataset {name!r} has no label column to pick classes from; "
                         f"columns: {list(dataset.column_names)}")
    labels = np.asarray(dataset[label_key], dtype=np.int64)
    class_names = getattr(dataset.features[label_key], "names", None)
    ids = class_ids(spec, classes, class_names, int(labels.max()) + 1 if len(labels) else None)
    keep = np.flatnonzero(np.isin(labels, ids))
    if len(keep) == 0:
        raise HFGANError(f"domain {spec!r} split {split!r} has no images")
    if max_samples:
        keep = keep[:max_samples]
    return image_tensor_data_from_dataset(dataset.select(keep), spec, split, resolution, channels, image_key,
                                          label_key, center_crop, None, max_memory_gb)
