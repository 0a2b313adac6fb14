"""The rows of an image data set: which columns hold the images and the labels, an image cell as a PIL image, a
training image resized and cropped to its square, class names checked."""

from typing import Optional, Tuple

import numpy as np

from ..errors import HFGANError

IMAGE_COLUMNS = ("image", "img", "images", "pixel_values")
LABEL_COLUMNS = ("label", "labels", "class", "class_label", "fine_label")


def find_column(dataset, requested: Optional[str], candidates, kind: str) -> Optional[str]:
    """The ``kind`` column of ``dataset``: ``requested`` (it must exist), else the first of ``candidates`` there; an
    image column falls back to the first ``datasets.Image`` feature, and a one-line error when there is none."""
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


def decode_cell(value):
    """An undecoded ``datasets.Image`` cell (``{"bytes", "path"}``) -> PIL image; other values pass through."""
    if isinstance(value, dict) and ("bytes" in value or "path" in value):
        import io

        from PIL import Image

        source = io.BytesIO(value["bytes"]) if value.get("bytes") else value["path"]
        image = Image.open(source)
        image.load()
        return image
    return value


def _to_pil(image, channels: int):
    from PIL import Image

    if isinstance(image, np.ndarray):
        image = Image.fromarray(image)
    if not isinstance(image, Image.Image):
        raise HFGANError(f"image column holds {type(image).__name__}, not images")
    return image.convert("L" if channels == 1 else "RGB")


def resize_and_crop(image, resolution: int, channels: int, center_crop: bool = True,
                    crop_at: Optional[Tuple[float, float]] = None) -> np.ndarray:
    """A training image: PIL/array image -> uint8 ``[C, resolution, resolution]`` (resize the short side, then
    center-crop, as diffusers' training scripts do).

    ``crop_at`` (fractions in [0, 1] of the free width and height) crops there instead of at the center: a random
    crop when drawn per item. ``center_crop=False`` without ``crop_at`` resizes to a square instead. (A pipeline's
    inputs are prepared by :func:`hfgan.pipelines.image_processor.preprocess_image`, which resizes without cropping.)
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


def check_class_names(names, source: str) -> None:
    """Refuse a class name that is not one line of text (a line break or control character, which an image folder's
    sub-folder name may hold): class names caption sample grids and fill model cards. One line naming it."""
    import unicodedata

    for name in names:
        if any(unicodedata.category(c) in ("Cc", "Cs", "Zl", "Zp") for c in str(name)):
            raise HFGANError(f"class name {str(name)!r} of {source} has a line break or control character: class names "
                             "caption sample grids and model cards, one line each (rename that class's sub-folder)")

