"""Training presets, named after what they train (``<family>-<dataset>``), and ``load_config``: a preset or a
config file, plus ``--key value`` overrides."""

import dataclasses
import fnmatch
import os
from typing import Any, Callable, Dict, List, Optional, Tuple

from ..errors import ConfigError
from .config import TrainConfig, config_from_dict, saved_config

_PRESETS: Dict[str, Dict] = {
    # The seeds' fully connected GAN with SNGAN's recipe: hinge loss, spectral norm in the discriminator,
    # TTUR (1e-4 / 4e-4, Adam betas (0, 0.9)) and a long-half-life EMA generator (0.9999, half-life capped at
    # a tenth of the steps so far), which averages out the pixel noise an MLP generator keeps.
    "mlp-gan-fashion-mnist": dict(
        model="mlp-gan-28", loss="hinge", train_batch_size=128, max_train_steps=90000,
        learning_rate_g=1e-4, learning_rate_d=4e-4, adam_beta1=0.0, adam_beta2=0.9,
        ema_decay=0.9999, ema_rampup=0.1, sample_steps=1000, checkpointing_steps=2500,
        discriminator_kwargs={"spectral_norm": True},
    ),
    # DCGAN with the paper's recipe (Adam 2e-4, beta1 0.5), batch 64, EMA generator, label smoothing.
    "dcgan-fashion-mnist": dict(
        model="dcgan-28", loss="nonsaturating", task_kwargs={"label_smoothing": 0.1}, train_batch_size=64,
        max_train_steps=7000, sample_steps=250, checkpointing_steps=250,
        generator_kwargs={"base_channels": 32}, discriminator_kwargs={"base_channels": 32},
    ),
    # Class-conditional DCGAN: class embedding in G, projection discriminator.
    "cdcgan-fashion-mnist": dict(
        model="cdcgan-28", loss="nonsaturating", task_kwargs={"label_smoothing": 0.1}, train_batch_size=64,
        max_train_steps=4500, sample_steps=250, checkpointing_steps=250,
        generator_kwargs={"base_channels": 32}, discriminator_kwargs={"base_channels": 32},
    ),
    # WGAN-GP: Wasserstein loss, gradient penalty 10, 5 critic steps, no batch norm in the critic.
    "wgan-gp-fashion-mnist": dict(
        model="dcgan-28", loss="wasserstein", task_kwargs={"gp_weight": 10.0, "n_critic": 5}, train_batch_size=64,
        learning_rate_g=1e-4, learning_rate_d=1e-4, adam_beta1=0.0, adam_beta2=0.9, max_train_steps=4000,
        generator_kwargs={"base_channels": 32}, discriminator_kwargs={"base_channels": 32, "norm_type": "layer"},
    ),
    # LSGAN: least-squares objective.
    "lsgan-fashion-mnist": dict(
        model="dcgan-28", loss="least_squares", train_batch_size=128, max_train_steps=4000,
        generator_kwargs={"base_channels": 32}, discriminator_kwargs={"base_channels": 32},
    ),
    # SNGAN: hinge loss, spectral norm in the discriminator, TTUR.
    "sngan-fashion-mnist": dict(
        model="dcgan-28", loss="hinge", train_batch_size=128, learning_rate_g=1e-4, learning_rate_d=4e-4,
        adam_beta1=0.0, adam_beta2=0.9, max_train_steps=4000,
        generator_kwargs={"base_channels": 32},
        discriminator_kwargs={"base_channels": 32, "norm_type": "none", "spectral_norm": True},
    ),
    # Pix2Pix (Isola et al. 2017) on Fashion-MNIST edge maps -> garments: vanilla GAN + 100 * L1, Adam 2e-4
    # (0.5, 0.999), constant lr for half the run then linear decay to 0, batch norm, mirrored pairs.
    "pix2pix-edges2fashion": dict(
        model="pix2pix-28", dataset="fashion_mnist_edges", loss="nonsaturating", task_kwargs={"lambda_l1": 100.0},
        train_batch_size=32, max_train_steps=8000, random_flip=True, use_ema=False,
        lr_scheduler="constant_then_linear", sample_steps=250, checkpointing_steps=500, num_sample_images=16,
    ),
    # CycleGAN (Zhu et al. 2017) between Fashion-MNIST's Sneakers and Ankle boots, no pairs: LSGAN, cycle 10,
    # identity 0.5 * 10, pools of 50 fakes, Adam 2e-4 (0.5, 0.999), constant lr then linear decay to 0.
    "cyclegan-sneaker2boot": dict(
        model="cyclegan-28", dataset="fashion_mnist", dataset_a="fashion_mnist:Sneaker", dataset_b="fashion_mnist:Ankle boot",
        loss="least_squares", task_kwargs={"lambda_cycle": 10.0, "lambda_identity": 0.5, "pool_size": 50},
        generator_kwargs={"base_channels": 16}, discriminator_kwargs={"base_channels": 32},
        train_batch_size=16, max_train_steps=5000, use_ema=False, lr_scheduler="constant_then_linear",
        sample_steps=250, checkpointing_steps=500, num_sample_images=16,
    ),
    # Progressive GAN (Karras et al. 2018) grown 7 -> 14 -> 28: WGAN-GP (lambda 10) + drift 0.001 * D(real)^2,
    # Adam 1e-3 (0, 0.99), equalized lr, pixel norm, minibatch std, EMA generator (0.999). 100k images per stabilize
    # and per fade phase (28x28 from step 6250), 23000 steps (1.47M images), the lr constant to step 19000 and then
    # linear to 0. Widths 32 to 128 channels (1.10M + 1.09M parameters): at 16 to 64 the same schedule, stretched to
    # 30000 steps with two decay cycles, ended at FID 8.72 / 6.74, above DCGAN (BENCHMARKS.md, "Time to quality").
    # At 28 px about 1.45 s/step on 1 thread of this 2-core CPU and 0.8 on 2; the published run recorded 6.8 h
    # (1 thread to step 13400, 2 after).
    "progan-fashion-mnist": dict(
        model="progan-28", loss="wasserstein", train_batch_size=64,
        learning_rate_g=1e-3, learning_rate_d=1e-3, adam_beta1=0.0, adam_beta2=0.99, ema_decay=0.999,
        task_kwargs={"stabilize_images": 100_000, "fade_images": 100_000, "gp_weight": 10.0}, max_train_steps=23000,
        lr_scheduler="constant_then_linear", lr_decay_start_step=19000,
        generator_kwargs={"base_channels": 32, "max_channels": 128},
        discriminator_kwargs={"base_channels": 32, "max_channels": 128},
        sample_steps=250, checkpointing_steps=500,
    ),
    # SNGAN-ResNet (Miyato et al. 2018) with the paper's recipe: hinge loss, spectral norm in the residual
    # discriminator, 5 D steps per G step, Adam 2e-4 (0, 0.9), EMA generator. Narrowed for this CPU, the generator
    # twice as wide as the discriminator (64 and 32 channels; the paper's CIFAR networks have 256 and 128): with 32
    # channels in both, D won (hinge loss 0.35) and the samples collapsed towards shoes (FID 69 at step 250, 80 at
    # 750); with a 64-channel G the D loss stays near 1 (FID 60 at step 250, 42 at 500). 2.2 s/step on 1 thread of
    # the shared machine; 4000 steps see 1.28M real images. FID (classifier features, 5k samples, train split) every
    # 250 steps selects the published checkpoint.
    "sngan-resnet-fashion-mnist": dict(
        model="sngan-resnet-28", loss="hinge", task_kwargs={"n_critic": 5}, train_batch_size=64, max_train_steps=4000,
        learning_rate_g=2e-4, learning_rate_d=2e-4, adam_beta1=0.0, adam_beta2=0.9, ema_decay=0.999,
        generator_kwargs={"base_channels": 64}, discriminator_kwargs={"base_channels": 32},
        sample_steps=100, checkpointing_steps=250, eval_steps=250,
    ),
    # Class-conditional BigGAN-deep (Brock et al. 2019): hinge loss, spectral norm in G and D, orthogonal
    # regularization 1e-4 on G, TTUR (G 1e-4, D 4e-4, Adam (0, 0.999)), 2 D steps per G step, EMA generator
    # copying until step 500, then averaging (BigGAN's ema_start). Registry widths (channel_width 32 in G and D).
    # Measured alone on this 2-core CPU: 1.3 steps/s on 2 threads (12-step run). FID (classifier features, 5k
    # samples, train split) every 250 steps selects the published checkpoint. pipelines/biggan-fashion-mnist was
    # trained with the generator widened (--generator_kwargs '{"channel_width": 64}'), 9000 steps and a linear lr
    # decay from step 6000: its card has the exact commands.
    "biggan-fashion-mnist": dict(
        model="biggan-deep-28", loss="hinge", task_kwargs={"n_critic": 2, "orthogonal_reg_weight": 1e-4},
        train_batch_size=64, max_train_steps=4000, learning_rate_g=1e-4, learning_rate_d=4e-4, adam_beta1=0.0,
        adam_beta2=0.999, ema_decay=0.999, ema_start_step=500, sample_steps=100, checkpointing_steps=250,
        eval_steps=250,
    ),
    # StyleGAN2 (Karras et al. 2020) with stylegan2-ada-pytorch's recipe (task "stylegan2"): non-saturating logistic
    # loss, lazy R1 every 16 D steps (gamma 0.0002 * 32^2 / batch = 0.0064, the reference's "auto" rule), path-length
    # regularization (weight 2, every 4 G steps, half batches), style mixing p=0.9, Adam 0.0025 (0, 0.99) with the
    # lazy-regularization lr / beta adjustment, the mapping network's lr x0.01 (in its equalized-lr weights), EMA
    # half-life 10k images (the "auto" rule, batch * 10/32 kimg; ema_halflife_kimg, so the decay per step follows
    # the global batch: 0.997784 at 32) with ramp-up 0.05. Unconditional, rendered at 32 and
    # cropped to 28. Narrowed (channel_base 1024, channel_max 64: 0.33M + 0.29M parameters) for this 2-core CPU:
    # measured 0.50 s of CPU time per step on 1 thread (benchmarks/benchmark_stylegan2_train.py, G_reg and D_reg
    # included), i.e. about 2 steps/s on a free core; on the shared machine (load 5-14, two training runs) the wall
    # clock was 2.3-5 s/step. Under such load give it --num_threads 1 (2 threads ran 10x slower there).
    # 20000 steps (640k images, DCGAN's preset sees 448k) is several hours here: train it in parts with
    # --max_train_minutes and --resume latest. FID (classifier features, 5k samples, train split) every 500 steps
    # selects the published checkpoint.
    "stylegan2-fashion-mnist": dict(
        model="stylegan2-28", task="stylegan2", loss="nonsaturating", train_batch_size=32, max_train_steps=20000,
        learning_rate_g=0.0025, learning_rate_d=0.0025, adam_beta1=0.0, adam_beta2=0.99,
        ema_halflife_kimg=10.0, ema_rampup=0.05,
        task_kwargs={"style_mixing_prob": 0.9, "pl_weight": 2.0, "pl_interval": 4, "pl_batch_shrink": 2,
                     "r1_gamma": 0.0064, "r1_interval": 16},
        generator_kwargs={"channel_base": 1024, "channel_max": 64}, discriminator_kwargs={"channel_base": 1024, "channel_max": 64},
        sample_steps=250, checkpointing_steps=250, eval_steps=500, checkpoints_total_limit=100,
    ),
}


