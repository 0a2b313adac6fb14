"""Make the StyleGAN2 training-objective fixture (tests/fixtures/stylegan2/<name>_loss.*) by running NVlabs'
stylegan2-ada-pytorch's ``StyleGAN2Loss.accumulate_gradients`` on the networks of the forward-pass fixture.

    python scripts/make_stylegan2_loss_fixture.py /path/to/stylegan2-ada-pytorch [--out tests/fixtures/stylegan2]

Run scripts/make_stylegan2_fixture.py first: its ``<name>_G.safetensors`` / ``<name>_D.safetensors`` are loaded into
the reference's ``Generator`` / ``Discriminator`` (in training mode, as its training loop holds them). Each phase
(``Gmain``, ``Greg``, ``Dmain``, ``Dreg``) then runs once, as the reference's training loop runs it: the gradients
start empty, only the phase's network requires grad, ``gain`` is the phase's interval (1, ``G_REG_INTERVAL``, 1,
``D_REG_INTERVAL``). To make the result deterministic, style mixing is off (probability 0) and the synthesis network
runs with its constant noise buffers (``noise_mode="const"``); the one random draw left, the path-length noise
``randn_like(images)``, is recorded as the reference drew it. Nothing of the reference is copied here; the fixture
holds, per configuration:

- ``<name>_loss.safetensors``: the inputs (``real_uint8`` [N, C, H, W] uint8, the reals being ``real_uint8 / 127.5
  - 1`` as in the reference's loop; ``class_labels``; ``latents.<phase>``; ``pl_noise_randn``, the unscaled draw),
  the gradient of every trained parameter after each phase (``grad.<phase>.<parameter>``, reference names), the
  per-sample statistics the loss reported (``stat.<phase>.<name>``) and ``w_avg.<phase>`` after each generator run;
- ``<name>_loss.json``: the loss settings, the phase gains, ``pl_mean`` before and after ``Greg``.
"""

import argparse
import json
import os
import sys

import torch
from safetensors.torch import load_file, save_file

LOSS_KWARGS = dict(style_mixing_prob=0.0, r1_gamma=1.0, pl_batch_shrink=2, pl_decay=0.01, pl_weight=2.0)
G_REG_INTERVAL, D_REG_INTERVAL = 4, 16  # the reference's defaults
PL_MEAN_START = 0.4  # the running path-length mean before Greg (non-zero, so that its role is tested)
BATCH = 4
PHASES = ("Gmain", "Greg", "Dmain", "Dreg")


