"""One Accelerate trainer for every family.

Per generator step it runs the phases of stylegan2-ada's ``training/loss.py``:

1. ``n_critic`` discriminator steps: adversarial loss on real and generated images, plus the
   gradient penalty (WGAN-GP) and lazy R1 when configured;
2. one generator step: adversarial loss, plus feature matching when configured;
3. the EMA update of the generator.

Randomness that shapes the result (data order, latents, labels, flips, interpolation weights) is drawn
from generators seeded by ``(seed, step)`` over the *global* batch, each rank taking its slice. So a run on
N processes matches a 1-process run with the same global batch, and a resumed run matches an
uninterrupted one.
"""

import json
import os
import shlex
import sys
import time
from contextlib import nullcontext
from typing import Dict, List, Optional

import torch
from torch import nn

from ..errors import HFGANError
from ..losses import feature_matching_loss, get_objective
from ..regularizers import gradient_penalty, r1_penalty
from . import checkpoint as ckpt
from .config import TrainConfig
from .ema import EMAModel, recalibrate_batchnorm


class NonFiniteLossError(HFGANError):
    """A loss became NaN or infinite; the last good checkpoint is kept."""


def _rng(seed: int, *keys: int) -> torch.Generator:
    value = seed
    for key in keys:
        value = (value * 1_000_003 + key) % (2**62)
    return torch.Generator().manual_seed(value)


