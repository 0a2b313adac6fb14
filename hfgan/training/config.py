"""The typed training config: a preset name or a YAML/JSON file, plus ``--key value`` overrides."""

import dataclasses
import json
import math
import typing
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple

from ..errors import ConfigError
from .ranges import NONNEGATIVE, POSITIVE, check_range


@dataclass
class TrainConfig:
    """Everything one training run needs. Field names follow diffusers' example scripts where they exist."""

    # model: a registry name (``hfgan list``) plus config overrides for each network
    model: str = "dcgan-28"
    generator_kwargs: Dict[str, Any] = field(default_factory=dict)
    discriminator_kwargs: Dict[str, Any] = field(default_factory=dict)
    # what is trained (hfgan.tasks): generation | paired-translation | unpaired-translation; None: the model's own
    task: Optional[str] = None
    task_kwargs: Dict[str, Any] = field(default_factory=dict)  # the task's recipe, validated by its own dataclass
    # data
    dataset: str = "fashion_mnist"
    dataset_split: str = "train"
    image_column: Optional[str] = None
    label_column: Optional[str] = None
    center_crop: bool = True
    random_flip: bool = False
    max_train_samples: Optional[int] = None
    source_column: Optional[str] = None  # paired translation: the input image column (target: image_column)
    paired_layout: str = "columns"  # paired translation: columns | side_by_side (one image, source on the left)
    dataset_a: Optional[str] = None  # unpaired translation: domain A, e.g. "fashion_mnist:Sneaker"
    dataset_b: Optional[str] = None  # unpaired translation: domain B, e.g. "fashion_mnist:Ankle boot"
    # own data (`hfgan train --model dcgan --dataset PATH --resolution 64`, hfgan.data.fit / hfgan.data.stream):
    # the model is sized to the data, a conditional model takes the dataset's classes, big data is not decoded at once
    resolution: Optional[int] = None  # image size: picks the model's variant (dcgan -> dcgan-64); channels follow the data
    train_data_dir: Optional[str] = None  # with dataset="imagefolder": the image folder, classes = subfolders
    data_in_memory: str = "auto"  # auto | true | false: one decoded uint8 tensor, or Arrow rows read by workers
    dataloader_num_workers: int = 2  # worker processes that read Arrow rows ahead of the trainer
    random_crop: bool = False  # crop at a random place per image and epoch, seeded by (seed, epoch, index); not in memory
    # objective (every task's); its regularizers and tricks are the task's task_kwargs (gp_weight, r1_gamma, ...)
    loss: str = "nonsaturating"  # minimax | nonsaturating | hinge | wasserstein | least_squares
    # optimization
    train_batch_size: int = 128  # per device
    gradient_accumulation_steps: int = 1
    max_train_steps: int = 5000  # generator steps
    max_train_minutes: Optional[float] = None  # also stop (checkpoint + outputs) after this much training wall clock
    learning_rate_g: float = 2e-4
    learning_rate_d: float = 2e-4  # TTUR: set different rates
    lr_scheduler: str = "constant"  # diffusers' get_scheduler names (constant | linear | cosine | ...) or
    # constant_then_linear (constant until lr_decay_start_step, then linear to 0; CycleGAN's), stepped once per step
    lr_decay_start_step: Optional[int] = None  # constant_then_linear: default half of max_train_steps
    lr_warmup_steps: int = 0
    lr_step_rules: Optional[str] = None  # piecewise_constant: "1:40000,0.1" (multiplier 1 before step 40000, then 0.1)
    adam_beta1: float = 0.5
    adam_beta2: float = 0.999
    adam_weight_decay: float = 0.0
    max_grad_norm: Optional[float] = None
    mixed_precision: Optional[str] = None  # no | fp16 | bf16; None: Accelerate's (launch flag, env, `accelerate config`)
    seed: int = 0
    # EMA generator (what gets published)
    use_ema: bool = True
    ema_decay: float = 0.995  # half-life log(0.5)/log(decay) steps: 138
    # stylegan2-ada's ema_kimg: the half-life in thousands of images; when set, ema_decay follows the global batch
    # (0.5 ** (batch / (1000 * kimg))), so changing the batch size or the process count keeps the average's span
    ema_halflife_kimg: Optional[float] = None
    ema_rampup: Optional[float] = 0.05  # half-life <= rampup * steps so far (stylegan2-ada); None: off
    ema_start_step: int = 0  # the EMA copies the weights until this step, then averages (BigGAN's ema_start)
    bn_recalibration_images: Optional[int] = None  # images to re-estimate the saved batch norms from; None: by size
    # (5120 at 28x28, the same pixels at other sizes: 980 at 64x64, at least 256; hfgan.training.ema.recalibration_images)
    # outputs
    output_dir: str = "runs/hfgan"
    logging_steps: int = 50
    sample_steps: int = 500
    num_sample_images: int = 64
    checkpointing_steps: int = 500
    checkpoints_total_limit: int = 3
    resume_from_checkpoint: Optional[str] = None  # "latest" (error if none), "auto" (else start fresh) or a checkpoint folder
    report_to: str = "tensorboard"  # any Accelerate tracker name, or "none"
    # evaluation during training (hfgan.metrics)
    eval_steps: int = 0  # 0: off
    eval_metric: str = "fid"
    eval_num_samples: int = 5000
    eval_features: str = "fashion-mnist-classifier"
    eval_split: str = "train"  # the split checkpoints are selected against; report on the test split with another extractor
    # runs: a fresh run refuses a non-empty output_dir unless this is set (hfgan.training.rundir)
    overwrite_output_dir: bool = False  # clear output_dir's old samples, checkpoints, logs and pipeline first
    # augmentation of the discriminator's inputs (hfgan.augment) and fine-tuning; every default leaves training as before
    augment: str = "none"  # none | diffaugment | ada: applied to real and generated images before the discriminator
    augment_policy: str = "color,translation,cutout"  # DiffAugment's transforms
    augment_p: Optional[float] = None  # ADA's initial (or, with ada_target None, fixed) p; DiffAugment's per-transform p.
    # Default: 0 for ADA, 1 for DiffAugment
    ada_target: Optional[float] = 0.6  # ADA: the target of E[sign(D(real))]; None: p stays at augment_p
    ada_kimg: float = 500.0  # ADA: thousands of images over which p can move from 0 to 1
    ada_interval: int = 4  # ADA: steps between adjustments of p
    init_from: Optional[str] = None  # a pipeline folder or Hub repo whose weights start the run (fine-tuning)
    # publishing metadata
    name: Optional[str] = None
    num_threads: Optional[int] = None  # torch CPU threads (default: torch's own)
    # the networks' 4-D weights (and so their activations) in NHWC layout, as timm's --channels-last: faster
    # convolutions on CPU (oneDNN) and on tensor-core GPUs; checkpoints and pipelines are saved as usual
    channels_last: bool = False

    def validate(self) -> "TrainConfig":
        from ..losses import OBJECTIVES

        if self.loss not in OBJECTIVES:
            raise ConfigError(f"loss must be one of {sorted(OBJECTIVES)}, got {self.loss!r}")
        if self.task is not None:
            from ..tasks import list_tasks

            if self.task not in list_tasks():
                raise ConfigError(f"task must be one of {list_tasks()} (or unset: the model's own), got {self.task!r}")
        from ..tasks import task_recipe

        task_recipe(self)  # every task_kwargs key, validated by the task's own dataclass
        if self.paired_layout not in ("columns", "side_by_side"):
            raise ConfigError(f"paired_layout must be 'columns' or 'side_by_side', got {self.paired_layout!r}")
        if str(self.data_in_memory).lower() not in ("auto", "true", "false"):
            raise ConfigError(f"data_in_memory must be 'auto', 'true' or 'false', got {self.data_in_memory!r}")
        if self.dataloader_num_workers < 0:
            raise ConfigError(f"dataloader_num_workers must be >= 0, got {self.dataloader_num_workers}")
        if self.resolution is not None and self.resolution < 4:
            raise ConfigError(f"resolution must be >= 4 (or unset: the model's own), got {self.resolution}")
        if self.mixed_precision not in (None, "no", "fp16", "bf16"):
            raise ConfigError(f"mixed_precision must be 'no', 'fp16' or 'bf16' (or unset: Accelerate's), "
                              f"got {self.mixed_precision!r}")
        from diffusers.optimization import SchedulerType

        schedulers = [t.value for t in SchedulerType] + ["constant_then_linear"]
        if self.lr_scheduler not in schedulers:
            raise ConfigError(f"lr_scheduler must be one of {schedulers}, got {self.lr_scheduler!r}")
        if (self.lr_scheduler == "piecewise_constant") != (self.lr_step_rules is not None):
            raise ConfigError("lr_step_rules (e.g. '1:40000,0.1') goes with lr_scheduler='piecewise_constant' and only with it, "
                              f"got lr_scheduler={self.lr_scheduler!r}, lr_step_rules={self.lr_step_rules!r}")
        if self.lr_step_rules is not None:
            _check_step_rules(self.lr_step_rules)
        decay_start = self.lr_decay_start_step
        if self.lr_scheduler == "constant_then_linear" and decay_start is not None and not 0 <= decay_start < self.max_train_steps:
            raise ConfigError(f"lr_decay_start_step must be in [0, max_train_steps) = [0, {self.max_train_steps}), got "
                              f"{decay_start} (a preset's value: pass --lr_decay_start_step with a shorter "
                              "--max_train_steps, or --lr_scheduler constant)")
        if self.lr_warmup_steps < 0:
            raise ConfigError(f"lr_warmup_steps must be >= 0, got {self.lr_warmup_steps}")
        _validate_augment(self)
        for key in ("train_batch_size", "gradient_accumulation_steps", "max_train_steps", "logging_steps", "sample_steps",
                    "checkpointing_steps", "checkpoints_total_limit"):
            if getattr(self, key) < 1:
                raise ConfigError(f"{key} must be >= 1, got {getattr(self, key)}")
        if self.ema_start_step < 0:
            raise ConfigError(f"ema_start_step must be >= 0, got {self.ema_start_step}")
        if self.bn_recalibration_images is not None and self.bn_recalibration_images < 1:
            raise ConfigError(f"bn_recalibration_images must be >= 1 (or unset: by image size), got "
                              f"{self.bn_recalibration_images}")
        _validate_floats(self)
        _validate_run_length(self)
        return self

    def to_dict(self) -> Dict[str, Any]:
        return dataclasses.asdict(self)


