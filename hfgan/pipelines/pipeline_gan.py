"""``GANPipeline``: one line from a saved generator to images, following diffusers' pipeline API.

Loading, saving and publishing come from :class:`~hfgan.pipelines.pipeline_utils._LoadingMixin`; this module
holds the generation ``__call__`` alone.
"""

import dataclasses
from typing import List, Optional, Sequence, Union

import numpy as np
import torch
from diffusers.pipelines.pipeline_utils import DiffusionPipeline, ImagePipelineOutput
from diffusers.utils.torch_utils import randn_tensor

from ..cards import CardFacts
from ..errors import HFGANError
from ..models.capabilities import TRUNCATION_STANDING_STATS, has_w_space, truncation_kind
from .image_processor import OUTPUT_TYPES, postprocess_image
from .pipeline_utils import _LoadingMixin, eval_mode, placement

ClassLabels = Union[int, str, Sequence[Union[int, str]], torch.Tensor, None]


def truncated_randn(shape, generator=None, device=None, bound: float = 2.0) -> torch.Tensor:
    """float32 draws from N(0, 1) truncated to [-bound, bound], by redrawing the values outside until none are left.

    The same distribution as ``scipy.stats.truncnorm(-bound, bound)`` (which BigGAN's own sampling uses), drawn
    with torch's generators so that a seed (or a list of per-image generators) reproduces it on any device.
    """
    values = randn_tensor(shape, generator=generator, device=device, dtype=torch.float32)
    outside = values.abs() > bound
    while bool(outside.any()):
        redraw = randn_tensor(shape, generator=generator, device=device, dtype=torch.float32)
        values = torch.where(outside, redraw, values)
        outside = values.abs() > bound
    return values


