from diffusers.pipelines.pipeline_utils import ImagePipelineOutput

from .pipeline_gan import GANPipeline

__all__ = ["GANPipeline", "ImagePipelineOutput"]
