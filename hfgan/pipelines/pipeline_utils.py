"""What every hfgan pipeline shares: loading, saving and publishing (``_LoadingMixin``), folder checks,
``load_pipeline`` (the class from ``model_index.json``), and running a module in eval mode on its device.

Image pre/post-processing lives in :mod:`hfgan.pipelines.image_processor` and is re-exported here.
"""

import contextlib
import json
import os
from typing import Dict, Iterator, Optional, Tuple, Union

import torch

from .. import hub
from ..errors import CheckpointError, HFGANError, one_line
from .folder_checks import PICKLE_SUFFIXES, WEIGHTS_NAME, check_memory, check_pipeline_folder  # noqa: F401
from .folder_checks import read_json as _read_json  # noqa: F401
from .folder_checks import read_model_index as _read_model_index
from .image_processor import OUTPUT_TYPES, postprocess_image, preprocess_image, to_pil

__all__ = [
    "OUTPUT_TYPES", "check_pipeline_folder", "download_pipeline", "eval_mode", "load_pipeline", "pipeline_classes",
    "postprocess_image", "preprocess_image", "to_pil",
]

HUB_PATTERNS = ["model_index.json", "*/config.json", "*.safetensors", "*.safetensors.index.json", "README.md"]

# Every pipeline class defined on top of _LoadingMixin, by name: what load_pipeline may build. The first class of
# a name wins, so a later subclass cannot take the place of one of hfgan's own.
_PIPELINE_CLASSES: Dict[str, type] = {}


# -- running a module -----------------------------------------------------------------------------------------
def placement(pipe, module: torch.nn.Module) -> Tuple[torch.device, torch.dtype, bool]:
    """``(device, dtype, hooked)`` on which ``module`` runs: offloading hooks (accelerate or diffusers) decide
    where it runs when present; otherwise its weights do, which is much cheaper to ask than diffusers'
    ``_execution_device``."""
    hooked = any("_hf_hook" in m.__dict__ or "_diffusers_hook" in m.__dict__ for m in module.modules())
    if hooked:
        return pipe._execution_device, module.dtype, True
    weight = next(module.parameters())
    return weight.device, weight.dtype, False


@contextlib.contextmanager
def eval_mode(*modules: Optional[torch.nn.Module]) -> Iterator[None]:
    """Eval mode for the ``with`` block (batch statistics must not mix the images of a batch), then each
    submodule's own mode back: a network being trained stays in training mode, a frozen part stays frozen."""
    training = [m for module in modules if module is not None for m in module.modules() if m.training]
    for m in training:
        m.training = False
    try:
        yield
    finally:
        for m in training:
            m.training = True


# -- folders and the Hub --------------------------------------------------------------------------------------
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


def _resolve_folder(path: str, kwargs: dict) -> str:
    """The local folder of a pipeline given as a folder or a Hub repo id; pops ``use_safetensors`` and
    ``subfolder`` and turns ``torch_dtype`` into ``dtype`` in ``kwargs``."""
    if kwargs.pop("use_safetensors", True) is False:
        raise HFGANError("hfgan loads safetensors weights only (use_safetensors=False is not supported)")
    _resolve_dtype(kwargs)
    subfolder = kwargs.pop("subfolder", None)
    if os.path.isdir(path):
        return os.path.join(path, subfolder) if subfolder else path
    if _is_local_path(path):
        raise CheckpointError(f"{path} is not a pipeline folder" + (" (it is a file)" if os.path.exists(path) else " (no such folder)"))
    return download_pipeline(path, subfolder, **kwargs)


