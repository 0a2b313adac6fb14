"""diffusers' own loader returns hfgan pipelines: ``DiffusionPipeline.from_pretrained(folder, trust_remote_code=True)``
for every published folder and for saved unconditional, conditional and image-to-image pipelines; ``from_pipe``;
diffusers' per-component ``torch_dtype`` dict."""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from diffusers import DiffusionPipeline

import hfgan
from hfgan import GANImageToImagePipeline, GANPipeline
from hfgan.pipelines.pipeline_utils import DIFFUSERS_MODULE

PUBLISHED = sorted(p for p in (Path(__file__).resolve().parents[1] / "pipelines").iterdir() if (p / "model_index.json").is_file())


def _seeded(seed=0):
    return torch.Generator().manual_seed(seed)


def _same_output(pipe_a, pipe_b):
    """Both pipelines make the same images from the same inputs."""
    if isinstance(pipe_a, GANImageToImagePipeline):
        size = pipe_a.generator.config.sample_size
        image = torch.rand(2, pipe_a.generator.config.in_channels, size, size, generator=_seeded())
        a, b = (p(image, output_type="pt").images for p in (pipe_a, pipe_b))
    else:
        labels = [0, 1] if pipe_a.num_classes else None
        a, b = (p(batch_size=2, class_labels=labels, generator=_seeded(), output_type="pt").images for p in (pipe_a, pipe_b))
    return torch.equal(a, b)


@pytest.mark.parametrize("folder", PUBLISHED, ids=[p.name for p in PUBLISHED])
def test_every_published_folder_loads_with_diffusers(folder):
    index = json.loads((folder / "model_index.json").read_text())
    assert index["_class_name"][0] == DIFFUSERS_MODULE and (folder / f"{DIFFUSERS_MODULE}.py").is_file()
    pipe = DiffusionPipeline.from_pretrained(folder, trust_remote_code=True)
    assert type(pipe) is getattr(hfgan, index["_class_name"][1])
    assert _same_output(pipe, hfgan.load_pipeline(folder))


def _tiny(kind, make_tiny_pipeline):
    from hfgan import CycleGANGenerator, PatchGANDiscriminator, Pix2PixGenerator

    torch.manual_seed(0)
    if kind == "unconditional":
        return make_tiny_pipeline()
    if kind == "conditional":
        return make_tiny_pipeline(num_classes=3)
    if kind == "pix2pix":
        return GANImageToImagePipeline(Pix2PixGenerator(in_channels=1, out_channels=1, sample_size=8, base_channels=4, max_channels=8))
    tiny = dict(in_channels=1, out_channels=1, sample_size=8, base_channels=4, num_res_blocks=1)
    return GANImageToImagePipeline(CycleGANGenerator(**tiny), PatchGANDiscriminator(in_channels=1, sample_size=8, base_channels=4),
                                   CycleGANGenerator(**tiny), PatchGANDiscriminator(in_channels=1, sample_size=8, base_channels=4))


@pytest.mark.parametrize("kind", ["unconditional", "conditional", "pix2pix", "cyclegan"])
def test_saved_pipelines_round_trip_through_diffusers(kind, make_tiny_pipeline, tmp_path):
    pipe = _tiny(kind, make_tiny_pipeline)
    pipe.save_pretrained(tmp_path / "p")
    index = json.loads((tmp_path / "p" / "model_index.json").read_text())
    assert index["_class_name"] == [DIFFUSERS_MODULE, type(pipe).__name__]
    loaded = DiffusionPipeline.from_pretrained(tmp_path / "p", trust_remote_code=True)
    assert type(loaded) is type(pipe)
    assert _same_output(loaded, pipe)


def test_diffusers_asks_for_trust_remote_code(saved_pipeline_dir):
    with pytest.raises(ValueError, match="trust_remote_code=True"):
        DiffusionPipeline.from_pretrained(saved_pipeline_dir)


def test_hfgan_never_imports_the_folder_module(saved_pipeline_dir, tmp_path):
    folder = tmp_path / "p"
    shutil.copytree(saved_pipeline_dir, folder)
    (folder / f"{DIFFUSERS_MODULE}.py").write_text("raise RuntimeError('imported')\n")
    for pipe in (GANPipeline.from_pretrained(folder), hfgan.load_pipeline(folder),
                 GANPipeline.from_pretrained(folder, trust_remote_code=True)):
        assert type(pipe) is GANPipeline


def test_folders_with_a_plain_class_name_still_load(saved_pipeline_dir, tmp_path):
    folder = tmp_path / "p"
    shutil.copytree(saved_pipeline_dir, folder)
    index = json.loads((folder / "model_index.json").read_text())
    (folder / "model_index.json").write_text(json.dumps({**index, "_class_name": "GANPipeline"}))
    assert type(hfgan.load_pipeline(folder)) is GANPipeline


