"""The run's seeded order of data and randomness, a mixin of :class:`~hfgan.training.trainer.GANTrainer`.

Every random draw comes from a generator seeded by ``(seed, *keys)`` (:func:`seeded_rng`): epoch ``e``'s permutation
from ``(seed, 0, e)``, a phase's draws from ``(seed, phase key, counter)``. Global batch ``counter`` is a slice of
its epoch's permutation, and each rank takes its own rows of each micro-batch (:meth:`BatchesMixin.slice`), so the
batches do not depend on the number of processes and a resume continues from the checkpointed batch counter.
"""

from typing import Dict, Optional

import torch


def seed_value(seed: int, *keys: int) -> int:
    """The seed of ``(seed, *keys)``: one integer below ``2**62`` from the run's seed and the keys, in order."""
    value = seed
    for key in keys:
        value = (value * 1_000_003 + key) % (2**62)
    return value


def seeded_rng(seed: int, *keys: int) -> torch.Generator:
    """A CPU ``torch.Generator`` seeded by :func:`seed_value` of ``(seed, *keys)``."""
    return torch.Generator().manual_seed(seed_value(seed, *keys))


class BatchesMixin:
    """Which rows each rank trains on at each step (uses the trainer's config, accelerator, data, ``global_batch``,
    ``batches_per_epoch``, and its ``_perms`` / ``_next_counter`` state)."""

    def _indices(self, batch_counter: int) -> torch.Tensor:
        """Dataset indices of global batch ``batch_counter`` (a new permutation every epoch, no repeats)."""
        epoch, within = divmod(batch_counter, self.batches_per_epoch)
        if epoch not in self._perms:
            self._perms = {e: p for e, p in self._perms.items() if e == epoch - 1}  # read-ahead may span two epochs
            self._perms[epoch] = torch.randperm(len(self.data), generator=seeded_rng(self.config.seed, 0, epoch))
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
                "permutation_seed": seed_value(self.config.seed, 0, epoch), "dataset_size": len(self.data),
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
