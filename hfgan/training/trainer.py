"""The one Accelerate trainer for every task.

A task (:mod:`hfgan.tasks`) names the networks, which optimizer steps which of them, and its phases; it
computes losses and nothing else. This loop owns the rest, alike for every task: for each phase due at a
step it freezes the networks the phase does not train, draws the phase's randomness from
``(seed, phase key, counter)`` over the *global* batch (each rank takes its slice), accumulates
``loss * interval / accumulation`` under ``no_sync``, clips and steps; then the learning-rate schedules, the
EMA copies, logging, sample grids, evaluation and atomic checkpoints. So a run on N processes matches a
1-process run with the same global batch, and a resumed run matches an uninterrupted one.
"""

import copy
import json
import os
import shlex
import sys
import time
from contextlib import ExitStack
from typing import Dict, List, Optional

import torch
from torch import nn

from ..errors import CheckpointError, HFGANError, one_line
from . import checkpoint as ckpt
from . import rundir
from .config import TrainConfig
from .ema import EMAModel, recalibrate_batchnorm


class NonFiniteLossError(HFGANError):
    """A loss became NaN or infinite; the last good checkpoint is kept."""


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


class GANTrainer:
    """Train a registered GAN with Accelerate; what it trains comes from the config's task.

    Example:

    ```py
    >>> from hfgan.training import GANTrainer, load_config
    >>> cfg = load_config("dcgan-fashion-mnist", {"max_train_steps": 100, "output_dir": "runs/try"})
    >>> GANTrainer(cfg).train()   # runs/try is then a saved pipeline folder
    ```
    """

    def __init__(self, config: TrainConfig, data=None, command: Optional[str] = None):
        self.config = config.validate()
        self.data = data
        self.command = command
        self.history: Dict[str, List[float]] = {"step": []}
        self.step_end_times: List[float] = []  # wall clock after each step of this process (benchmarks)
        self.scratch: Dict = {}

    # ---------------------------------------------------------------------------------------- setup
    def _setup(self) -> None:
        from accelerate import Accelerator
        from accelerate.utils import DistributedDataParallelKwargs, ProjectConfiguration, set_seed

        from ..data_fit import fit_config_to_data
        from ..models import create_components, get_model_entry
        from ..tasks import get_task_class

        # the registry variant for cfg.resolution, a conditional model's classes from the data (hfgan.data_fit)
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
        self.task = task_class(cfg, lambda *keys: _rng(cfg.seed, *keys))
        nets = create_components(cfg.model, {"generator": cfg.generator_kwargs, "discriminator": cfg.discriminator_kwargs})
        self.task.check_networks(nets)
        self.init_from_components: List[str] = []
        if cfg.init_from:  # fine-tuning: the source pipeline's weights, before the optimizers and EMA copies exist
            from .init_from import load_initial_weights

            self.init_from_components = load_initial_weights(nets, cfg.init_from, log=acc.print)
        if cfg.eval_steps and not self.task.periodic_eval:
            raise HFGANError(f"eval_steps: periodic evaluation is for generation tasks; score a {self.task.name} run "
                             "with `hfgan evaluate OUTPUT_DIR` when it ends")
        self.data = self.task.load_data(nets, self.data)
        self.global_batch = cfg.train_batch_size * acc.num_processes * cfg.gradient_accumulation_steps
        if len(self.data) < self.global_batch:
            raise HFGANError(f"the dataset has {len(self.data)} images, fewer than one global batch ({self.global_batch})")
        self.batches_per_epoch = len(self.data) // self.global_batch
        self._perms: Dict[int, torch.Tensor] = {}  # epoch -> permutation, the last two epochs
        self._next_counter = 0  # the next global data batch (checkpointed as the data position)
        if getattr(self.data, "reads_ahead", False):  # rows read by DataLoader workers, ahead, in the counters' order
            self.data.set_plan(self._read_plan)

        optimizers = {}
        for opt_name, members in self.task.optimizers.items():
            params = [p for name in members for p in nets[name].parameters()]
            optimizers[opt_name] = torch.optim.Adam(params, lr=self.task.learning_rate(opt_name),
                                                    betas=self.task.adam_betas(opt_name), weight_decay=cfg.adam_weight_decay)
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
            self.emas = {name: EMAModel(acc.unwrap_model(self.nets[name]), cfg.ema_decay, cfg.ema_rampup,
                                        cfg.ema_start_step).to(acc.device)
                         for name in self.task.ema}
        self.phases = self.task.phases()
        self.step = 0
        self.best_metric: Optional[float] = None
        self.train_seconds = 0.0  # wall clock of the training loop, resumes included
        # the command and config of the run's start, then of each resume (the card's "Reproduce with")
        self.invocations = [{"command": self.command, "step": 0, "config": cfg.to_dict()}]
        self.finite = torch.ones((), dtype=torch.bool, device=acc.device)
        os.makedirs(cfg.output_dir, exist_ok=True)
        if acc.is_main_process and log_with:
            acc.init_trackers("hfgan", config={k: (json.dumps(v) if isinstance(v, dict) else v)
                                               for k, v in cfg.to_dict().items() if v is not None})

    def _prepare_output_dir(self) -> Optional[str]:
        """The checkpoint to resume from (None: a fresh start), once ``output_dir`` holds nothing of another run
        (:mod:`.rundir`); every process checks before any writes, then the main process of each machine clears."""
        acc, cfg = self.accelerator, self.config
        error, resume, stale = None, None, []
        try:
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

    def slice(self, tensor: torch.Tensor, micro: int) -> torch.Tensor:
        """This rank's part of micro-batch ``micro`` of a global-batch tensor."""
        b, p = self.config.train_batch_size, self.accelerator.num_processes
        start = (micro * p + self.accelerator.process_index) * b
        return tensor[start:start + b]

    def real_batch(self, counter: int, micro: int, flips: Optional[torch.Tensor] = None):
        """This rank's rows of global data batch ``counter``, micro-batch ``micro`` (``data.batch``'s output)."""
        self._next_counter = max(self._next_counter, counter + 1)
        flip = self.slice(flips, micro) if flips is not None else None
        if getattr(self.data, "reads_ahead", False):
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

    # -------------------------------------------------------------------------------- checkpointing
    @staticmethod
    def _ema_file(name: str) -> str:
        return "ema.safetensors" if name == "generator" else f"ema_{name}.safetensors"

    def save_checkpoint(self) -> Optional[str]:
        """``accelerator.save_state`` (weights, optimizers) plus what hfgan owns: EMA and task state (safetensors), RNG,
        schedules and trainer state (JSON), then a manifest; renamed into place once complete (:mod:`.checkpoint`)."""
        acc, cfg = self.accelerator, self.config
        self._check_finite()
        tmp = ckpt.temporary_path(cfg.output_dir, self.step, clear=acc.is_main_process)
        acc.wait_for_everyone()
        error, final = None, None
        try:
            acc.save_state(tmp)
            ckpt.save_rng_state(tmp, acc.process_index)
        except Exception as err:  # noqa: BLE001 - a full disk, mostly: reported below, on every rank
            error = err
        if not self._any_rank(error is not None) and acc.is_main_process:
            try:
                for name, ema in self.emas.items():
                    ckpt.save_tensors(ema.shadow.state_dict(), os.path.join(tmp, self._ema_file(name)))
                task_state = self.task.state_dict()
                if task_state:
                    ckpt.save_tensors(task_state, os.path.join(tmp, ckpt.TASK_STATE_FILE))
                state = {"step": self.step, "ema_updates": self.ema.num_updates if self.ema else 0,
                         "ema_networks": sorted(self.emas), "best_metric": self.best_metric,
                         "train_seconds": self._elapsed(), "lr_schedules": ckpt.schedule_states(self.schedulers),
                         "data_position": self.data_position(),
                         "manifest": True, "history": self.history, "config": cfg.to_dict(),
                         "invocations": self.invocations}
                with open(os.path.join(tmp, ckpt.STATE_FILE), "w", encoding="utf-8") as f:
                    json.dump(state, f)
                final = ckpt.commit(tmp, cfg.output_dir, self.step, cfg.checkpoints_total_limit)
            except Exception as err:  # noqa: BLE001
                error = err
        if self._any_rank(error is not None):
            if acc.is_main_process:
                raise ckpt.write_failure(error or RuntimeError("another process could not write its part"),
                                         tmp, cfg.output_dir, self.step) from None
            raise HFGANError(f"checkpoint {self.step} not written (see the main process)")
        acc.wait_for_everyone()
        return final

    def _any_rank(self, flag: bool) -> bool:
        """Whether ``flag`` is set on any process (every process calls this alike)."""
        if self.accelerator.num_processes == 1:
            return flag
        return bool(self.accelerator.reduce(torch.tensor([float(flag)], device=self.accelerator.device), "sum").item())

    def load_checkpoint(self, path: str) -> None:
        """Resume from ``path``: its pickle files are checked first (:func:`.checkpoint.check_pickles`)."""
        from safetensors.torch import load_file

        acc = self.accelerator
        ckpt.check_pickles(path, ckpt.read_manifest(path))
        state = ckpt.read_trainer_state(path)
        schedules = state["lr_schedules"]
        if schedules and not self.schedulers:
            raise HFGANError(f"{path} was saved with a learning-rate schedule; resume it with an lr_scheduler "
                             "other than 'constant' (e.g. the run's own, see its training_config.json)")
        try:
            with ckpt.accelerate_view(path) as view:
                acc.load_state(view, load_kwargs={"weights_only": True})
        except Exception as err:  # noqa: BLE001 - a damaged file that the manifest could not catch
            raise CheckpointError(f"{path} could not be loaded ({one_line(err)})") from None
        ckpt.load_rng_state(path, acc.process_index, acc.print)
        self.step = int(state["step"])
        if schedules:
            ckpt.load_schedule_states(self.schedulers, schedules, path)
        elif self.schedulers:  # a run saved with a constant learning rate: the schedule starts at its step
            for scheduler in self.schedulers:
                _fast_forward(scheduler, self.step)
            acc.print(f"learning-rate schedule '{self.config.lr_scheduler}' starts at step {self.step} "
                      f"(lr={self.schedulers[0].get_last_lr()[0]:.3g})")
        self._resume_data_position(state.get("data_position"), path)
        self.best_metric = state.get("best_metric")
        self.train_seconds = float(state.get("train_seconds", 0.0))
        self.history = state.get("history", self.history)
        saved_config = state.get("config") or {}
        earlier = state.get("invocations") or [{"command": None, "step": 0, "config": saved_config}]
        self.invocations = [*earlier, {"command": self.command, "step": self.step, "config": self.config.to_dict()}]
        task_file = os.path.join(path, ckpt.TASK_STATE_FILE)
        if os.path.isfile(task_file):
            self.task.load_state_dict(load_file(task_file, device=str(acc.device)))
        saved = state.get("config", {})
        for name in list(self.emas):
            ema_file = os.path.join(path, self._ema_file(name))
            if os.path.isfile(ema_file):  # new EMA settings, if any, apply from here on to the saved average
                self.emas[name].shadow.load_state_dict(load_file(ema_file, device=str(acc.device)))
                self.emas[name].num_updates = int(state["ema_updates"])
                if (saved.get("ema_decay"), saved.get("ema_rampup")) != (self.config.ema_decay, self.config.ema_rampup):
                    acc.print(f"EMA continues with ema_decay={self.config.ema_decay}, "
                              f"ema_rampup={self.config.ema_rampup} from step {self.step}")
            else:  # the run had no EMA: start the average from the current weights
                acc.print(f"EMA of the {name} started from its weights at step {self.step}")
                self.emas[name] = EMAModel(acc.unwrap_model(self.nets[name]), self.config.ema_decay,
                                           self.config.ema_rampup, self.config.ema_start_step).to(acc.device)
                self.emas[name].num_updates = self.step

    def _resume_data_position(self, saved: Optional[Dict[str, int]], path: str) -> None:
        """Continue the data where the checkpoint left it; say so when the data or the batch changed since."""
        if not saved:  # a checkpoint from before data positions: batches follow from the step alone
            return
        self._next_counter = int(saved["batch_counter"])
        now = self.data_position()
        changed = [k for k in ("dataset_size", "global_batch", "permutation_seed") if saved.get(k) != now[k]]
        if changed:
            self.accelerator.print(f"{path}: the data changed since the checkpoint ({', '.join(f'{k} {saved.get(k)} -> {now[k]}' for k in changed)}): "
                                   "the resumed run reads other batches than an uninterrupted one would")

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
            os.makedirs(os.path.join(self.config.output_dir, "logs"), exist_ok=True)
            with open(os.path.join(self.config.output_dir, "logs", "rank_checksums.json"), "w", encoding="utf-8") as f:
                json.dump(rows.tolist(), f)
        if not torch.equal(rows, rows[:1].expand_as(rows)):
            raise HFGANError("the processes hold different weights: is Accelerate configured for distributed training?")
        return rows.tolist()

    # --------------------------------------------------------------------------------------- outputs
    def output_networks(self, copies: bool = False) -> Dict[str, nn.Module]:
        """Every network as published: the EMA copy where there is one, else the trained weights."""
        nets = {name: self.emas[name].shadow if name in self.emas else self.accelerator.unwrap_model(net)
                for name, net in self.nets.items()}
        return {name: copy.deepcopy(net).float() for name, net in nets.items()} if copies else nets

    def sample_generator(self) -> nn.Module:
        return self.output_networks()["generator"]

    @torch.no_grad()
    def save_samples(self) -> Optional[str]:
        from ..viz import caption_image, label_columns, make_image_grid

        if not self.accelerator.is_main_process:
            return None
        nets = self.output_networks()
        modes = {name: net.training for name, net in nets.items()}
        for net in nets.values():
            net.eval()
        try:
            images, nrow = self.task.sample_images(nets)
        finally:
            for name, net in nets.items():
                net.train(modes[name])
        grid = make_image_grid(images, nrow=nrow, scale=2)
        columns = self.task.column_labels()
        if columns and nrow == len(columns):  # a conditional grid: one class per column
            grid = label_columns(grid, columns, cell_width=(images.shape[-1] + 2) * 2, padding=4)
        label = self.task.frame_label(self.step)
        if label:
            grid = caption_image(grid, label)
        path = os.path.join(self.config.output_dir, "samples", f"step_{self.step:06d}.png")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        grid.save(path)
        return path

    def build_pipeline(self, recalibrate: bool = True):
        """The task's pipeline of the published networks (EMA batch-norm statistics re-estimated)."""
        nets = self.output_networks(copies=True)
        if recalibrate:
            for name in self.emas:
                inputs = self.task.recalibration_inputs(self.accelerator.device) if name == "generator" else None
                if inputs is not None:
                    recalibrate_batchnorm(nets[name], inputs)
        pipe = self.task.build_pipeline({name: net.eval() for name, net in nets.items()})
        start, resumes = self.invocations[0], self.invocations[1:]
        pipe.card_data = {
            "name": self.config.name, **self.task.card_data(), "training": start["config"],
            "command": start["command"], "resumes": [_resume_record(start["config"], r) for r in resumes],
            "samples": "samples/grid.png",
            "train_minutes": round(self._elapsed() / 60, 2), "train_steps": self.step,
            "train_hardware": _hardware(self.accelerator),
        }
        if self.config.init_from:
            pipe.card_data.update(_init_from_card(self.config.init_from, self.init_from_components, pipe.card_data))
        return pipe

    def save_outputs(self) -> None:
        """Final pipeline folder, sample grid, progress GIF and loss plot (main process)."""
        from PIL import Image

        from ..viz import plot_losses, save_gif

        acc, cfg = self.accelerator, self.config
        if not acc.is_main_process:
            return
        pipe = self.build_pipeline()
        pipe.save_pretrained(cfg.output_dir)
        with open(os.path.join(cfg.output_dir, "training_config.json"), "w", encoding="utf-8") as f:
            json.dump(cfg.to_dict(), f, indent=2, sort_keys=True)
        os.makedirs(os.path.join(cfg.output_dir, "samples"), exist_ok=True)
        self.task.final_grid(pipe).save(os.path.join(cfg.output_dir, "samples", "grid.png"))
        frames_dir = os.path.join(cfg.output_dir, "samples")
        frames = sorted(f for f in os.listdir(frames_dir) if f.startswith("step_") and f.endswith(".png"))
        if frames:
            save_gif([Image.open(os.path.join(frames_dir, f)).convert("RGB") for f in frames],
                     os.path.join(frames_dir, "progress.gif"), duration_ms=300)
        curves = {_LOSS_LABELS.get(k, k): v for k, v in self.history.items() if k.startswith("loss")}
        if self.history["step"] and curves:
            plot_losses(curves, os.path.join(cfg.output_dir, "losses.png"), steps=self.history["step"],
                        title=f"{cfg.name or cfg.model}: losses")
        # the card shows the loss plot and the progress GIF too, so a push uploads them
        from ..hub import write_model_card

        shown = {"losses": "losses.png", "progress": "samples/progress.gif"}
        pipe.card_data.update({k: v for k, v in shown.items() if os.path.isfile(os.path.join(cfg.output_dir, v))})
        write_model_card(pipe, cfg.output_dir)

    def evaluate(self) -> Optional[Dict[str, float]]:
        """Score the published networks with ``hfgan.metrics``; keep the best pipeline under ``<output_dir>/best``."""
        cfg, acc = self.config, self.accelerator
        results = None
        if acc.is_main_process:
            from ..metrics import evaluate_pipeline, is_better

            pipe = self.build_pipeline()
            results = evaluate_pipeline(pipe, dataset=cfg.dataset, split=cfg.eval_split, num_samples=cfg.eval_num_samples,
                                        metrics=(cfg.eval_metric,), features=cfg.eval_features, seed=cfg.seed,
                                        progress=False)
            acc.log({f"eval/{k}": float(v) for k, v in results.items()}, step=self.step)
            self.history.setdefault("eval", []).append({"step": self.step, "train_seconds": round(self._elapsed(), 1),
                                                        **{k: float(v) for k, v in results.items()}})
            value = float(results[cfg.eval_metric])
            acc.print(f"step {self.step}: " + ", ".join(f"{k} {float(v):.4g}" for k, v in results.items())
                      + f" ({cfg.eval_num_samples} samples)")
            if is_better(cfg.eval_metric, value, self.best_metric):
                self.best_metric = value
                pipe.card_data.update(best_step=self.step, metrics_note=f"best {cfg.eval_metric} during training: "
                                      f"{value:.4g} at step {self.step} ({cfg.eval_num_samples} samples, "
                                      f"{cfg.eval_features} features, {cfg.eval_split} split)")
                pipe.save_pretrained(os.path.join(cfg.output_dir, "best"))
        acc.wait_for_everyone()
        return results

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
            last = self.step == cfg.max_train_steps or out_of_time
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
        progress.close()
        if getattr(self.data, "reads_ahead", False):
            self.data.close()
        self._check_finite()
        self.check_ranks_in_sync()
        self.save_outputs()
        acc.wait_for_everyone()
        acc.end_training()
        return cfg.output_dir


