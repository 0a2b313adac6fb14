"""What a kind of GAN trains, apart from the loop that trains it.

A :class:`GANTask` names its networks, which optimizer steps which of them, and its :class:`Phase` s; its
``loss(phase, drawn, ctx)`` returns a loss and logs and never calls ``backward`` or ``step``. The one loop
in :mod:`hfgan.training.trainer` owns optimizers, freezing, gradient accumulation, DDP synchronisation,
mixed precision, clipping, EMA and checkpoints, so every task gets all of them alike. The split follows
stylegan2-ada's ``training_loop`` / ``loss.accumulate_gradients``.
"""

import dataclasses
from dataclasses import dataclass
from typing import Any, Callable, ClassVar, Dict, List, Optional, Sequence, Tuple

import torch
from torch import nn

from ..errors import ConfigError
from ..training.ranges import Range, check_range


@dataclass(frozen=True)
class Phase:
    """One optimizer step of a training step.

    ``interval``: the phase runs when ``step % interval == 0`` and its loss is multiplied by ``interval``
    (lazy regularization). ``repeats``: how many times it runs per step (``n_critic``). ``key``: the number that
    seeds the phase's randomness, ``(seed, key, counter)``. ``freeze_others``: networks the phase does not train
    have ``requires_grad`` off during it (a task that keeps a graph for a later phase turns this off and
    detaches by itself). ``lazy``: a regularization phase split off its optimizer's main phase, as stylegan2-ada's
    ``G_reg`` / ``D_reg``; the loop then sets that optimizer's learning rate and Adam betas for it.
    """

    name: str  # "D_main" | "D_reg" | "G_main" | "G_reg"
    optimizer: str  # which optimizer steps: "G" | "D"
    interval: int = 1
    repeats: int = 1
    key: int = 0
    freeze_others: bool = True
    lazy: bool = False


class StepContext:
    """What a task sees of the loop while it computes one micro-batch of one phase.

    ``real(flip_mask)`` gives this rank's data batch of the phase's counter; ``slice`` cuts this rank's rows of
    this micro-batch out of a global-batch tensor (of ``rows`` per rank and micro-batch when the draw was that
    size); ``micro_rows`` the rows of the whole micro-batch (all ranks); ``gather`` collects a per-rank tensor of
    this micro-batch from every rank; ``scratch`` lives for one step and carries what a later phase reuses
    (generated images, real features).
    """

    def __init__(self, trainer, phase: Phase, counter: int, micro: int):
        self._trainer = trainer
        self.phase = phase
        self.counter = counter
        self.micro = micro
        self.step = trainer.step
        self.accelerator = trainer.accelerator
        self.device = trainer.accelerator.device
        self.nets: Dict[str, nn.Module] = trainer.nets
        self.scratch: Dict[str, Any] = trainer.scratch
        self.num_micro = trainer.config.gradient_accumulation_steps

    @property
    def last_micro(self) -> bool:
        return self.micro == self.num_micro - 1

    def slice(self, tensor: Optional[torch.Tensor], rows: Optional[int] = None,
              device: bool = True) -> Optional[torch.Tensor]:
        if tensor is None:
            return None
        part = self._trainer.slice(tensor, self.micro, rows)
        return part.to(self.device) if device else part

    def micro_rows(self, tensor: torch.Tensor) -> torch.Tensor:
        rows = self._trainer.config.train_batch_size * self.accelerator.num_processes
        return tensor[self.micro * rows:(self.micro + 1) * rows].to(self.device)

    def gather(self, tensor: torch.Tensor) -> torch.Tensor:
        if self.accelerator.num_processes == 1:
            return tensor
        return self.accelerator.gather(tensor.contiguous())

    def rank_rows(self, tensor: torch.Tensor) -> torch.Tensor:
        """This rank's rows of a micro-batch tensor gathered from every rank."""
        b = self._trainer.config.train_batch_size
        start = self.accelerator.process_index * b
        return tensor[start:start + b]

    def real(self, flips: Optional[torch.Tensor] = None):
        """This rank's real batch for this phase's counter (``data.batch`` of the task's data); ``flips`` is a
        global-batch mask of images to mirror."""
        return self._trainer.real_batch(self.counter, self.micro, flips)

    def autocast(self):
        return self.accelerator.autocast()


