"""``GANPipeline``: one line from a saved generator to images, following diffusers' pipeline API."""

import json
import os
import re
from typing import Dict, List, Optional, Sequence, Set, Union

import numpy as np
import torch
from diffusers.pipelines.pipeline_utils import DiffusionPipeline, ImagePipelineOutput
from diffusers.utils.torch_utils import randn_tensor

from ..errors import CheckpointError, HFGANError, one_line

OUTPUT_TYPES = ("pil", "np", "pt")
WEIGHTS_NAME = "diffusion_pytorch_model"
PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".ckpt", ".pkl", ".pickle")
HUB_PATTERNS = ["model_index.json", "*/config.json", "*.safetensors", "*.safetensors.index.json", "README.md"]
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
    import hfgan

    with open(model_index_path, encoding="utf-8") as f:
        index = json.load(f)
    for key, value in index.items():
        if isinstance(value, list) and len(value) == 2 and str(value[0]).startswith("hfgan.") and hasattr(hfgan, value[1]):
            index[key] = ["hfgan", value[1]]
    with open(model_index_path, "w", encoding="utf-8") as f:
        json.dump(index, f, indent=2, sort_keys=True)
        f.write("\n")


def _read_json(path: str) -> dict:
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError) as err:
        raise CheckpointError(f"{path} is not a readable JSON file ({one_line(err)})") from None
    if not isinstance(data, dict):
        raise CheckpointError(f"{path} must hold a JSON object, got {type(data).__name__}")
    return data


def check_pipeline_folder(folder: str, class_name: str, variant: Optional[str] = None) -> Dict[str, Set[str]]:
    """Check a saved pipeline folder before diffusers reads it; return each component's safetensors keys.

    Raises :class:`CheckpointError` naming the file for: no or unreadable ``model_index.json``, another
    pipeline class, a missing component folder or config, pickle-only weights (never unpickled), and a
    corrupt or truncated safetensors file.
    """
    from safetensors import safe_open

    index_path = os.path.join(folder, "model_index.json")
    if not os.path.isfile(index_path):
        raise CheckpointError(f"{folder} has no model_index.json: it is not a saved hfgan pipeline")
    index = _read_json(index_path)
    if index.get("_class_name") != class_name:
        raise CheckpointError(f"{index_path} describes a {index.get('_class_name')!r}, not a {class_name}")
    prefix = WEIGHTS_NAME + (f".{variant}" if variant else "")
    weights_pattern = re.compile(re.escape(prefix) + r"(-\d{5}-of-\d{5})?\.safetensors")
    keys: Dict[str, Set[str]] = {}
    for name, spec in index.items():
        if name.startswith("_") or not isinstance(spec, list) or len(spec) != 2 or spec[1] is None:
            continue
        component = os.path.join(folder, name)
        if not os.path.isfile(os.path.join(component, "config.json")):
            raise CheckpointError(f"{component}/config.json is missing (model_index.json lists a {name})")
        _read_json(os.path.join(component, "config.json"))
        files = sorted(f for f in os.listdir(component) if weights_pattern.fullmatch(f))
        if not files:
            pickled = sorted(f for f in os.listdir(component) if f.endswith(PICKLE_SUFFIXES))
            if pickled:
                raise CheckpointError(f"{component} holds only pickled weights ({pickled[0]}); hfgan loads safetensors only "
                                      f"and never unpickles: convert them to {prefix}.safetensors")
            raise CheckpointError(f"{component} has no {prefix}.safetensors weights file")
        keys[name] = set()
        for filename in files:
            path = os.path.join(component, filename)
            try:
                with safe_open(path, framework="pt") as weights:
                    keys[name].update(weights.keys())
            except Exception as err:  # noqa: BLE001 - safetensors raises its own error types
                raise CheckpointError(f"{path} is corrupt or truncated ({one_line(err)})") from None
    return keys


def _is_local_path(path: str) -> bool:
    """True for what can only be a local path: it exists, or it has the shape of a path, not of a repo id."""
    return os.path.exists(path) or path.startswith((".", "/", "~")) or "\\" in path or path.count("/") > 1