_HINTS = typing.get_type_hints(TrainConfig)
_OPTIONAL = {key for key, hint in _HINTS.items() if type(None) in typing.get_args(hint)}


def _validate_augment(cfg: TrainConfig) -> None:
    from ..augment import AUGMENTS, parse_policy

    if cfg.augment not in AUGMENTS:
        raise ConfigError(f"augment must be one of {', '.join(AUGMENTS)}, got {cfg.augment!r}")
    parse_policy(cfg.augment_policy)
    if cfg.ada_interval < 1:
        raise ConfigError(f"ada_interval must be >= 1, got {cfg.ada_interval}")


# The range of every float key (:mod:`.ranges`); optional keys may also be unset (None).
FLOAT_RANGES = {
    "max_train_minutes": POSITIVE, "learning_rate_g": POSITIVE, "learning_rate_d": POSITIVE,
    "adam_beta1": (0.0, 1.0, True, False), "adam_beta2": (0.0, 1.0, True, False),
    "adam_weight_decay": NONNEGATIVE, "max_grad_norm": POSITIVE,
    "ema_decay": (0.0, 1.0, True, False), "ema_halflife_kimg": POSITIVE,
    "ema_rampup": POSITIVE, "augment_p": (0.0, 1.0, True, True),
    "ada_target": (-1.0, 1.0, True, True), "ada_kimg": POSITIVE,
}
MAX_TRAIN_STEPS = 10**9
MAX_EVAL_SAMPLES = 10**7  # per in-run evaluation, as `hfgan evaluate --num-samples`
MAX_SAMPLE_IMAGES = 1024  # per sample grid: one pipeline call (GANPipeline.max_batch_size)
ASSUMED_STEPS_PER_SECOND = 10  # a small model on a GPU; what the time of an over-long run is stated at


