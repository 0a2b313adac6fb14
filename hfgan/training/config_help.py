"""``hfgan train --help-config``: every config key with its type, default and a one-line meaning.

The meaning is the key's comment in :class:`~hfgan.training.config.TrainConfig` (``key: type = default  # ...``),
else the line below; keys without a comment fall back to their section's heading. Reads the source text, so
it imports neither torch nor diffusers and answers at once.
"""

import dataclasses
import inspect
import json
import re
from typing import Dict, List, Tuple

from .config import TrainConfig

_MEANINGS: Dict[str, str] = {
    "model": "registry name of the networks (`hfgan list`)",
    "generator_kwargs": "config overrides of the generator, a JSON object",
    "discriminator_kwargs": "config overrides of the discriminator, a JSON object",
    "task": "what is trained: generation | paired-translation | unpaired-translation | progressive; unset: the model's own",
    "dataset": "fashion_mnist, a Hub dataset id or a local image folder",
    "dataset_split": "the split to train on",
    "image_column": "the dataset's image column (default: found by type)",
    "label_column": "the dataset's class label column (conditional models)",
    "center_crop": "center-crop images to a square before resizing (else resize the whole image)",
    "random_flip": "flip training images horizontally at random",
    "max_train_samples": "train on the first N images only",
    "gradient_accumulation_steps": "micro-batches per optimizer step (global batch = per device x processes x this)",
    "learning_rate_g": "generator learning rate (Adam)",
    "lr_warmup_steps": "steps of linear learning-rate warmup",
    "adam_beta1": "Adam beta1 of both optimizers",
    "adam_beta2": "Adam beta2 of both optimizers",
    "adam_weight_decay": "Adam weight decay of both optimizers",
    "max_grad_norm": "clip gradients to this norm (unset: no clipping)",
    "seed": "seed of data order, latents, labels and initial weights",
    "use_ema": "keep an exponential moving average of the generator and publish it",
    "output_dir": "folder of the run: pipeline, samples, checkpoints, logs",
    "logging_steps": "log losses and images/s every N steps",
    "sample_steps": "write a sample grid from fixed latents every N steps",
    "num_sample_images": "images per sample grid",
    "checkpointing_steps": "write a checkpoint every N steps",
    "checkpoints_total_limit": "keep only the newest N checkpoints",
    "eval_metric": "metric of in-run evaluation (fid | kid | is | ...)",
    "eval_num_samples": "generated images per in-run evaluation",
    "eval_features": "feature extractor of in-run evaluation (fashion-mnist-classifier | inception)",
    "task_kwargs": "the task's own settings (lambda_l1, pool_size, ...), a JSON object",
    "train_batch_size": "images per device per micro-batch",
    "max_train_steps": "generator steps of the whole run",
    "learning_rate_d": "discriminator learning rate (Adam; TTUR: differs from learning_rate_g)",
    "lr_scheduler": "learning-rate schedule: diffusers' get_scheduler names (constant | linear | cosine | ...) or constant_then_linear",
    "ema_decay": "EMA decay per step (0.995: half-life of 138 steps)",
    "ema_halflife_kimg": "EMA half-life in thousands of images; when set it gives ema_decay from the global batch",
    "eval_steps": "evaluate every N steps and keep the best pipeline in output_dir/best (0: off)",
    "name": "model name for the card's title (default: the preset's)",
    "channels_last": "NHWC weights and activations (timm's --channels-last): faster convolutions on CPU and tensor-core "
                     "GPUs; saved weights are unchanged",
}

_FIELD = re.compile(r"^    (\w+): [^=]+=[^#]*(?:#\s*(.*))?$")
_SECTION = re.compile(r"^    #\s*(.*)$")


def _source_comments() -> Dict[str, str]:
    """``{key: comment}`` from the class source: the key's own comment, else its section heading."""
    comments: Dict[str, str] = {}
    section = ""
    for line in inspect.getsource(TrainConfig).splitlines():
        field = _FIELD.match(line)
        if field:
            comments[field.group(1)] = (field.group(2) or "").strip() or (f"({section})" if section else "")
            continue
        heading = _SECTION.match(line)
        if heading:
            section = heading.group(1).split(":")[0].strip()
    return comments


def _default(f: dataclasses.Field) -> str:
    if f.default is not dataclasses.MISSING:
        value = f.default
    elif f.default_factory is not dataclasses.MISSING:  # type: ignore[misc]
        value = f.default_factory()  # type: ignore[misc]
    else:
        return "(required)"
    return "unset" if value is None else json.dumps(value)


def _type(f: dataclasses.Field) -> str:
    text = f.type if isinstance(f.type, str) else f.type.__name__ if isinstance(f.type, type) else str(f.type)
    return text.replace("typing.", "")


def config_help() -> List[Tuple[str, str, str, str]]:
    """``(key, type, default, meaning)`` of every config key, in the config's order."""
    comments = _source_comments()
    rows = []
    for f in dataclasses.fields(TrainConfig):
        meaning = _MEANINGS.get(f.name) or comments.get(f.name, "")
        rows.append((f.name, _type(f), _default(f), meaning or "-"))
    return rows


def format_config_help() -> str:
    rows = config_help()
    width = max(len(f"--{k} {t}") for k, t, _, _ in rows)
    lines = ["Config keys (`--key value`, or in a YAML/JSON config file); default, then meaning:"]
    for key, kind, default, meaning in rows:
        lines.append(f"  {f'--{key} {kind}'.ljust(width)}  [{default}]  {meaning}")
    return "\n".join(lines)
