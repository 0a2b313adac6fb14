"""hfgan: GANs as Hugging Face Hub models.

>>> from hfgan import GANPipeline
>>> pipe = GANPipeline.from_pretrained("pipelines/dcgan-fashion-mnist")
>>> images = pipe(batch_size=16).images
"""

# Re-exported so that diffusers' loader recognizes hfgan components as ModelMixin subclasses when it
# resolves ["hfgan", "<Class>"] entries of a model_index.json.
from diffusers.models.modeling_utils import ModelMixin

from .errors import CheckpointError, ConfigError, HFGANError
from .models import (
    FASHION_MNIST_CLASSES,
    DCGANDiscriminator,
    DCGANGenerator,
    MLPGANDiscriminator,
    MLPGANGenerator,
    create_model,
    get_model_entry,
    list_models,
)
from .models.cyclegan import CycleGANGenerator
from .models.pix2pix import PatchGANDiscriminator, Pix2PixGenerator
from .models.progan import ProGANDiscriminator, ProGANGenerator
from .pipelines import GANImageToImagePipeline, GANPipeline, ImagePipelineOutput, load_pipeline

__version__ = "0.1.0"

__all__ = [
    "GANPipeline", "GANImageToImagePipeline", "ImagePipelineOutput", "load_pipeline", "DCGANGenerator",
    "DCGANDiscriminator", "MLPGANGenerator", "MLPGANDiscriminator", "Pix2PixGenerator", "PatchGANDiscriminator",
    "CycleGANGenerator", "ProGANGenerator", "ProGANDiscriminator", "FASHION_MNIST_CLASSES", "create_model", "get_model_entry", "list_models",
    "HFGANError", "CheckpointError", "ConfigError", "ModelMixin", "__version__",
]

from .models.biggan import BigGANDeepGenerator, BigGANDiscriminator  # noqa: E402

__all__ += ["BigGANDeepGenerator", "BigGANDiscriminator"]

from .models.sngan import SNGANDiscriminator, SNGANGenerator  # noqa: E402

__all__ += ["SNGANGenerator", "SNGANDiscriminator"]

from .models.stylegan2 import StyleGAN2Discriminator, StyleGAN2Generator  # noqa: E402

__all__ += ["StyleGAN2Generator", "StyleGAN2Discriminator"]