_LOSS_LABELS = {"loss_d": "discriminator", "loss_g": "generator"}


def _init_from_card(source: str, components: List[str], card: Dict) -> Dict:
    """What the model card says of a run started from another pipeline's weights (``base_model`` for a Hub repo)."""
    note = f"Fine-tuned from `{source}` ({', '.join(components)} initialized from it)."
    out = {"init_from": source, "training_note": " ".join(filter(None, [card.get("training_note"), note]))}
    if not os.path.exists(source):
        out["base_model"] = source
    return out


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


def _fast_forward(scheduler, step: int) -> None:
    """Put a ``LambdaLR`` schedule at ``step`` (as if stepped ``step`` times) without stepping its optimizer."""
    scheduler.last_epoch = step
    lrs = [base * fn(step) for base, fn in zip(scheduler.base_lrs, scheduler.lr_lambdas)]
    for group, lr in zip(scheduler.optimizer.param_groups, lrs):
        group["lr"] = lr
    scheduler._last_lr = lrs


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


# config keys that describe how a run was started or resumed, not what it trains
_RUN_KEYS = ("resume_from_checkpoint", "overwrite_output_dir", "output_dir")


def _resume_record(start: Dict, resume: Dict) -> Dict:
    """A resume as the card shows it: its command, its step and the config keys it changed."""
    changes = {k: [start.get(k), v] for k, v in (resume.get("config") or {}).items()
               if k not in _RUN_KEYS and start.get(k) != v}
    return {"command": resume.get("command"), "step": resume.get("step"), "changes": changes}


def _hardware(accelerator) -> str:
    """``"1 x cpu (2 threads)"``, ``"4 x NVIDIA H100 80GB HBM3"``: what the run trained on, for the card."""
    device = accelerator.device
    if device.type == "cuda":
        name = torch.cuda.get_device_name(device)
    elif device.type == "xpu" and hasattr(torch, "xpu"):
        name = torch.xpu.get_device_name(device)
    elif device.type != "cpu":
        name = device.type
    else:
        threads = torch.get_num_threads()
        name = f"{device.type} ({threads} thread{'s' if threads != 1 else ''})"
    return f"{accelerator.num_processes} x {name}"


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
