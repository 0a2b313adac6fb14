"""The one Accelerate trainer for every task.

A task (:mod:`hfgan.tasks`) names the networks, which optimizer steps which of them, and its phases; it
computes losses and nothing else. This loop owns the rest, alike for every task: for each phase due at a
step it freezes the networks the phase does not train, draws the phase's randomness from
``(seed, phase key, counter)`` over the *global* batch (each rank takes its slice), accumulates
``loss * interval / accumulation`` under ``no_sync``, clips and steps; then the learning-rate schedules, the
EMA copies, logging, sample grids, evaluation and atomic checkpoints. So a run on N processes matches a
1-process run with the same global batch, and a resumed run matches an uninterrupted one.

What a checkpoint holds and how a resume restores it is :mod:`.checkpointing`'s; sample grids, the published
pipeline, its card and periodic evaluation are :mod:`.outputs`'s (both mixins of :class:`GANTrainer`).
"""

import json
import os
import shlex
import sys
import time
from contextlib import ExitStack
from typing import Dict, List, Optional

import torch
from torch import nn

from ..data.base import ReadAheadData
from ..errors import HFGANError
from . import checkpoint as ckpt
from . import rundir
from .checkpointing import CheckpointMixin
from .config import TrainConfig
from .ema import EMAModel
from .stop import StopRequests
from .outputs import OutputsMixin, _init_from_card  # noqa: F401 - _init_from_card: its old import path


class NonFiniteLossError(HFGANError):
    """A loss became NaN or infinite; the last good checkpoint is kept."""


RESOLVE = object()  # GANTrainer(checkpoint=RESOLVE): find the checkpoint from the config's resume_from_checkpoint


def lazy_ratio(phases, optimizer: str) -> float:
    """``mb_ratio = interval / (interval + 1)`` of ``optimizer``'s lazy regularization phase (1 without one): its
    learning rate is multiplied by it and its Adam betas raised to its power, as stylegan2-ada's training loop does,
    so that the optimizer's moments keep their span although the phase steps it every ``interval`` steps only."""
    intervals = [phase.interval for phase in phases if phase.optimizer == optimizer and phase.lazy]
    return intervals[0] / (intervals[0] + 1) if intervals else 1.0


def _seed_value(seed: int, *keys: int) -> int:
    value = seed
    for key in keys:
        value = (value * 1_000_003 + key) % (2**62)
    return value


def _rng(seed: int, *keys: int) -> torch.Generator:
    return torch.Generator().manual_seed(_seed_value(seed, *keys))


def _print_on_rank0(message: str) -> None:
    """``print`` on the global main process only, usable before any Accelerate state exists."""
    if os.environ.get("RANK", "0") == "0":
        print(message)


