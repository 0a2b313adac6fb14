"""Image-to-image translation: plain functions on a loaded translation pipeline.

A translation pipeline (``GANImageToImagePipeline``) translates ``forward`` (source -> target domain); a
two-way one (CycleGAN) also translates ``reverse``. Inputs arrive as PIL images, numpy arrays or, when an
upload could not be read as an image, as the uploaded file's path: :func:`open_image` turns that into a
one-line message.
"""

import os
from typing import Tuple

from PIL import Image, ImageOps, UnidentifiedImageError

from hfgan.errors import HFGANError
from hfgan.pipelines.memory import check_images_fit

from .errors import SpaceError, one_line
from .settings import IMAGE_TO_IMAGE, MAX_INPUT_PIXELS

DIRECTIONS = ("forward", "reverse")
READABLE = "a PNG, JPEG, WebP, GIF or BMP image"


def is_translator(pipe) -> bool:
    return getattr(pipe, "pipeline_tag", "") == IMAGE_TO_IMAGE


def require_translator(pipe) -> None:
    if not is_translator(pipe):
        raise SpaceError("this model generates images from noise: the Image-to-image tab needs a translation pipeline")


def directions(pipe) -> Tuple[str, ...]:
    """``("forward",)`` for a one-way pipeline (Pix2Pix), ``("forward", "reverse")`` for a two-way one (CycleGAN)."""
    declared = getattr(pipe, "directions", None)
    if declared:
        return tuple(declared)
    return DIRECTIONS if getattr(pipe, "generator_reverse", None) is not None else DIRECTIONS[:1]


def check_direction(pipe, direction, name: str = "this model") -> str:
    """``direction`` normalised to ``"forward"`` / ``"reverse"``; a one-way model refuses ``"reverse"``."""
    value = "forward" if direction is None or (isinstance(direction, str) and not direction.strip()) else direction
    value = value.strip().lower() if isinstance(value, str) else value
    if value not in DIRECTIONS:
        raise SpaceError(f"unknown direction {direction!r}: use 'forward' or 'reverse'")
    if value not in directions(pipe):
        raise SpaceError(f"{name} translates one way only (forward): the reverse direction needs a two-way "
                         "(CycleGAN) model")
    return value


def _check_size(width: int, height: int, what: str) -> None:
    if width * height > MAX_INPUT_PIXELS:
        raise SpaceError(f"{what} is {width}×{height} pixels: upload an image of at most "
                         f"{MAX_INPUT_PIXELS / 1e6:.0f} megapixels")


def open_image(image):
    """What the pipeline takes: a PIL image (the first frame of an animation) or an array, checked.

    ``image`` is a PIL image, a numpy array, or the path of an uploaded file; a file that is not an image,
    or is too large, is a :class:`SpaceError` naming it.
    """
    if image is None:
        raise SpaceError("upload an image first (or click an example)")
    if isinstance(image, (str, os.PathLike)):
        name = os.path.basename(os.fspath(image)) or "the upload"
        try:
            with Image.open(image) as opened:
                _check_size(*opened.size, f"'{name}'")
                opened.seek(0)
                image = ImageOps.exif_transpose(opened)  # a loaded copy, turned upright as its EXIF says
        except SpaceError:
            raise
        except (UnidentifiedImageError, Image.DecompressionBombError):
            raise SpaceError(f"'{name}' is not an image that can be read: upload {READABLE}") from None
        except (OSError, SyntaxError, ValueError, EOFError) as err:  # truncated or corrupt image files
            raise SpaceError(f"'{name}' could not be read as an image ({one_line(err)}): upload {READABLE}") from None
        return image
    if isinstance(image, Image.Image):
        _check_size(*image.size, "the image")
        return image
    if hasattr(image, "shape") and hasattr(image, "dtype"):  # numpy array or torch tensor: the pipeline checks it
        return image
    raise SpaceError(f"the input must be an image, got {type(image).__name__}")


def translate(pipe, image, direction: str = "forward", name: str = "this model") -> Image.Image:
    """Translate one image in ``direction``; the output has the model's size."""
    require_translator(pipe)
    direction = check_direction(pipe, direction, name)
    image = open_image(image)
    try:
        model = pipe.translator(direction)
        check_images_fit(model, 1, next(model.parameters()).device)  # refused at once when one image cannot fit
        return pipe(image=image, direction=direction, output_type="pil").images[0]
    except HFGANError as err:
        raise SpaceError(one_line(err)) from None