@dataclass
class TaskKwargs:
    """Base of each task's ``task_kwargs`` dataclass: the task's own recipe, the one place its keys are validated
    (types here, each number's range from ``ranges``, then the subclass's ``validate``)."""

    ranges: ClassVar[Dict[str, Range]] = {}  # key -> its allowed range (hfgan.training.ranges)

    @classmethod
    def from_dict(cls, task: str, values: Optional[Dict[str, Any]]) -> "TaskKwargs":
        values = dict(values or {})
        names = {f.name: f for f in dataclasses.fields(cls)}
        unknown = set(values) - set(names)
        if unknown:
            raise ConfigError(f"task {task!r} has no task_kwargs {sorted(unknown)}; it takes {sorted(names) or 'none'}")
        for key, value in values.items():
            kind = names[key].type
            kind = {"float": float, "int": int, "bool": bool, "str": str}.get(kind, kind) if isinstance(kind, str) else kind
            if kind is float and isinstance(value, int) and not isinstance(value, bool):
                values[key] = float(value)
            elif kind in (int, float, bool, str) and not isinstance(values[key], kind) or (kind is int and isinstance(value, bool)):
                raise ConfigError(f"task_kwargs.{key} must be {kind.__name__}, got {value!r}")
        kwargs = cls(**values)
        for key, bounds in cls.ranges.items():
            check_range(key, getattr(kwargs, key), bounds)
        return kwargs.validate()

    def validate(self) -> "TaskKwargs":
        return self


