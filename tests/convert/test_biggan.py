"""`hfgan convert biggan-deep`: a tiny random pytorch-pretrained-biggan model, saved as that project saves it,
gives the same images through the converted GANPipeline, at every truncation; the truncated prior; the errors."""

import json
import os

import pytest
import torch

from hfgan import GANPipeline, HFGANError
from hfgan.cli import main

ppb = pytest.importorskip("pytorch_pretrained_biggan")

N_STATS = 51
TINY_REFERENCE = dict(output_dim=32, z_dim=8, class_embed_dim=8, channel_width=4, num_classes=1000,
                      layers=[(False, 16, 16), (True, 16, 8), (True, 8, 4), (False, 4, 2), (True, 2, 1)],
                      attention_layer_position=2, eps=1e-4, n_stats=N_STATS)


class NotATensor:
    """A class that a state dict may not hold (loading it would need unpickling code)."""


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """``(model, folder)``: a tiny random reference BigGAN-deep with random standing statistics in every slot,
    saved as its project saves (config.json + torch.save of the state dict) and read back by its own loader."""
    torch.manual_seed(0)
    config = ppb.BigGANConfig(**TINY_REFERENCE)
    model = ppb.BigGAN(config)
    with torch.no_grad():
        for name, param in model.named_parameters():
            if name.endswith("gamma"):
                param.fill_(0.7)  # self-attention switched on
            elif name.startswith("generator.bn."):
                param.normal_(1.0 if name.endswith("weight") else 0.0, 0.2)
        model.train()  # power iterations make the stored spectral-norm u, v meaningful
        for _ in range(5):
            model(torch.randn(4, 8), torch.eye(1000)[:4], 1.0)
        for module in model.modules():
            if isinstance(module, ppb.model.BigGANBatchNorm):
                module.running_means.normal_(0.0, 0.3)
                module.running_vars.uniform_(0.5, 2.0)
    folder = tmp_path_factory.mktemp("reference") / "biggan-deep-tiny"
    folder.mkdir()
    torch.save(model.state_dict(), folder / "pytorch_model.bin")
    (folder / "config.json").write_text(config.to_json_string())
    loaded = ppb.BigGAN.from_pretrained(str(folder)).eval()  # the files are the reference's own format
    return loaded, folder


@pytest.fixture(scope="module")
def converted(reference, tmp_path_factory):
    dst = tmp_path_factory.mktemp("converted") / "pipe"
    assert main(["convert", "biggan-deep", str(reference[1]), str(dst)]) == 0
    return GANPipeline.from_pretrained(dst)


def _reference_images(model, latents, labels, truncation):
    one_hot = torch.from_numpy(ppb.one_hot_from_int(labels.tolist(), batch_size=len(labels)))
    with torch.no_grad():
        return ((model(latents, one_hot, truncation) + 1) / 2).clamp(0, 1)


@pytest.mark.parametrize("truncation", [1.0, 0.4])
def test_converted_pipeline_matches_reference(reference, converted, truncation):
    model, _ = reference
    latents = torch.from_numpy(ppb.truncated_noise_sample(batch_size=6, dim_z=8, truncation=truncation, seed=1))
    labels = torch.tensor([0, 1, 7, 42, 500, 999])
    expected = _reference_images(model, latents, labels, truncation)
    images = converted(latents=latents, class_labels=labels, truncation_psi=truncation, output_type="pt").images
    assert images.shape == expected.shape == (6, 3, 32, 32)
    diff = (images - expected).abs().max().item()
    print(f"max abs difference at truncation {truncation}: {diff:.3g}")
    assert diff < 1e-4
    assert expected.std() > 0.05 and ((expected > 0.001) & (expected < 0.999)).float().mean() > 0.2  # not trivial, not saturated


def test_standing_statistics_matter(reference, converted):
    """The randomized statistics of each slot reach the images: the same latents at two truncations differ."""
    latents = torch.randn(2, 8)
    images = [converted(latents=latents, class_labels=[3, 4], truncation_psi=t, output_type="pt").images for t in (1.0, 0.4)]
    assert (images[0] - images[1]).abs().max() > 0.05


def test_truncation_between_slots_matches_reference(reference, converted):
    latents = torch.randn(3, 8) * 0.5
    labels = torch.tensor([2, 3, 4])
    expected = _reference_images(reference[0], latents, labels, 0.537)
    images = converted(latents=latents, class_labels=labels, truncation_psi=0.537, output_type="pt").images
    assert (images - expected).abs().max() < 1e-4


def test_safetensors_source(reference, tmp_path):
    from safetensors.torch import save_file

    model, folder = reference
    src = tmp_path / "src"
    src.mkdir()
    (src / "config.json").write_text((folder / "config.json").read_text())
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, src / "model.safetensors")
    assert main(["convert", "biggan-deep", str(src), str(tmp_path / "dst")]) == 0
    pipe = GANPipeline.from_pretrained(tmp_path / "dst")
    latents, labels = torch.randn(2, 8), torch.tensor([5, 6])
    images = pipe(latents=latents, class_labels=labels, truncation_psi=0.4, output_type="pt").images
    assert (images - _reference_images(model, latents, labels, 0.4)).abs().max() < 1e-4
    assert pipe.discriminator is None and sorted(os.listdir(tmp_path / "dst")) == ["README.md", "generator", "model_index.json",
                                                                                 "pipeline_hfgan.py"]


