from diffusers.pipelines.pipeline_utils import ImagePipelineOutput

from .pipeline_gan import GANPipeline
from .pipeline_gan_img2img import GANImageToImagePipeline
from .pipeline_utils import load_pipeline

__all__ = ["GANPipeline", "GANImageToImagePipeline", "ImagePipelineOutput", "load_pipeline"]
