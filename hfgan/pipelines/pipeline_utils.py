"""What every hfgan pipeline shares: loading, saving and publishing (``_LoadingMixin``), folder checks,
``load_pipeline`` (the class from ``model_index.json``), and running a module in eval mode on its device.

Image pre/post-processing lives in :mod:`hfgan.pipelines.image_processor`.
"""

import contextlib
import dataclasses
import json
import os
import shutil
from typing import Dict, Iterator, Optional, Tuple, Union

import torch

from .. import hub
from ..cards import CardFacts, read_card_data, shown_images, without_missing_images, write_model_card
from ..errors import ArgumentError, CheckpointError, HFGANError, one_line
from ..folder_safety import link_refusal, refuse_links_out
from .card_facts import pipeline_card_facts
from .folder_checks import check_pipeline_folder
from .folder_checks import index_class_name
from .folder_checks import read_model_index as _read_model_index
from .hub_errors import hub_error
from .loading_args import (LOADING_KWARGS, UPLOAD_KWARGS, check_dtype_components, check_kwargs,
                           resolve_dtype)
from .memory import check_memory

__all__ = ["download_pipeline", "eval_mode", "load_pipeline", "pipeline_classes", "placement"]

HUB_PATTERNS = ["model_index.json", "*/config.json", "*.safetensors", "*.safetensors.index.json", "README.md"]

