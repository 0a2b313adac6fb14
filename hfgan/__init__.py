"""hfgan: GANs as Hugging Face Hub models.

>>> from hfgan import GANPipeline
>>> pipe = GANPipeline.from_pretrained("pipelines/dcgan-fashion-mnist")
>>> images = pipe(batch_size=16).images

The public names below are imported on first use (PEP 562), so that ``import hfgan`` and the command line's
``--help`` do not pay for torch and diffusers; ``from hfgan import GANPipeline`` works as usual.
"""

import importlib
from typing import Dict

from .errors import CheckpointError, ConfigError, HFGANError

__version__ = "0.1.0"

# Public name -> the submodule that defines it.
_LAZY: Dict[str, str] = {
    # Re-exported so that diffusers' loader recognizes hfgan components as ModelMixin subclasses when it
    # resolves ["hfgan", "<Class>"] entries of a model_index.json.
    "ModelMixin": "diffusers.models.modeling_utils",
    "GANPipeline": ".pipelines", "GANImageToImagePipeline": ".pipelines", "ImagePipelineOutput": ".pipelines",
    "load_pipeline": ".pipelines",
    "FASHION_MNIST_CLASSES": ".models", "create_model": ".models", "get_model_entry": ".models", "list_models": ".models",
    "DCGANGenerator": ".models", "DCGANDiscriminator": ".models", "MLPGANGenerator": ".models",
    "MLPGANDiscriminator": ".models", "Pix2PixGenerator": ".models", "PatchGANDiscriminator": ".models",
    "CycleGANGenerator": ".models", "ProGANGenerator": ".models", "ProGANDiscriminator": ".models",
    "BigGANDeepGenerator": ".models", "BigGANDiscriminator": ".models", "SNGANGenerator": ".models",
    "SNGANDiscriminator": ".models",
}

__all__ = [
    "GANPipeline", "GANImageToImagePipeline", "ImagePipelineOutput", "load_pipeline", "DCGANGenerator",
    "DCGANDiscriminator", "MLPGANGenerator", "MLPGANDiscriminator", "Pix2PixGenerator", "PatchGANDiscriminator",
    "CycleGANGenerator", "ProGANGenerator", "ProGANDiscriminator", "FASHION_MNIST_CLASSES", "create_model", "get_model_entry", "list_models",
    "HFGANError", "CheckpointError", "ConfigError", "ModelMixin", "__version__",
    "BigGANDeepGenerator", "BigGANDiscriminator", "SNGANGenerator", "SNGANDiscriminator",
]


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
