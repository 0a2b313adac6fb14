from .modeling_biggan import REFERENCE_CONFIGS, BigGANDeepGenerator, BigGANDiscriminator

__all__ = ["BigGANDeepGenerator", "BigGANDiscriminator", "REFERENCE_CONFIGS"]