# The module diffusers' DiffusionPipeline.from_pretrained imports to find the class (see hfgan.hub, which uploads
# the same text whatever the folder holds). hfgan's own loading reads the class name alone and never imports a file
# from a folder.
DIFFUSERS_MODULE = hub.DIFFUSERS_MODULE
DIFFUSERS_MODULE_TEXT = hub.DIFFUSERS_MODULE_TEXT

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
    loading when a module moves inside the package; and name the pipeline class as diffusers' own loader finds
    it, ``[DIFFUSERS_MODULE, "<Class>"]``, with that module written beside ``model_index.json``."""
    import hfgan

    with open(model_index_path, encoding="utf-8") as f:
        index = json.load(f)
    for key, value in index.items():
        if isinstance(value, list) and len(value) == 2 and str(value[0]).startswith("hfgan.") and hasattr(hfgan, value[1]):
            index[key] = ["hfgan", value[1]]
    class_name = index_class_name(index)
    if isinstance(class_name, str) and getattr(hfgan, class_name, None) is _PIPELINE_CLASSES.get(class_name, False):
        index["_class_name"] = [DIFFUSERS_MODULE, class_name]
        with open(os.path.join(os.path.dirname(model_index_path), f"{DIFFUSERS_MODULE}.py"), "w", encoding="utf-8") as f:
            f.write(DIFFUSERS_MODULE_TEXT.format(class_name=class_name))
    with open(model_index_path, "w", encoding="utf-8") as f:
        json.dump(index, f, indent=2, sort_keys=True)
        f.write("\n")


def _cannot_be_repo_id(path: str) -> bool:
    """True for what can only be a local path: it exists, or it has the shape of a path, not of a repo id."""
    return os.path.exists(path) or path.startswith((".", "/", "~")) or "\\" in path or path.count("/") > 1


def download_pipeline(repo_id: str, subfolder: Optional[str] = None, **kwargs) -> str:
    """Fetch the files a pipeline needs (configs, safetensors, model card) of a Hub repo; return the local folder."""
    from huggingface_hub import snapshot_download

    prefix = f"{subfolder.strip('/')}/" if subfolder else ""
    options = {k: kwargs[k] for k in ("revision", "cache_dir", "token", "local_files_only", "force_download") if kwargs.get(k) is not None}
    try:
        folder = snapshot_download(repo_id, allow_patterns=[prefix + p for p in HUB_PATTERNS], **options)
    except Exception as err:  # noqa: BLE001 - Hub and network errors of every kind become one line
        raise hub_error(err, repo_id, kwargs.get("revision")) from None
    return os.path.join(folder, prefix) if prefix else folder


def _resolve_folder(path: str, kwargs: dict) -> str:
    """The local folder of a pipeline given as a folder or a Hub repo id; pops ``use_safetensors`` and
    ``subfolder`` and turns ``torch_dtype`` into ``dtype`` in ``kwargs``."""
    if kwargs.pop("use_safetensors", True) is False:
        raise HFGANError("hfgan loads safetensors weights only (use_safetensors=False is not supported)")
    kwargs.pop("trust_remote_code", None)  # hfgan imports nothing from a folder: there is nothing to trust
    resolve_dtype(kwargs)
    subfolder = kwargs.pop("subfolder", None)
    if os.path.isdir(path):
        return os.path.join(path, subfolder) if subfolder else path
    if _cannot_be_repo_id(path):
        raise CheckpointError(f"{path} is not a pipeline folder" + (" (it is a file)" if os.path.exists(path) else " (no such folder)"))
    return download_pipeline(path, subfolder, **kwargs)


class _LoadingMixin:
    """``from_pretrained`` / ``save_pretrained`` / ``push_to_hub`` shared by hfgan's pipelines.

    A subclass sets ``pipeline_tag`` (the Hub task of its model card) and is known to :func:`load_pipeline`
    by its class name.
    """

    pipeline_tag: Optional[str] = None

    def card_facts(self) -> CardFacts:
        """What this pipeline's model card states; :mod:`hfgan.cards` renders the card from these alone."""
        return pipeline_card_facts(self)

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
        for research use (studying a diverged run, say). ``dtype`` may be diffusers' per-component dict
        (``{"generator": torch.bfloat16, "default": torch.float32}``). Any keyword argument besides
        :data:`LOADING_KWARGS` and the pipeline's components is an :class:`~hfgan.errors.ArgumentError` (a
        ``TypeError``), never ignored; ``trust_remote_code`` is accepted and changes nothing (no code of a folder is
        ever run).
        """
        path = os.fspath(pretrained_model_name_or_path)
        check_kwargs(kwargs, set(LOADING_KWARGS) | set(cls._get_signature_keys(cls)[0]), f"{cls.__name__}.from_pretrained")
        folder = _resolve_folder(path, kwargs)
        return cls._from_folder(folder, path, kwargs)

    @classmethod
    def load_config(cls, *args, **kwargs):
        """diffusers' ``load_config``, with ``_class_name`` read as a class name whichever way it is written (see
        :data:`DIFFUSERS_MODULE`), so that loading through an hfgan class never imports a module from the folder."""
        loaded = super().load_config(*args, **kwargs)
        config = loaded[0] if isinstance(loaded, tuple) else loaded
        if isinstance(config, dict) and "_class_name" in config:
            config["_class_name"] = index_class_name(config)
        return loaded

    @classmethod
    def from_pipe(cls, pipeline, **kwargs):
        """diffusers' ``from_pipe``: a new pipeline of this class on the same components (no copy), with the
        model card data of ``pipeline``. Without ``dtype``/``torch_dtype`` every component keeps its dtype
        (diffusers would cast the shared components to float32)."""
        components = cls._get_signature_keys(cls)[0]
        check_kwargs(kwargs, set(components) | {"dtype", "torch_dtype"}, f"{cls.__name__}.from_pipe")
        kept = None
        if kwargs.get("dtype") is None and kwargs.get("torch_dtype") is None:
            kept = {name: module.dtype for name, module in pipeline.components.items() if isinstance(module, torch.nn.Module)}
        else:
            resolve_dtype(kwargs)
            if isinstance(kwargs["dtype"], dict):
                raise HFGANError("from_pipe casts the whole pipeline: pass one torch.dtype (per-component dtypes are for "
                                 "from_pretrained)")
        # passed by name: diffusers carries a model over only when its exact class is in the type hint of __init__,
        # and a GAN pipeline takes a generator of any family
        shared = {name: module for name, module in pipeline.components.items() if name in components and name not in kwargs}
        if kept is None:
            new = super().from_pipe(pipeline, **shared, **kwargs)
        else:  # diffusers casts to float32 (warning about it once per model): cast back, quietly
            import logging

            modeling_logger = logging.getLogger("diffusers.models.modeling_utils")
            level = modeling_logger.level
            modeling_logger.setLevel(logging.ERROR)
            try:
                new = super().from_pipe(pipeline, **shared, **kwargs)
            finally:
                modeling_logger.setLevel(level)
            for name, dtype in kept.items():
                for module in (getattr(pipeline, name), getattr(new, name, None)):
                    if isinstance(module, torch.nn.Module):
                        torch.nn.Module.to(module, dtype=dtype)
        new.card_data = dict(getattr(pipeline, "card_data", None) or {})
        return new

    @classmethod
    def _from_folder(cls, folder: str, path: str, kwargs: dict):
        """Load from a local ``folder`` (``path`` is what the caller named, for messages)."""
        components = cls._get_signature_keys(cls)[0]
        check_kwargs(kwargs, set(LOADING_KWARGS) | set(components), f"{cls.__name__}.from_pretrained")
        check_dtype_components(kwargs.get("dtype"), components, path)
        weight_keys = check_pipeline_folder(folder, cls.__name__, components, kwargs.get("variant"),
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
        pipe.card_data = read_card_data(folder)
        pipe._card_folder = folder  # where the images its card shows are: a save carries them along
        return pipe

    def save_pretrained(self, save_directory: Union[str, os.PathLike], safe_serialization: bool = True,
                        variant: Optional[str] = None, max_shard_size=None, push_to_hub: bool = False, **kwargs):
        """Save components as ``config.json`` + safetensors, ``model_index.json`` and a model card ``README.md``.

        With ``push_to_hub=True`` the folder is then uploaded as it is (``repo_id``, ``token``, ``private``,
        ``commit_message``, ``create_pr`` as in diffusers): the repo's files only (:func:`hfgan.hub.files_to_upload`).
        A pipeline loaded from a folder brings along the images its card shows (samples, plots, figures) that are
        there; an uploaded card shows only the images it uploads.
        A symlink that leads out of the folder, or a FIFO or device, where the save writes or among the files to
        upload, stops it with one :class:`~hfgan.errors.HFGANError` line naming the file: nothing is written through
        it, nor uploaded.
        """
        if not safe_serialization:
            raise HFGANError("hfgan saves safetensors weights only (safe_serialization=False is not supported)")
        check_kwargs(kwargs, {"repo_id", *UPLOAD_KWARGS}, f"{type(self).__name__}.save_pretrained")
        if not push_to_hub and set(kwargs) & set(UPLOAD_KWARGS):
            raise ArgumentError(f"{type(self).__name__}.save_pretrained: {', '.join(sorted(set(kwargs) & set(UPLOAD_KWARGS)))} "
                                "apply to uploads only: pass push_to_hub=True, or use push_to_hub()")
        save_directory = os.fspath(save_directory)
        self._refuse_links_out(save_directory)
        super().save_pretrained(save_directory, safe_serialization=True, variant=variant, max_shard_size=max_shard_size)
        _use_public_import_paths(os.path.join(save_directory, "model_index.json"))
        repo_id = kwargs.pop("repo_id", None)
        self._carry_card_images(save_directory)
        card = self
        if push_to_hub:  # the uploaded card links no image the upload lacks
            shown = without_missing_images(self.card_data or {}, save_directory)
            card = dataclasses.replace(self.card_facts(), card_data=shown)
        write_model_card(card, save_directory, repo_id=repo_id)
        if push_to_hub:
            repo_id = repo_id or os.path.basename(os.path.normpath(save_directory))
            upload_kwargs = {k: kwargs[k] for k in ("commit_message", "private", "token", "create_pr", "revision") if k in kwargs}
            return hub.upload_folder(save_directory, repo_id, **upload_kwargs)

    def _carry_card_images(self, save_directory: str) -> None:
        """Copy the images the card shows (:func:`hfgan.cards.shown_images`) from the folder this pipeline was loaded
        from into ``save_directory``, where they are files there and not yet here (none leads out of either)."""
        source = getattr(self, "_card_folder", None)
        if not source or not os.path.isdir(source) or os.path.realpath(source) == os.path.realpath(save_directory):
            return
        for rel in shown_images(self.card_data or {}):
            src, dest = os.path.join(source, rel), os.path.join(save_directory, rel)
            if os.path.lexists(dest) or not os.path.isfile(src) or link_refusal(source, rel) \
                    or link_refusal(save_directory, rel):
                continue
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            shutil.copyfile(os.path.realpath(src), dest)

    def _refuse_links_out(self, save_directory: str) -> None:
        """Nothing is written through a symlink that leads out of ``save_directory``, nor into a FIFO or device:
        its own files, its component folders and their files (:func:`hfgan.folder_safety.link_refusal`)."""
        if not os.path.isdir(save_directory):
            return
        names = ["model_index.json", "README.md", f"{DIFFUSERS_MODULE}.py"]
        for name in self.components:
            names.append(name)
            if os.path.isdir(os.path.join(save_directory, name)) and not link_refusal(save_directory, name):
                names += [f"{name}/{f}" for f in sorted(os.listdir(os.path.join(save_directory, name)))]
        refuse_links_out(save_directory, names, "save into")

    def push_to_hub(self, repo_id: str, commit_message: Optional[str] = None, private: Optional[bool] = None,
                    token: Optional[str] = None, create_pr: bool = False, safe_serialization: bool = True,
                    variant: Optional[str] = None, revision: Optional[str] = None, **kwargs):
        """Save the pipeline to a temporary folder (weights, configs, model card) and upload that folder."""
        import tempfile

        check_kwargs(kwargs, set(), f"{type(self).__name__}.push_to_hub")

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
    components = {name for cls in _PIPELINE_CLASSES.values() for name in cls._get_signature_keys(cls)[0]}
    check_kwargs(kwargs, set(LOADING_KWARGS) | components, "load_pipeline")
    folder = _resolve_folder(path, kwargs)
    class_name = index_class_name(_read_model_index(folder))
    cls = _PIPELINE_CLASSES.get(class_name) if isinstance(class_name, str) else None
    if cls is None:
        raise CheckpointError(f"{os.path.join(folder, 'model_index.json')} describes a {class_name!r}, which is not an "
                              f"hfgan pipeline (known: {', '.join(sorted(_PIPELINE_CLASSES))})")
    return cls._from_folder(folder, path, kwargs)

