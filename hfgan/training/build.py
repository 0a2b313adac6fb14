"""Building a run, a mixin of :class:`~hfgan.training.trainer.GANTrainer`: the config fitted to the data, the
Accelerator, the output folder checked (and cleared where asked), the task and its networks (fine-tuning weights,
channels-last), the data, the optimizers (lazy regularization's ``mb_ratio``), learning-rate schedules, EMA copies
and trackers, all before the first step."""

import json
import os
from typing import Dict, List, Optional

import torch
from torch import nn

from ..data.base import ReadAheadData
from ..errors import HFGANError
from . import checkpoint as ckpt
from . import rundir
from .batches import seeded_rng
from .config import TrainConfig
from .ema import EMAModel
from .launch import accelerate_mixed_precision, only_cpu, print_on_rank0
from .trainer_state import read_trainer_state

RESOLVE = object()  # GANTrainer(checkpoint=RESOLVE): find the checkpoint from the config's resume_from_checkpoint


def lazy_ratio(phases, optimizer: str) -> float:
    """``mb_ratio = interval / (interval + 1)`` of ``optimizer``'s lazy regularization phase (1 without one): its
    learning rate is multiplied by it and its Adam betas raised to its power, as stylegan2-ada's training loop does,
    so that the optimizer's moments keep their span although the phase steps it every ``interval`` steps only."""
    intervals = [phase.interval for phase in phases if phase.optimizer == optimizer and phase.lazy]
    return intervals[0] / (intervals[0] + 1) if intervals else 1.0


def build_optimizers(task, phases, nets: Dict[str, nn.Module], weight_decay: float) -> Dict[str, torch.optim.Optimizer]:
    """One Adam per optimizer the task names, over its networks' parameters, with the task's learning rate and betas
    adjusted by :func:`lazy_ratio` (stylegan2-ada's mb_ratio for a lazy regularization phase)."""
    optimizers = {}
    for opt_name, members in task.optimizers.items():
        params = [p for name in members for p in nets[name].parameters()]
        ratio = lazy_ratio(phases, opt_name)
        betas = tuple(beta ** ratio for beta in task.adam_betas(opt_name))
        optimizers[opt_name] = torch.optim.Adam(params, lr=task.learning_rate(opt_name) * ratio, betas=betas,
                                                weight_decay=weight_decay)
    return optimizers


def build_scheduler(cfg: TrainConfig, optimizer):
    """A ``LambdaLR`` for ``cfg.lr_scheduler``: diffusers' ``get_scheduler``, or ``constant_then_linear``."""
    if cfg.lr_scheduler == "constant_then_linear":
        start = cfg.lr_decay_start_step if cfg.lr_decay_start_step is not None else cfg.max_train_steps // 2
        span = cfg.max_train_steps - start

        def factor(step: int) -> float:
            return 1.0 if step < start else max(0.0, (cfg.max_train_steps - step) / span)

        return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)
    from diffusers.optimization import get_scheduler

    return get_scheduler(cfg.lr_scheduler, optimizer, step_rules=cfg.lr_step_rules, num_warmup_steps=cfg.lr_warmup_steps,
                         num_training_steps=cfg.max_train_steps)


