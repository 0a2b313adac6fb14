from .modeling_stylegan2 import StyleGAN2Discriminator, StyleGAN2Generator

__all__ = ["StyleGAN2Generator", "StyleGAN2Discriminator"]