def list_presets(pattern: Optional[str] = None) -> List[str]:
    return sorted(n for n in _PRESETS if pattern is None or fnmatch.fnmatch(n, pattern))


def get_preset(name: str) -> TrainConfig:
    if name not in _PRESETS:
        raise ConfigError(f"unknown preset {name!r}; presets: {', '.join(list_presets())}")
    cfg = config_from_dict(_PRESETS[name])
    return dataclasses.replace(cfg, name=cfg.name or name, output_dir=f"runs/{name}")


def _read_config_file(path: str) -> Dict[str, Any]:
    import yaml

    with open(path, encoding="utf-8") as f:
        try:
            values = yaml.safe_load(f) or {}
        except yaml.YAMLError as err:
            raise ConfigError(f"{path} is not valid YAML/JSON: {str(err).splitlines()[0]}") from None
    if not isinstance(values, dict):
        raise ConfigError(f"{path} must hold a mapping of config keys")
    return values


def load_config(name_or_path: str, overrides: Optional[Dict[str, Any]] = None) -> TrainConfig:
    """A preset name or a YAML/JSON file, then ``overrides``; the result is validated."""
    if os.path.isfile(name_or_path):
        values = _read_config_file(name_or_path)
        base = None
        if "preset" in values:
            base = get_preset(values.pop("preset"))
        cfg = config_from_dict(values, base)
    elif name_or_path in list_presets():
        cfg = get_preset(name_or_path)
    else:
        raise ConfigError(f"{name_or_path!r} is neither a config file nor a preset; presets: {', '.join(list_presets())}")
    if overrides:
        cfg = config_from_dict(overrides, cfg)
    return cfg.validate()