class BuildMixin:
    """Set up everything a run trains with (uses the trainer's config, data, command and ``checkpoint``; sets the
    accelerator, task, networks, optimizers, schedules, EMA copies, data order state, run record and counters)."""

    def _setup(self) -> None:
        from accelerate import Accelerator
        from accelerate.utils import DistributedDataParallelKwargs, ProjectConfiguration, set_seed

        from ..data import fit_config_to_data
        from ..models import create_components, get_model_entry
        from ..tasks import get_task_class

        # the registry variant for cfg.resolution, a conditional model's classes from the data (hfgan.data.fit)
        # (no accelerate state may exist before the Accelerator below: one made without cpu=True would leave every
        # CPU process believing it is the main one)
        cfg = self.config = fit_config_to_data(self.config, self.data, log=print_on_rank0)
        if cfg.num_threads:
            torch.set_num_threads(cfg.num_threads)
        log_with = None if cfg.report_to in ("none", "", None) else cfg.report_to
        entry = get_model_entry(cfg.model)
        task_class = get_task_class(cfg.task or entry.task)
        # the device is Accelerate's (CUDA, MPS, XPU, ... or CPU; `accelerate launch --cpu` forces CPU); so is the
        # precision unless the config sets one: `accelerate launch --mixed_precision`, ACCELERATE_MIXED_PRECISION
        # or the `accelerate config` file
        self.accelerator = Accelerator(
            cpu=only_cpu(),
            mixed_precision=cfg.mixed_precision or accelerate_mixed_precision(),
            log_with=log_with,
            project_config=ProjectConfiguration(project_dir=cfg.output_dir, logging_dir=os.path.join(cfg.output_dir, "logs")),
            kwargs_handlers=[DistributedDataParallelKwargs(find_unused_parameters=True)] if task_class.find_unused_parameters else None,
        )
        set_seed(cfg.seed)
        acc = self.accelerator
        if cfg.mixed_precision is None:  # recorded as run, so that a resume keeps it
            cfg.mixed_precision = str(acc.mixed_precision)
        self.resume_path = self._prepare_output_dir()
        self.global_batch = cfg.train_batch_size * acc.num_processes * cfg.gradient_accumulation_steps
        self.task = task_class(cfg, lambda *keys: seeded_rng(cfg.seed, *keys), self.global_batch)
        nets = create_components(cfg.model, {"generator": cfg.generator_kwargs, "discriminator": cfg.discriminator_kwargs})
        self.task.check_networks(nets)
        self.init_from_components: List[str] = []
        if cfg.init_from:  # fine-tuning: the source pipeline's weights, before the optimizers and EMA copies exist
            from .init_from import load_initial_weights

            self.init_from_components = load_initial_weights(nets, cfg.init_from, log=acc.print)
        if cfg.channels_last:  # before the optimizers, whose moments take the parameters' layout
            for net in nets.values():
                net.to(memory_format=torch.channels_last)
        if cfg.eval_steps and not self.task.periodic_eval:
            raise HFGANError(f"eval_steps: periodic evaluation is for generation tasks; score a {self.task.name} run "
                             "with `hfgan evaluate OUTPUT_DIR` when it ends")
        self.data = self.task.load_data(nets, self.data)
        if len(self.data) < self.global_batch:
            per_device = len(self.data) // (acc.num_processes * cfg.gradient_accumulation_steps)
            fits = f"pass --train_batch_size {per_device} or less" if per_device else "no --train_batch_size fits"
            raise HFGANError(f"the dataset has {len(self.data)} images, fewer than one global batch of {self.global_batch}"
                             f" (--train_batch_size {cfg.train_batch_size} per process, {acc.num_processes} process(es), "
                             f"{cfg.gradient_accumulation_steps} accumulation step(s)): {fits}")
        self.batches_per_epoch = len(self.data) // self.global_batch
        self._perms: Dict[int, torch.Tensor] = {}  # epoch -> permutation, the last two epochs
        self._next_counter = 0  # the next global data batch (checkpointed as the data position)
        self.reads_ahead = isinstance(self.data, ReadAheadData)  # rows read ahead in the counters' order
        if self.reads_ahead:
            self.data.set_plan(self._read_plan)

        self.phases = self.task.phases()
        optimizers = build_optimizers(self.task, self.phases, nets, cfg.adam_weight_decay)
        names, opt_names = list(nets), list(optimizers)
        prepared = acc.prepare(*[nets[n] for n in names], *[optimizers[n] for n in opt_names])
        self.nets: Dict[str, nn.Module] = dict(zip(names, prepared[:len(names)]))
        self.optimizers: Dict[str, torch.optim.Optimizer] = dict(zip(opt_names, prepared[len(names):]))
        # learning-rate schedules advance once per step, on every rank alike; checkpoints carry them as JSON
        self.schedulers = []
        if cfg.lr_scheduler != "constant" or cfg.lr_warmup_steps:
            self.schedulers = [build_scheduler(cfg, optimizers[n]) for n in opt_names]
        self.emas: Dict[str, EMAModel] = {}
        if cfg.use_ema:
            self.emas = {name: EMAModel(acc.unwrap_model(self.nets[name]), self.ema_decay, cfg.ema_rampup,
                                        cfg.ema_start_step).to(acc.device)
                         for name in self.task.ema}
        self.step = 0
        self.best_metric: Optional[float] = None
        self.train_seconds = 0.0  # wall clock of the training loop, resumes included
        # the command and config of the run's start, then of each resume (the card's "Reproduce with")
        self.invocations = [{"command": self.command, "step": 0, "config": cfg.to_dict()}]
        self.finite = torch.ones((), dtype=torch.bool, device=acc.device)
        os.makedirs(cfg.output_dir, exist_ok=True)
        if acc.is_main_process and log_with:
            self.run_record.add("logs")
            acc.init_trackers("hfgan", config={k: (json.dumps(v) if isinstance(v, dict) else v)
                                               for k, v in cfg.to_dict().items() if v is not None})

    def _prepare_output_dir(self) -> Optional[str]:
        """The checkpoint to resume from (None: a fresh start), once ``output_dir`` holds nothing of another run
        (:mod:`.rundir`); every process checks before any writes, then the main process of each machine clears."""
        acc, cfg = self.accelerator, self.config
        error, resume, stale = None, None, []
        try:
            resume = self.checkpoint
            if resume is RESOLVE:
                resume = ckpt.resolve_checkpoint(cfg.output_dir, cfg.resume_from_checkpoint, log=acc.print)
            step = int(read_trainer_state(resume)["step"]) if resume else None
            stale = rundir.plan(cfg.output_dir, resume, cfg.resume_from_checkpoint, cfg.overwrite_output_dir, step)
        except HFGANError as err:
            error = err
        if self._any_rank(error is not None):
            raise error or HFGANError(f"output_dir {cfg.output_dir}: refused on another process (see its message)")
        acc.wait_for_everyone()
        if stale and acc.is_local_main_process:
            rundir.clear(stale)
            acc.print(f"cleared {len(stale)} old output{'s' if len(stale) != 1 else ''} of {cfg.output_dir}: "
                      + ", ".join(os.path.relpath(p, cfg.output_dir) for p in stale[:6]) + (", ..." if len(stale) > 6 else ""))
        acc.wait_for_everyone()
        # what the run creates in output_dir is recorded there, so that --overwrite_output_dir clears only that
        self.run_record = rundir.RunRecord(cfg.output_dir, enabled=acc.is_main_process)
        if resume:
            self.run_record.adopt()
        return resume

    @property
    def ema_decay(self) -> float:
        """The EMA decay per step: ``ema_decay``, or from ``ema_halflife_kimg`` and the global batch."""
        cfg = self.config
        if cfg.ema_halflife_kimg is None:
            return cfg.ema_decay
        return 0.5 ** (self.global_batch / (1000.0 * cfg.ema_halflife_kimg))