class GANPipeline(_LoadingMixin, DiffusionPipeline):
    r"""
    Pipeline for unconditional and class-conditional image generation with a GAN generator.

    Parameters:
        generator ([`ModelMixin`]): Maps ``latents [N, latent_dim]`` (+ ``class_labels [N]``) to images in [-1, 1].
        discriminator ([`ModelMixin`], *optional*): Kept for fine-tuning; unused at inference.
    """

    model_cpu_offload_seq = "generator"
    pipeline_tag = "unconditional-image-generation"
    _optional_components = ["discriminator"]
    max_batch_size: int = 1024  # images per call; more are made in several calls (see `hfgan generate`)

    def __init__(self, generator, discriminator=None):
        super().__init__()
        self.register_modules(generator=generator, discriminator=discriminator)
        self.card_data: dict = {}

    # -- what callers need from the generator's config -------------------------------------------
    @property
    def latent_dim(self) -> int:
        return self.generator.config.latent_dim

    @property
    def num_classes(self) -> Optional[int]:
        return self.generator.config.get("num_classes")

    @property
    def truncation_kind(self) -> str:
        """How this generator truncates: ``"latents"`` (the pipeline scales sampled latents), ``"standing_stats"``
        (BigGAN: the generator takes ``truncation_psi``; latents are drawn from a normal truncated to [-2, 2]) or
        ``"w_space"`` (StyleGAN2: the generator moves its ws towards ``w_avg``; it has noise inputs)."""
        return truncation_kind(self.generator)

    @property
    def class_names(self) -> Optional[List[str]]:
        names = self.generator.config.get("class_names")
        if names:
            return list(names)
        return [str(i) for i in range(self.num_classes)] if self.num_classes else None

    def card_facts(self) -> CardFacts:
        """The model card's facts (those of every pipeline), with the classes of a conditional generator and its kind
        of truncation (a W space has the card show truncation in W and style mixing)."""
        return dataclasses.replace(super().card_facts(), num_classes=self.num_classes,
                                   class_names=tuple(self.class_names or ()), truncation=self.truncation_kind)

    @property
    def resolutions(self) -> Optional[List[int]]:
        """The resolutions the generator renders at (lowest first), for generators that grow; else None."""
        ladder = getattr(self.generator, "resolutions", None)
        return list(ladder) if ladder is not None else None

    def prepare_resolution(self, resolution: Optional[int]) -> dict:
        """The generator's keyword arguments for ``resolution`` (none when it is None), checked against
        :attr:`resolutions`."""
        if resolution is None:
            return {}
        ladder = self.resolutions
        if ladder is None:
            raise HFGANError(f"this generator renders at {self.generator.config.sample_size}x{self.generator.config.sample_size} "
                             "only; resolution= is for generators that grow (e.g. Progressive GAN)")
        if isinstance(resolution, bool) or not isinstance(resolution, (int, np.integer)) or int(resolution) not in ladder:
            raise HFGANError(f"resolution must be one of {ladder}, got {resolution!r}")
        return {"resolution": int(resolution)}

    def prepare_class_labels(self, class_labels: ClassLabels, batch_size: int, device) -> Optional[torch.Tensor]:
        """Turn an int, a class name, a list of either, or a tensor into ``class_labels [batch_size]``."""
        if class_labels is None:
            if self.num_classes:
                raise HFGANError(f"this model is class-conditional: pass class_labels (0..{self.num_classes - 1} or a name of {self.class_names})")
            return None
        if not self.num_classes:
            raise HFGANError("class_labels were given, but this model is unconditional")
        if isinstance(class_labels, (torch.Tensor, np.ndarray)):
            if class_labels.ndim > 1:
                raise HFGANError(f"class_labels must be 1-D, got shape {list(class_labels.shape)}")
            labels = class_labels.reshape(-1).tolist()
        else:
            labels = list(class_labels) if isinstance(class_labels, (list, tuple)) else [class_labels]
        ids = [self._label_id(label) for label in labels]
        if len(ids) == 1:
            ids = ids * batch_size
        if len(ids) != batch_size:
            raise HFGANError(f"got {len(ids)} class_labels for batch_size={batch_size}")
        return torch.tensor(ids, dtype=torch.long, device=device)

    def _label_id(self, label) -> int:
        if isinstance(label, str):
            lookup = {name.lower(): i for i, name in enumerate(self.class_names)}
            if label.lower() in lookup:
                return lookup[label.lower()]
            if label.isdigit():
                label = int(label)
            else:
                raise HFGANError(f"unknown class name {label!r}; known: {self.class_names}")
        if isinstance(label, bool) or not isinstance(label, (int, np.integer)) and not (isinstance(label, float) and label.is_integer()):
            raise HFGANError(f"class labels must be integers or class names, got {label!r}")
        label = int(label)
        if not 0 <= label < self.num_classes:
            raise HFGANError(f"class label {label} is out of range [0, {self.num_classes - 1}]")
        return label

    def prepare_latents(self, batch_size: int, generator=None, latents: Optional[torch.Tensor] = None, device=None,
                        dtype=None, truncation: Optional[float] = None) -> torch.Tensor:
        """Sample ``latents [batch_size, latent_dim]`` from N(0, I), or check the given ones (used unchanged).

        With ``truncation``, samples come from N(0, I) truncated to [-2, 2], times ``truncation`` (BigGAN's prior)."""
        shape = (batch_size, self.latent_dim)
        if latents is None:
            generators = generator if isinstance(generator, list) else [generator]
            if not all(g is None or isinstance(g, torch.Generator) for g in generators):
                bad = next(g for g in generators if g is not None and not isinstance(g, torch.Generator))
                raise HFGANError(f"generator must be a torch.Generator or a list of them, got {type(bad).__name__} "
                                 "(for a seed use torch.Generator().manual_seed(seed))")
            if isinstance(generator, list) and len(generator) != batch_size:
                raise HFGANError(f"got a list of {len(generator)} generators for batch_size={batch_size}")
            # float32 draws, then cast: a seed gives the same latents whatever the model's dtype
            if truncation is not None:
                return (truncated_randn(shape, generator, device) * truncation).to(dtype)
            return randn_tensor(shape, generator=generator, device=device, dtype=torch.float32).to(dtype)
        if not isinstance(latents, torch.Tensor) or tuple(latents.shape) != shape or not latents.is_floating_point():
            got = f"{latents.dtype} {list(latents.shape)}" if isinstance(latents, torch.Tensor) else type(latents).__name__
            raise HFGANError(f"latents must be a floating-point tensor of shape [{batch_size}, {self.latent_dim}], got {got}")
        return latents.to(device=device, dtype=dtype)

    @torch.no_grad()
    def __call__(
        self,
        batch_size: Optional[int] = None,
        class_labels: ClassLabels = None,
        latents: Optional[torch.Tensor] = None,
        generator: Optional[Union[torch.Generator, List[torch.Generator]]] = None,
        truncation_psi: float = 1.0,
        output_type: str = "pil",
        return_dict: bool = True,
        resolution: Optional[int] = None,
        noise_mode: Optional[str] = None,
    ) -> Union[ImagePipelineOutput, tuple]:
        r"""
        Generate images.

        Args:
            batch_size (`int`, *optional*): Number of images; defaults to the length of `latents`, of a list of
                `class_labels` or of a list of `generator`s, else 1. At most `pipe.max_batch_size` (1024) per call,
                so that one call cannot exhaust memory; for more, call again with the same `generator`, or raise
                `pipe.max_batch_size` on a machine that can hold them.
            class_labels (`int`, `str`, list of them, or `torch.Tensor`, *optional*): Classes to generate
                (indices or names from the config's `class_names`); required by conditional models.
            latents (`torch.Tensor`, *optional*): Pre-sampled latents `[batch_size, latent_dim]`.
            generator (`torch.Generator` or `List[torch.Generator]`, *optional*): Makes sampling
                deterministic; a list gives each image its own generator.
            truncation_psi (`float`, defaults to 1.0): Truncation trick, below 1 trades variety for fidelity. For most
                generators latents are scaled towards the mean of the prior (0) by this factor. For generators with
                standing statistics (BigGAN, `pipe.truncation_kind == "standing_stats"`) it must lie in (0, 1]: the
                generator picks its batch-norm statistics for it, and latents, when not given, are drawn from a
                normal truncated to [-2, 2] times `truncation_psi`; given latents are used as they are. For generators
                with a mapping network (StyleGAN2, `pipe.truncation_kind == "w_space"`) it moves every image's ws
                towards the generator's `w_avg` (0 gives the average image for every latent); latents are unchanged.
            output_type (`str`, defaults to `"pil"`): `"pil"` (list of `PIL.Image`), `"np"` (`[N, H, W, C]`
                floats in [0, 1]) or `"pt"` (`[N, C, H, W]` tensor in [0, 1]).
            return_dict (`bool`, defaults to True): Return an `ImagePipelineOutput` rather than a tuple.
            resolution (`int`, *optional*): For generators that render at several resolutions (Progressive GAN: see
                `pipe.resolutions`), the size to render at; defaults to the final one (`sample_size`).
            noise_mode (`str`, *optional*): For generators with noise inputs (StyleGAN2): `"const"` (default: the
                stored noise, so a seed gives the same image), `"random"` (fresh noise from `generator`) or `"none"`.

        Example:

        ```py
        >>> import torch
        >>> from hfgan import GANPipeline
        >>> pipe = GANPipeline.from_pretrained("pipelines/dcgan-fashion-mnist")
        >>> images = pipe(batch_size=16, generator=torch.Generator().manual_seed(0)).images
        >>> images[0].save("sample.png")
        ```
        """
        if output_type not in OUTPUT_TYPES:
            raise HFGANError(f"unknown output_type {output_type!r}; use one of {OUTPUT_TYPES}")
        if not isinstance(truncation_psi, (int, float)) or not 0.0 <= truncation_psi <= 2.0:
            raise HFGANError(f"truncation_psi must be a number in [0, 2], got {truncation_psi!r}")
        if batch_size is None:
            if latents is not None and isinstance(latents, torch.Tensor) and latents.ndim == 2:
                batch_size = latents.shape[0]
            elif isinstance(class_labels, (list, tuple)) or getattr(class_labels, "ndim", None) == 1:
                batch_size = len(class_labels)
            elif isinstance(generator, list):
                batch_size = len(generator)
            else:
                batch_size = 1
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise HFGANError(f"batch_size must be an integer >= 1, got {batch_size!r}")
        if batch_size > self.max_batch_size:
            raise HFGANError(f"batch_size={batch_size} is more than the {self.max_batch_size} images one call may make "
                             "(pipe.max_batch_size): generate in several calls with the same generator")

        extra = self.prepare_resolution(resolution)
        device, dtype, hooked = placement(self, self.generator)
        labels = self.prepare_class_labels(class_labels, batch_size, device)
        truncation = {}
        if noise_mode is not None and not has_w_space(self.generator):
            raise HFGANError("noise_mode is for generators with noise inputs (StyleGAN2); this one has none")
        if has_w_space(self.generator):
            latents = self.prepare_latents(batch_size, generator, latents, device, dtype)  # used unscaled
            truncation = {"truncation_psi": float(truncation_psi), "noise_mode": noise_mode or "const",
                          "generator": generator}
        elif self.truncation_kind == TRUNCATION_STANDING_STATS:
            if not 0.0 < truncation_psi <= 1.0:
                raise HFGANError(f"truncation_psi must be in (0, 1] for this generator (standing statistics), got {truncation_psi!r}")
            # given latents are used as they are; sampled ones come from the truncated prior
            latents = self.prepare_latents(batch_size, generator, latents, device, dtype, truncation=truncation_psi)
            truncation = {"truncation_psi": float(truncation_psi)}
        else:
            latents = self.prepare_latents(batch_size, generator, latents, device, dtype)
            if truncation_psi != 1.0:
                latents = latents * truncation_psi

        with eval_mode(self.generator):
            images = self.generator(latents, labels, **extra, **truncation) if labels is not None else self.generator(latents, **extra, **truncation)  # [N, C, H, W]
        images = postprocess_image(images, output_type)
        if hooked:
            self.maybe_free_model_hooks()
        if not return_dict:
            return (images,)
        return ImagePipelineOutput(images=images)

    def style_mixing(self, num_rows: int = 3, num_columns: int = 3, row_latents: Optional[torch.Tensor] = None,
                     column_latents: Optional[torch.Tensor] = None, style_layers=None, class_labels: ClassLabels = None,
                     column_class_labels: ClassLabels = None, generator: Optional[torch.Generator] = None,
                     truncation_psi: float = 1.0, noise_mode: str = "const", output_type: str = "pil"):
        r"""
        Style mixing (generators with a W space, e.g. StyleGAN2): a `num_rows` x `num_columns` grid whose image
        (r, c) has row r's styles, except at `style_layers`, where it has column c's.

        Args:
            num_rows (`int`, defaults to 3), num_columns (`int`, defaults to 3): Latents to sample for the rows and
                the columns (ignored where `row_latents` / `column_latents` are given).
            row_latents, column_latents (`torch.Tensor`, *optional*): `[rows, latent_dim]`, `[columns, latent_dim]`.
            style_layers (`int`, `range` or list of `int`, *optional*): The ws (style inputs, `0 ..
                generator.num_ws - 1`, coarse to fine) that take the column latent's styles; an int `k` means the
                first `k`. Default: the coarse half, `range(num_ws // 2)` (the column gives pose and shape, the row
                the details).
            class_labels, column_class_labels (*optional*): Conditional models: one label for every image, or the
                rows' labels; `column_class_labels` gives the columns' (default: `class_labels`).
            generator (`torch.Generator`, *optional*): Draws the row latents, then the column latents (and the noise
                with `noise_mode="random"`).
            truncation_psi (`float`, defaults to 1.0): Truncation towards `w_avg` of both latents' ws.
            noise_mode (`str`, defaults to `"const"`): `"const"`, `"random"` or `"none"`.
            output_type (`str`, defaults to `"pil"`): Format of the images, as in `__call__`.

        Returns:
            [`~hfgan.pipelines.style_mixing.StyleMixingOutput`]: `images` (the mixes, row by row), `grid` (a PIL image
            with the column sources on top and the row sources on the left), `row_images`, `column_images` and
            `style_layers`.

        Example:

        ```py
        >>> import torch
        >>> from hfgan import GANPipeline
        >>> pipe = GANPipeline.from_pretrained("path/to/stylegan2-pipeline")
        >>> out = pipe.style_mixing(num_rows=3, num_columns=4, style_layers=range(0, 4),
        ...                         generator=torch.Generator().manual_seed(0))
        >>> out.grid.save("style_mixing.png")
        ```
        """
        from .style_mixing import style_mixing

        return style_mixing(self, num_rows, num_columns, row_latents, column_latents, style_layers, class_labels,
                            column_class_labels, generator, truncation_psi, noise_mode, output_type)
