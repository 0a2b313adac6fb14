"""GAN families: one folder each, all registered in :mod:`hfgan.models.registry`.

The registrations below name each network class by reference (``"hfgan.models.dcgan:DCGANGenerator"``), and the
classes are imported on first use (``from hfgan.models import DCGANGenerator``, or ``get_model_entry``), so that
listing the registry (``hfgan list``) imports no network code and no torch.
"""

from .._lazy import lazy_exports
from .registry import (
    ModelEntry,
    create_components,
    create_model,
    family_of,
    gan_entry,
    get_model_entry,
    list_models,
    register_model,
)

# Public class name -> the family subpackage that defines it.
_CLASS_MODULES = {
    "CycleGANGenerator": "cyclegan",
    "DCGANGenerator": "dcgan", "DCGANDiscriminator": "dcgan",
    "MLPGANGenerator": "mlp_gan", "MLPGANDiscriminator": "mlp_gan",
    "Pix2PixGenerator": "pix2pix", "PatchGANDiscriminator": "pix2pix",
    "ProGANGenerator": "progan", "ProGANDiscriminator": "progan",
    "BigGANDeepGenerator": "biggan", "BigGANDiscriminator": "biggan",
    "SNGANGenerator": "sngan", "SNGANDiscriminator": "sngan",
    "StyleGAN2Generator": "stylegan2", "StyleGAN2Discriminator": "stylegan2",
}


def _ref(class_name: str) -> str:
    """``"hfgan.models.<family>:<Class>"``: how a registration names a class without importing it."""
    return f"{__name__}.{_CLASS_MODULES[class_name]}:{class_name}"


__getattr__, __dir__ = lazy_exports(__name__, {name: f".{family}" for name, family in _CLASS_MODULES.items()})


FASHION_MNIST_CLASSES = [
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
]

_GRAY28 = {"out_channels": 1, "sample_size": 28}
_D_GRAY28 = {"in_channels": 1, "sample_size": 28}
_COND = {"num_classes": 10, "class_names": FASHION_MNIST_CLASSES}

register_model(gan_entry("mlp-gan-28", "mlp_gan", _ref("MLPGANGenerator"), _ref("MLPGANDiscriminator"), dict(_GRAY28), dict(_D_GRAY28),
                          "Fully connected GAN, 28x28 grayscale."))
register_model(gan_entry("cmlp-gan-28", "mlp_gan", _ref("MLPGANGenerator"), _ref("MLPGANDiscriminator"), {**_GRAY28, **_COND},
                          {**_D_GRAY28, "num_classes": 10}, "Class-conditional fully connected GAN, 28x28 grayscale."))
register_model(gan_entry("dcgan-28", "dcgan", _ref("DCGANGenerator"), _ref("DCGANDiscriminator"), dict(_GRAY28), dict(_D_GRAY28),
                          "DCGAN, 28x28 grayscale."))
register_model(gan_entry("cdcgan-28", "dcgan", _ref("DCGANGenerator"), _ref("DCGANDiscriminator"), {**_GRAY28, **_COND},
                          {**_D_GRAY28, "num_classes": 10}, "Class-conditional DCGAN (projection discriminator), 28x28 grayscale."))
register_model(gan_entry("dcgan-32", "dcgan", _ref("DCGANGenerator"), _ref("DCGANDiscriminator"),
                          {"out_channels": 3, "sample_size": 32}, {"in_channels": 3, "sample_size": 32}, "DCGAN, 32x32 RGB."))
register_model(gan_entry("dcgan-64", "dcgan", _ref("DCGANGenerator"), _ref("DCGANDiscriminator"),
                          {"out_channels": 3, "sample_size": 64}, {"in_channels": 3, "sample_size": 64}, "DCGAN, 64x64 RGB."))