def _validate_floats(cfg: TrainConfig) -> None:
    """Every float key finite and in its :data:`FLOAT_RANGES` range, or a one-line error naming the key."""
    for key, bounds in FLOAT_RANGES.items():
        check_range(key, getattr(cfg, key), bounds, optional=key in _OPTIONAL)


def format_duration(seconds: float) -> str:
    """``seconds`` in the largest fitting unit: ``"40 s"``, ``"12 minutes"``, ``"5.2 hours"``, ``"3.2e+21 years"``."""
    for unit, size in (("years", 365.25 * 86400), ("days", 86400), ("hours", 3600), ("minutes", 60)):
        if seconds >= 2 * size:
            return f"{seconds / size:.3g} {unit}"
    return f"{seconds:.3g} s"


def _validate_run_length(cfg: TrainConfig) -> None:
    """Runs that could not end: at most :data:`MAX_TRAIN_STEPS` steps, :data:`MAX_EVAL_SAMPLES` samples per
    evaluation and :data:`MAX_SAMPLE_IMAGES` images per sample grid."""
    if cfg.max_train_steps > MAX_TRAIN_STEPS:
        duration = format_duration(cfg.max_train_steps / ASSUMED_STEPS_PER_SECOND)
        raise ConfigError(f"max_train_steps must be at most {MAX_TRAIN_STEPS}, got {cfg.max_train_steps:.3g}: at "
                          f"{ASSUMED_STEPS_PER_SECOND} steps a second (a small model on a GPU) it would take {duration} "
                          "(max_train_minutes bounds a run by time)")
    if not 2 <= cfg.eval_num_samples <= MAX_EVAL_SAMPLES:
        raise ConfigError(f"eval_num_samples must be in [2, {MAX_EVAL_SAMPLES}], got {cfg.eval_num_samples:.3g}")
    if not 1 <= cfg.num_sample_images <= MAX_SAMPLE_IMAGES:
        raise ConfigError(f"num_sample_images must be in [1, {MAX_SAMPLE_IMAGES}], got {cfg.num_sample_images:.3g}")