class GANTask:
    """Base class of the training tasks. Subclasses set ``name``, ``kwargs_class`` and implement the hooks."""

    name = ""
    kwargs_class = TaskKwargs
    optimizers: Dict[str, Tuple[str, ...]] = {"G": ("generator",), "D": ("discriminator",)}
    ema: Tuple[str, ...] = ("generator",)
    periodic_eval = False  # whether the trainer's eval_steps can score this task's pipeline
    supports_augment = False  # whether the task applies the config's ``augment`` to its discriminator's inputs
    find_unused_parameters = False  # whether some parameters sit out some steps (DDP then searches for them)

    def __init__(self, config, seed_rng: Callable[..., torch.Generator], global_batch: Optional[int] = None):
        self.config = config
        self.kwargs = self.kwargs_class.from_dict(self.name, config.task_kwargs)
        self.rng = seed_rng  # rng(*keys) -> torch.Generator seeded by (seed, *keys)
        self.global_batch = global_batch  # the loop's rows per step and phase run: every process and micro-batch
        self.data = None
        from ..augment import Augmenter

        self.augmenter = Augmenter.from_config(config)
        if self.augmenter.enabled and not self.supports_augment:
            raise ConfigError(f"augment={config.augment!r}: task {self.name!r} does not augment its discriminator's "
                              "inputs (the generation and progressive tasks do)")

    # -- networks and data -------------------------------------------------------------------------
    def check_networks(self, nets: Dict[str, nn.Module]) -> None:
        """Raise a ConfigError when the networks do not fit the task."""
        needed = {n for names in self.optimizers.values() for n in names}
        missing = needed - set(nets)
        if missing:
            raise ConfigError(f"task {self.name!r} needs networks {sorted(missing)}; the model has {sorted(nets)}")

    def load_data(self, nets: Dict[str, nn.Module], data=None):
        """The training data (``data`` when the caller gives it): an object with ``__len__`` and
        ``batch(indices, device, flip_mask)``; the task also prepares its fixed sample inputs here."""
        raise NotImplementedError

    def learning_rate(self, optimizer: str) -> float:
        """The config's learning rate of ``optimizer`` (the loop adjusts it for a lazy regularization phase)."""
        return self.config.learning_rate_g if optimizer == "G" else self.config.learning_rate_d

    def adam_betas(self, optimizer: str) -> Tuple[float, float]:
        """Adam's betas for ``optimizer`` (the loop adjusts them for a lazy regularization phase)."""
        return self.config.adam_beta1, self.config.adam_beta2

    # -- one step ----------------------------------------------------------------------------------
    def phases(self) -> List[Phase]:
        raise NotImplementedError

    def draw(self, phase: Phase, rng: torch.Generator, n: int) -> Dict[str, torch.Tensor]:
        """Randomness of one phase run for the whole global batch of ``n`` rows (latents, labels, flips)."""
        return {}

    def loss(self, phase: Phase, drawn: Dict[str, torch.Tensor], ctx: StepContext) -> Tuple[torch.Tensor, Dict[str, torch.Tensor]]:
        raise NotImplementedError

    def on_step(self, step: int) -> None:
        """Schedules that depend on the step (called before each step): ADA's adjustment of p here."""
        self.augmenter.on_step(step)

    # -- outputs -----------------------------------------------------------------------------------
    def frame_label(self, step: int) -> Optional[str]:
        """The caption of the progress frame saved after ``step`` steps (a growth schedule adds its state)."""
        return f"step {step}"

    def column_labels(self) -> Optional[List[str]]:
        """Names over the progress grid's columns (a conditional model's classes), or None."""
        return None

    def sample_images(self, nets: Dict[str, nn.Module]) -> Tuple[torch.Tensor, Optional[int]]:
        """Images in [0, 1] ``[N, C, H, W]`` for the progress grid from fixed inputs, and the grid's row length."""
        raise NotImplementedError

    def build_pipeline(self, nets: Dict[str, nn.Module]):
        raise NotImplementedError

    def final_grid(self, pipe):
        """The published ``samples/grid.png`` (a PIL image) made with the built pipeline."""
        raise NotImplementedError

    def recalibration_inputs(self, device) -> Optional[Callable[[], Sequence[torch.Tensor]]]:
        """A callable giving generator inputs (on ``device``) to re-estimate an EMA generator's batch-norm
        statistics, or None."""
        return None

    def card_data(self) -> Dict[str, Any]:
        """What the model card says of the training data."""
        return {"dataset": self.config.dataset}

    def state_dict(self) -> Dict[str, torch.Tensor]:
        """Task state that a checkpoint carries (image pools, running means, ADA's p), as tensors."""
        return self.augmenter.state_dict()

    def load_state_dict(self, state: Dict[str, torch.Tensor]) -> None:
        self.augmenter.load_state_dict(state)

    # -- augmentation of the discriminator's inputs (hfgan.augment), for tasks with supports_augment ------
    def draw_augment(self, rng: torch.Generator, n: int, *names: str) -> Dict[str, torch.Tensor]:
        """Augmentation parameters for ``n`` rows per name (``"real"``, ``"fake"``), keyed ``augment_<name>.<param>``;
        drawn after the phase's other randomness, so an unaugmented run draws exactly as before."""
        if not self.augmenter.enabled:
            return {}
        return {f"augment_{name}.{key}": value for name in names for key, value in self.augmenter.sample(rng, n).items()}

    def augment(self, ctx: StepContext, images: torch.Tensor, drawn: Dict[str, torch.Tensor], name: str) -> torch.Tensor:
        """``images`` (this rank's rows of the micro-batch) augmented with their rows of ``draw_augment``'s ``name``."""
        prefix = f"augment_{name}."
        params = {key[len(prefix):]: ctx.slice(value) for key, value in drawn.items() if key.startswith(prefix)}
        return self.augmenter(images, params) if params else images

    def observe_real_logits(self, ctx: StepContext, real_logits: torch.Tensor) -> Dict[str, torch.Tensor]:
        """Feed ADA's heuristic the signs of this micro-batch's real logits (summed over every process); returns the
        logs (``augment_p``)."""
        if not self.augmenter.enabled:
            return {}
        if self.augmenter.adaptive:
            signs = real_logits.detach().float().sign()
            totals = torch.stack([signs.sum(), torch.tensor(float(signs.numel()), device=signs.device)])  # [2]
            totals = ctx.gather(totals[None]).sum(0)  # every process's
            self.augmenter.observe(float(totals[0]), float(totals[1]))
        return {"augment_p": torch.tensor(self.augmenter.p)}


def to_unit(images: torch.Tensor) -> torch.Tensor:
    """``[-1, 1]`` -> ``[0, 1]``, clamped, float."""
    return (images.float() / 2 + 0.5).clamp(0, 1)
