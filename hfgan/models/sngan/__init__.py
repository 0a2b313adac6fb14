from .modeling_sngan import SNGANDiscriminator, SNGANGenerator

__all__ = ["SNGANGenerator", "SNGANDiscriminator"]