class ConstNoiseSynthesis(torch.nn.Module):
    """The synthesis network run with its constant noise buffers: the loss calls ``G_synthesis(ws)``."""

    def __init__(self, synthesis: torch.nn.Module):
        super().__init__()
        self.synthesis = synthesis

    def forward(self, ws):
        return self.synthesis(ws, noise_mode="const")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reference", help="a checkout of NVlabs/stylegan2-ada-pytorch")
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "stylegan2"))
    args = parser.parse_args()
    sys.path.insert(0, os.path.abspath(args.reference))
    from training import loss as reference_loss  # the reference's StyleGAN2Loss
    from training import networks

    for name in ("uncond", "cond"):
        with open(os.path.join(args.out, f"{name}.json")) as f:
            kwargs = json.load(f)
        G = networks.Generator(**kwargs["G"])
        D = networks.Discriminator(**kwargs["D"])
        # strict=False: the state dicts hold everything but nothing is missing; check that explicitly
        for net, part in ((G, "G"), (D, "D")):
            state = load_file(os.path.join(args.out, f"{name}_{part}.safetensors"))
            assert set(state) == set(net.state_dict()), part
            net.load_state_dict(state)
        G.train().requires_grad_(False)
        D.train().requires_grad_(False)

        rng = torch.Generator().manual_seed(1)
        res, channels = G.img_resolution, G.img_channels
        real_uint8 = torch.randint(0, 256, (BATCH, channels, res, res), generator=rng, dtype=torch.uint8)
        real_uint8[:, :, :3] = 0  # a black band, as Fashion-MNIST's background: reals at exactly -1
        real_img = real_uint8.float() / 127.5 - 1
        labels = torch.arange(BATCH) % G.c_dim if G.c_dim else None
        gen_c = torch.nn.functional.one_hot(labels, G.c_dim).float() if G.c_dim else torch.zeros(BATCH, 0)
        latents = {phase: torch.randn(BATCH, G.z_dim, generator=rng) * 1.5 for phase in PHASES}  # wide: some pixels
        # of the generated images fall outside [-1, 1]

        loss = reference_loss.StyleGAN2Loss(device=torch.device("cpu"), G_mapping=G.mapping,
                                            G_synthesis=ConstNoiseSynthesis(G.synthesis), D=D, **LOSS_KWARGS)
        loss.pl_mean.fill_(PL_MEAN_START)
        stats = {}
        original_report = reference_loss.training_stats.report

        def record(stat, value):
            stats[f"stat.{record.phase}.{stat}"] = value.detach().float().clone().reshape(-1)
            return original_report(stat, value)

        reference_loss.training_stats.report = record
        drawn_noise = []
        original_randn_like = torch.randn_like

        def randn_like(tensor, *a, **k):  # the path-length noise, as the reference draws it
            value = original_randn_like(tensor, *a, **k)
            drawn_noise.append(value.clone())
            return value

        out = {"real_uint8": real_uint8.contiguous()}
        if labels is not None:
            out["class_labels"] = labels
        gains = {"Gmain": 1, "Greg": G_REG_INTERVAL, "Dmain": 1, "Dreg": D_REG_INTERVAL}
        summary = {}
        try:
            torch.randn_like = randn_like
            for phase in PHASES:
                module = G if phase.startswith("G") else D
                for p in list(G.parameters()) + list(D.parameters()):
                    p.grad = None
                module.requires_grad_(True)
                record.phase = phase
                torch.manual_seed(2)
                loss.accumulate_gradients(phase=phase, real_img=real_img, real_c=gen_c, gen_z=latents[phase],
                                          gen_c=gen_c, sync=True, gain=gains[phase])
                module.requires_grad_(False)
                out[f"latents.{phase}"] = latents[phase].contiguous()
                for key, p in module.named_parameters():
                    if p.grad is not None:
                        out[f"grad.{phase}.{key}"] = p.grad.detach().clone().contiguous()
                if phase != "Dreg":
                    out[f"w_avg.{phase}"] = G.mapping.w_avg.detach().clone()
                if phase == "Greg":
                    summary["pl_mean_after"] = float(loss.pl_mean)
                if phase == "Gmain":
                    with torch.no_grad():
                        images = G.synthesis(G.mapping(latents[phase], gen_c, skip_w_avg_update=True), noise_mode="const")
                    summary["fraction_outside_unit_range"] = float((images.abs() > 1).float().mean())
        finally:
            torch.randn_like = original_randn_like
            reference_loss.training_stats.report = original_report
        assert len(drawn_noise) == 1, "one path-length noise draw expected"
        out["pl_noise_randn"] = drawn_noise[0].contiguous()
        out.update({k: v.contiguous() for k, v in stats.items()})
        save_file(out, os.path.join(args.out, f"{name}_loss.safetensors"))
        meta = {"loss_kwargs": LOSS_KWARGS, "gains": gains, "pl_mean_start": PL_MEAN_START, **summary,
                "noise_mode": "const", "networks_mode": "train"}
        with open(os.path.join(args.out, f"{name}_loss.json"), "w") as f:
            json.dump(meta, f, indent=1)
        print(f"{name}: {sum(k.startswith('grad.') for k in out)} gradients, {json.dumps(summary)}, "
              f"stats {sorted(k for k in stats)}")


if __name__ == "__main__":
    main()