class GANTrainer:
    """Train a registered GAN on an image dataset with Accelerate.

    Example:

    ```py
    >>> from hfgan.training import GANTrainer, load_config
    >>> cfg = load_config("dcgan-fashion-mnist", {"max_train_steps": 100, "output_dir": "runs/try"})
    >>> GANTrainer(cfg).train()   # runs/try is then a GANPipeline folder
    ```
    """

    _D_PHASE, _G_PHASE, _SAMPLE = 1, 2, 3

    def __init__(self, config: TrainConfig, data=None, command: Optional[str] = None):
        self.config = config.validate()
        self.data = data
        self.command = command
        self.history: Dict[str, List[float]] = {"loss_d": [], "loss_g": [], "step": []}
        self.step_end_times: List[float] = []  # wall clock after each step of this process (benchmarks)

    # ---------------------------------------------------------------------------------------- setup
    def _setup(self) -> None:
        from accelerate import Accelerator
        from accelerate.utils import ProjectConfiguration, set_seed

        from ..data import load_image_tensor_data
        from ..models import create_model

        cfg = self.config
        if cfg.num_threads:
            torch.set_num_threads(cfg.num_threads)
        log_with = None if cfg.report_to in ("none", "", None) else cfg.report_to
        self.accelerator = Accelerator(
            cpu=not torch.cuda.is_available(),
            mixed_precision=cfg.mixed_precision,
            log_with=log_with,
            project_config=ProjectConfiguration(project_dir=cfg.output_dir, logging_dir=os.path.join(cfg.output_dir, "logs")),
        )
        set_seed(cfg.seed)
        acc = self.accelerator
        generator, discriminator = create_model(cfg.model, cfg.generator_kwargs, cfg.discriminator_kwargs)
        self.sample_size = generator.config.sample_size
        self.num_classes = generator.config.get("num_classes")
        if self.data is None:
            self.data = load_image_tensor_data(
                cfg.dataset, cfg.dataset_split, resolution=self.sample_size, channels=generator.config.out_channels,
                image_column=cfg.image_column, label_column=cfg.label_column, center_crop=cfg.center_crop,
                max_samples=cfg.max_train_samples)
        if self.num_classes:
            if self.data.class_labels is None:
                raise HFGANError(f"model {cfg.model} is class-conditional but the dataset has no label column")
            if self.data.num_classes != self.num_classes:
                raise HFGANError(f"model {cfg.model} has {self.num_classes} classes, the dataset {self.data.num_classes}")
            if not generator.config.get("class_names") and self.data.class_names:
                generator.register_to_config(class_names=list(self.data.class_names))
        self.global_batch = cfg.train_batch_size * acc.num_processes * cfg.gradient_accumulation_steps
        if len(self.data) < self.global_batch:
            raise HFGANError(f"the dataset has {len(self.data)} images, fewer than one global batch ({self.global_batch})")
        self.batches_per_epoch = len(self.data) // self.global_batch
        self._perm_epoch, self._perm = -1, None

        opt_g = torch.optim.Adam(generator.parameters(), lr=cfg.learning_rate_g, betas=(cfg.adam_beta1, cfg.adam_beta2),
                                 weight_decay=cfg.adam_weight_decay)
        opt_d = torch.optim.Adam(discriminator.parameters(), lr=cfg.learning_rate_d, betas=(cfg.adam_beta1, cfg.adam_beta2),
                                 weight_decay=cfg.adam_weight_decay)
        self.generator, self.discriminator, self.opt_g, self.opt_d = acc.prepare(generator, discriminator, opt_g, opt_d)
        # learning-rate schedules advance once per generator step (the critic's with it), on every rank alike;
        # a non-constant one is registered (_register_schedules) so that save_state / load_state carry it
        self.schedulers = []
        self._schedules_registered = False
        if cfg.lr_scheduler != "constant" or cfg.lr_warmup_steps:
            from diffusers.optimization import get_scheduler

            self.schedulers = [get_scheduler(cfg.lr_scheduler, opt, step_rules=cfg.lr_step_rules,
                                             num_warmup_steps=cfg.lr_warmup_steps,
                                             num_training_steps=cfg.max_train_steps) for opt in (opt_g, opt_d)]
        self.ema = EMAModel(acc.unwrap_model(self.generator), cfg.ema_decay, cfg.ema_rampup).to(acc.device) if cfg.use_ema else None
        self.d_loss_fn, self.g_loss_fn = get_objective(cfg.loss)
        self.step = 0
        self.best_metric: Optional[float] = None
        self.train_seconds = 0.0  # wall clock of the training loop, resumes included
        self.finite = torch.ones((), dtype=torch.bool, device=acc.device)
        # fixed latents for the sample grids: one row per class for conditional models
        n = cfg.num_sample_images
        g = _rng(cfg.seed, self._SAMPLE)
        self.sample_latents = torch.randn(n, generator.config.latent_dim, generator=g).to(acc.device)
        self.sample_labels = (torch.arange(n) % self.num_classes).to(acc.device) if self.num_classes else None
        os.makedirs(cfg.output_dir, exist_ok=True)
        if acc.is_main_process and log_with:
            acc.init_trackers("hfgan", config={k: (json.dumps(v) if isinstance(v, dict) else v)
                                               for k, v in cfg.to_dict().items() if v is not None})

    # -------------------------------------------------------------------------------------- batches
    def _indices(self, batch_counter: int) -> torch.Tensor:
        """Dataset indices of global batch ``batch_counter`` (a new permutation every epoch, no repeats)."""
        epoch, within = divmod(batch_counter, self.batches_per_epoch)
        if epoch != self._perm_epoch:
            self._perm = torch.randperm(len(self.data), generator=_rng(self.config.seed, 0, epoch))
            self._perm_epoch = epoch
        return self._perm[within * self.global_batch:(within + 1) * self.global_batch]  # [global_batch]

    def _slice(self, tensor: torch.Tensor, micro: int) -> torch.Tensor:
        """This rank's part of micro-batch ``micro`` of a global-batch tensor."""
        b, p = self.config.train_batch_size, self.accelerator.num_processes
        start = (micro * p + self.accelerator.process_index) * b
        return tensor[start:start + b]

    def _noise(self, phase: int, counter: int):
        """Global-batch latents, fake class labels and flip mask for one phase of one step."""
        g = _rng(self.config.seed, phase, counter)
        n, latent_dim = self.global_batch, self.sample_latents.shape[1]
        latents = torch.randn(n, latent_dim, generator=g)  # [global_batch, Z]
        labels = torch.randint(0, self.num_classes, (n,), generator=g) if self.num_classes else None
        flips = torch.rand(n, generator=g) < 0.5 if self.config.random_flip else None
        alphas = torch.rand(n, 1, 1, 1, generator=g)  # gradient-penalty interpolation weights
        return latents, labels, flips, alphas

    def _real(self, counter: int, micro: int, flips):
        idx = self._slice(self._indices(counter), micro)
        flip = self._slice(flips, micro) if flips is not None else None
        pixel_values, class_labels = self.data.batch(idx, self.accelerator.device, flip)
        return pixel_values, (class_labels if self.num_classes else None)

    # --------------------------------------------------------------------------------------- phases
    def _reuse_fake(self) -> bool:
        """With one critic step and no accumulation, the generator step reuses the critic step's images
        (as in the DCGAN reference loop): one generator forward per step instead of two."""
        return self.config.n_critic == 1 and self.config.gradient_accumulation_steps == 1

    def _d_step(self, counter: int) -> torch.Tensor:
        cfg, acc = self.config, self.accelerator
        latents, fake_labels, flips, alphas = self._noise(self._D_PHASE, counter)
        use_r1 = cfg.r1_gamma > 0 and counter % cfg.r1_interval == 0
        keep_graph = self._reuse_fake()
        total = torch.zeros((), device=acc.device)
        for micro in range(cfg.gradient_accumulation_steps):
            real, real_labels = self._real(counter, micro, flips)
            z = self._slice(latents, micro).to(acc.device)
            y_fake = self._slice(fake_labels, micro).to(acc.device) if fake_labels is not None else None
            last = micro == cfg.gradient_accumulation_steps - 1
            with acc.no_sync(self.discriminator) if not last else nullcontext():
                with torch.set_grad_enabled(keep_graph), acc.autocast():
                    fake = self.generator(z, y_fake) if y_fake is not None else self.generator(z)  # [B, C, H, W]
                if keep_graph:
                    self._fake = (fake, y_fake)
                if use_r1:
                    real.requires_grad_(True)
                with acc.autocast():
                    real_logits, real_features = self._disc(real, real_labels, features=True)
                    fake_logits = self._disc(fake.detach().float(), y_fake)
                    loss = self.d_loss_fn(real_logits.float(), fake_logits.float(), 1.0 - cfg.label_smoothing)
                if cfg.gp_weight > 0:
                    alpha = self._slice(alphas, micro).to(acc.device)
                    penalty = gradient_penalty(lambda x: self._disc(x, real_labels), real, fake.float(), alpha)
                    loss = loss + cfg.gp_weight * penalty
                if use_r1:
                    loss = loss + cfg.r1_gamma / 2 * r1_penalty(real_logits.float(), real) * cfg.r1_interval
                acc.backward(loss / cfg.gradient_accumulation_steps)
            total = total + loss.detach() / cfg.gradient_accumulation_steps
            self._real_features = real_features.detach()
        if cfg.max_grad_norm:
            acc.clip_grad_norm_(self.discriminator.parameters(), cfg.max_grad_norm)
        self.opt_d.step()
        self.opt_d.zero_grad(set_to_none=True)
        return total

    def _g_step(self) -> torch.Tensor:
        cfg, acc = self.config, self.accelerator
        reuse = self._reuse_fake()
        latents, fake_labels, _, _ = (None, None, None, None) if reuse else self._noise(self._G_PHASE, self.step)
        total = torch.zeros((), device=acc.device)
        # The discriminator only passes gradients through: no weight gradients, no gradient all-reduce.
        self.discriminator.requires_grad_(False)
        try:
            for micro in range(cfg.gradient_accumulation_steps):
                last = micro == cfg.gradient_accumulation_steps - 1
                with acc.no_sync(self.generator) if not last else nullcontext(), acc.no_sync(self.discriminator):
                    with acc.autocast():
                        if reuse:
                            fake, y_fake = self._fake
                        else:
                            z = self._slice(latents, micro).to(acc.device)
                            y_fake = self._slice(fake_labels, micro).to(acc.device) if fake_labels is not None else None
                            fake = self.generator(z, y_fake) if y_fake is not None else self.generator(z)
                        fake_logits, fake_features = self._disc(fake, y_fake, features=True)
                        loss = self.g_loss_fn(fake_logits.float())
                        if cfg.feature_matching_weight > 0:
                            loss = loss + cfg.feature_matching_weight * feature_matching_loss(
                                self._real_features.float(), fake_features.float())
                    acc.backward(loss / cfg.gradient_accumulation_steps)
                total = total + loss.detach() / cfg.gradient_accumulation_steps
        finally:
            self.discriminator.requires_grad_(True)
            self._fake = None
        if cfg.max_grad_norm:
            acc.clip_grad_norm_(self.generator.parameters(), cfg.max_grad_norm)
        self.opt_g.step()
        self.opt_g.zero_grad(set_to_none=True)
        return total

    def _disc(self, pixel_values, class_labels, features: bool = False):
        if class_labels is not None:
            return self.discriminator(pixel_values, class_labels, return_features=features)
        return self.discriminator(pixel_values, return_features=features)

    # -------------------------------------------------------------------------------- checkpointing
    def save_checkpoint(self) -> Optional[str]:
        """``accelerator.save_state`` plus EMA weights (safetensors) and trainer state (JSON), atomically."""
        acc, cfg = self.accelerator, self.config
        self._check_finite()
        tmp = ckpt.temporary_path(cfg.output_dir, self.step, clear=acc.is_main_process)
        acc.wait_for_everyone()
        acc.save_state(tmp)
        final = None
        if acc.is_main_process:
            from safetensors.torch import save_file

            if self.ema is not None:
                save_file({k: v.contiguous() for k, v in self.ema.shadow.state_dict().items()}, os.path.join(tmp, "ema.safetensors"))
            state = {"step": self.step, "ema_updates": self.ema.num_updates if self.ema else 0,
                     "best_metric": self.best_metric, "train_seconds": self._elapsed(), "history": self.history,
                     "config": cfg.to_dict()}
            with open(os.path.join(tmp, ckpt.STATE_FILE), "w", encoding="utf-8") as f:
                json.dump(state, f)
            final = ckpt.commit(tmp, cfg.output_dir, self.step, cfg.checkpoints_total_limit)
        acc.wait_for_everyone()
        return final

    def load_checkpoint(self, path: str) -> None:
        from safetensors.torch import load_file

        acc = self.accelerator
        has_schedules = any(name.startswith("custom_checkpoint_") for name in os.listdir(path))
        if has_schedules and not self.schedulers:
            raise HFGANError(f"{path} was saved with a learning-rate schedule; resume it with an lr_scheduler "
                             "other than 'constant' (e.g. the run's own, see its training_config.json)")
        if has_schedules:
            self._register_schedules()
        # a run saved with a constant learning rate loads without the schedule, which then starts at its step
        acc.load_state(path)
        with open(os.path.join(path, ckpt.STATE_FILE), encoding="utf-8") as f:
            state = json.load(f)
        self.step = int(state["step"])
        if self.schedulers and not has_schedules:
            for scheduler in self.schedulers:
                _fast_forward(scheduler, self.step)
            acc.print(f"learning-rate schedule '{self.config.lr_scheduler}' starts at step {self.step} "
                      f"(lr_g={self.schedulers[0].get_last_lr()[0]:.3g})")
        self._register_schedules()
        self.best_metric = state.get("best_metric")
        self.train_seconds = float(state.get("train_seconds", 0.0))
        self.history = state.get("history", self.history)
        if self.ema is not None:
            ema_file = os.path.join(path, "ema.safetensors")
            saved = state.get("config", {})
            if os.path.isfile(ema_file):  # new EMA settings, if any, apply from here on to the saved average
                self.ema.shadow.load_state_dict(load_file(ema_file, device=str(self.accelerator.device)))
                self.ema.num_updates = int(state["ema_updates"])
                if (saved.get("ema_decay"), saved.get("ema_rampup")) != (self.config.ema_decay, self.config.ema_rampup):
                    self.accelerator.print(f"EMA continues with ema_decay={self.config.ema_decay}, "
                                           f"ema_rampup={self.config.ema_rampup} from step {self.step}")
            else:  # the run had no EMA: start the average from the current weights
                self.accelerator.print(f"EMA started from the generator's weights at step {self.step}")
                self.ema = EMAModel(self.accelerator.unwrap_model(self.generator), self.config.ema_decay,
                                    self.config.ema_rampup).to(self.accelerator.device)
                self.ema.num_updates = self.step

    def _register_schedules(self) -> None:
        """Register the learning-rate schedules with Accelerate's checkpointing (once)."""
        if not self._schedules_registered:
            for scheduler in self.schedulers:
                self.accelerator.register_for_checkpointing(scheduler)
            self._schedules_registered = True

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
        modules = [acc.unwrap_model(self.generator), acc.unwrap_model(self.discriminator)]
        if self.ema is not None:
            modules.append(self.ema.shadow)
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
    def sample_generator(self) -> nn.Module:
        return self.ema.shadow if self.ema is not None else self.accelerator.unwrap_model(self.generator)

    @torch.no_grad()
    def save_samples(self) -> Optional[str]:
        from ..viz import make_image_grid

        if not self.accelerator.is_main_process:
            return None
        g = self.sample_generator()
        was_training = g.training
        g.eval()
        images = g(self.sample_latents, self.sample_labels) if self.sample_labels is not None else g(self.sample_latents)
        g.train(was_training)
        nrow = self.num_classes if self.num_classes and self.num_classes <= 16 else None
        grid = make_image_grid((images.float() / 2 + 0.5).clamp(0, 1), nrow=nrow, scale=2)
        path = os.path.join(self.config.output_dir, "samples", f"step_{self.step:06d}.png")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        grid.save(path)
        return path

    def build_pipeline(self, recalibrate: bool = True):
        """A :class:`GANPipeline` of the EMA generator (batch-norm statistics re-estimated) and the discriminator."""
        import copy

        from ..pipelines import GANPipeline

        acc = self.accelerator
        generator = copy.deepcopy(self.sample_generator()).float()
        if recalibrate and self.ema is not None:
            g = _rng(self.config.seed, 4)

            def inputs():
                z = torch.randn(256, generator.config.latent_dim, generator=g).to(acc.device)
                y = torch.randint(0, self.num_classes, (256,), generator=g).to(acc.device) if self.num_classes else None
                return z, y

            recalibrate_batchnorm(generator, inputs)
        discriminator = copy.deepcopy(acc.unwrap_model(self.discriminator)).float()
        pipe = GANPipeline(generator=generator.eval(), discriminator=discriminator.eval())
        pipe.card_data = {
            "name": self.config.name, "dataset": self.config.dataset, "training": self.config.to_dict(),
            "command": self.command, "samples": "samples/grid.png",
            "train_minutes": round(self._elapsed() / 60, 2), "train_steps": self.step,
            "train_hardware": _hardware(acc),
        }
        return pipe

    def save_outputs(self) -> None:
        """Final pipeline folder, sample grid, progress GIF and loss plot (main process)."""
        from PIL import Image

        from ..viz import make_image_grid, plot_losses, save_gif

        acc, cfg = self.accelerator, self.config
        if not acc.is_main_process:
            return
        pipe = self.build_pipeline()
        pipe.save_pretrained(cfg.output_dir)
        with open(os.path.join(cfg.output_dir, "training_config.json"), "w", encoding="utf-8") as f:
            json.dump(cfg.to_dict(), f, indent=2, sort_keys=True)
        labels = list(range(self.num_classes)) * 8 if self.num_classes else None
        images = pipe(batch_size=80 if labels else 64, class_labels=labels,
                      generator=torch.Generator().manual_seed(cfg.seed)).images
        grid = make_image_grid(images, nrow=self.num_classes or 8, scale=2)
        grid.save(os.path.join(cfg.output_dir, "samples", "grid.png"))
        frames_dir = os.path.join(cfg.output_dir, "samples")
        frames = sorted(f for f in os.listdir(frames_dir) if f.startswith("step_") and f.endswith(".png"))
        if frames:
            save_gif([Image.open(os.path.join(frames_dir, f)).convert("RGB") for f in frames],
                     os.path.join(frames_dir, "progress.gif"), duration_ms=300)
        if self.history["step"]:
            plot_losses({"discriminator": self.history["loss_d"], "generator": self.history["loss_g"]},
                        os.path.join(cfg.output_dir, "losses.png"), steps=self.history["step"],
                        title=f"{cfg.name or cfg.model}: losses")

    def evaluate(self) -> Optional[Dict[str, float]]:
        """Score the EMA generator with ``hfgan.metrics``; keep the best pipeline under ``<output_dir>/best``."""
        cfg, acc = self.config, self.accelerator
        results = None
        if acc.is_main_process:
            from ..metrics import evaluate_pipeline, is_better

            pipe = self.build_pipeline()
            results = evaluate_pipeline(pipe, dataset=cfg.dataset, split="test", num_samples=cfg.eval_num_samples,
                                        metrics=(cfg.eval_metric,), features=cfg.eval_features, seed=cfg.seed,
                                        progress=False)
            acc.log({f"eval/{k}": float(v) for k, v in results.items()}, step=self.step)
            self.history.setdefault("eval", []).append({"step": self.step, **{k: float(v) for k, v in results.items()}})
            value = float(results[cfg.eval_metric])
            acc.print(f"step {self.step}: " + ", ".join(f"{k} {float(v):.4g}" for k, v in results.items())
                      + f" ({cfg.eval_num_samples} samples)")
            if is_better(cfg.eval_metric, value, self.best_metric):
                self.best_metric = value
                pipe.card_data.update(best_step=self.step, metrics_note=f"best {cfg.eval_metric} during training: "
                                      f"{value:.4g} at step {self.step} ({cfg.eval_num_samples} samples)")
                pipe.save_pretrained(os.path.join(cfg.output_dir, "best"))
        acc.wait_for_everyone()
        return results

    # ----------------------------------------------------------------------------------------- loop
    def _run_step(self):
        """One generator step with its critic steps and the EMA update; returns the (unsynced) losses."""
        cfg = self.config
        self.generator.train()
        self.discriminator.train()
        loss_d = sum(self._d_step(self.step * cfg.n_critic + k) for k in range(cfg.n_critic)) / cfg.n_critic
        loss_g = self._g_step()
        for scheduler in self.schedulers:
            scheduler.step()
        if self.ema is not None:
            self.ema.update(self.accelerator.unwrap_model(self.generator))
        self.finite &= torch.isfinite(loss_d) & torch.isfinite(loss_g)
        self.step += 1
        return loss_d, loss_g

    def train(self) -> str:
        """Run to ``max_train_steps`` (resuming if asked) and return the output folder."""
        from tqdm.auto import tqdm

        self._setup()
        cfg, acc = self.config, self.accelerator
        resume = ckpt.resolve_checkpoint(cfg.output_dir, cfg.resume_from_checkpoint)
        if resume:
            self.load_checkpoint(resume)
            acc.print(f"resumed from {resume} at step {self.step}")
        self._register_schedules()
        progress = tqdm(total=cfg.max_train_steps, initial=self.step, desc="training", unit="step",
                        disable=not acc.is_local_main_process, dynamic_ncols=True, mininterval=1.0)
        running_d = torch.zeros((), device=acc.device)
        running_g = torch.zeros((), device=acc.device)
        count = 0
        start = self._loop_start = time.perf_counter()
        self._seconds_before = self.train_seconds
        while self.step < cfg.max_train_steps:
            loss_d, loss_g = self._run_step()
            running_d += loss_d
            running_g += loss_g
            count += 1
            progress.update(1)
            if self.step % cfg.logging_steps == 0 or self.step == cfg.max_train_steps:
                self._check_finite()
                logs = {"loss_d": float(running_d) / count, "loss_g": float(running_g) / count,
                        "img_per_s": count * self.global_batch * cfg.n_critic / (time.perf_counter() - start)}
                running_d.zero_()
                running_g.zero_()
                count = 0
                start = time.perf_counter()
                acc.log(logs, step=self.step)
                self.history["step"].append(self.step)
                self.history["loss_d"].append(logs["loss_d"])
                self.history["loss_g"].append(logs["loss_g"])
                progress.set_postfix(loss_d=f"{logs['loss_d']:.3f}", loss_g=f"{logs['loss_g']:.3f}",
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
        self._check_finite()
        self.check_ranks_in_sync()
        self.save_outputs()
        acc.wait_for_everyone()
        acc.end_training()
        return cfg.output_dir


def _fast_forward(scheduler, step: int) -> None:
    """Put a ``LambdaLR`` schedule at ``step`` (as if stepped ``step`` times) without stepping its optimizer."""
    scheduler.last_epoch = step
    lrs = [base * fn(step) for base, fn in zip(scheduler.base_lrs, scheduler.lr_lambdas)]
    for group, lr in zip(scheduler.optimizer.param_groups, lrs):
        group["lr"] = lr
    scheduler._last_lr = lrs


def _hardware(accelerator) -> str:
    """``"1 x cpu (2 threads)"``, ``"4 x NVIDIA H100 80GB HBM3"``: what the run trained on, for the card."""
    device = accelerator.device
    if device.type == "cuda":
        name = torch.cuda.get_device_name(device)
    else:
        threads = torch.get_num_threads()
        name = f"{device.type} ({threads} thread{'s' if threads != 1 else ''})"
    return f"{accelerator.num_processes} x {name}"


def command_line() -> str:
    """The command that started this process, for the model card."""
    argv = [os.path.basename(sys.argv[0])] + sys.argv[1:]
    return " ".join(shlex.quote(a) for a in argv)