class GANTrainer(CheckpointMixin, OutputsMixin):
    """Train a registered GAN with Accelerate; what it trains comes from the config's task.

    Example:

    ```py
    >>> from hfgan.training import GANTrainer, load_config
    >>> cfg = load_config("dcgan-fashion-mnist", {"max_train_steps": 100, "output_dir": "runs/try"})
    >>> GANTrainer(cfg).train()   # runs/try is then a saved pipeline folder
    ```
    """

    def __init__(self, config: TrainConfig, data=None, command: Optional[str] = None, checkpoint=RESOLVE):
        self.config = config.validate()
        self.data = data
        self.command = command
        self.checkpoint = checkpoint  # the checkpoint to resume from, None, or RESOLVE (from resume_from_checkpoint)
        self.history: Dict[str, List[float]] = {"step": []}
        self.step_end_times: List[float] = []  # wall clock after each step of this process (benchmarks)
        self.scratch: Dict = {}

    # ---------------------------------------------------------------------------------------- setup
    def _setup(self) -> None:
        from accelerate import Accelerator
        from accelerate.utils import DistributedDataParallelKwargs, ProjectConfiguration, set_seed

        from ..data import fit_config_to_data
        from ..models import create_components, get_model_entry
        from ..tasks import get_task_class

        # the registry variant for cfg.resolution, a conditional model's classes from the data (hfgan.data.fit)
        # (no accelerate state may exist before the Accelerator below: one made without cpu=True would leave every
        # CPU process believing it is the main one)
        cfg = self.config = fit_config_to_data(self.config, self.data, log=_print_on_rank0)
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
            mixed_precision=cfg.mixed_precision or _accelerate_mixed_precision(),
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
        self.task = task_class(cfg, lambda *keys: _rng(cfg.seed, *keys), self.global_batch)
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
            raise HFGANError(f"the dataset has {len(self.data)} images, fewer than one global batch ({self.global_batch})")
        self.batches_per_epoch = len(self.data) // self.global_batch
        self._perms: Dict[int, torch.Tensor] = {}  # epoch -> permutation, the last two epochs
        self._next_counter = 0  # the next global data batch (checkpointed as the data position)
        self.reads_ahead = isinstance(self.data, ReadAheadData)  # rows read ahead in the counters' order
        if self.reads_ahead:
            self.data.set_plan(self._read_plan)

        self.phases = self.task.phases()
        optimizers = {}
        for opt_name, members in self.task.optimizers.items():
            params = [p for name in members for p in nets[name].parameters()]
            ratio = lazy_ratio(self.phases, opt_name)  # stylegan2-ada's mb_ratio for a lazy regularization phase
            betas = tuple(beta ** ratio for beta in self.task.adam_betas(opt_name))
            optimizers[opt_name] = torch.optim.Adam(params, lr=self.task.learning_rate(opt_name) * ratio, betas=betas,
                                                    weight_decay=cfg.adam_weight_decay)
        names, opt_names = list(nets), list(optimizers)
        prepared = acc.prepare(*[nets[n] for n in names], *[optimizers[n] for n in opt_names])
        self.nets: Dict[str, nn.Module] = dict(zip(names, prepared[:len(names)]))
        self.optimizers: Dict[str, torch.optim.Optimizer] = dict(zip(opt_names, prepared[len(names):]))
        # learning-rate schedules advance once per step, on every rank alike; checkpoints carry them as JSON
        self.schedulers = []
        if cfg.lr_scheduler != "constant" or cfg.lr_warmup_steps:
            self.schedulers = [_scheduler(cfg, optimizers[n]) for n in opt_names]
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
            step = int(ckpt.read_trainer_state(resume)["step"]) if resume else None
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

    # the two-network names of earlier versions, for scripts and tests
    @property
    def generator(self) -> nn.Module:
        return self.nets["generator"]

    @property
    def discriminator(self) -> nn.Module:
        return self.nets["discriminator"]

    @property
    def opt_g(self):
        return self.optimizers["G"]

    @property
    def opt_d(self):
        return self.optimizers["D"]

    @property
    def ema(self) -> Optional[EMAModel]:
        return self.emas.get("generator")

    # -------------------------------------------------------------------------------------- batches
    def _indices(self, batch_counter: int) -> torch.Tensor:
        """Dataset indices of global batch ``batch_counter`` (a new permutation every epoch, no repeats)."""
        epoch, within = divmod(batch_counter, self.batches_per_epoch)
        if epoch not in self._perms:
            self._perms = {e: p for e, p in self._perms.items() if e == epoch - 1}  # read-ahead may span two epochs
            self._perms[epoch] = torch.randperm(len(self.data), generator=_rng(self.config.seed, 0, epoch))
        return self._perms[epoch][within * self.global_batch:(within + 1) * self.global_batch]  # [global_batch]

    def _read_plan(self, position: int):
        """Read ``position`` of data that reads ahead: this rank's indices of micro-batch ``position % accumulation``
        of global batch ``position // accumulation``, and its epoch."""
        counter, micro = divmod(position, self.config.gradient_accumulation_steps)
        return self.slice(self._indices(counter), micro), counter // self.batches_per_epoch

    def data_position(self) -> Dict[str, int]:
        """Where the data stands before the next step: the batch counter, its epoch, the index in the epoch, and the
        seed of that epoch's permutation (checkpointed; a resume checks it)."""
        epoch, within = divmod(self._next_counter, self.batches_per_epoch)
        return {"batch_counter": self._next_counter, "epoch": epoch, "index_in_epoch": within * self.global_batch,
                "permutation_seed": _seed_value(self.config.seed, 0, epoch), "dataset_size": len(self.data),
                "global_batch": self.global_batch}

    def slice(self, tensor: torch.Tensor, micro: int, rows: Optional[int] = None) -> torch.Tensor:
        """This rank's part of micro-batch ``micro`` of a global-batch tensor: ``train_batch_size`` rows, or ``rows``
        when the tensor holds that many per process and micro-batch."""
        b, p = rows or self.config.train_batch_size, self.accelerator.num_processes
        start = (micro * p + self.accelerator.process_index) * b
        return tensor[start:start + b]

    def real_batch(self, counter: int, micro: int, flips: Optional[torch.Tensor] = None):
        """This rank's rows of global data batch ``counter``, micro-batch ``micro`` (``data.batch``'s output)."""
        self._next_counter = max(self._next_counter, counter + 1)
        flip = self.slice(flips, micro) if flips is not None else None
        if self.reads_ahead:
            return self.data.batch_at(counter * self.config.gradient_accumulation_steps + micro, self.accelerator.device, flip)
        idx = self.slice(self._indices(counter), micro)
        return self.data.batch(idx, self.accelerator.device, flip)

    # --------------------------------------------------------------------------------------- phases
    def _run_phase(self, phase, counter: int) -> Dict[str, torch.Tensor]:
        """One optimizer step of ``phase``: freeze, draw, accumulate over micro-batches, clip, step."""
        from ..tasks import StepContext

        cfg, acc = self.config, self.accelerator
        trained = self.task.optimizers[phase.optimizer]
        frozen = [n for n in self.nets if n not in trained] if phase.freeze_others else []
        for name in frozen:
            self.nets[name].requires_grad_(False)
        drawn = self.task.draw(phase, _rng(cfg.seed, phase.key, counter), self.global_batch)
        logs: Dict[str, torch.Tensor] = {}
        scale = phase.interval / cfg.gradient_accumulation_steps if phase.interval != 1 else None
        try:
            for micro in range(cfg.gradient_accumulation_steps):
                ctx = StepContext(self, phase, counter, micro)
                with ExitStack() as stack:
                    if not ctx.last_micro:
                        for name in trained:
                            stack.enter_context(acc.no_sync(self.nets[name]))
                    for name in frozen:
                        stack.enter_context(acc.no_sync(self.nets[name]))
                    loss, values = self.task.loss(phase, drawn, ctx)
                    acc.backward(loss * scale if scale is not None else loss / cfg.gradient_accumulation_steps)
                for key, value in values.items():
                    logs[key] = logs.get(key, 0) + value.detach().float() / cfg.gradient_accumulation_steps
        finally:
            for name in frozen:
                self.nets[name].requires_grad_(True)
        if cfg.max_grad_norm:
            acc.clip_grad_norm_([p for name in trained for p in self.nets[name].parameters()], cfg.max_grad_norm)
        optimizer = self.optimizers[phase.optimizer]
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        return logs

    def _run_step(self) -> Dict[str, torch.Tensor]:
        """Every phase due at this step, then the schedules and EMA; returns the step's (unsynced) logs."""
        self.task.on_step(self.step)
        for net in self.nets.values():
            net.train()
        runs: Dict[str, List[torch.Tensor]] = {}
        try:
            for phase in self.phases:
                if self.step % phase.interval:
                    continue
                for r in range(phase.repeats):
                    for key, value in self._run_phase(phase, self.step * phase.repeats + r).items():
                        runs.setdefault(key, []).append(value)
        finally:
            self.scratch.clear()
        for scheduler in self.schedulers:
            scheduler.step()
        for name, ema in self.emas.items():
            ema.update(self.accelerator.unwrap_model(self.nets[name]))
        logs = {key: sum(values) / len(values) for key, values in runs.items()}
        for value in logs.values():
            self.finite &= torch.isfinite(value)
        self.step += 1
        return logs

    # ------------------------------------------------------------------------------------- run state
    def _any_rank(self, flag: bool) -> bool:
        """Whether ``flag`` is set on any process (every process calls this alike)."""
        if self.accelerator.num_processes == 1:
            return flag
        return bool(self.accelerator.reduce(torch.tensor([float(flag)], device=self.accelerator.device), "sum").item())

    def _elapsed(self) -> float:
        """Training wall clock so far (seconds), earlier runs of a resumed training included."""
        start = getattr(self, "_loop_start", None)
        return self.train_seconds if start is None else self._seconds_before + time.perf_counter() - start

    def _out_of_time(self) -> bool:
        """Whether ``max_train_minutes`` is spent; rank 0's clock decides so every rank stops at the same step."""
        if not self.config.max_train_minutes:
            return False
        flag = torch.tensor([float(self._elapsed() >= 60 * self.config.max_train_minutes)], device=self.accelerator.device)
        if self.accelerator.num_processes > 1:
            torch.distributed.broadcast(flag, src=0)
        return bool(flag.item())

    @property
    def ema_decay(self) -> float:
        """The EMA decay per step: ``ema_decay``, or from ``ema_halflife_kimg`` and the global batch."""
        cfg = self.config
        if cfg.ema_halflife_kimg is None:
            return cfg.ema_decay
        return 0.5 ** (self.global_batch / (1000.0 * cfg.ema_halflife_kimg))

    def _stop_requested(self, stops: StopRequests) -> bool:
        """Whether a SIGTERM / Ctrl-C asked to stop: at once with one process; with several, checked at logging
        steps (one all-reduce) so that every process stops after the same step."""
        if self.accelerator.num_processes == 1:
            return stops.signal is not None
        return self.step % self.config.logging_steps == 0 and self._any_rank(stops.signal is not None)

    def _check_finite(self) -> None:
        if not bool(self.finite):
            last = ckpt.list_checkpoints(self.config.output_dir)
            where = f"the last good checkpoint is {last[-1]}" if last else "no checkpoint was written yet"
            raise NonFiniteLossError(f"a loss became NaN/inf before step {self.step}; stopping ({where}). "
                                     "Lower the learning rates, add a gradient penalty or use mixed_precision=no.")

    def check_ranks_in_sync(self) -> List[List[float]]:
        """Gather a checksum of every weight from every rank; raise if any rank differs.

        Written to ``<output_dir>/logs/rank_checksums.json`` (one row per rank) for inspection.
        """
        acc = self.accelerator
        modules = [acc.unwrap_model(net) for net in self.nets.values()] + [ema.shadow for ema in self.emas.values()]
        sums = torch.stack([p.detach().double().sum() for m in modules for p in m.parameters()])  # [P]
        rows = acc.gather(sums[None].to(acc.device)).cpu()  # [num_processes, P]
        if acc.is_main_process:
            self.run_record.add("logs")
            os.makedirs(os.path.join(self.config.output_dir, "logs"), exist_ok=True)
            with open(os.path.join(self.config.output_dir, "logs", "rank_checksums.json"), "w", encoding="utf-8") as f:
                json.dump(rows.tolist(), f)
        if not torch.equal(rows, rows[:1].expand_as(rows)):
            raise HFGANError("the processes hold different weights: is Accelerate configured for distributed training?")
        return rows.tolist()

    # ----------------------------------------------------------------------------------------- loop
    def train(self) -> str:
        """Run to ``max_train_steps`` (resuming if asked) and return the output folder."""
        from tqdm.auto import tqdm

        self._setup()
        cfg, acc = self.config, self.accelerator
        resume = self.resume_path
        if resume:
            self.load_checkpoint(resume)
            acc.print(f"resumed from {resume} at step {self.step}")
        progress = tqdm(total=cfg.max_train_steps, initial=self.step, desc="training", unit="step",
                        disable=not acc.is_local_main_process, dynamic_ncols=True, mininterval=1.0)
        images_per_step = self.global_batch * max(p.repeats for p in self.phases)
        running: Dict[str, torch.Tensor] = {}
        count = 0
        start = self._loop_start = time.perf_counter()
        self._seconds_before = self.train_seconds
        with StopRequests() as stops:
            while self.step < cfg.max_train_steps:
                for key, value in self._run_step().items():
                    running[key] = running[key] + value if key in running else value.clone()
                count += 1
                progress.update(1)
                if self.step % cfg.logging_steps == 0 or self.step == cfg.max_train_steps:
                    self._check_finite()
                    logs = {key: float(value) / count for key, value in running.items()}
                    logs["img_per_s"] = count * images_per_step / (time.perf_counter() - start)
                    running, count = {}, 0
                    start = time.perf_counter()
                    acc.log(logs, step=self.step)
                    self.history["step"].append(self.step)
                    for key, value in logs.items():
                        if key != "img_per_s":
                            self.history.setdefault(key, []).append(value)
                    progress.set_postfix({k: f"{v:.3f}" for k, v in logs.items() if k.startswith("loss")},
                                         img_s=f"{logs['img_per_s']:.0f}")
                out_of_time = self.step % cfg.logging_steps == 0 and self._out_of_time()
                stopped = self._stop_requested(stops)
                last = self.step == cfg.max_train_steps or out_of_time or stopped
                if self.step % cfg.sample_steps == 0 or last:
                    self.save_samples()
                if cfg.eval_steps and self.step % cfg.eval_steps == 0:
                    self.evaluate()
                if self.step % cfg.checkpointing_steps == 0 or last:
                    self.save_checkpoint()
                self.step_end_times.append(time.perf_counter())
                if out_of_time:
                    acc.print(f"stopping at step {self.step}: max_train_minutes={cfg.max_train_minutes} reached")
                    break
                if stopped:
                    acc.print(f"stopping at step {self.step}: {stops.name or 'a stop request'} received; "
                              "continue with --resume latest")
                    break
        progress.close()
        if self.reads_ahead:
            self.data.close()
        self._check_finite()
        self.check_ranks_in_sync()
        self._save_final_outputs()
        acc.wait_for_everyone()
        acc.end_training()
        return cfg.output_dir

    def _save_final_outputs(self) -> None:
        """:meth:`save_outputs` once a checkpoint of the final step exists; any failure of the save is one line that
        names that checkpoint and how to save again from it (``--resume latest`` trains no further)."""
        final = ckpt.list_checkpoints(self.config.output_dir)
        if not final or os.path.basename(final[-1]) != f"checkpoint-{self.step}":  # resumed from elsewhere at its end
            self.save_checkpoint()
        error = None
        try:
            self.save_outputs()
        except Exception as err:  # noqa: BLE001 - a full disk, a broken writer: the checkpoint keeps the run
            error = err
        if self._any_rank(error is not None):
            if error is None:
                raise HFGANError(f"the final pipeline of step {self.step} not written (see the main process)")
            how = "free some space, then save it" if ckpt.is_disk_full(error) else "save it"
            raise ckpt.save_failure(error, f"the final pipeline of step {self.step}",
                                    f"{ckpt.intact_checkpoint(self.config.output_dir)}: {how} with --resume latest "
                                    "(it trains no further)") from None