def load_run_config(name_or_path: str, overrides: Optional[Dict[str, Any]] = None) -> TrainConfig:
    """:func:`load_config` for the command line: a resume continues the run it finds (:func:`load_run`)."""
    return load_run(name_or_path, overrides, log=lambda message: None)[0]


def load_run(name_or_path: str, overrides: Optional[Dict[str, Any]] = None,
             log: Callable[[str], None] = print) -> Tuple[TrainConfig, Optional[str]]:
    """The config of a run and the checkpoint it resumes from (None: a fresh start), resolved once here: give it to
    ``GANTrainer(config, checkpoint=...)``.

    When ``resume_from_checkpoint`` finds a checkpoint (``latest``, ``auto`` or a folder), the config that run
    trained with is the default, so ``hfgan train PRESET --output_dir D --resume latest`` keeps the run's own
    ``max_train_steps`` and every other key; the keys given explicitly (``--key value``, or written in a config
    file) still apply. ``output_dir`` is always the one given now. Without a checkpoint, this is ``load_config``.
    A checkpoint's config of an earlier version loads as :func:`~.config.saved_config` reads it.
    """
    from . import checkpoint as ckpt
    from .trainer_state import read_trainer_state

    cfg = load_config(name_or_path, overrides)
    found = ckpt.resolve_checkpoint(cfg.output_dir, cfg.resume_from_checkpoint, log=log)
    saved = read_trainer_state(found).get("config") if found else None
    if not isinstance(saved, dict):
        return cfg, found
    explicit = dict(overrides or {})
    if os.path.isfile(name_or_path):
        explicit = {**{k: v for k, v in _read_config_file(name_or_path).items() if k != "preset"}, **explicit}
    explicit = {k.replace("-", "_"): v for k, v in explicit.items()}
    base = saved_config(saved)
    if "model" not in explicit and base.model != cfg.model:
        raise ConfigError(f"{found} is a checkpoint of a {base.model!r} run, not of {name_or_path!r} "
                          f"({cfg.model!r}): resume it with its own preset or config, or choose another --output_dir")
    resumed = config_from_dict(explicit, base)
    resumed.output_dir, resumed.resume_from_checkpoint = cfg.output_dir, cfg.resume_from_checkpoint
    resumed.overwrite_output_dir = cfg.overwrite_output_dir
    return resumed.validate(), found