# image-to-image: the source image goes in, the target comes out; Pix2Pix's discriminator sees the source too
_PIX2PIX_G28 = {"in_channels": 1, "out_channels": 1, "sample_size": 28, "base_channels": 32, "max_channels": 256}
_PATCH_D28 = {"in_channels": 1, "sample_size": 28, "base_channels": 32}
register_model(gan_entry("pix2pix-28", "pix2pix", _ref("Pix2PixGenerator"), _ref("PatchGANDiscriminator"), _PIX2PIX_G28,
                         {**_PATCH_D28, "conditioning_channels": 1},
                         "Pix2Pix: U-Net generator, conditional PatchGAN discriminator, 28x28 grayscale.",
                         task="paired-translation"))
_CYCLE_G28 = {"in_channels": 1, "out_channels": 1, "sample_size": 28, "base_channels": 32}
_CYCLE_D28 = {**_PATCH_D28, "norm_type": "instance"}
register_model(ModelEntry("cyclegan-28", "cyclegan", {
    "generator": (_ref("CycleGANGenerator"), _CYCLE_G28), "generator_reverse": (_ref("CycleGANGenerator"), _CYCLE_G28),
    "discriminator": (_ref("PatchGANDiscriminator"), _CYCLE_D28), "discriminator_reverse": (_ref("PatchGANDiscriminator"), _CYCLE_D28),
}, task="unpaired-translation", description="CycleGAN: two ResNet generators, two PatchGAN discriminators, 28x28 grayscale."))
_CYCLE_UNET28 = {**_PIX2PIX_G28, "norm_type": "instance", "use_dropout": False}
register_model(ModelEntry("cyclegan-unet-28", "cyclegan", {
    "generator": (_ref("Pix2PixGenerator"), _CYCLE_UNET28), "generator_reverse": (_ref("Pix2PixGenerator"), _CYCLE_UNET28),
    "discriminator": (_ref("PatchGANDiscriminator"), _CYCLE_D28), "discriminator_reverse": (_ref("PatchGANDiscriminator"), _CYCLE_D28),
}, task="unpaired-translation", description="CycleGAN with U-Net generators, two PatchGAN discriminators, 28x28 grayscale."))
register_model(gan_entry("progan-28", "progan", _ref("ProGANGenerator"), _ref("ProGANDiscriminator"),
                         {**_GRAY28, "start_resolution": 7}, {**_D_GRAY28, "start_resolution": 7},
                         "Progressive GAN grown 7 -> 14 -> 28 (equalized lr, pixel norm, minibatch std), 28x28 grayscale.",
                         task="progressive"))

__all__ = [
    "DCGANGenerator", "DCGANDiscriminator", "Pix2PixGenerator", "PatchGANDiscriminator", "CycleGANGenerator", "MLPGANGenerator", "MLPGANDiscriminator", "ProGANGenerator", "ProGANDiscriminator", "FASHION_MNIST_CLASSES",
    "ModelEntry", "create_components", "create_model", "family_of", "gan_entry", "get_model_entry", "list_models", "register_model",
]

# BigGAN-deep: class-conditional, standing statistics chosen by the truncation; pytorch-pretrained-biggan's
# biggan-deep-128/256/512 are documented in hfgan.models.biggan.REFERENCE_CONFIGS (`hfgan convert biggan-deep`).

_BIGGAN_G28 = {**_GRAY28, **_COND, "latent_dim": 128, "class_embed_dim": 128, "channel_width": 32,
               "layers": [[False, 4, 4], [True, 4, 2], [False, 2, 2], [True, 2, 1]], "attention_layer_position": 2}
_BIGGAN_G32 = {"out_channels": 3, "sample_size": 32, "num_classes": 10, "latent_dim": 128, "class_embed_dim": 128,
               "channel_width": 32, "attention_layer_position": 4,
               "layers": [[False, 4, 4], [True, 4, 4], [False, 4, 2], [True, 2, 2], [False, 2, 1], [True, 1, 1]]}
