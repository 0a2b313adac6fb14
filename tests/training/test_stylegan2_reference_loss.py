"""The ``stylegan2`` task's training objectives against NVlabs' stylegan2-ada-pytorch.

``tests/fixtures/stylegan2/<name>_loss.*`` (tests/fixtures/stylegan2/make_loss_fixture.py) holds the gradients that the
reference's ``StyleGAN2Loss.accumulate_gradients`` left on its networks in each phase (``Gmain``, ``Greg``,
``Dmain``, ``Dreg``, with the training loop's gains: the phase intervals) for fixed reals, latents and path-length
noise, style mixing off and the synthesis on its constant noise. Here the same weights, converted, train through
the trainer's own ``_run_phase`` (freezing, drawing, ``task.loss``, the interval scaling, backward); the optimizers'
``step`` is replaced by a recorder, the phase draws are overwritten by the fixture's inputs, and the generator's
``synthesize`` is pinned to ``noise_mode="const"`` (the only test-side substitutions). Every parameter's gradient must
match the reference's to 1e-4 relative (norm of the difference over the norm of the reference gradient, see
:func:`_relative`); the losses, the running path-length mean and the tracked ``w_avg`` must match too.

The one documented difference: hfgan's running path-length mean is detached, while the reference's penalty
``(l - lerp(pl_mean, mean(l), decay))^2`` lets ``decay * mean(l)`` carry a gradient. ``G_reg`` is compared after
adding that term, computed explicitly, and the term itself is checked to be small.
"""

import json
import math
import os

import pytest
import torch
from safetensors.torch import load_file

from hfgan.convert.stylegan2 import load_stylegan2_ada
from hfgan.data import ImageTensorData
from hfgan.regularizers import path_lengths
from hfgan.training import GANTrainer, load_config

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "fixtures", "stylegan2")
TOLERANCE = 1e-4
FLOOR = 1e-2  # of the phase's whole gradient norm (see _relative)
PHASES = {"G_main": "Gmain", "G_reg": "Greg", "D_main": "Dmain", "D_reg": "Dreg"}  # hfgan -> reference


def _relative(grads, reference):
    """``{parameter: |g - g_ref| / (|g_ref| + FLOOR * |all g_ref|)}`` over the reference's gradients (their key sets
    must agree), and ``"all"``: the same over every parameter at once. The floor keeps float32 rounding of small
    gradients from counting: in the conditional fixture's ``D_reg`` the convolution biases get R1 gradients of 6.5e-6
    to 3.8e-5 (the phase's whole gradient 0.02), on which the reference is 2.4e-4 to 7.5e-4 (relative) from hfgan's
    float64 result, hfgan's float32 result 0.7e-4 to 2.5e-4."""
    assert sorted(grads) == sorted(reference)
    total = torch.stack([r.double().norm() for r in reference.values()]).norm()
    errors = {k: float((grads[k].double() - reference[k].double()).norm() / (reference[k].double().norm() + FLOOR * total))
              for k in reference}
    diff = torch.stack([(grads[k].double() - reference[k].double()).norm() for k in reference]).norm()
    return {**errors, "all": float(diff / total)}