class _LoadingMixin:
    """``from_pretrained`` / ``save_pretrained`` / ``push_to_hub`` shared by hfgan's pipelines.

    A subclass sets ``pipeline_tag`` (the Hub task of its model card) and is known to :func:`load_pipeline`
    by its class name.
    """

    pipeline_tag: Optional[str] = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        _PIPELINE_CLASSES.setdefault(cls.__name__, cls)

    @classmethod
    def from_pretrained(cls, pretrained_model_name_or_path: Union[str, os.PathLike], **kwargs):
        """Load a saved pipeline from a local folder or a Hub repo id, with diffusers' keyword arguments
        (``dtype``/``torch_dtype``, ``variant``, ``subfolder``, ``revision``, ``local_files_only``, ...).

        Only safetensors weights are read; a folder that is not a saved pipeline, a corrupt weights file,
        weights that do not match the config, or configs of networks larger than the memory available raise
        :class:`~hfgan.errors.CheckpointError` with a one-line reason (see :func:`check_pipeline_folder`).

        Weights must be floating point and finite (no NaN or inf); ``allow_nonfinite=True`` loads them anyway,
        for research use (studying a diverged run, say).
        """
        path = os.fspath(pretrained_model_name_or_path)
        folder = _resolve_folder(path, kwargs)
        return cls._from_folder(folder, path, kwargs)

    @classmethod
    def _from_folder(cls, folder: str, path: str, kwargs: dict):
        """Load from a local ``folder`` (``path`` is what the caller named, for messages)."""
        components = cls._get_signature_keys(cls)[0]
        weight_keys = check_pipeline_folder(folder, cls.__name__, kwargs.get("variant"), components,
                                            allow_nonfinite=bool(kwargs.pop("allow_nonfinite", False)))
        try:
            check_memory(folder, [name for name in weight_keys if name not in kwargs], kwargs.get("dtype"))
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
        pipe.card_data = hub.read_card_data(folder)
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
        repo_id = kwargs.pop("repo_id", None)
        hub.write_model_card(self, save_directory, repo_id=repo_id)
        if push_to_hub:
            repo_id = repo_id or os.path.basename(os.path.normpath(save_directory))
            upload_kwargs = {k: kwargs[k] for k in ("commit_message", "private", "token", "create_pr", "revision") if k in kwargs}
            return hub.upload_folder(save_directory, repo_id, **upload_kwargs)

    def push_to_hub(self, repo_id: str, commit_message: Optional[str] = None, private: Optional[bool] = None,
                    token: Optional[str] = None, create_pr: bool = False, safe_serialization: bool = True,
                    variant: Optional[str] = None, revision: Optional[str] = None, **kwargs):
        """Save the pipeline to a temporary folder (weights, configs, model card) and upload that folder."""
        import tempfile

        with tempfile.TemporaryDirectory() as tmpdir:
            return self.save_pretrained(tmpdir, safe_serialization=safe_serialization, variant=variant, push_to_hub=True,
                                        repo_id=repo_id, commit_message=commit_message, private=private, token=token,
                                        create_pr=create_pr, revision=revision)


def pipeline_classes() -> Dict[str, type]:
    """The pipeline classes :func:`load_pipeline` can build, by the ``_class_name`` of their ``model_index.json``."""
    return dict(_PIPELINE_CLASSES)


def load_pipeline(path_or_repo: Union[str, os.PathLike], **kwargs):
    """Load a saved pipeline of whatever kind it is: the class named by its ``model_index.json``
    (``GANPipeline``, ``GANImageToImagePipeline``), with the keyword arguments of ``from_pretrained``.

    Only hfgan's pipeline classes are built; any other ``_class_name`` is a :class:`CheckpointError`.

    Example:

    ```py
    >>> import hfgan
    >>> pipe = hfgan.load_pipeline("pipelines/dcgan-fashion-mnist")
    >>> type(pipe).__name__
    'GANPipeline'
    ```
    """
    path = os.fspath(path_or_repo)
    folder = _resolve_folder(path, kwargs)
    class_name = _read_model_index(folder).get("_class_name")
    cls = _PIPELINE_CLASSES.get(class_name) if isinstance(class_name, str) else None
    if cls is None:
        raise CheckpointError(f"{os.path.join(folder, 'model_index.json')} describes a {class_name!r}, which is not an "
                              f"hfgan pipeline (known: {', '.join(sorted(_PIPELINE_CLASSES))})")
    return cls._from_folder(folder, path, kwargs)


# hfgan.hub checks a folder with this before pushing it; it imports nothing from the pipelines itself.
hub.register_pipeline_loader(load_pipeline)
