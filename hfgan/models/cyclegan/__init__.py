from ..pix2pix import PatchGANDiscriminator
from .modeling_cyclegan import CycleGANGenerator

__all__ = ["CycleGANGenerator", "PatchGANDiscriminator"]