def _setup(name, tmp_path):
    """A trainer of the ``stylegan2`` task holding the fixture's converted networks, its phase draws replaced by the
    fixture's inputs, and a dict its optimizers' ``step`` fills with the gradients instead of stepping."""
    with open(os.path.join(FIXTURES, f"{name}.json")) as f:
        ref_kwargs = json.load(f)
    with open(os.path.join(FIXTURES, f"{name}_loss.json")) as f:
        meta = json.load(f)
    fixture = load_file(os.path.join(FIXTURES, f"{name}_loss.safetensors"))
    generator, discriminator = load_stylegan2_ada(
        os.path.join(FIXTURES, f"{name}_G.safetensors"), os.path.join(FIXTURES, f"{name}_D.safetensors"),
        conv_clamp=ref_kwargs["G"]["synthesis_kwargs"].get("conv_clamp"),
        mbstd_group_size=ref_kwargs["D"].get("epilogue_kwargs", {}).get("mbstd_group_size", 4))
    config_of = lambda net: {k: v for k, v in net.config.items() if not k.startswith("_")}  # noqa: E731
    loss_kwargs, gains = meta["loss_kwargs"], meta["gains"]
    cfg = load_config("stylegan2-fashion-mnist", {
        "model": "stylegan2-32", "generator_kwargs": json.dumps(config_of(generator)),
        "discriminator_kwargs": json.dumps(config_of(discriminator)), "train_batch_size": "4",
        "r1_gamma": str(loss_kwargs["r1_gamma"]), "r1_interval": str(gains["Dreg"]), "num_threads": "1",
        "task_kwargs": json.dumps({"style_mixing_prob": loss_kwargs["style_mixing_prob"],
                                   "pl_weight": loss_kwargs["pl_weight"], "pl_decay": loss_kwargs["pl_decay"],
                                   "pl_batch_shrink": loss_kwargs["pl_batch_shrink"], "pl_interval": gains["Greg"]}),
        "report_to": "none", "output_dir": str(tmp_path), "num_sample_images": "4", "mixed_precision": "no"})
    reals, labels = fixture["real_uint8"], fixture.get("class_labels")
    trainer = GANTrainer(cfg, data=ImageTensorData(reals.clone(), None if labels is None else labels.clone()))
    trainer._setup()
    assert [(p.name, p.interval) for p in trainer.phases] == [(k, gains[v]) for k, v in PHASES.items()]
    nets, task = trainer.nets, trainer.task
    nets["generator"].load_state_dict(generator.state_dict())
    nets["discriminator"].load_state_dict(discriminator.state_dict())
    for net in nets.values():
        net.train()
    order = trainer._indices(0)  # step 0's data batch: the reference's reals, in its row order
    trainer.data.images[order] = reals
    if labels is not None:
        trainer.data.class_labels[order] = labels
    task.pl_mean = torch.tensor(meta["pl_mean_start"], dtype=torch.float64)

    g = nets["generator"]
    synthesize = g.synthesize
    g.synthesize = lambda ws, noise_mode="random", generator=None, **kw: synthesize(ws, noise_mode="const", **kw)
    draw = task.draw
    h, w = reals.shape[2:]

    def fixture_draw(phase, rng, n):
        drawn = draw(phase, rng, n)
        if "latents" in drawn:
            assert bool((drawn["cutoffs"] == task.num_ws).all())  # style mixing off
            rows = len(drawn["latents"])
            drawn["latents"] = fixture[f"latents.{PHASES[phase.name]}"][:rows]
            if labels is not None:
                drawn["class_labels"] = labels[:rows]
        if "pl_noise" in drawn:  # the task's own draw: N(0, 1) / sqrt(H * W), as the reference's
            assert drawn["pl_noise"].shape == fixture["pl_noise_randn"].shape
            assert abs(float(drawn["pl_noise"].std()) * math.sqrt(h * w) - 1) < 0.1
            drawn["pl_noise"] = fixture["pl_noise_randn"] / math.sqrt(h * w)
        return drawn

    task.draw = fixture_draw
    recorded = {}
    for opt_name, optimizer in trainer.optimizers.items():
        members = task.optimizers[opt_name]

        def record(*args, members=members, **kwargs):
            recorded.update({k: p.grad.detach().clone() for n in members for k, p in nets[n].named_parameters()
                             if p.grad is not None})

        optimizer.step = record
    return trainer, fixture, meta, recorded


def _pl_mean_gradient(trainer, fixture, meta):
    """The gradient hfgan leaves out of ``G_reg``: the reference's penalty is ``mean((l - m)^2)`` with
    ``m = lerp(pl_mean, mean(l), decay)`` not detached, whose gradient has the extra term
    ``-2 decay mean(l - m) grad(mean(l))``; times the weight and the phase's gain."""
    task, g = trainer.task, trainer.nets["generator"]
    k, rows = task.kwargs, task.pl_rows()
    latents = fixture["latents.Greg"][:rows]
    labels = fixture["class_labels"][:rows] if "class_labels" in fixture else None
    ws = g.map(latents, labels, update_w_avg=False)
    images = g.synthesize(ws, noise_mode="const")
    noise = fixture["pl_noise_randn"] / math.sqrt(images.shape[2] * images.shape[3])
    lengths = path_lengths(images, ws, noise)
    mean = float(task.pl_mean)  # after the phase's update
    term = k.pl_weight * meta["gains"]["Greg"] * -2 * k.pl_decay * float((lengths - mean).mean().detach()) * lengths.mean()
    names, params = zip(*[(n, p) for n, p in g.named_parameters()])
    grads = torch.autograd.grad(term, params, allow_unused=True)
    return {n: (gr if gr is not None else torch.zeros_like(p)) for n, p, gr in zip(names, params, grads)}


