"""``GANPipeline``: one line from a saved generator to images, following diffusers' pipeline API."""

import os
from typing import List, Optional, Sequence, Union

import numpy as np
import torch
from diffusers.pipelines.pipeline_utils import DiffusionPipeline, ImagePipelineOutput
from diffusers.utils.torch_utils import randn_tensor

from ..errors import CheckpointError, HFGANError

OUTPUT_TYPES = ("pil", "np", "pt")
ClassLabels = Union[int, str, Sequence[Union[int, str]], torch.Tensor, None]


def to_pil(images: torch.Tensor):
    """``[N, C, H, W]`` floats in [0, 1] -> list of PIL images (mode ``L`` for one channel, ``RGB`` for three)."""
    from PIL import Image

    arrays = (images.permute(0, 2, 3, 1).float().cpu().numpy() * 255).round().astype(np.uint8)
    if arrays.shape[-1] == 1:
        return [Image.fromarray(a[..., 0], mode="L") for a in arrays]
    return [Image.fromarray(a) for a in arrays]


def _use_public_import_paths(model_index_path: str) -> None:
    """Record components as ``["hfgan", "<Class>"]`` rather than their module path, so checkpoints keep
    loading when a module moves inside the package."""
    import json

    import hfgan

    with open(model_index_path, encoding="utf-8") as f:
        index = json.load(f)
    for key, value in index.items():
        if isinstance(value, list) and len(value) == 2 and str(value[0]).startswith("hfgan.") and hasattr(hfgan, value[1]):
            index[key] = ["hfgan", value[1]]
    with open(model_index_path, "w", encoding="utf-8") as f:
        json.dump(index, f, indent=2, sort_keys=True)
        f.write("\n")


class _LoadingMixin:
    """``from_pretrained`` / ``save_pretrained`` / ``push_to_hub`` shared by hfgan's pipelines."""

    pipeline_tag = "unconditional-image-generation"

    @classmethod
    def from_pretrained(cls, pretrained_model_name_or_path: Union[str, os.PathLike], **kwargs):
        """Load a saved pipeline from a local folder or a Hub repo id (diffusers' keyword arguments).

        Only safetensors weights are read; a folder that is not a saved hfgan pipeline, or a corrupt
        weights file, raises :class:`~hfgan.errors.CheckpointError` with a one-line reason.
        """
        if kwargs.get("use_safetensors") is False:
            raise HFGANError("hfgan loads safetensors weights only (use_safetensors=False is not supported)")
        kwargs["use_safetensors"] = True
        path = os.fspath(pretrained_model_name_or_path)
        subfolder = kwargs.get("subfolder")
        local = os.path.join(path, subfolder) if subfolder else path
        if os.path.isdir(local) and not os.path.isfile(os.path.join(local, "model_index.json")):
            raise CheckpointError(f"{local} has no model_index.json: it is not a saved hfgan pipeline")
        if not os.path.isdir(local) and (os.path.exists(local) or path.startswith((".", "/")) or path.count("/") > 1):
            raise CheckpointError(f"{path} is neither a pipeline folder nor a Hub repo id ('org/name')")
        try:
            pipe = super().from_pretrained(path, **kwargs)
        except HFGANError:
            raise
        except Exception as err:  # noqa: BLE001 - every loading failure becomes one clear line
            reason = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
            raise CheckpointError(f"could not load an hfgan pipeline from {path}: {type(err).__name__}: {reason}") from err
        if not isinstance(pipe, cls):
            raise CheckpointError(f"{path} holds a {type(pipe).__name__}, not a {cls.__name__}")
        if os.path.isdir(local):
            from ..hub import read_card_data

            pipe.card_data = read_card_data(local)
        return pipe

    def save_pretrained(self, save_directory: Union[str, os.PathLike], safe_serialization: bool = True, **kwargs):
        """Save components as ``config.json`` + safetensors, ``model_index.json`` and a model card ``README.md``."""
        if not safe_serialization:
            raise HFGANError("hfgan saves safetensors weights only (safe_serialization=False is not supported)")
        push = kwargs.pop("push_to_hub", False)
        super().save_pretrained(save_directory, safe_serialization=True, **kwargs)
        _use_public_import_paths(os.path.join(save_directory, "model_index.json"))
        from ..hub import write_model_card

        write_model_card(self, save_directory)
        if push:
            self.push_to_hub(kwargs.get("repo_id") or os.path.basename(os.path.normpath(save_directory)))

    def push_to_hub(self, repo_id: str, commit_message: Optional[str] = None, private: Optional[bool] = None,
                    token: Optional[str] = None, create_pr: bool = False, revision: Optional[str] = None, **kwargs):
        """Save the pipeline to a temporary folder (weights, configs, model card) and upload that folder."""
        import tempfile

        from ..hub import upload_folder

        with tempfile.TemporaryDirectory() as tmpdir:
            self.save_pretrained(tmpdir, variant=kwargs.get("variant"))
            return upload_folder(tmpdir, repo_id, commit_message=commit_message, private=private, token=token,
                                 create_pr=create_pr, revision=revision)


