"""SNGAN-ResNet (Miyato et al., 2018): its variants, registered here, and its networks, imported on first use.
A residual generator with (conditional) batch norm, a residual spectral-norm discriminator (+ projection)."""

from ..._lazy import lazy_exports
from ..defaults import D_GRAY28, FASHION_MNIST_CONDITIONAL, GRAY28
from ..registry import gan_entry, register_model

__all__ = ["SNGANGenerator", "SNGANDiscriminator"]
__getattr__, __dir__ = lazy_exports(__name__, dict.fromkeys(__all__, ".modeling_sngan"))

_G, _D = f"{__name__}:SNGANGenerator", f"{__name__}:SNGANDiscriminator"
register_model(gan_entry("sngan-resnet-28", "sngan", _G, _D, GRAY28, D_GRAY28,
                         "SNGAN-ResNet (7 -> 14 -> 28, spectral-norm residual discriminator), 28x28 grayscale."))
register_model(gan_entry("csngan-resnet-28", "sngan", _G, _D, {**GRAY28, **FASHION_MNIST_CONDITIONAL},
                         {**D_GRAY28, "num_classes": 10},
                         "Class-conditional SNGAN-ResNet (conditional batch norm, projection discriminator), "
                         "28x28 grayscale."))
register_model(gan_entry("sngan-resnet-32", "sngan", _G, _D, {"out_channels": 3, "sample_size": 32},
                         {"in_channels": 3, "sample_size": 32},
                         "SNGAN-ResNet (4 -> 8 -> 16 -> 32), 32x32 RGB (the paper's CIFAR-10 networks)."))
