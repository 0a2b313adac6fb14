from .modeling_pix2pix import PatchGANDiscriminator, Pix2PixGenerator

__all__ = ["Pix2PixGenerator", "PatchGANDiscriminator"]
