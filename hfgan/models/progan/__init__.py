from .modeling_progan import ProGANDiscriminator, ProGANGenerator

__all__ = ["ProGANGenerator", "ProGANDiscriminator"]