register_model(gan_entry("biggan-deep-28", "biggan", _ref("BigGANDeepGenerator"), _ref("BigGANDiscriminator"), _BIGGAN_G28,
                         {**_D_GRAY28, "num_classes": 10},
                         "BigGAN-deep (bottleneck blocks, conditional BN, self-attention, standing statistics), "
                         "10 classes, 28x28 grayscale."))
register_model(gan_entry("biggan-deep-32", "biggan", _ref("BigGANDeepGenerator"), _ref("BigGANDiscriminator"), _BIGGAN_G32,
                         {"in_channels": 3, "sample_size": 32, "num_classes": 10},
                         "BigGAN-deep, 10 classes, 32x32 RGB."))
__all__ += ["BigGANDeepGenerator", "BigGANDiscriminator"]

# SNGAN-ResNet: residual G with (conditional) batch norm, residual SN discriminator (+ projection)

register_model(gan_entry("sngan-resnet-28", "sngan", _ref("SNGANGenerator"), _ref("SNGANDiscriminator"), dict(_GRAY28), dict(_D_GRAY28),
                         "SNGAN-ResNet (7 -> 14 -> 28, spectral-norm residual discriminator), 28x28 grayscale."))
register_model(gan_entry("csngan-resnet-28", "sngan", _ref("SNGANGenerator"), _ref("SNGANDiscriminator"), {**_GRAY28, **_COND},
                         {**_D_GRAY28, "num_classes": 10},
                         "Class-conditional SNGAN-ResNet (conditional batch norm, projection discriminator), "
                         "28x28 grayscale."))
register_model(gan_entry("sngan-resnet-32", "sngan", _ref("SNGANGenerator"), _ref("SNGANDiscriminator"),
                         {"out_channels": 3, "sample_size": 32}, {"in_channels": 3, "sample_size": 32},
                         "SNGAN-ResNet (4 -> 8 -> 16 -> 32), 32x32 RGB (the paper's CIFAR-10 networks)."))
__all__ += ["SNGANGenerator", "SNGANDiscriminator"]

# StyleGAN2 (stylegan2-ada-pytorch's networks): mapping + modulated synthesis, residual D with minibatch std;
# 28-px data renders at 32 and is cropped (the discriminator pads it back). Reference weights: `hfgan convert stylegan2-ada`.
_STYLEGAN2_SMALL = {"latent_dim": 128, "w_dim": 128, "channel_base": 4096, "channel_max": 128, "mapping_layers": 2}
_STYLEGAN2_D_SMALL = {"channel_base": 4096, "channel_max": 128, "mbstd_group_size": 4, "mapping_layers": 2}
register_model(gan_entry("stylegan2-28", "stylegan2", _ref("StyleGAN2Generator"), _ref("StyleGAN2Discriminator"),
                         {**_GRAY28, **_STYLEGAN2_SMALL}, {**_D_GRAY28, **_STYLEGAN2_D_SMALL},
                         "StyleGAN2 (mapping network, modulated convolutions, skip G, residual D), rendered at 32 and "
                         "cropped to 28x28 grayscale."))
register_model(gan_entry("cstylegan2-28", "stylegan2", _ref("StyleGAN2Generator"), _ref("StyleGAN2Discriminator"),
                         {**_GRAY28, **_COND, **_STYLEGAN2_SMALL},
                         {**_D_GRAY28, **_STYLEGAN2_D_SMALL, "num_classes": 10},
                         "Class-conditional StyleGAN2 (label embedding in the mapping network, projection "
                         "discriminator), 28x28 grayscale."))
register_model(gan_entry("stylegan2-32", "stylegan2", _ref("StyleGAN2Generator"), _ref("StyleGAN2Discriminator"),
                         {"out_channels": 3, "sample_size": 32, **_STYLEGAN2_SMALL},
                         {"in_channels": 3, "sample_size": 32, **_STYLEGAN2_D_SMALL},
                         "StyleGAN2, 32x32 RGB."))
__all__ += ["StyleGAN2Generator", "StyleGAN2Discriminator"]