def _check_step_rules(rules: str) -> None:
    """diffusers' piecewise_constant format: ``"m1:s1,m2:s2,...,m_last"``, multipliers > 0, steps increasing."""
    parts = rules.split(",")
    try:
        pairs = [(float(m), int(s)) for m, s in (p.split(":") for p in parts[:-1])]
        last = float(parts[-1])
    except ValueError:
        raise ConfigError(f"lr_step_rules must look like '1:40000,0.1' (multiplier:until_step,..., final multiplier), "
                          f"got {rules!r}") from None
    steps = [s for _, s in pairs]
    if any(m <= 0 for m, _ in pairs) or last <= 0 or steps != sorted(set(steps)) or any(s < 1 for s in steps):
        raise ConfigError(f"lr_step_rules needs multipliers > 0 and increasing steps >= 1, got {rules!r}")


def _coerce(key: str, value: Any, hint: Any = None) -> Any:
    """Convert a string (or a loaded YAML value) to the type of field ``key`` (or to ``hint``)."""
    hint = hint or _HINTS[key]
    origin = typing.get_origin(hint)
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    optional = origin is typing.Union and type(None) in typing.get_args(hint)
    target = args[0] if optional else hint
    if isinstance(value, str):
        if optional and value.lower() in ("none", "null", ""):
            return None
        if target is bool:
            if value.lower() in ("1", "true", "yes", "on"):
                return True
            if value.lower() in ("0", "false", "no", "off"):
                return False
            raise ConfigError(f"--{key} expects true/false, got {value!r}")
        if target is float:
            try:
                return float(value)
            except ValueError:
                raise ConfigError(f"--{key} expects float, got {value!r}") from None
        if target is int:
            return _integer(key, value)
        if typing.get_origin(target) is dict or target is dict:
            try:
                value = json.loads(value)
            except json.JSONDecodeError as err:
                raise ConfigError(f"--{key} expects a JSON object, got {value!r} ({err})") from None
    if value is None:
        if not optional:
            raise ConfigError(f"{key} cannot be null")
        return None
    if target is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if target is int and isinstance(value, float):
        value = _integer(key, repr(value))
    expected = {int: int, float: float, bool: bool, str: str}.get(target)
    if typing.get_origin(target) is dict:
        expected = dict
    if expected and (not isinstance(value, expected) or (expected is int and isinstance(value, bool))):
        raise ConfigError(f"{key} must be {expected.__name__}, got {value!r}")
    return value


