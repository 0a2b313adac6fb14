"""`hfgan convert stylegan2-ada`: the fixture made by NVlabs' stylegan2-ada-pytorch
(tests/fixtures/stylegan2/make_fixture.py) converts, from every accepted source, to a pipeline whose images and logits
are the reference's; the errors."""

import json
import os
import pickle
import re

import pytest
import torch
from safetensors.torch import load_file, save_file

from hfgan import GANPipeline, HFGANError, StyleGAN2Discriminator
from hfgan.cli import main
from hfgan.convert.stylegan2 import load_stylegan2_ada

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "fixtures", "stylegan2")
TOLERANCE = 1e-4


def _fixture(name):
    g = load_file(os.path.join(FIXTURES, f"{name}_G.safetensors"))
    d = load_file(os.path.join(FIXTURES, f"{name}_D.safetensors"))
    io = load_file(os.path.join(FIXTURES, f"{name}_io.safetensors"))
    with open(os.path.join(FIXTURES, f"{name}.json")) as f:
        kwargs = json.load(f)
    return g, d, io, kwargs


def _sources(name, tmp_path):
    """The fixture written in each accepted layout: ``{layout: (src, extra CLI args)}``."""
    g, d, _, _ = _fixture(name)
    pt_pair = tmp_path / "pair.pt"
    torch.save({"G_ema": g, "D": d}, pt_pair)
    flat = tmp_path / "flat.pth"
    torch.save({**{f"G_ema.{k}": v for k, v in g.items()}, **{f"D.{k}": v for k, v in d.items()}}, flat)
    return {
        "safetensors+discriminator": (os.path.join(FIXTURES, f"{name}_G.safetensors"),
                                      ["--discriminator", os.path.join(FIXTURES, f"{name}_D.safetensors")]),
        "pt-dict": (str(pt_pair), []),
        "pth-prefixed": (str(flat), []),
    }


def _check_against_reference(pipe, io, clamp_ok=True):
    generator, discriminator = pipe.generator, pipe.discriminator
    latents, labels = io["latents"], io.get("class_labels")
    with torch.no_grad():
        assert (generator.map(latents, labels) - io["ws"]).abs().max() < TOLERANCE
        for key, psi, cutoff in [("images_psi1", 1.0, None), ("images_psi05", 0.5, None), ("images_psi05_cutoff2", 0.5, 2)]:
            ws = generator.map(latents, labels, psi, cutoff)
            for fused in (None, True):  # the batched path (default for batches) and the reference's grouped one
                raw = generator.synthesis(ws, noise_mode="const", fused=fused)
                diff = (raw - io[key]).abs().max().item()
                assert diff < TOLERANCE, f"{key}, fused={fused}: {diff}"
        logits = discriminator(io["pixel_values"], labels)
        assert logits.shape == (len(latents),)
        assert (logits - io["logits"][:, 0]).abs().max() < TOLERANCE
    for psi, key in [(1.0, "images_psi1"), (0.5, "images_psi05")]:  # the pipeline: images in [0, 1]
        images = pipe(latents=latents, class_labels=labels, truncation_psi=psi, output_type="pt").images
        expected = (io[key].clamp(-1, 1) + 1) / 2
        assert (images - expected).abs().max() < TOLERANCE
        assert ((expected > 0.01) & (expected < 0.99)).float().mean() > 0.2  # not saturated


@pytest.mark.parametrize("name", ["uncond", "cond"])
def test_cli_converts_every_layout_to_the_reference_images(name, tmp_path):
    _, _, io, kwargs = _fixture(name)
    for layout, (src, extra) in _sources(name, tmp_path).items():
        dst = tmp_path / f"pipe-{layout}"
        conv_clamp = kwargs["G"].get("synthesis_kwargs", {}).get("conv_clamp")
        clamp_args = ["--conv-clamp", str(conv_clamp)] if conv_clamp else []
        group = kwargs["D"].get("epilogue_kwargs", {}).get("mbstd_group_size", 4)
        assert main(["convert", "stylegan2-ada", src, str(dst), *extra, *clamp_args,
                     "--mbstd-group-size", str(group)]) == 0, layout
        pipe = GANPipeline.from_pretrained(dst)
        assert pipe.num_classes == (kwargs["G"]["c_dim"] or None)
        assert isinstance(pipe.discriminator, StyleGAN2Discriminator)
        _check_against_reference(pipe, io)


