"""Image-to-image translation: plain functions on a loaded translation pipeline."""

from PIL import Image

from hfgan.errors import HFGANError

from .errors import SpaceError, one_line
from .settings import IMAGE_TO_IMAGE


def translate(pipe, image) -> Image.Image:
    """Run an image-to-image pipeline on one image."""
    if getattr(pipe, "pipeline_tag", "") != IMAGE_TO_IMAGE:
        raise SpaceError("this model generates images from noise: the Image-to-image tab needs a translation pipeline")
    if image is None:
        raise SpaceError("upload an image first")
    try:
        return pipe(image=image, output_type="pil").images[0]
    except HFGANError as err:
        raise SpaceError(one_line(err)) from None
