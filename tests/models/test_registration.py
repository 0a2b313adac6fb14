"""Families register their variants in their own package: a new folder under hfgan/models is listed, built and
exported with no central table to edit, and listing imports no network code."""

import subprocess
import sys
from pathlib import Path

import pytest
import torch

import hfgan
import hfgan.models
from hfgan.models import create_model, family_of, get_model_entry, list_models, registry

TOY_FAMILY = '''"""A toy family: one variant built from DCGAN's networks."""

from ..registry import gan_entry, register_model

register_model(gan_entry("toygan-8", "toygan", "hfgan.models.dcgan:DCGANGenerator", "hfgan.models.dcgan:DCGANDiscriminator",
                         {"sample_size": 8, "latent_dim": 4, "base_channels": 4, "max_channels": 8},
                         {"sample_size": 8, "base_channels": 4, "max_channels": 8}, "A toy, 8x8 grayscale."))
'''


@pytest.fixture
def toy_family(tmp_path, monkeypatch):
    """A family folder ``toygan/`` (its ``__init__`` registers ``toygan-8``) on the models package's path."""
    folder = tmp_path / "toygan"
    folder.mkdir()
    (folder / "__init__.py").write_text(TOY_FAMILY)
    (folder / "modeling_toygan.py").write_text('"""The toy family borrows its networks."""\n')
    monkeypatch.setattr(hfgan.models, "__path__", [*hfgan.models.__path__, str(tmp_path)])
    monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY))
    yield "toygan"
    sys.modules.pop("hfgan.models.toygan", None)


def test_a_family_folder_is_found_and_registers_its_own_variants(toy_family):
    assert "toygan" in hfgan.models.import_families()
    assert list_models(family="toygan") == ["toygan-8"]
    assert get_model_entry("toygan-8", resolve=False).description == "A toy, 8x8 grayscale."
    generator, discriminator = create_model("toygan-8")
    images = generator(torch.randn(2, 4))
    assert images.shape == (2, 1, 8, 8) and discriminator(images).shape == (2,)
    assert hfgan.models.import_families() == []  # each family package is imported once


def test_every_family_folder_registers_variants():
    folders = sorted(p.name for p in Path(hfgan.models.__file__).parent.iterdir() if (p / f"modeling_{p.name}.py").is_file())
    assert folders and all(list_models(family=name) for name in folders)
    assert {get_model_entry(n, resolve=False).family for n in list_models()} == set(folders)


def test_public_class_names_follow_the_registrations():
    classes = {cls for name in list_models() for cls, _ in get_model_entry(name).components.values()}
    for cls in classes:
        assert getattr(hfgan, cls.__name__) is cls and getattr(hfgan.models, cls.__name__) is cls
        assert cls.__name__ in hfgan.__all__ and cls.__name__ in hfgan.models.__all__ and cls.__name__ in dir(hfgan)
    assert hfgan.FASHION_MNIST_CLASSES[0] == "T-shirt/top" and hfgan.models.FASHION_MNIST_CLASSES[-1] == "Ankle boot"


def test_family_of_names_the_family_that_defines_the_generator():
    from hfgan.models.cyclegan import CycleGANGenerator
    from hfgan.models.pix2pix import Pix2PixGenerator

    assert family_of(Pix2PixGenerator(base_channels=4, max_channels=8)) == "pix2pix"  # also CycleGAN's U-Net variant
    assert family_of(CycleGANGenerator(base_channels=4, num_res_blocks=1)) == "cyclegan"
    assert family_of(create_model("dcgan-28", {"base_channels": 4, "max_channels": 8})[0]) == "dcgan"
    assert family_of(torch.nn.Linear(2, 2)) is None


def test_listing_imports_no_network_code():
    code = ("import sys\nimport hfgan\nfrom hfgan.models import get_model_entry, list_models\n"
            "names = list_models()\nentries = [get_model_entry(n, resolve=False) for n in names]\n"
            "print(len(names), sorted(m for m in ('torch', 'diffusers', 'numpy') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    count, heavy = result.stdout.split(" ", 1)
    assert int(count) == len(list_models()) and heavy.strip() == "[]"


def test_family_of_tells_a_two_way_unet_from_pix2pix_and_counts_subclasses():
    from hfgan.models.pix2pix import Pix2PixGenerator

    unet = Pix2PixGenerator(base_channels=4, max_channels=8)
    assert family_of(unet, two_way=False) == "pix2pix" and family_of(unet, two_way=True) == "cyclegan"

    class MyDCGAN(type(create_model("dcgan-28", {"base_channels": 4, "max_channels": 8})[0])):
        pass

    assert family_of(MyDCGAN(base_channels=4, max_channels=8)) == "dcgan"
