"""Training without a preset: ``hfgan train --model dcgan --dataset PATH --resolution 64``.

The model's family brings its recipe (objective, regularizers, optimizer, batch, EMA) from its own preset
(``dcgan`` from ``dcgan-fashion-mnist``, ``cdcgan`` from ``cdcgan-fashion-mnist``, ...); what belongs to that
preset's data (network widths narrowed for 28-px Fashion-MNIST on a CPU, run length, evaluation features) does
not come along: the registry's widths and the config's defaults stand.
"""

import dataclasses
from typing import Any, Dict, Optional

from .config import TrainConfig, config_from_dict
from .presets import get_preset, list_presets

RECIPE_KEYS = ("loss", "gp_weight", "r1_gamma", "r1_interval", "n_critic", "label_smoothing", "feature_matching_weight",
               "orthogonal_reg_weight", "train_batch_size", "learning_rate_g", "learning_rate_d", "lr_scheduler",
               "adam_beta1", "adam_beta2", "adam_weight_decay", "use_ema", "ema_decay", "ema_rampup", "ema_start_step",
               "task_kwargs")
WIDTH_KEYS = ("base_channels", "max_channels", "channel_width", "hidden_dims", "sample_size", "in_channels",
              "out_channels", "num_classes", "class_names")  # set by the registry and the data, not by a recipe


def recipe_preset(model: str) -> Optional[str]:
    """The preset whose recipe ``model`` (a registry name or a family name such as ``dcgan``) trains with."""
    from ..models.registry import model_stem

    stem = model_stem(model)
    matches = [p for p in list_presets() if model_stem(get_preset(p).model) == stem]
    own = [p for p in matches if p.startswith(stem + "-")]
    if not matches and stem.startswith("c") and len(stem) > 1:  # cmlp-gan: the unconditional family's recipe
        return recipe_preset(stem[1:])
    return (own or matches or [None])[0]


def recipe(model: str) -> Dict[str, Any]:
    """Config values of ``model``'s recipe (empty when no preset trains its family: the config defaults)."""
    preset = recipe_preset(model)
    if preset is None:
        return {}
    cfg = get_preset(preset)
    values = {key: getattr(cfg, key) for key in RECIPE_KEYS}
    for key in ("generator_kwargs", "discriminator_kwargs"):
        values[key] = {k: v for k, v in getattr(cfg, key).items() if k not in WIDTH_KEYS}  # spectral_norm, norm_type
    return values


def config_for_model(overrides: Dict[str, Any]) -> TrainConfig:
    """A config from ``overrides`` (which name ``model``) on top of the model's recipe, validated; the run is named
    ``<model>-<dataset>`` unless ``name`` / ``output_dir`` are given."""
    from ..data_fit import dataset_name
    from ..errors import HFGANError
    from ..models.registry import list_models, model_stem, variants_of

    model = overrides["model"]
    if not isinstance(model, str) or (model not in list_models() and not variants_of(model)):
        stems = sorted({model_stem(name) for name in list_models()})
        raise HFGANError(f"--model {str(model)[:80]!r} is not a registered model: use a family ({', '.join(stems)}) or a "
                         "variant of `hfgan list`")
    base = config_from_dict(recipe(model))
    cfg = config_from_dict(overrides, base)
    name = cfg.name or f"{cfg.model}-{dataset_name(cfg)}".replace("_", "-")
    output_dir = cfg.output_dir if "output_dir" in overrides else f"runs/{name}"
    return dataclasses.replace(cfg, name=name, output_dir=output_dir).validate()
