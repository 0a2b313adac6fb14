"""Datasets for image-to-image translation: paired (pix2pix) and unpaired (CycleGAN) data.

* ``fashion_mnist_edges``: a built-in paired dataset, Fashion-MNIST with a deterministic edge map of each
  garment (:func:`edge_map`) as the source. Columns ``edges`` (mode ``L``, 28x28, **white edges (255) on
  black (0)**, the same polarity as the garments, which are light on black), ``image`` (the garment) and
  ``label`` (a ``ClassLabel`` with the Fashion-MNIST names); ``train`` and ``test`` splits.
  Loadable as ``hfgan.data.load_image_dataset("fashion_mnist_edges", split="test")``.
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

from .data import (
    FASHION_MNIST_LABELS,
    IMAGE_COLUMNS,
    LABEL_COLUMNS,
    ImageTensorData,
    _decode,
    fashion_mnist_available,
    image_tensor_data_from_dataset,
    load_fashion_mnist,
    load_fashion_mnist_arrays,
    load_image_dataset,
    load_image_tensor_data,
    preprocess_image,
)
from .errors import HFGANError, one_line

FASHION_MNIST_EDGES = "fashion_mnist_edges"
FASHION_MNIST_EDGES_COLUMNS = ("edges", "image", "label")

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


def _to_uint8_tensor(values, name: str):
    import torch

    tensor = torch.as_tensor(values)
    if tensor.dtype != torch.uint8 or tensor.ndim != 4:
        raise HFGANError(f"{name} must be uint8 [N, C, H, W], got {tensor.dtype} {list(tensor.shape)}")
    return tensor


class PairedTensorData:
    """Aligned image pairs in memory: ``sources`` uint8 ``[N, Cs, H, W]``, ``targets`` uint8 ``[N, Ct, H, W]``.

    Optional ``class_labels [N]`` and ``class_names``. ``images`` is the targets (the domain a translation
    model generates), so code written for :class:`~hfgan.data.ImageTensorData` reads the right images.
    ``source_name``/``target_name`` say where each side came from (a column, or ``left``/``right``).
    """

    def __init__(self, sources, targets, class_labels=None, class_names=None,
                 source_name: str = "source", target_name: str = "target"):
        import torch

        self.sources = _to_uint8_tensor(sources, "sources")
        self.targets = _to_uint8_tensor(targets, "targets")
        if len(self.sources) != len(self.targets):
            raise HFGANError(f"{len(self.sources)} source images but {len(self.targets)} target images")
        if len(self.sources) == 0:
            raise HFGANError("the dataset split is empty")
        if self.sources.shape[2:] != self.targets.shape[2:]:
            raise HFGANError(f"sources are {list(self.sources.shape[2:])} but targets are "
                             f"{list(self.targets.shape[2:])}: paired images must have the same size")
        self.class_labels = None if class_labels is None else torch.as_tensor(class_labels, dtype=torch.long)
        if self.class_labels is not None and len(self.class_labels) != len(self.sources):
            raise HFGANError(f"{len(self.sources)} pairs but {len(self.class_labels)} labels")
        self.class_names = list(class_names) if class_names else None
        self.source_name, self.target_name = source_name, target_name

    def __len__(self) -> int:
        return len(self.sources)

    @property
    def images(self):
        return self.targets

    @property
    def source_channels(self) -> int:
        return int(self.sources.shape[1])

    @property
    def target_channels(self) -> int:
        return int(self.targets.shape[1])

    @property
    def num_classes(self) -> Optional[int]:
        if self.class_names:
            return len(self.class_names)
        return int(self.class_labels.max()) + 1 if self.class_labels is not None else None

    def batch(self, indices, device=None, flip_mask=None):
        """``(source_values, pixel_values)``: float ``[B, Cs, H, W]`` and ``[B, Ct, H, W]`` in [-1, 1] on ``device``.

        ``flip_mask`` (bool ``[B]``) mirrors both images of a pair horizontally together. Class labels, when
        wanted, are ``self.class_labels[indices]``.
        """
        import torch

        sources = self.sources[indices].to(device, non_blocking=True).float().mul_(2.0 / 255.0).sub_(1.0)
        targets = self.targets[indices].to(device, non_blocking=True).float().mul_(2.0 / 255.0).sub_(1.0)
        if flip_mask is not None and bool(flip_mask.any()):
            flip = flip_mask.to(targets.device)[:, None, None, None]
            sources = torch.where(flip, sources.flip(3), sources)
            targets = torch.where(flip, targets.flip(3), targets)
        return sources, targets


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
        image = _decode(value)
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


def _fashion_mnist_edges_pairs(split: str, source_column: str, target_column: str,
                               max_samples: Optional[int]) -> PairedTensorData:
    images, labels = load_fashion_mnist_arrays(split)
    if max_samples:
        images, labels = images[:max_samples], labels[:max_samples]
    edges = edge_map(images)
    sides = {"edges": edges, "image": images}
    return PairedTensorData(sides[source_column][:, None], sides[target_column][:, None], labels,
                            FASHION_MNIST_LABELS, source_column, target_column)


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

    if (source == FASHION_MNIST_EDGES and paired_layout == "columns" and resolution == 28
            and source_channels == 1 and target_channels == 1 and label_column in (None, "label")
            and fashion_mnist_available()):
        a = source_column or ("image" if target_column == "edges" else "edges")
        b = target_column or ("edges" if a == "image" else "image")
        for kind, name in (("source", a), ("target", b)):
            if name not in ("edges", "image"):
                raise HFGANError(f"dataset {source!r} has no {kind} image column {name!r}; "
                                 f"columns: {list(FASHION_MNIST_EDGES_COLUMNS)}")
        if a == b:
            raise HFGANError(f"dataset {source!r}: source and target are both column {a!r}")
        if direction == "BtoA":
            a, b = b, a
        return _fashion_mnist_edges_pairs(split, a, b, max_samples)

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
        from .data import _find_column

        image_keys = [_find_column(dataset, image_column, IMAGE_COLUMNS, "image")]
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
        a_out[i] = preprocess_image(a, resolution, a_channels, center_crop)
        b_out[i] = preprocess_image(b, resolution, b_channels, center_crop)
        if labels is not None:
            labels[i] = int(row[label_key])
    names = (a_key, b_key) if paired_layout == "columns" else ("left", "right")
    if direction == "BtoA":
        a_out, b_out, names = b_out, a_out, names[::-1]
    return PairedTensorData(a_out, b_out, labels, class_names, *names)


# --------------------------------------------------------------------------------------------------
# Unpaired domains
# --------------------------------------------------------------------------------------------------

def _class_ids(spec: str, classes: str, class_names: Optional[List[str]], num_labels: Optional[int]) -> List[int]:
    """``"Sneaker"``, ``"Ankle boot"``, ``"sneaker,bag"`` or ``"0,7"`` -> sorted class ids."""
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

    fast = (name in ("fashion_mnist", FASHION_MNIST_EDGES) and resolution == 28 and channels == 1
            and image_column in (None, "image", "edges") and label_column in (None, "label")
            and fashion_mnist_available() and (name == FASHION_MNIST_EDGES or image_column != "edges"))
    if fast:
        ids = _class_ids(spec, classes, FASHION_MNIST_LABELS, None)
        images, labels = load_fashion_mnist_arrays(split)
        keep = np.flatnonzero(np.isin(labels, ids))
        if len(keep) == 0:
            raise HFGANError(f"domain {spec!r} split {split!r} has no images")
        if max_samples:
            keep = keep[:max_samples]
        images, labels = images[keep], labels[keep]
        if image_column == "edges":
            images = edge_map(images)
        return ImageTensorData(images[:, None], labels, FASHION_MNIST_LABELS)

    from .data import _find_column

    dataset = load_image_dataset(name, split)
    if len(dataset) == 0:
        raise HFGANError(f"dataset {name!r} split {split!r} is empty")
    image_key = _find_column(dataset, image_column, IMAGE_COLUMNS, "image")
    label_key = _label_column(dataset, label_column, [image_key])
    if label_key is None:
        raise HFGANError(f"domain {spec!r}: dataset {name!r} has no label column to pick classes from; "
                         f"columns: {list(dataset.column_names)}")
    labels = np.asarray(dataset[label_key], dtype=np.int64)
    class_names = getattr(dataset.features[label_key], "names", None)
    ids = _class_ids(spec, classes, class_names, int(labels.max()) + 1 if len(labels) else None)
    keep = np.flatnonzero(np.isin(labels, ids))
    if len(keep) == 0:
        raise HFGANError(f"domain {spec!r} split {split!r} has no images")
    if max_samples:
        keep = keep[:max_samples]
    return image_tensor_data_from_dataset(dataset.select(keep), spec, split, resolution, channels, image_key,
                                          label_key, center_crop, None, max_memory_gb)