def download_pipeline(repo_id: str, subfolder: Optional[str] = None, **kwargs) -> str:
    """Fetch the files a pipeline needs (configs, safetensors, model card) of a Hub repo; return the local folder."""
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import (HFValidationError, LocalEntryNotFoundError, OfflineModeIsEnabled,
                                        RepositoryNotFoundError, RevisionNotFoundError)

    prefix = f"{subfolder.strip('/')}/" if subfolder else ""
    options = {k: kwargs[k] for k in ("revision", "cache_dir", "token", "local_files_only", "force_download") if kwargs.get(k) is not None}
    try:
        folder = snapshot_download(repo_id, allow_patterns=[prefix + p for p in HUB_PATTERNS], **options)
    except HFValidationError:
        raise CheckpointError(f"{repo_id} is neither a pipeline folder nor a valid Hub repo id ('org/name')") from None
    except RepositoryNotFoundError:
        raise CheckpointError(f"{repo_id} is not a local folder, and there is no Hub repo {repo_id} "
                              "(or it is private or gated: pass token=...)") from None
    except RevisionNotFoundError:
        raise CheckpointError(f"Hub repo {repo_id} has no revision {kwargs.get('revision')!r}") from None
    except (LocalEntryNotFoundError, OfflineModeIsEnabled):
        raise CheckpointError(f"{repo_id} is not a local folder, and the Hub repo {repo_id} is not in the local cache "
                              "(offline or local_files_only)") from None
    except Exception as err:  # noqa: BLE001 - network errors of every kind become one line
        raise CheckpointError(f"could not download {repo_id} from the Hub: {one_line(err)}") from None
    return os.path.join(folder, prefix) if prefix else folder


def _resolve_dtype(kwargs: dict) -> None:
    """Accept ``dtype`` and ``torch_dtype`` (a ``torch.dtype`` or its name) and pass diffusers ``dtype``."""
    dtypes = {kwargs.pop(key) for key in ("torch_dtype", "dtype") if kwargs.get(key) is not None}
    dtypes = {getattr(torch, d, d) if isinstance(d, str) else d for d in dtypes}
    if len(dtypes) > 1:
        raise HFGANError(f"dtype and torch_dtype disagree: {sorted(map(str, dtypes))}")
    if dtypes:
        (dtype,) = dtypes
        if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
            raise HFGANError(f"dtype must be a floating-point torch.dtype (e.g. torch.float16), got {dtype!r}")
        kwargs["dtype"] = dtype


