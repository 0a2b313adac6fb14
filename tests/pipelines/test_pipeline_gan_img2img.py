"""``GANImageToImagePipeline``: every input kind, outputs, resizing and channel conversion, directions, errors,
the save/load round trip of a two-way pipeline, ``load_pipeline`` and the model card."""

import ast
import json
import os
import shutil
import types

import numpy as np
import pytest
import torch
import yaml
from PIL import Image

import hfgan
from hfgan import (CheckpointError, CycleGANGenerator, GANImageToImagePipeline, GANPipeline, HFGANError,
                   ImagePipelineOutput, PatchGANDiscriminator, Pix2PixGenerator, load_pipeline)

SIZE = 16


def pix2pix_pipeline(in_channels=3, out_channels=3, size=SIZE, discriminator=True, seed=0):
    """A one-way (Pix2Pix) pipeline of tiny real networks, in training mode as built."""
    torch.manual_seed(seed)
    generator = Pix2PixGenerator(in_channels=in_channels, out_channels=out_channels, sample_size=size,
                                 base_channels=4, max_channels=8)
    disc = PatchGANDiscriminator(in_channels=out_channels, conditioning_channels=in_channels, sample_size=size,
                                 base_channels=4, max_channels=8)
    return GANImageToImagePipeline(generator, disc if discriminator else None)


def cyclegan_pipeline(channels_a=1, channels_b=3, size=12, seed=0):
    """A two-way (CycleGAN) pipeline with all four networks: domain A (gray) <-> domain B (RGB)."""
    torch.manual_seed(seed)
    tiny = dict(sample_size=size, base_channels=4, num_res_blocks=1)
    return GANImageToImagePipeline(
        generator=CycleGANGenerator(in_channels=channels_a, out_channels=channels_b, **tiny),
        discriminator=PatchGANDiscriminator(in_channels=channels_b, sample_size=size, base_channels=4),
        generator_reverse=CycleGANGenerator(in_channels=channels_b, out_channels=channels_a, **tiny),
        discriminator_reverse=PatchGANDiscriminator(in_channels=channels_a, sample_size=size, base_channels=4),
    )


def reference(model, pixels01):
    """The model's own output for ``[N, C, H, W]`` in [0, 1], rescaled to [0, 1]; its training flags kept."""
    flags = [m.training for m in model.modules()]
    with torch.no_grad():
        out = model.eval()(pixels01 * 2 - 1) * 0.5 + 0.5
    for m, flag in zip(model.modules(), flags):
        m.training = flag
    return out.clamp(0, 1)


@pytest.fixture(scope="module")
def rgb():
    """A 16x16 RGB image as uint8 HWC, and the same as a float CHW tensor in [0, 1]."""
    array = np.random.default_rng(0).integers(0, 256, (SIZE, SIZE, 3), dtype=np.uint8)
    return array, torch.from_numpy(array).permute(2, 0, 1).float() / 255


def test_every_input_kind_gives_the_models_output(rgb):
    array, chw = rgb
    pipe = pix2pix_pipeline()
    expected = reference(pipe.generator, chw[None])
    hwc = array.astype(np.float32) / 255
    inputs = {
        "pil": Image.fromarray(array), "pil list": [Image.fromarray(array)], "np HWC": hwc, "np NHWC": hwc[None],
        "np uint8": array, "np list": [hwc], "pt CHW": chw, "pt NCHW": chw[None], "pt list": [chw], "tuple": (chw,),
        "pt float64": chw.double(),
    }
    for kind, image in inputs.items():
        out = pipe(image, output_type="pt").images
        torch.testing.assert_close(out, expected, atol=1e-6, rtol=0, msg=kind)
    batch = pipe([chw, chw.flip(-1)], output_type="pt").images
    torch.testing.assert_close(batch, reference(pipe.generator, torch.stack([chw, chw.flip(-1)])), atol=1e-6, rtol=0)
    torch.testing.assert_close(pipe(np.stack([hwc, hwc[:, ::-1]]), output_type="pt").images, batch, atol=1e-6, rtol=0)


