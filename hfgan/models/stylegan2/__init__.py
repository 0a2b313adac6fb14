"""StyleGAN2 (stylegan2-ada-pytorch's networks): its variants, registered here, and its networks, imported on first
use. A mapping network and modulated synthesis, a residual discriminator with minibatch std; 28-px data renders at
32 and is cropped (the discriminator pads it back). Reference weights: ``hfgan convert stylegan2-ada``."""

from ..._lazy import lazy_exports
from ..defaults import D_GRAY28, FASHION_MNIST_CONDITIONAL, GRAY28
from ..registry import gan_entry, register_model

__all__ = ["StyleGAN2Generator", "StyleGAN2Discriminator"]
__getattr__, __dir__ = lazy_exports(__name__, dict.fromkeys(__all__, ".modeling_stylegan2"))

_G, _D = f"{__name__}:StyleGAN2Generator", f"{__name__}:StyleGAN2Discriminator"
_SMALL = {"latent_dim": 128, "w_dim": 128, "channel_base": 4096, "channel_max": 128, "mapping_layers": 2}
_D_SMALL = {"channel_base": 4096, "channel_max": 128, "mbstd_group_size": 4, "mapping_layers": 2}
register_model(gan_entry("stylegan2-28", "stylegan2", _G, _D, {**GRAY28, **_SMALL}, {**D_GRAY28, **_D_SMALL},
                         "StyleGAN2 (mapping network, modulated convolutions, skip G, residual D), rendered at 32 and "
                         "cropped to 28x28 grayscale."))
register_model(gan_entry("cstylegan2-28", "stylegan2", _G, _D, {**GRAY28, **FASHION_MNIST_CONDITIONAL, **_SMALL},
                         {**D_GRAY28, **_D_SMALL, "num_classes": 10},
                         "Class-conditional StyleGAN2 (label embedding in the mapping network, projection "
                         "discriminator), 28x28 grayscale."))
register_model(gan_entry("stylegan2-32", "stylegan2", _G, _D, {"out_channels": 3, "sample_size": 32, **_SMALL},
                         {"in_channels": 3, "sample_size": 32, **_D_SMALL}, "StyleGAN2, 32x32 RGB."))
