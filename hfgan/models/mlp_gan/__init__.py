"""MLP GAN: its variants, registered here, and its networks, imported on first use."""

from ..._lazy import lazy_exports
from ..defaults import D_GRAY28, FASHION_MNIST_CONDITIONAL, GRAY28
from ..registry import gan_entry, register_model

__all__ = ["MLPGANGenerator", "MLPGANDiscriminator"]
__getattr__, __dir__ = lazy_exports(__name__, dict.fromkeys(__all__, ".modeling_mlp_gan"))

_G, _D = f"{__name__}:MLPGANGenerator", f"{__name__}:MLPGANDiscriminator"
register_model(gan_entry("mlp-gan-28", "mlp_gan", _G, _D, GRAY28, D_GRAY28, "Fully connected GAN, 28x28 grayscale."))
register_model(gan_entry("cmlp-gan-28", "mlp_gan", _G, _D, {**GRAY28, **FASHION_MNIST_CONDITIONAL},
                         {**D_GRAY28, "num_classes": 10}, "Class-conditional fully connected GAN, 28x28 grayscale."))
