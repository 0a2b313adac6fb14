"""BigGAN-deep (Brock et al., 2019): its variants, registered here, and its networks, imported on first use.

Class-conditional, with standing statistics chosen by the truncation. pytorch-pretrained-biggan's
biggan-deep-128/256/512 configs are ``REFERENCE_CONFIGS`` (``hfgan convert biggan-deep``).
"""

from ..._lazy import lazy_exports
from ..defaults import D_GRAY28, FASHION_MNIST_CONDITIONAL, GRAY28
from ..registry import gan_entry, register_model

__all__ = ["BigGANDeepGenerator", "BigGANDiscriminator", "REFERENCE_CONFIGS"]
__getattr__, __dir__ = lazy_exports(__name__, dict.fromkeys(__all__, ".modeling_biggan"))

_G, _D = f"{__name__}:BigGANDeepGenerator", f"{__name__}:BigGANDiscriminator"
_G28 = {**GRAY28, **FASHION_MNIST_CONDITIONAL, "latent_dim": 128, "class_embed_dim": 128, "channel_width": 32,
        "layers": [[False, 4, 4], [True, 4, 2], [False, 2, 2], [True, 2, 1]], "attention_layer_position": 2}
_G32 = {"out_channels": 3, "sample_size": 32, "num_classes": 10, "latent_dim": 128, "class_embed_dim": 128,
        "channel_width": 32, "attention_layer_position": 4,
        "layers": [[False, 4, 4], [True, 4, 4], [False, 4, 2], [True, 2, 2], [False, 2, 1], [True, 1, 1]]}
register_model(gan_entry("biggan-deep-28", "biggan", _G, _D, _G28, {**D_GRAY28, "num_classes": 10},
                         "BigGAN-deep (bottleneck blocks, conditional BN, self-attention, standing statistics), "
                         "10 classes, 28x28 grayscale."))
register_model(gan_entry("biggan-deep-32", "biggan", _G, _D, _G32, {"in_channels": 3, "sample_size": 32, "num_classes": 10},
                         "BigGAN-deep, 10 classes, 32x32 RGB."))
