"""Make the StyleGAN2 fidelity fixture (tests/fixtures/stylegan2/) by running NVlabs' stylegan2-ada-pytorch.

    python scripts/make_stylegan2_fixture.py /path/to/stylegan2-ada-pytorch [--out tests/fixtures/stylegan2]

The reference checkout is imported from the given path (its ``training.networks``; on CPU its custom ops use their
reference implementations, and it ran unpatched with torch 2.13). Nothing of it is copied into this repository:
the fixture holds, per configuration,

- ``<name>_G.safetensors`` / ``<name>_D.safetensors``: the state dicts of the reference's ``Generator`` (as its
  ``G_ema``, in eval mode) and ``Discriminator``, every parameter and buffer randomized so that biases, noise
  strengths and ``w_avg`` all matter;
- ``<name>_io.safetensors``: fixed ``latents``, ``class_labels`` (conditional only), the generator's images for them
  with ``noise_mode="const"`` at truncation 1.0 (``images_psi1``) and 0.5 (``images_psi05``), at 0.5 on the first
  two ws only (``images_psi05_cutoff2``), the ws at truncation 1.0 (``ws``), and the discriminator's logits
  (``logits``) for fixed ``pixel_values``;
- ``<name>.json``: the reference's constructor arguments.

Two tiny configurations: ``uncond`` (RGB, 16x16, no labels) and ``cond`` (grayscale, 16x16, 3 classes, conv clamp).

``--pickle DIR`` also writes ``<name>.pkl``, the reference's own network pickle (``G_ema``, ``D``), to try
``hfgan convert stylegan2-ada <name>.pkl OUT --trust-pickle`` with the checkout on ``PYTHONPATH``; pickles are
never committed.
"""

import argparse
import json
import os
import sys

import torch
from safetensors.torch import save_file

CONFIGS = {
    "uncond": {
        "G": dict(z_dim=8, c_dim=0, w_dim=8, img_resolution=16, img_channels=3,
                  mapping_kwargs=dict(num_layers=2), synthesis_kwargs=dict(channel_base=64, channel_max=16)),
        "D": dict(c_dim=0, img_resolution=16, img_channels=3, channel_base=64, channel_max=16,
                  epilogue_kwargs=dict(mbstd_group_size=4)),
    },
    "cond": {
        "G": dict(z_dim=8, c_dim=3, w_dim=8, img_resolution=16, img_channels=1,
                  mapping_kwargs=dict(num_layers=3, embed_features=6),
                  synthesis_kwargs=dict(channel_base=128, channel_max=16, conv_clamp=1.0)),
        "D": dict(c_dim=3, img_resolution=16, img_channels=1, channel_base=128, channel_max=16, conv_clamp=1.0,
                  mapping_kwargs=dict(num_layers=2), epilogue_kwargs=dict(mbstd_group_size=2)),
    },
}
BATCH = 4


def randomize(module: torch.nn.Module, generator: torch.Generator) -> None:
    """Give every parameter and buffer (but the FIR filters) random values, so that nothing is left at its init."""
    with torch.no_grad():
        for name, tensor in list(module.named_parameters()) + list(module.named_buffers()):
            if name.endswith("resample_filter"):
                continue
            noise = torch.randn(tensor.shape, generator=generator)
            if name.endswith("noise_strength") or name.endswith("bias"):
                tensor.copy_(0.3 * noise + (1.0 if name.endswith("affine.bias") else 0.0))
            elif name.endswith("w_avg"):
                tensor.copy_(noise)
            else:
                tensor.add_(0.1 * noise)
            if name.endswith("torgb.weight"):
                tensor.mul_(0.3)  # images mostly inside [-1, 1], so that clamped outputs stay informative


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reference", help="a checkout of NVlabs/stylegan2-ada-pytorch")
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "stylegan2"))
    parser.add_argument("--pickle", metavar="DIR", default=None, help="also write the networks as reference pickles here")
    args = parser.parse_args()
    sys.path.insert(0, os.path.abspath(args.reference))
    from training import networks  # the reference's networks

    os.makedirs(args.out, exist_ok=True)
    for name, kwargs in CONFIGS.items():
        rng = torch.Generator().manual_seed(0)
        torch.manual_seed(0)
        G = networks.Generator(**kwargs["G"]).eval().requires_grad_(False)
        D = networks.Discriminator(**kwargs["D"]).eval().requires_grad_(False)
        randomize(G, rng)
        randomize(D, rng)
        latents = torch.randn(BATCH, G.z_dim, generator=rng)
        labels = torch.arange(BATCH) % G.c_dim if G.c_dim else None
        c = torch.nn.functional.one_hot(labels, G.c_dim).float() if G.c_dim else None
        io = {"latents": latents}
        if labels is not None:
            io["class_labels"] = labels
        with torch.no_grad():
            io["ws"] = G.mapping(latents, c)
            io["images_psi1"] = G(latents, c, truncation_psi=1.0, noise_mode="const")
            io["images_psi05"] = G(latents, c, truncation_psi=0.5, noise_mode="const")
            io["images_psi05_cutoff2"] = G(latents, c, truncation_psi=0.5, truncation_cutoff=2, noise_mode="const")
            io["pixel_values"] = torch.randn(BATCH, G.img_channels, G.img_resolution, G.img_resolution, generator=rng)
            io["logits"] = D(io["pixel_values"], c)
        save_file({k: v.contiguous() for k, v in G.state_dict().items()}, os.path.join(args.out, f"{name}_G.safetensors"))
        save_file({k: v.contiguous() for k, v in D.state_dict().items()}, os.path.join(args.out, f"{name}_D.safetensors"))
        save_file({k: v.contiguous() for k, v in io.items()}, os.path.join(args.out, f"{name}_io.safetensors"))
        with open(os.path.join(args.out, f"{name}.json"), "w") as f:
            json.dump(kwargs, f, indent=1)
        if args.pickle:
            import pickle

            os.makedirs(args.pickle, exist_ok=True)
            with open(os.path.join(args.pickle, f"{name}.pkl"), "wb") as f:
                pickle.dump({"G_ema": G, "D": D}, f)  # the reference's persistent classes carry their source code
        print(f"{name}: G {sum(p.numel() for p in G.parameters())} parameters, images {list(io['images_psi1'].shape)}, "
              f"logits {list(io['logits'].shape)}")


if __name__ == "__main__":
    main()
