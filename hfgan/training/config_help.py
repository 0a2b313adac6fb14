"""``hfgan train --help-config``: every config key with its type, default and a one-line meaning, then each task's
``task_kwargs`` (its recipe: ``--task_kwargs.KEY value``).

The meaning is the key's comment in :class:`~hfgan.training.config.TrainConfig` (``key: type = default  # ...``),
else the line below; keys without a comment fall back to their section's heading. A task's keys are the fields of
its ``TaskKwargs`` dataclass, with their comments. Reads the source text, so it imports neither torch nor diffusers
and answers at once.
"""

import ast
import dataclasses
import inspect
import json
import os
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
    "task_kwargs": "the task's recipe (gp_weight, r1_gamma, lambda_l1, ...; see below), a JSON object; "
                   "--task_kwargs.KEY value sets one key",
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


def _classes(module: str) -> Tuple[Dict[str, ast.ClassDef], List[str]]:
    """The classes of task module ``module`` (``".latent"``) by name, and its source lines, read without importing."""
    from .. import tasks

    path = os.path.join(os.path.dirname(tasks.__file__), module.lstrip(".") + ".py")
    with open(path, encoding="utf-8") as f:
        source = f.read()
    return {node.name: node for node in ast.parse(source).body if isinstance(node, ast.ClassDef)}, source.splitlines()


def _kwargs_rows(cls: ast.ClassDef, lines: List[str]) -> List[Tuple[str, str, str, str]]:
    """``(key, type, default, meaning)`` of each field of a ``TaskKwargs`` class (its ``ClassVar`` s are no fields)."""
    rows = []
    for node in cls.body:
        if not (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)) or node.value is None:
            continue
        kind = ast.unparse(node.annotation)
        if kind.startswith("ClassVar"):
            continue
        comment = lines[node.lineno - 1].partition("#")[2].strip()
        rows.append((node.target.id, kind, json.dumps(ast.literal_eval(node.value)), comment or "-"))
    return rows


def task_kwargs_help() -> Dict[str, List[Tuple[str, str, str, str]]]:
    """``{task: [(key, type, default, meaning), ...]}``: each task's ``task_kwargs``, the fields of the dataclass its
    class names as ``kwargs_class``."""
    from ..tasks import list_tasks, task_class_path

    shown = {}
    for task in list_tasks():
        module, class_name = task_class_path(task)
        classes, lines = _classes(module)
        kwargs_class = next(ast.unparse(node.value) for node in classes[class_name].body
                            if isinstance(node, ast.Assign) and ast.unparse(node.targets[0]) == "kwargs_class")
        shown[task] = _kwargs_rows(classes[kwargs_class], lines)
    return shown


def format_config_help() -> str:
    rows = config_help()
    tasks = task_kwargs_help()
    width = max(len(f"--{k} {t}") for k, t, _, _ in rows)
    lines = ["Config keys (`--key value`, or in a YAML/JSON config file); default, then meaning:"]
    for key, kind, default, meaning in rows:
        lines.append(f"  {f'--{key} {kind}'.ljust(width)}  [{default}]  {meaning}")
    lines += ["", "Task keys (`--task_kwargs.KEY value`, or in the task_kwargs of a config file), per task "
                  "(`--task`, else the model's own); default, then meaning:"]
    width = max(len(f"--task_kwargs.{k} {t}") for task_rows in tasks.values() for k, t, _, _ in task_rows)
    for task, task_rows in tasks.items():
        lines.append(f"  {task}:")
        for key, kind, default, meaning in task_rows:
            lines.append(f"    {f'--task_kwargs.{key} {kind}'.ljust(width)}  [{default}]  {meaning}")
    return "\n".join(lines)