def test_generator_only_and_crop(tmp_path):
    src = os.path.join(FIXTURES, "uncond_G.safetensors")
    generator, discriminator = load_stylegan2_ada(src)
    assert discriminator is None and generator.config.sample_size == 16
    cropped, _ = load_stylegan2_ada(src, sample_size=14)  # renders at 16, crops one pixel each side
    io = _fixture("uncond")[2]
    images = cropped(io["latents"], noise_mode="const")
    assert images.shape == (4, 3, 14, 14)
    assert (images - io["images_psi1"][:, :, 1:15, 1:15].clamp(-1, 1)).abs().max() < TOLERANCE
    with pytest.raises(HFGANError, match="sample_size=28 would render at 32"):
        load_stylegan2_ada(src, sample_size=28)


def _one_error_line(capsys, argv, pattern):
    capsys.readouterr()
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and re.search(pattern, err), err


class ReferenceLikeNetwork(torch.nn.Module):
    """Stands in for a pickled reference network: its state dict and constructor arguments (``init_kwargs``)."""

    def __init__(self, state, init_kwargs):
        super().__init__()
        self.state, self.init_kwargs = state, init_kwargs

    def state_dict(self, *args, **kwargs):
        return dict(self.state)


def test_network_pickle_needs_trust(tmp_path, capsys):
    g, d, io, kwargs = _fixture("cond")
    pkl = tmp_path / "network-snapshot.pkl"
    with open(pkl, "wb") as f:
        pickle.dump({"G_ema": ReferenceLikeNetwork(g, kwargs["G"]), "D": ReferenceLikeNetwork(d, kwargs["D"])}, f)
    dst = tmp_path / "pipe"
    _one_error_line(capsys, ["convert", "stylegan2-ada", str(pkl), str(dst)], "is a pickle: reading it runs code.*--trust-pickle")
    assert not dst.exists()
    # trusted: conv_clamp and the group size come from the pickle's own arguments
    assert main(["convert", "stylegan2-ada", str(pkl), str(dst), "--trust-pickle"]) == 0
    pipe = GANPipeline.from_pretrained(dst)
    assert pipe.generator.config.conv_clamp == 1.0 and pipe.discriminator.config.mbstd_group_size == 2
    _check_against_reference(pipe, io)
    missing = tmp_path / "needs-code.pkl"
    missing.write_bytes(b"cno_such_stylegan_module\nNetwork\n.")
    with pytest.raises(HFGANError, match="needs the module 'no_such_stylegan_module'.*PYTHONPATH"):
        load_stylegan2_ada(str(missing), trust_pickle=True)


class NotATensor:
    """What a weights-only file may not hold."""


@pytest.mark.parametrize("make, message", [
    (lambda p: torch.save({"G_ema": NotATensor()}, p / "x.pt"), "loads without unpickling code"),
    (lambda p: save_file({"net.0.weight": torch.zeros(2, 2)}, p / "x.safetensors"), "is not a stylegan2-ada-pytorch generator"),
    (lambda p: (p / "x.safetensors").write_bytes(b"not a file of tensors"), "loads without unpickling code"),
    (lambda p: (p / "x.ckpt").write_bytes(b"x"), "unknown file type"),
    (lambda p: torch.save([torch.zeros(1)], p / "x.pt"), "does not hold a state dict"),
])
def test_foreign_files_are_one_line_errors(tmp_path, capsys, make, message):
    make(tmp_path)
    src = next(p for p in tmp_path.iterdir() if p.name.startswith("x."))
    _one_error_line(capsys, ["convert", "stylegan2-ada", str(src), str(tmp_path / "out")], message)


def test_mismatched_or_damaged_weights(tmp_path, capsys):
    g, d, _, _ = _fixture("uncond")
    cond_d = os.path.join(FIXTURES, "cond_D.safetensors")
    with pytest.raises(HFGANError, match="does not fit the generator"):
        load_stylegan2_ada(os.path.join(FIXTURES, "uncond_G.safetensors"), discriminator=cond_d)
    broken = dict(g)
    del broken["synthesis.b8.conv0.noise_strength"]
    save_file(broken, tmp_path / "broken.safetensors")
    with pytest.raises(HFGANError, match="missing .*noise_strength"):
        load_stylegan2_ada(str(tmp_path / "broken.safetensors"))
    nan = dict(g, **{"mapping.fc1.bias": torch.full_like(g["mapping.fc1.bias"], float("nan"))})
    save_file(nan, tmp_path / "nan.safetensors")
    with pytest.raises(HFGANError, match="NaN"):
        load_stylegan2_ada(str(tmp_path / "nan.safetensors"))
    _one_error_line(capsys, ["convert", "stylegan2-ada", str(tmp_path / "none.pt"), str(tmp_path / "out")], "does not exist")