@pytest.mark.parametrize("out_channels", [1, 3])
def test_output_types_and_ranges(rgb, out_channels):
    pipe = pix2pix_pipeline(out_channels=out_channels)
    image = rgb[1]
    pt = pipe([image] * 2, output_type="pt").images
    np_images = pipe([image] * 2, output_type="np").images
    pil = pipe([image] * 2).images
    assert pt.shape == (2, out_channels, SIZE, SIZE) and pt.dtype == torch.float32 and 0 <= pt.min() and pt.max() <= 1
    assert np_images.shape == (2, SIZE, SIZE, out_channels) and np_images.dtype == np.float32
    np.testing.assert_array_equal(np_images, pt.permute(0, 2, 3, 1).numpy())
    assert len(pil) == 2 and pil[0].size == (SIZE, SIZE) and pil[0].mode == ("L" if out_channels == 1 else "RGB")
    expected = (np_images[0] * 255).round().astype(np.uint8)
    np.testing.assert_array_equal(np.asarray(pil[0]).reshape(expected.shape), expected)
    out = pipe(image, output_type="pt")
    assert isinstance(out, ImagePipelineOutput)
    as_tuple = pipe(image, output_type="pt", return_dict=False)
    assert isinstance(as_tuple, tuple) and torch.equal(as_tuple[0], out.images)


def test_resize_to_sample_size():
    pipe = pix2pix_pipeline()
    big = torch.rand(2, 3, 24, 40, generator=torch.Generator().manual_seed(1))
    out = pipe(big, output_type="pt").images
    assert out.shape == (2, 3, SIZE, SIZE)
    small = torch.nn.functional.interpolate(big, size=(SIZE, SIZE), mode="bilinear", antialias=True).clamp(0, 1)
    torch.testing.assert_close(out, reference(pipe.generator, small), atol=1e-6, rtol=0)
    pil = pipe([Image.new("RGB", (40, 24), "red"), Image.new("RGB", (9, 9), "blue")]).images  # sizes may differ
    assert [im.size for im in pil] == [(SIZE, SIZE)] * 2


def test_channel_conversion(rgb):
    array, chw = rgb
    gray_model = pix2pix_pipeline(in_channels=1, out_channels=1)
    luma = (chw * torch.tensor([0.299, 0.587, 0.114]).view(3, 1, 1)).sum(0, keepdim=True)
    expected = reference(gray_model.generator, luma[None])
    torch.testing.assert_close(gray_model(chw, output_type="pt").images, expected, atol=1e-6, rtol=0)
    pil_gray = Image.fromarray(array).convert("L")  # PIL's own RGB -> L conversion: equal up to rounding
    torch.testing.assert_close(gray_model(Image.fromarray(array), output_type="pt").images,
                               gray_model(np.asarray(pil_gray), output_type="pt").images)
    torch.testing.assert_close(gray_model(pil_gray, output_type="pt").images, expected, atol=0.01, rtol=0)

    rgb_model = pix2pix_pipeline(in_channels=3)
    gray = luma[None]  # [1, 1, H, W]
    torch.testing.assert_close(rgb_model(gray, output_type="pt").images, rgb_model(gray.expand(1, 3, -1, -1), output_type="pt").images)
    rgba = np.concatenate([array, np.full((SIZE, SIZE, 1), 7, np.uint8)], axis=-1)  # alpha is dropped
    torch.testing.assert_close(rgb_model(rgba, output_type="pt").images, rgb_model(array, output_type="pt").images)
    assert torch.equal(rgb_model(Image.fromarray(rgba), output_type="pt").images, rgb_model(Image.fromarray(array), output_type="pt").images)


def test_call_runs_in_eval_mode_and_restores_each_modules_training_flag(rgb):
    pipe = pix2pix_pipeline()  # dropout and batch norm: training mode would make two calls differ
    generator = pipe.generator
    generator.up_blocks[0].eval()  # a mixed state
    before = {name: m.training for name, m in generator.named_modules()}
    first = pipe(rgb[1], output_type="pt").images
    assert {name: m.training for name, m in generator.named_modules()} == before
    torch.testing.assert_close(pipe(rgb[1], output_type="pt").images, first, atol=0, rtol=0)
    seeded = pipe(rgb[1], generator=torch.Generator().manual_seed(3), output_type="pt").images  # accepted, no effect
    assert torch.equal(seeded, first)


