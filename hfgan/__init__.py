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
    **dict.fromkeys(["FASHION_MNIST_CLASSES", "DCGANDiscriminator", "DCGANGenerator", "MLPGANDiscriminator",
                     "MLPGANGenerator", "create_model", "get_model_entry", "list_models"], ".models"),
    "CycleGANGenerator": ".models.cyclegan",
    "PatchGANDiscriminator": ".models.pix2pix",
    "Pix2PixGenerator": ".models.pix2pix",
    "ProGANDiscriminator": ".models.progan",
    "ProGANGenerator": ".models.progan",
    "BigGANDeepGenerator": ".models.biggan",
    "BigGANDiscriminator": ".models.biggan",
    "SNGANGenerator": ".models.sngan",
    "SNGANDiscriminator": ".models.sngan",
    "StyleGAN2Generator": ".models.stylegan2",
    "StyleGAN2Discriminator": ".models.stylegan2",
    **dict.fromkeys(["GANImageToImagePipeline", "GANPipeline", "ImagePipelineOutput", "load_pipeline"], ".pipelines"),
}

__all__ = [
    "GANPipeline", "GANImageToImagePipeline", "ImagePipelineOutput", "load_pipeline", "DCGANGenerator",
    "DCGANDiscriminator", "MLPGANGenerator", "MLPGANDiscriminator", "Pix2PixGenerator", "PatchGANDiscriminator",
    "CycleGANGenerator", "ProGANGenerator", "ProGANDiscriminator", "FASHION_MNIST_CLASSES", "create_model", "get_model_entry", "list_models",
    "HFGANError", "CheckpointError", "ConfigError", "ModelMixin", "__version__",
    "BigGANDeepGenerator", "BigGANDiscriminator", "SNGANGenerator", "SNGANDiscriminator",
    "StyleGAN2Generator", "StyleGAN2Discriminator",
]


__getattr__, __dir__ = lazy_exports(__name__, _LAZY)
