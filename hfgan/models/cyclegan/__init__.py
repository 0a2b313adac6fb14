"""CycleGAN (Zhu et al., 2017): its variants, registered here, and its networks, imported on first use. Two
generators (A -> B and B -> A) and two discriminators, Pix2Pix's PatchGAN without conditioning."""

from ..._lazy import lazy_exports
from ..registry import ModelEntry, register_model

__all__ = ["CycleGANGenerator", "PatchGANDiscriminator"]
__getattr__, __dir__ = lazy_exports(__name__, {"CycleGANGenerator": ".modeling_cyclegan",
                                               "PatchGANDiscriminator": "..pix2pix"})

_RESNET, _UNET = f"{__name__}:CycleGANGenerator", "hfgan.models.pix2pix:Pix2PixGenerator"
_PATCH = "hfgan.models.pix2pix:PatchGANDiscriminator"
_G28 = {"in_channels": 1, "out_channels": 1, "sample_size": 28, "base_channels": 32}
_UNET28 = {**_G28, "max_channels": 256, "norm_type": "instance", "use_dropout": False}
_D28 = {"in_channels": 1, "sample_size": 28, "base_channels": 32, "norm_type": "instance"}


def _cyclegan_entry(name: str, generator: str, generator_config: dict, description: str) -> ModelEntry:
    """Two generators of one class and config, two unconditional PatchGAN discriminators."""
    return ModelEntry(name, "cyclegan", {
        "generator": (generator, generator_config), "generator_reverse": (generator, generator_config),
        "discriminator": (_PATCH, _D28), "discriminator_reverse": (_PATCH, _D28),
    }, task="unpaired-translation", description=description)


register_model(_cyclegan_entry("cyclegan-28", _RESNET, _G28,
                               "CycleGAN: two ResNet generators, two PatchGAN discriminators, 28x28 grayscale."))
register_model(_cyclegan_entry("cyclegan-unet-28", _UNET, _UNET28,
                               "CycleGAN with U-Net generators, two PatchGAN discriminators, 28x28 grayscale."))
