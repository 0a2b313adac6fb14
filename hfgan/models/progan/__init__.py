"""Progressive GAN (Karras et al., 2018): its variant, registered here, and its networks, imported on first use."""

from ..._lazy import lazy_exports
from ..defaults import D_GRAY28, GRAY28
from ..registry import gan_entry, register_model

__all__ = ["ProGANGenerator", "ProGANDiscriminator"]
__getattr__, __dir__ = lazy_exports(__name__, dict.fromkeys(__all__, ".modeling_progan"))

register_model(gan_entry("progan-28", "progan", f"{__name__}:ProGANGenerator", f"{__name__}:ProGANDiscriminator",
                         {**GRAY28, "start_resolution": 7}, {**D_GRAY28, "start_resolution": 7},
                         "Progressive GAN grown 7 -> 14 -> 28 (equalized lr, pixel norm, minibatch std), 28x28 grayscale.",
                         task="progressive"))