def test_directions(rgb):
    pipe = cyclegan_pipeline()
    assert pipe.directions == ("forward", "reverse") and pix2pix_pipeline().directions == ("forward",)
    forward = pipe(rgb[1][:1], output_type="pt").images  # gray -> RGB
    assert forward.shape == (1, 3, 12, 12)
    back = pipe(forward, direction="reverse", output_type="pt").images  # RGB -> gray
    assert back.shape == (1, 1, 12, 12)
    torch.testing.assert_close(back, reference(pipe.generator_reverse, forward), atol=1e-6, rtol=0)
    assert pipe(Image.new("L", (12, 12)), direction="reverse").images[0].mode == "L"


@pytest.mark.parametrize("image, kwargs, match", [
    ("pil", {"direction": "reverse"}, r"direction='reverse' needs a two-way \(CycleGAN\) pipeline.*no generator_reverse"),
    ("pil", {"direction": "backward"}, "unknown direction 'backward'; use 'forward' or 'reverse'"),
    ([], {}, "empty list"),
    ("a.png", {}, "image must be a PIL image, a numpy array .*; got str"),
    ([torch.rand(3, 8, 8), 5], {}, "got int in a list"),
    ([torch.rand(3, 8, 8), np.zeros((8, 8, 3))], {}, "one kind"),
    (torch.rand(8), {}, r"torch tensor image must be CHW or NCHW \(or HW for grayscale\), got 1 dims \[8\]"),
    (np.zeros((1, 2, 8, 8, 3)), {}, "numpy array image must be HWC or NHWC .*got 5 dims"),
    (np.zeros((3, 8, 8)), {}, r"HWC or NHWC with 1, 3 or 4 channels \(last axis\), got shape \[3, 8, 8\]"),
    (torch.rand(8, 8, 3), {}, r"CHW or NCHW with 1, 3 or 4 channels \(first axis\)"),
    (torch.rand(1, 3, 8, 8) * 2 - 1, {}, r"values must be in \[0, 1\], got \[-.*rescale \[-1, 1\]"),
    (torch.full((3, 8, 8), float("nan")), {}, r"values must be in \[0, 1\]"),
    (np.zeros((8, 8, 3), dtype=np.int64), {}, "floats in \\[0, 1\\] or uint8, got dtype int64"),
    ("pil", {"output_type": "jpg"}, "unknown output_type 'jpg'"),
    ("pil", {"generator": 0}, "generator must be a torch.Generator"),
])
def test_input_errors(image, kwargs, match):
    pipe = pix2pix_pipeline()
    with pytest.raises(HFGANError, match=match) as info:
        pipe(Image.new("RGB", (8, 8)) if isinstance(image, str) and image == "pil" else image, **kwargs)
    assert "\n" not in str(info.value)


def test_two_way_round_trip_with_four_components(tmp_path, rgb):
    pipe = cyclegan_pipeline()
    pipe.card_data = {"dataset": "edges2shoes", "name": "Tiny CycleGAN"}
    pipe.save_pretrained(tmp_path / "p")
    index = json.loads((tmp_path / "p" / "model_index.json").read_text())
    assert index["_class_name"] == ["pipeline_hfgan", "GANImageToImagePipeline"]  # as diffusers' loader finds it
    assert index["generator"] == index["generator_reverse"] == ["hfgan", "CycleGANGenerator"]
    assert index["discriminator"] == index["discriminator_reverse"] == ["hfgan", "PatchGANDiscriminator"]

    for loaded in (GANImageToImagePipeline.from_pretrained(tmp_path / "p"), load_pipeline(tmp_path / "p")):
        assert type(loaded) is GANImageToImagePipeline and loaded.card_data == pipe.card_data
        assert not loaded.generator.training and loaded.discriminator_reverse is not None
        for direction, image in (("forward", rgb[1][:1]), ("reverse", rgb[1])):
            assert torch.equal(loaded(image, direction=direction, output_type="pt").images,
                               pipe(image, direction=direction, output_type="pt").images)
    loaded.save_pretrained(tmp_path / "again")  # a loaded pipeline saves the same card again
    assert (tmp_path / "again" / "README.md").read_text() == (tmp_path / "p" / "README.md").read_text()