@pytest.mark.parametrize("name", ["uncond", "cond"])
def test_phase_gradients_match_the_reference(tmp_path, name):
    trainer, fixture, meta, recorded = _setup(name, tmp_path)
    g = trainer.nets["generator"]
    for phase in trainer.phases:
        ref_phase = PHASES[phase.name]
        recorded.clear()
        logs = trainer._run_phase(phase, 0)
        reference = {k[len(f"grad.{ref_phase}."):]: v for k, v in fixture.items() if k.startswith(f"grad.{ref_phase}.")}
        grads = dict(recorded)
        if phase.name == "G_reg":
            assert float(trainer.task.pl_mean) == pytest.approx(meta["pl_mean_after"], rel=1e-6)
            extra = _pl_mean_gradient(trainer, fixture, meta)
            without = _relative(grads, reference)
            grads = {k: v + extra[k] for k, v in grads.items()}
            # the detached mean is a real difference (the fixture's pl_mean starts off the lengths' mean, so the term
            # is 1-11% of a parameter's gradient here; near the steady state, mean(l - m) ~ 0 and it vanishes)
            assert max(without.values()) > 10 * TOLERANCE
        errors = _relative(grads, reference)
        worst = max(errors, key=errors.get)
        assert errors[worst] < TOLERANCE, f"{phase.name}: {worst} off by {errors[worst]:.2e} relative"
        assert errors["all"] < TOLERANCE / 10, f"{phase.name}: the whole gradient off by {errors['all']:.2e} relative"
        if phase.name == "G_main":
            assert float(logs["loss_g"]) == pytest.approx(float(fixture["stat.Gmain.Loss/G/loss"].mean()), rel=1e-5)
        if phase.name == "D_main":
            assert float(logs["loss_d"]) == pytest.approx(float(fixture["stat.Dmain.Loss/D/loss"].mean()), rel=1e-5)
        if phase.optimizer == "G" or phase.name == "D_main":  # w_avg follows every generator run in training mode
            torch.testing.assert_close(g.mapping.w_avg, fixture[f"w_avg.{ref_phase}"], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("task", ["stylegan2", "generation"])
def test_discriminator_sees_the_raw_generator_output(tmp_path, task):
    """Both tasks that train a StyleGAN2 generator give the discriminator its unclamped images, as the reference does
    (a clamp hid out-of-range pixels from it: they drifted without bound, and the path lengths with them)."""
    overrides = {"model": "stylegan2-28", "task": task, "max_train_samples": "8", "train_batch_size": "4",
                 "generator_kwargs": json.dumps({"latent_dim": 8, "w_dim": 8, "channel_base": 64, "channel_max": 8}),
                 "discriminator_kwargs": json.dumps({"channel_base": 64, "channel_max": 8}), "num_threads": "1",
                 "report_to": "none", "output_dir": str(tmp_path), "num_sample_images": "4"}
    if task == "generation":
        overrides.update({"r1_gamma": "0", "task_kwargs": "{}"})
    trainer = GANTrainer(load_config("stylegan2-fashion-mnist", overrides))
    trainer._setup()
    generator, discriminator = trainer.nets["generator"], trainer.nets["discriminator"]
    with torch.no_grad():
        generator.synthesis.b32.torgb.weight.mul_(50)  # images far outside [-1, 1]
    seen = []
    forward = discriminator.forward
    discriminator.forward = lambda pixel_values, *a, **k: seen.append(float(pixel_values.abs().max())) or forward(
        pixel_values, *a, **k)
    d_main = next(p for p in trainer.phases if p.name == "D_main")
    trainer._run_phase(d_main, 0)
    assert max(seen) > 1.5  # the fakes, unclamped (the reals are in [-1, 1])
    with torch.no_grad():
        images = trainer.task.sample_images(trainer.nets)[0]  # the progress grid: clamped, in [0, 1]
    assert 0 <= float(images.min()) and float(images.max()) <= 1
