"""DCGAN (Radford et al., 2016): its variants, registered here, and its networks, imported on first use."""

from ..._lazy import lazy_exports
from ..defaults import D_GRAY28, FASHION_MNIST_CONDITIONAL, GRAY28
from ..registry import gan_entry, register_model

__all__ = ["DCGANGenerator", "DCGANDiscriminator"]
__getattr__, __dir__ = lazy_exports(__name__, dict.fromkeys(__all__, ".modeling_dcgan"))

_G, _D = f"{__name__}:DCGANGenerator", f"{__name__}:DCGANDiscriminator"
register_model(gan_entry("dcgan-28", "dcgan", _G, _D, GRAY28, D_GRAY28, "DCGAN, 28x28 grayscale."))
register_model(gan_entry("cdcgan-28", "dcgan", _G, _D, {**GRAY28, **FASHION_MNIST_CONDITIONAL}, {**D_GRAY28, "num_classes": 10},
                         "Class-conditional DCGAN (projection discriminator), 28x28 grayscale."))
register_model(gan_entry("dcgan-32", "dcgan", _G, _D, {"out_channels": 3, "sample_size": 32},
                         {"in_channels": 3, "sample_size": 32}, "DCGAN, 32x32 RGB."))
register_model(gan_entry("dcgan-64", "dcgan", _G, _D, {"out_channels": 3, "sample_size": 64},
                         {"in_channels": 3, "sample_size": 64}, "DCGAN, 64x64 RGB."))
