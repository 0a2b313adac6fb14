from diffusers.pipelines.pipeline_utils import ImagePipelineOutput

from .pipeline_gan import GANPipeline
from .pipeline_utils import load_pipeline

__all__ = ["GANPipeline", "ImagePipelineOutput", "load_pipeline"]