def _integer(key: str, text: str) -> int:
    """An int from ``"5000"``, or from a whole number written as a float (``"1e4"``, ``"2000.0"``)."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        number = float(text)
    except ValueError:
        number = math.nan
    if not (math.isfinite(number) and number.is_integer()):
        raise ConfigError(f"--{key} expects int, got {text!r}")
    return int(number)


# Keys that were top-level config keys before each task took its own recipe: name -> (type, old default). Presets,
# config files, saved configs and command lines that spell them at the top level still load: config_from_dict moves
# them into task_kwargs, where the tasks that read them validate them.
MOVED_TO_TASK_KWARGS: Dict[str, Tuple[type, Any]] = {
    "gp_weight": (float, 0.0), "r1_gamma": (float, 0.0), "r1_interval": (int, 1), "n_critic": (int, 1),
    "label_smoothing": (float, 0.0), "feature_matching_weight": (float, 0.0), "orthogonal_reg_weight": (float, 0.0),
}
TASK_KEY = "task_kwargs."  # --task_kwargs.KEY value: one key of the task's recipe


def config_from_dict(values: Dict[str, Any], base: Optional[TrainConfig] = None) -> TrainConfig:
    """``base`` (default: the defaults) with ``values`` set.

    ``task_kwargs.KEY`` sets one key of the task's recipe, and so does a key of :data:`MOVED_TO_TASK_KWARGS` under its
    old top-level name (at its old default it leaves the task's default, which is the same). A ``task_kwargs`` object
    replaces the task's settings, except the moved keys that it does not name, which stay as when they were top-level;
    single keys apply after it, whatever their order.
    """
    cfg = dataclasses.replace(base) if base is not None else TrainConfig()
    cfg.task_kwargs = dict(cfg.task_kwargs)
    names = {f.name for f in dataclasses.fields(TrainConfig)}
    single = []
    for key, value in values.items():
        key = key.replace("-", "_")
        if key.startswith(TASK_KEY) or key in MOVED_TO_TASK_KWARGS:
            single.append((key, value))
            continue
        if key not in names:
            raise ConfigError(f"unknown config key {key!r}; see `hfgan train --help-config`")
        value = _coerce(key, value)
        if key == "task_kwargs":
            value = {**{k: v for k, v in cfg.task_kwargs.items() if k in MOVED_TO_TASK_KWARGS}, **value}
        setattr(cfg, key, value)
    for key, value in single:
        _set_task_key(cfg.task_kwargs, key, value)
    return cfg


def _set_task_key(task_kwargs: Dict[str, Any], key: str, value: Any) -> None:
    """Set ``task_kwargs.KEY`` (a string parsed as JSON, else as a number, else kept) or a moved top-level key."""
    if key in MOVED_TO_TASK_KWARGS:
        kind, default = MOVED_TO_TASK_KWARGS[key]
        value = _coerce(key, value, kind)
        if value == default:
            task_kwargs.pop(key, None)
        else:
            task_kwargs[key] = value
        return
    name = key[len(TASK_KEY):]
    if not name.isidentifier():
        raise ConfigError(f"--{key}: name one key of the task's settings, as --task_kwargs.pl_weight 2")
    if isinstance(value, str):
        for parse in (json.loads, float):
            try:
                value = parse(value)
                break
            except ValueError:
                continue
    task_kwargs[name] = value


def saved_config(values: Dict[str, Any]) -> TrainConfig:
    """The config a run recorded (a checkpoint's ``trainer_state.json``, a published ``training_config.json``) in this
    version's keys: keys it no longer has are left out, those that moved into task_kwargs are moved there."""
    names = {f.name for f in dataclasses.fields(TrainConfig)}
    return config_from_dict({k: v for k, v in values.items() if k in names or k in MOVED_TO_TASK_KWARGS})


def parse_overrides(args: Sequence[str]) -> Dict[str, str]:
    """``["--max_train_steps", "100", "--use_ema=false"]`` -> ``{"max_train_steps": "100", "use_ema": "false"}``."""
    out: Dict[str, str] = {}
    items = list(args)
    i = 0
    while i < len(items):
        item = items[i]
        if not item.startswith("--"):
            raise ConfigError(f"expected --key value, got {item!r}")
        key = item[2:]
        if "=" in key:
            key, value = key.split("=", 1)
        else:
            if i + 1 >= len(items) or items[i + 1].startswith("--"):
                raise ConfigError(f"--{key} needs a value")
            i += 1
            value = items[i]
        out[key.replace("-", "_")] = value
        i += 1
    return out


def config_fields() -> List[str]:
    return [f"{f.name}: {getattr(f.type, '__name__', str(f.type)).replace('typing.', '')}" for f in dataclasses.fields(TrainConfig)]
