"""hfgan: GANs as Hugging Face Hub models.

>>> from hfgan import GANPipeline
>>> pipe = GANPipeline.from_pretrained("pipelines/dcgan-fashion-mnist")
>>> images = pipe(batch_size=16).images

The public names are imported on first use (PEP 562), so ``hfgan --help`` and ``hfgan train --help-config``
answer without importing torch and diffusers.
"""

from ._lazy import lazy_exports
from .errors import CheckpointError, ConfigError, HFGANError

__version__ = "0.1.0"

# public name -> the module it comes from. ModelMixin is re-exported so that diffusers' loader recognizes hfgan
# components as ModelMixin subclasses when it resolves ["hfgan", "<Class>"] entries of a model_index.json.
_LAZY = {
    "ModelMixin": "diffusers.models.modeling_utils",
    **dict.fromkeys(["FASHION_MNIST_CLASSES", "get_model_entry", "list_models"], ".models"),
    "create_model": ".pipelines.pretrained",  # registered variants, and "hf-hub:org/name" published pipelines
    **dict.fromkeys(["GANImageToImagePipeline", "GANPipeline", "ImagePipelineOutput", "load_pipeline"], ".pipelines"),
}
_PUBLIC = [
    "GANPipeline", "GANImageToImagePipeline", "ImagePipelineOutput", "load_pipeline", "FASHION_MNIST_CLASSES",
    "create_model", "get_model_entry", "list_models", "HFGANError", "CheckpointError", "ConfigError", "ModelMixin",
    "__version__",
]
_lazy_getattr, _lazy_dir = lazy_exports(__name__, _LAZY)


def _model_classes() -> dict[str, str]:
    """The network classes the families' registrations name (importing :mod:`hfgan.models` imports no torch)."""
    from .models import MODEL_CLASSES

    return MODEL_CLASSES


def __getattr__(name: str) -> object:
    """A public name, imported on first use; the model classes and ``__all__`` (which lists them) come from the
    families' registrations, so that ``import hfgan`` does not list the registry."""
    if name == "__all__":
        value: object = [*_PUBLIC, *_model_classes()]
    elif name in _LAZY or name not in _model_classes():
        return _lazy_getattr(name)
    else:
        from . import models

        value = getattr(models, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(_lazy_dir()) | set(_model_classes()) | {"__all__"})