class _LoadingMixin:
    """``from_pretrained`` / ``save_pretrained`` / ``push_to_hub`` shared by hfgan's pipelines."""

    pipeline_tag = "unconditional-image-generation"

    @classmethod
    def from_pretrained(cls, pretrained_model_name_or_path: Union[str, os.PathLike], **kwargs):
        """Load a saved pipeline from a local folder or a Hub repo id, with diffusers' keyword arguments
        (``dtype``/``torch_dtype``, ``variant``, ``subfolder``, ``revision``, ``local_files_only``, ...).

        Only safetensors weights are read; a folder that is not a saved pipeline, a corrupt weights file or
        weights that do not match the config raise :class:`~hfgan.errors.CheckpointError` with a one-line reason.
        """
        if kwargs.pop("use_safetensors", True) is False:
            raise HFGANError("hfgan loads safetensors weights only (use_safetensors=False is not supported)")
        _resolve_dtype(kwargs)
        path = os.fspath(pretrained_model_name_or_path)
        subfolder = kwargs.pop("subfolder", None)
        if os.path.isdir(path):
            folder = os.path.join(path, subfolder) if subfolder else path
        elif _is_local_path(path):
            raise CheckpointError(f"{path} is not a pipeline folder" + (" (it is a file)" if os.path.exists(path) else " (no such folder)"))
        else:
            folder = download_pipeline(path, subfolder, **kwargs)
        weight_keys = check_pipeline_folder(folder, cls.__name__, kwargs.get("variant"))
        try:
            pipe = super().from_pretrained(folder, use_safetensors=True, **kwargs)
        except HFGANError as err:
            raise type(err)(f"could not load {path}: {err}") from None
        except Exception as err:  # noqa: BLE001 - every loading failure becomes one clear line
            raise CheckpointError(f"could not load an hfgan pipeline from {path}: {one_line(err)}") from err
        for name, keys in weight_keys.items():
            if name in kwargs:  # a component passed by the caller is not read from the folder
                continue
            module = getattr(pipe, name, None)
            expected = set(module.state_dict()) if isinstance(module, torch.nn.Module) else keys
            if keys != expected:
                raise CheckpointError(f"{os.path.join(folder, name)}: the weights do not match the config (missing "
                                      f"{sorted(expected - keys)[:3]}, unexpected {sorted(keys - expected)[:3]})")
        from ..hub import read_card_data

        pipe.card_data = read_card_data(folder)
        return pipe

    def save_pretrained(self, save_directory: Union[str, os.PathLike], safe_serialization: bool = True,
                        variant: Optional[str] = None, max_shard_size=None, push_to_hub: bool = False, **kwargs):
        """Save components as ``config.json`` + safetensors, ``model_index.json`` and a model card ``README.md``.

        With ``push_to_hub=True`` the folder is then uploaded as it is (``repo_id``, ``token``, ``private``,
        ``commit_message``, ``create_pr`` as in diffusers).
        """
        if not safe_serialization:
            raise HFGANError("hfgan saves safetensors weights only (safe_serialization=False is not supported)")
        save_directory = os.fspath(save_directory)
        super().save_pretrained(save_directory, safe_serialization=True, variant=variant, max_shard_size=max_shard_size)
        _use_public_import_paths(os.path.join(save_directory, "model_index.json"))
        from ..hub import upload_folder, write_model_card

        repo_id = kwargs.pop("repo_id", None)
        write_model_card(self, save_directory, repo_id=repo_id)
        if push_to_hub:
            repo_id = repo_id or os.path.basename(os.path.normpath(save_directory))
            upload_kwargs = {k: kwargs[k] for k in ("commit_message", "private", "token", "create_pr", "revision") if k in kwargs}
            return upload_folder(save_directory, repo_id, **upload_kwargs)

    def push_to_hub(self, repo_id: str, commit_message: Optional[str] = None, private: Optional[bool] = None,
                    token: Optional[str] = None, create_pr: bool = False, safe_serialization: bool = True,
                    variant: Optional[str] = None, revision: Optional[str] = None, **kwargs):
        """Save the pipeline to a temporary folder (weights, configs, model card) and upload that folder."""
        import tempfile

        with tempfile.TemporaryDirectory() as tmpdir:
            return self.save_pretrained(tmpdir, safe_serialization=safe_serialization, variant=variant, push_to_hub=True,
                                        repo_id=repo_id, commit_message=commit_message, private=private, token=token,
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
                        dtype=None) -> torch.Tensor:
        """Sample ``latents [batch_size, latent_dim]`` from N(0, I), or check the given ones."""
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
            elif isinstance(class_labels, (list, tuple)) or getattr(class_labels, "ndim", None) == 1:
                batch_size = len(class_labels)
            elif isinstance(generator, list):
                batch_size = len(generator)
            else:
                batch_size = 1
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise HFGANError(f"batch_size must be an integer >= 1, got {batch_size!r}")

        modules = list(self.generator.modules())
        # Offloading (accelerate or diffusers hooks) decides where the generator runs; otherwise its weights do,
        # which is much cheaper to ask than diffusers' `_execution_device`.
        hooked = any("_hf_hook" in m.__dict__ or "_diffusers_hook" in m.__dict__ for m in modules)
        if hooked:
            device, dtype = self._execution_device, self.generator.dtype
        else:
            weight = next(self.generator.parameters())
            device, dtype = weight.device, weight.dtype
        labels = self.prepare_class_labels(class_labels, batch_size, device)
        latents = self.prepare_latents(batch_size, generator, latents, device, dtype)
        if truncation_psi != 1.0:
            latents = latents * truncation_psi

        # Eval mode for the call (batch statistics must not mix the images of a batch), then each module's own
        # mode back: a generator being trained stays in training mode.
        training = [m for m in modules if m.training]
        for module in training:
            module.training = False
        try:
            images = self.generator(latents, labels) if labels is not None else self.generator(latents)  # [N, C, H, W]
        finally:
            for module in training:
                module.training = True
        images = images.mul_(0.5).add_(0.5).clamp_(0, 1)  # [-1, 1] -> [0, 1], in place: the tensor is ours
        if output_type == "np":
            images = images.permute(0, 2, 3, 1).float().cpu().numpy()
        elif output_type == "pil":
            images = to_pil(images)
        if hooked:
            self.maybe_free_model_hooks()
        if not return_dict:
            return (images,)
        return ImagePipelineOutput(images=images)