def test_sampled_latents_are_truncated_normal(converted):
    for truncation in (1.0, 0.4):
        latents = converted.prepare_latents(4096, torch.Generator().manual_seed(0), None, "cpu", torch.float32,
                                            truncation=truncation)
        assert latents.shape == (4096, 8)
        assert latents.abs().max() <= 2 * truncation + 1e-6
        assert abs(latents.mean().item()) < 0.01 * truncation + 0.005
        # the standard deviation of N(0, 1) truncated to [-2, 2] is 0.8796
        assert abs(latents.std().item() / truncation - 0.8796) < 0.01
    # the pipeline samples from that prior, reproducibly, and uses given latents as they are
    seeded = lambda: torch.Generator().manual_seed(3)  # noqa: E731
    sampled = converted(batch_size=3, class_labels=1, generator=seeded(), truncation_psi=0.4, output_type="pt").images
    latents = converted.prepare_latents(3, seeded(), None, "cpu", torch.float32, truncation=0.4)
    given = converted(latents=latents, class_labels=1, truncation_psi=0.4, output_type="pt").images
    assert torch.equal(sampled, given)
    assert converted.truncation_kind == "standing_stats"


def test_pipeline_errors(converted):
    with pytest.raises(HFGANError, match=r"out of range \[0, 999\]"):
        converted(batch_size=1, class_labels=1000)
    with pytest.raises(HFGANError, match="class-conditional"):
        converted(batch_size=1)
    for bad in (0.0, 1.5):
        with pytest.raises(HFGANError, match=r"truncation_psi must be in \(0, 1\]"):
            converted(batch_size=1, class_labels=0, truncation_psi=bad)


def _one_error_line(capsys, argv, match):
    capsys.readouterr()
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and match in err, err


def test_convert_errors(reference, tmp_path, capsys):
    _, folder = reference
    _one_error_line(capsys, ["convert", "stylegan9", str(folder), str(tmp_path / "a")], "unknown format 'stylegan9'")
    _one_error_line(capsys, ["convert", "biggan-deep", str(tmp_path / "nope"), str(tmp_path / "a")], "does not exist")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    _one_error_line(capsys, ["convert", "biggan-deep", str(folder), str(tmp_path / "full")], "not an empty folder")

    def source(name, config=None, weights=None):
        src = tmp_path / name
        src.mkdir()
        if config is not None:
            (src / "config.json").write_text(config if isinstance(config, str) else json.dumps(config))
        if weights is not None:
            if isinstance(weights, bytes):
                (src / "pytorch_model.bin").write_bytes(weights)
            else:
                torch.save(weights, src / "pytorch_model.bin")
        return str(src)

    reference_config = json.loads((folder / "config.json").read_text())
    state = torch.load(folder / "pytorch_model.bin", weights_only=True)
    dst = str(tmp_path / "out")
    _one_error_line(capsys, ["convert", "biggan-deep", source("noconfig", weights=state), dst], "has no config.json")
    _one_error_line(capsys, ["convert", "biggan-deep", source("foreign", {"_class_name": "DCGANGenerator", "latent_dim": 8}, state), dst],
                    "is not a pytorch-pretrained-biggan BigGAN-deep config")
    _one_error_line(capsys, ["convert", "biggan-deep", source("notjson", "{not json", state), dst], "config.json")
    _one_error_line(capsys, ["convert", "biggan-deep", source("noweights", reference_config), dst], "has no pytorch-pretrained-biggan weights")
    _one_error_line(capsys, ["convert", "biggan-deep", source("garbage", reference_config, b"\x00not a checkpoint"), dst],
                    "without unpickling code")
    _one_error_line(capsys, ["convert", "biggan-deep", source("pickled", reference_config, {"x": NotATensor()}), dst],
                    "without unpickling code")
    _one_error_line(capsys, ["convert", "biggan-deep", source("nested", reference_config, {"x": [1, 2]}), dst],
                    "does not hold a state dict of named tensors")
    partial = {k: v for k, v in state.items() if "conv_to_rgb" not in k}
    _one_error_line(capsys, ["convert", "biggan-deep", source("partial", reference_config, partial), dst], "missing ['to_image.")
    wider = {**reference_config, "channel_width": 8}
    _one_error_line(capsys, ["convert", "biggan-deep", source("mismatch", wider, state), dst], "has shape")
    extra = {**state, "generator.extra.weight": torch.zeros(1)}
    _one_error_line(capsys, ["convert", "biggan-deep", source("extra", reference_config, extra), dst], "unexpected ['generator.extra.weight']")
    bad_size = {**reference_config, "output_dim": 64}
    _one_error_line(capsys, ["convert", "biggan-deep", source("size", bad_size, state), dst], "output_dim=64")
    assert not os.path.exists(dst)
