"""Training without a preset: ``hfgan train --model dcgan --dataset PATH --resolution 64``.

The model's family brings its recipe from its own preset (``dcgan`` from ``dcgan-fashion-mnist``, ``cdcgan`` from
``cdcgan-fashion-mnist``, a variant without a preset from the preset of its registry family): the loop's part
(objective, optimizer, batch, EMA) and the task's part (the task and its ``task_kwargs``, whole: regularizers and
tricks). What belongs to that preset's data (network widths narrowed for 28-px Fashion-MNIST on a CPU, run length,
evaluation features) does not come along: the registry's widths and the config's defaults stand.
"""

import dataclasses
from typing import Any, Dict, Optional

from ..errors import HFGANError
from .config import TrainConfig, config_from_dict
from .presets import get_preset, list_presets

# the loop's part of a recipe; the task's part is the preset's task and task_kwargs, whole
LOOP_RECIPE_KEYS = ("loss", "train_batch_size", "learning_rate_g", "learning_rate_d", "lr_scheduler", "adam_beta1",
                    "adam_beta2", "adam_weight_decay", "use_ema", "ema_decay", "ema_halflife_kimg", "ema_rampup",
                    "ema_start_step")
WIDTH_KEYS = ("base_channels", "max_channels", "channel_width", "hidden_dims", "sample_size", "in_channels",
              "out_channels", "num_classes", "class_names")  # set by the registry and the data, not by a recipe


def _family(model: str) -> Optional[str]:
    """The registry family of ``model`` (a registry name, or a variant stem such as ``dcgan``), or None."""
    from ..models.registry import get_model_entry, variants_of

    try:
        return get_model_entry(next(iter(variants_of(model).values()), model), resolve=False).family
    except HFGANError:
        return None


def recipe_preset(model: str) -> Optional[str]:
    """The preset whose recipe ``model`` (a registry name or a variant stem such as ``dcgan``) trains with: a preset
    of the same variants, the one named after them first (``dcgan`` -> ``dcgan-fashion-mnist``, not
    ``wgan-gp-fashion-mnist``); else the preset of the model's registry family that is named after its own model
    (``cmlp-gan``, family ``mlp_gan`` -> ``mlp-gan-fashion-mnist``)."""
    from ..models.registry import model_stem

    stem, family = model_stem(model), _family(model)
    models = {preset: get_preset(preset).model for preset in list_presets()}
    same = [p for p, m in models.items() if model_stem(m) == stem]
    kin = [p for p, m in models.items() if family and _family(m) == family and p.startswith(model_stem(m) + "-")]
    return ([p for p in same if p.startswith(stem + "-")] or same or kin or [None])[0]


def recipe(model: str) -> Dict[str, Any]:
    """Config values of ``model``'s recipe (empty when no preset trains its family: the config defaults)."""
    preset = recipe_preset(model)
    if preset is None:
        return {}
    cfg = get_preset(preset)
    values = {key: getattr(cfg, key) for key in LOOP_RECIPE_KEYS}
    values.update(task=cfg.task, task_kwargs=dict(cfg.task_kwargs))
    for key in ("generator_kwargs", "discriminator_kwargs"):
        values[key] = {k: v for k, v in getattr(cfg, key).items() if k not in WIDTH_KEYS}  # spectral_norm, norm_type
    return values


def config_for_model(overrides: Dict[str, Any]) -> TrainConfig:
    """A config from ``overrides`` (which name ``model``) on top of the model's recipe, validated; the run is named
    ``<model>-<dataset>`` unless ``name`` / ``output_dir`` are given."""
    from ..data import dataset_name
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