class GANPipeline(_LoadingMixin, DiffusionPipeline):
    r"""
    Pipeline for unconditional and class-conditional image generation with a GAN generator.

    Parameters:
        generator ([`ModelMixin`]): Maps ``latents [N, latent_dim]`` (+ ``class_labels [N]``) to images in [-1, 1].
        discriminator ([`ModelMixin`], *optional*): Kept for fine-tuning; unused at inference.
    """

    model_cpu_offload_seq = "generator"
    _optional_components = ["discriminator"]

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
    def class_names(self) -> Optional[List[str]]:
        names = self.generator.config.get("class_names")
        if names:
            return list(names)
        return [str(i) for i in range(self.num_classes)] if self.num_classes else None

    def prepare_class_labels(self, class_labels: ClassLabels, batch_size: int, device) -> Optional[torch.Tensor]:
        """Turn an int, a class name, a list of either, or a tensor into ``class_labels [batch_size]``."""
        if class_labels is None:
            if self.num_classes:
                raise HFGANError(f"this model is class-conditional: pass class_labels (0..{self.num_classes - 1} or a name of {self.class_names})")
            return None
        if not self.num_classes:
            raise HFGANError("class_labels were given, but this model is unconditional")
        if isinstance(class_labels, torch.Tensor):
            labels = class_labels.flatten().tolist() if class_labels.ndim <= 1 else None
            if labels is None:
                raise HFGANError(f"class_labels must be 1-D, got shape {list(class_labels.shape)}")
        else:
            labels = [class_labels] if isinstance(class_labels, (int, str, np.integer)) else list(class_labels)
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
                        dtype=None) -> torch.Tensor:
        """Sample ``latents [batch_size, latent_dim]`` from N(0, I), or check the given ones."""
        shape = (batch_size, self.latent_dim)
        if latents is None:
            if isinstance(generator, list) and len(generator) != batch_size:
                raise HFGANError(f"got a list of {len(generator)} generators for batch_size={batch_size}")
            return randn_tensor(shape, generator=generator, device=device, dtype=dtype)
        if not isinstance(latents, torch.Tensor) or tuple(latents.shape) != shape:
            got = list(latents.shape) if isinstance(latents, torch.Tensor) else type(latents).__name__
            raise HFGANError(f"latents must have shape [{batch_size}, {self.latent_dim}], got {got}")
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
    ) -> Union[ImagePipelineOutput, tuple]:
        r"""
        Generate images.

        Args:
            batch_size (`int`, *optional*): Number of images; defaults to the length of `latents`, of a list of
                `class_labels` or of a list of `generator`s, else 1.
            class_labels (`int`, `str`, list of them, or `torch.Tensor`, *optional*): Classes to generate
                (indices or names from the config's `class_names`); required by conditional models.
            latents (`torch.Tensor`, *optional*): Pre-sampled latents `[batch_size, latent_dim]`.
            generator (`torch.Generator` or `List[torch.Generator]`, *optional*): Makes sampling
                deterministic; a list gives each image its own generator.
            truncation_psi (`float`, defaults to 1.0): Truncation trick: latents are scaled towards the mean of
                the prior (0) by this factor; below 1 trades variety for fidelity.
            output_type (`str`, defaults to `"pil"`): `"pil"` (list of `PIL.Image`), `"np"` (`[N, H, W, C]`
                floats in [0, 1]) or `"pt"` (`[N, C, H, W]` tensor in [0, 1]).
            return_dict (`bool`, defaults to True): Return an `ImagePipelineOutput` rather than a tuple.

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
            elif isinstance(class_labels, (list, tuple)) or (isinstance(class_labels, torch.Tensor) and class_labels.ndim == 1):
                batch_size = len(class_labels)
            elif isinstance(generator, list):
                batch_size = len(generator)
            else:
                batch_size = 1
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise HFGANError(f"batch_size must be an integer >= 1, got {batch_size!r}")

        device = self._execution_device
        dtype = self.generator.dtype
        labels = self.prepare_class_labels(class_labels, batch_size, device)
        latents = self.prepare_latents(batch_size, generator, latents, device, dtype)
        if truncation_psi != 1.0:
            latents = latents * truncation_psi

        was_training = self.generator.training
        self.generator.eval()  # batch statistics must not leak between the images of a batch
        try:
            images = self.generator(latents, labels) if labels is not None else self.generator(latents)  # [N, C, H, W]
        finally:
            self.generator.train(was_training)
        images = (images / 2 + 0.5).clamp_(0, 1)
        if output_type == "np":
            images = images.permute(0, 2, 3, 1).float().cpu().numpy()
        elif output_type == "pil":
            images = to_pil(images)
        self.maybe_free_model_hooks()
        if not return_dict:
            return (images,)
        return ImagePipelineOutput(images=images)
