from .modeling_mlp_gan import MLPGANDiscriminator, MLPGANGenerator

__all__ = ["MLPGANGenerator", "MLPGANDiscriminator"]