def test_per_component_dtype_dict(saved_pipeline_dir):
    dtypes = {"generator": torch.bfloat16, "default": torch.float64}
    loaded = [(DiffusionPipeline.from_pretrained(saved_pipeline_dir, trust_remote_code=True, torch_dtype=dtypes), torch.float64),
              (GANPipeline.from_pretrained(saved_pipeline_dir, torch_dtype=dtypes), torch.float64),
              # without "default", the other components are float32, as in diffusers
              (hfgan.load_pipeline(saved_pipeline_dir, dtype={"generator": "bfloat16"}), torch.float32)]
    for pipe, discriminator_dtype in loaded:
        assert pipe.generator.dtype == torch.bfloat16 and pipe.discriminator.dtype == discriminator_dtype
        assert pipe(batch_size=2, output_type="pt").images.shape == (2, 1, 8, 8)


def test_per_component_dtype_dict_names_components_only(saved_pipeline_dir):
    with pytest.raises(hfgan.HFGANError, match="names unet, which this pipeline does not have"):
        GANPipeline.from_pretrained(saved_pipeline_dir, torch_dtype={"unet": torch.float16})
    with pytest.raises(hfgan.HFGANError, match=r"dtype\['generator'\] must be a floating-point"):
        GANPipeline.from_pretrained(saved_pipeline_dir, torch_dtype={"generator": torch.int8})


def test_from_pipe_shares_components_dtypes_and_card(saved_pipeline_dir):
    pipe = GANPipeline.from_pretrained(saved_pipeline_dir, torch_dtype={"generator": torch.bfloat16, "default": torch.float64})
    new = GANPipeline.from_pipe(pipe)
    assert type(new) is GANPipeline and new.generator is pipe.generator and new.discriminator is pipe.discriminator
    assert pipe.generator.dtype == new.generator.dtype == torch.bfloat16 and pipe.discriminator.dtype == torch.float64
    assert new.card_data == pipe.card_data and new.card_data["dataset"] == "fashion_mnist"
    assert _same_output(new, pipe)
    cast = GANPipeline.from_pipe(pipe, torch_dtype=torch.float32)
    assert cast.generator.dtype == torch.float32
    with pytest.raises(TypeError, match="unknown keyword argument scheduler"):
        GANPipeline.from_pipe(pipe, scheduler=None)


def test_from_pipe_swaps_a_component(saved_pipeline_dir, make_tiny_pipeline):
    pipe = GANPipeline.from_pretrained(saved_pipeline_dir)
    other = make_tiny_pipeline(seed=1).generator
    new = GANPipeline.from_pipe(pipe, generator=other)
    assert new.generator is other and new.discriminator is pipe.discriminator
    assert not np.array_equal(new(generator=_seeded(), output_type="np").images, pipe(generator=_seeded(), output_type="np").images)


def _hub_cache(tmp_path, folder, repo_id="org/tiny-gan", commit="a" * 40):
    """A Hub cache holding ``folder`` as the main revision of ``repo_id``, laid out as huggingface_hub writes it."""
    repo = tmp_path / "hub" / f"models--{repo_id.replace('/', '--')}"
    shutil.copytree(folder, repo / "snapshots" / commit)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(commit)
    return tmp_path / "hub"


@pytest.mark.parametrize("folder", [p for p in PUBLISHED if p.name in ("dcgan-fashion-mnist", "pix2pix-edges2fashion")],
                         ids=lambda p: p.name)
def test_a_hub_repo_loads_with_diffusers(folder, tmp_path):
    """The repo-id path of both loaders, from the Hub cache (the test session is offline: HF_HUB_OFFLINE=1)."""
    cache = _hub_cache(tmp_path, folder)
    pipe = DiffusionPipeline.from_pretrained("org/tiny-gan", cache_dir=cache, trust_remote_code=True)
    ours = hfgan.load_pipeline("org/tiny-gan", cache_dir=cache)
    assert type(pipe) is type(ours) and _same_output(pipe, ours)


def test_a_subclass_outside_hfgan_keeps_a_plain_class_name(make_tiny_pipeline, tmp_path):
    class MyGANPipeline(GANPipeline):
        pass

    MyGANPipeline(**make_tiny_pipeline().components).save_pretrained(tmp_path / "p")
    assert json.loads((tmp_path / "p" / "model_index.json").read_text())["_class_name"] == "MyGANPipeline"
    assert not (tmp_path / "p" / f"{DIFFUSERS_MODULE}.py").exists()  # diffusers could not import it from hfgan