def test_one_way_round_trip_without_discriminator(tmp_path, rgb):
    pipe = pix2pix_pipeline(discriminator=False)
    pipe.save_pretrained(tmp_path)
    index = json.loads((tmp_path / "model_index.json").read_text())
    assert index["generator"] == ["hfgan", "Pix2PixGenerator"] and index["generator_reverse"] == [None, None]
    assert sorted(os.listdir(tmp_path)) == ["README.md", "generator", "model_index.json", "pipeline_hfgan.py"]
    loaded = load_pipeline(str(tmp_path), torch_dtype=torch.float64)
    assert loaded.discriminator is None and loaded.generator_reverse is None and loaded.generator.dtype == torch.float64
    out = loaded(rgb[1], output_type="pt").images
    assert out.dtype == torch.float64
    torch.testing.assert_close(out.float(), pipe(rgb[1], output_type="pt").images, atol=1e-6, rtol=0)


def test_load_pipeline_picks_the_class_and_refuses_others(saved_pipeline_dir, tmp_path):
    assert type(load_pipeline(saved_pipeline_dir)) is GANPipeline
    assert hfgan.load_pipeline is load_pipeline
    pix2pix_pipeline().save_pretrained(tmp_path / "img2img")
    with pytest.raises(CheckpointError, match="describes a 'GANImageToImagePipeline', not a GANPipeline"):
        GANPipeline.from_pretrained(tmp_path / "img2img")
    folder = shutil.copytree(saved_pipeline_dir, tmp_path / "other")
    index = json.loads((folder / "model_index.json").read_text())
    for name in ("DDPMPipeline", "os.system", None):
        (folder / "model_index.json").write_text(json.dumps({**index, "_class_name": name}))
        with pytest.raises(CheckpointError, match=f"describes a {name!r}, which is not an hfgan pipeline "
                                                  r"\(known: .*GANImageToImagePipeline, GANPipeline"):
            load_pipeline(folder)
    with pytest.raises(CheckpointError, match="no such folder"):
        load_pipeline(tmp_path / "missing")


def test_model_card(tmp_path):
    pipe = cyclegan_pipeline()
    pipe.card_data = {"dataset": "horse2zebra", "metrics": [{"type": "fid", "value": 40.0}]}
    pipe.save_pretrained(tmp_path, repo_id="org/tiny-cyclegan")
    text = (tmp_path / "README.md").read_text()
    meta = yaml.safe_load(text.split("---\n")[1])
    assert meta["pipeline_tag"] == "image-to-image" and meta["library_name"] == "hfgan"
    assert meta["tags"] == ["gan", "hfgan", "cyclegan", "horse2zebra"]
    assert meta["model-index"][0]["results"][0]["task"]["type"] == "image-to-image"
    for row in ("| generator | `CycleGANGenerator` |", "| discriminator | `PatchGANDiscriminator` |",
                "| generator_reverse | `CycleGANGenerator` |", "| discriminator_reverse | `PatchGANDiscriminator` |"):
        assert row in text
    assert 'GANImageToImagePipeline.from_pretrained("org/tiny-cyclegan")' in text and 'direction="reverse"' in text
    assert "translates 12x12 grayscale images of horse2zebra into RGB images (and back" in text
    one_way = pix2pix_pipeline(discriminator=False)
    one_way.save_pretrained(tmp_path / "one")
    text = (tmp_path / "one" / "README.md").read_text()
    assert "| generator | `Pix2PixGenerator` |" in text and "discriminator" not in text.split("## Model")[1]
    assert "direction=" not in text


def test_push_folder_checks_an_image_to_image_folder(tmp_path, monkeypatch):
    from huggingface_hub import HfApi

    from hfgan.pipelines.publishing import push_folder

    uploads = []
    monkeypatch.setattr(HfApi, "create_repo", lambda self, repo_id, **kw: types.SimpleNamespace(repo_id=repo_id))
    monkeypatch.setattr(HfApi, "upload_folder", lambda self, *, repo_id, folder_path, **kw: uploads.append(repo_id))
    pix2pix_pipeline().save_pretrained(tmp_path)
    push_folder(str(tmp_path), "org/p2p")
    (tmp_path / "discriminator" / "diffusion_pytorch_model.safetensors").write_bytes(b"")
    with pytest.raises(CheckpointError, match="corrupt or truncated"):
        push_folder(str(tmp_path), "org/p2p")
    assert uploads == ["org/p2p"]


def test_hub_module_does_not_import_pipelines():
    tree = ast.parse(open(hfgan.hub.__file__, encoding="utf-8").read())
    imported = [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    imported += [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names]
    assert not any("pipelines" in name for name in imported), imported