def _scheduler(cfg: TrainConfig, optimizer):
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


_ACCELERATORS = ("cuda", "mps", "xpu", "npu", "mlu", "musa", "sdaa", "hpu", "neuron")


def only_cpu() -> bool:
    """Whether Accelerate finds no accelerator of any kind: then the CPU is its device anyway, and saying so lets
    launched processes train together over gloo (Accelerate's MULTI_CPU needs ``cpu=True``). With an accelerator
    (CUDA, MPS, XPU, ...) Accelerate picks it, unless ``accelerate launch --cpu`` / ACCELERATE_USE_CPU says CPU."""
    from accelerate import utils

    for kind in _ACCELERATORS:
        check = getattr(utils, f"is_{kind}_available", None)
        try:
            if check is not None and check():
                return False
        except Exception:  # noqa: BLE001 - a broken backend probe counts as absent
            continue
    return True


def _accelerate_mixed_precision() -> Optional[str]:
    """The precision of ``accelerate config`` when this process was not started by ``accelerate launch`` (which
    passes its own, flag or config file, as ACCELERATE_MIXED_PRECISION): None lets Accelerate decide."""
    if os.environ.get("ACCELERATE_MIXED_PRECISION"):
        return None
    try:
        from accelerate.commands.config.config_args import default_config_file, load_config_from_file

        if not os.path.isfile(default_config_file):
            return None
        value = getattr(load_config_from_file(default_config_file), "mixed_precision", None)
    except Exception:  # noqa: BLE001 - an unreadable accelerate config leaves the choice to Accelerate
        return None
    value = getattr(value, "value", value)
    return str(value) if value in ("no", "fp16", "bf16") else None


def command_line() -> str:
    """The command that started this process, as a user types it, for the model card."""
    program = os.path.basename(sys.argv[0])
    if program in ("cli.py", "__main__.py"):  # python -m hfgan.cli
        program = "hfgan"
    elif program == "train.py" and os.path.basename(os.path.dirname(os.path.abspath(sys.argv[0]))) == "hfgan":
        launched = "ACCELERATE_MIXED_PRECISION" in os.environ or "WORLD_SIZE" in os.environ
        program = "accelerate launch -m hfgan.train" if launched else "python -m hfgan.train"
        return " ".join([program, *(shlex.quote(a) for a in sys.argv[1:])])
    return " ".join(shlex.quote(a) for a in [program, *sys.argv[1:]])
