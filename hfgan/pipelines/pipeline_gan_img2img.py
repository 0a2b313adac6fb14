"""``GANImageToImagePipeline``: translate images with a Pix2Pix or CycleGAN generator, following diffusers'
pipeline API.

Loading, saving and publishing come from :class:`~hfgan.pipelines.pipeline_utils._LoadingMixin`, image
handling from :mod:`hfgan.pipelines.image_processor`; this module holds the translation ``__call__`` alone.
"""

from typing import List, Optional, Tuple, Union

import numpy as np
import torch
from diffusers.pipelines.pipeline_utils import DiffusionPipeline, ImagePipelineOutput

from ..errors import HFGANError
from .image_processor import OUTPUT_TYPES, ImageInput, postprocess_image, preprocess_image
from .pipeline_utils import _LoadingMixin, eval_mode, placement

DIRECTIONS = ("forward", "reverse")


def _count_images(image) -> int:
    """How many images ``image`` holds (a batch array or tensor counts its first axis), without converting it."""
    items = image if isinstance(image, (list, tuple)) else [image]
    return sum(item.shape[0] if isinstance(item, (np.ndarray, torch.Tensor)) and item.ndim == 4 else 1 for item in items)


class GANImageToImagePipeline(_LoadingMixin, DiffusionPipeline):
    r"""
    Pipeline for image-to-image translation with a GAN generator: one way (Pix2Pix), or both ways (CycleGAN).

    Every generator maps ``pixel_values [N, in_channels, H, W]`` in [-1, 1] to ``[N, out_channels, H, W]`` in
    [-1, 1], and its config has ``in_channels``, ``out_channels`` and ``sample_size``.

    Parameters:
        generator ([`ModelMixin`]): Translates from the source domain to the target domain (`direction="forward"`).
        discriminator ([`ModelMixin`], *optional*): The target domain's discriminator; kept for fine-tuning,
            unused at inference.
        generator_reverse ([`ModelMixin`], *optional*): Translates back, from the target domain to the source
            domain (`direction="reverse"`); present in two-way (CycleGAN) pipelines only.
        discriminator_reverse ([`ModelMixin`], *optional*): The source domain's discriminator (two-way pipelines);
            kept for fine-tuning, unused at inference.
    """

    model_cpu_offload_seq = "generator->generator_reverse"
    pipeline_tag = "image-to-image"
    _optional_components = ["discriminator", "generator_reverse", "discriminator_reverse"]
    max_batch_size: int = 1024  # input images per call; more are translated in several calls (see `hfgan translate`)

    def __init__(self, generator, discriminator=None, generator_reverse=None, discriminator_reverse=None):
        super().__init__()
        self.register_modules(generator=generator, discriminator=discriminator, generator_reverse=generator_reverse,
                              discriminator_reverse=discriminator_reverse)
        self.card_data: dict = {}

    @property
    def directions(self) -> Tuple[str, ...]:
        """``("forward",)`` for a one-way pipeline, ``("forward", "reverse")`` for a two-way one."""
        return DIRECTIONS if self.generator_reverse is not None else DIRECTIONS[:1]

    def translator(self, direction: str = "forward"):
        """The generator that translates in ``direction``, checked against the model contract."""
        if direction not in DIRECTIONS:
            raise HFGANError(f"unknown direction {direction!r}; use 'forward' or 'reverse'")
        model = self.generator if direction == "forward" else self.generator_reverse
        if model is None:
            raise HFGANError("direction='reverse' needs a two-way (CycleGAN) pipeline, but this one translates one way "
                             "only (it has no generator_reverse)")
        name = "generator" if direction == "forward" else "generator_reverse"
        config = getattr(model, "config", {}) or {}
        missing = [key for key in ("in_channels", "out_channels", "sample_size") if config.get(key) is None]
        if missing:
            raise HFGANError(f"the {name} ({type(model).__name__}) has no {', '.join(missing)} in its config, "
                             "which an image-to-image pipeline needs")
        return model

    @torch.no_grad()
    def __call__(
        self,
        image: ImageInput,
        direction: str = "forward",
        generator: Optional[Union[torch.Generator, List[torch.Generator]]] = None,
        output_type: str = "pil",
        return_dict: bool = True,
    ) -> Union[ImagePipelineOutput, tuple]:
        r"""
        Translate images.

        Args:
            image (`PIL.Image.Image`, `np.ndarray`, `torch.Tensor`, or a list of them): The images to translate,
                as diffusers' image processors take them: PIL images (any mode), numpy `HWC` / `NHWC` or torch
                `CHW` / `NCHW` floats in [0, 1] (uint8 in [0, 255] too; `HW` for grayscale). Each image is resized
                to the generator's `sample_size` and converted to its `in_channels` (RGB <-> grayscale).
            direction (`str`, defaults to `"forward"`): `"forward"` translates with `generator`; `"reverse"`
                translates back with `generator_reverse` (two-way pipelines only).
            generator (`torch.Generator` or `List[torch.Generator]`, *optional*): Accepted for symmetry with the
                other pipelines. It changes nothing: the generators run in eval mode, where they are deterministic
                (Pix2Pix's dropout is active in training only).

            At most `pipe.max_batch_size` (1024) input images per call, so that one call cannot exhaust memory;
            translate more in several calls, or raise `pipe.max_batch_size` on a machine that can hold them.
            output_type (`str`, defaults to `"pil"`): `"pil"` (list of `PIL.Image`), `"np"` (`[N, H, W, C]`
                floats in [0, 1]) or `"pt"` (`[N, C, H, W]` tensor in [0, 1]).
            return_dict (`bool`, defaults to True): Return an `ImagePipelineOutput` rather than a tuple.

        Example:

        ```py
        >>> from PIL import Image
        >>> from hfgan import CycleGANGenerator, GANImageToImagePipeline
        >>> pipe = GANImageToImagePipeline(
        ...     generator=CycleGANGenerator(in_channels=3, out_channels=3, sample_size=32, base_channels=8),
        ...     generator_reverse=CycleGANGenerator(in_channels=3, out_channels=3, sample_size=32, base_channels=8),
        ... )
        >>> photo = Image.new("RGB", (64, 48), (200, 120, 40))
        >>> translated = pipe(photo).images[0]  # resized to 32x32
        >>> back = pipe(translated, direction="reverse").images[0]
        >>> translated.size, back.mode
        ((32, 32), 'RGB')
        ```
        """
        if output_type not in OUTPUT_TYPES:
            raise HFGANError(f"unknown output_type {output_type!r}; use one of {OUTPUT_TYPES}")
        generators = generator if isinstance(generator, list) else [generator]
        bad = next((g for g in generators if g is not None and not isinstance(g, torch.Generator)), None)
        if bad is not None:
            raise HFGANError(f"generator must be a torch.Generator or a list of them, got {type(bad).__name__}")
        model = self.translator(direction)
        count = _count_images(image)
        if count > self.max_batch_size:
            raise HFGANError(f"got {count} input images, more than the {self.max_batch_size} one call may translate "
                             "(pipe.max_batch_size): translate them in several calls")
        config = model.config
        pixel_values = preprocess_image(image, config.in_channels, config.sample_size)  # [N, C_in, H, W] in [-1, 1]

        device, dtype, hooked = placement(self, model)
        with eval_mode(model):
            images = model(pixel_values.to(device=device, dtype=dtype))  # [N, C_out, H, W] in [-1, 1]
        images = postprocess_image(images, output_type)
        if hooked:
            self.maybe_free_model_hooks()
        if not return_dict:
            return (images,)
        return ImagePipelineOutput(images=images)
