"""Pix2Pix (Isola et al., 2017): its variant, registered here, and its networks, imported on first use. The source
image goes in, the target comes out; the PatchGAN discriminator sees the source too."""

from ..._lazy import lazy_exports
from ..registry import gan_entry, register_model

__all__ = ["Pix2PixGenerator", "PatchGANDiscriminator"]
__getattr__, __dir__ = lazy_exports(__name__, dict.fromkeys(__all__, ".modeling_pix2pix"))

register_model(gan_entry(
    "pix2pix-28", "pix2pix", f"{__name__}:Pix2PixGenerator", f"{__name__}:PatchGANDiscriminator",
    {"in_channels": 1, "out_channels": 1, "sample_size": 28, "base_channels": 32, "max_channels": 256},
    {"in_channels": 1, "sample_size": 28, "base_channels": 32, "conditioning_channels": 1},
    "Pix2Pix: U-Net generator, conditional PatchGAN discriminator, 28x28 grayscale.", task="paired-translation"))
