"""Failed saves: one-line errors that say whether the disk (or the quota) was full and which checkpoint is intact.

Shared by checkpoints (:func:`write_failure`, which also removes the failed save's temporary folder) and the run's
other outputs (the final pipeline, ``best/``), which name what was not written the same way.
"""

import errno
import os
import shutil

from ..errors import HFGANError, one_line
from .checkpoint import CHECKPOINT_NAME, list_checkpoints

_DISK_FULL = ("no space left on device", "storagefull", "disk quota exceeded", "file write failed", "unexpected pos")


def write_failure(err: BaseException, tmp_path: str, output_dir: str, step: int) -> HFGANError:
    """Remove a failed save's temporary folder; the one-line error naming the checkpoint that is intact."""
    shutil.rmtree(tmp_path, ignore_errors=True)
    return save_failure(err, f"checkpoint {step}", intact_checkpoint(output_dir, "no earlier checkpoint was written"))


def is_disk_full(err: BaseException) -> bool:
    """Whether ``err`` says the disk (or the quota) is full, as Python, torch and safetensors each say it."""
    if isinstance(err, OSError) and err.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return True
    return any(text in str(err).lower() for text in _DISK_FULL)


def intact_checkpoint(output_dir: str, otherwise: str = "no checkpoint was written") -> str:
    """``"checkpoint 4 is intact (<path>)"`` for the newest checkpoint of ``output_dir``, else ``otherwise``."""
    done = list_checkpoints(output_dir)
    if not done:
        return otherwise
    return f"checkpoint {int(CHECKPOINT_NAME.match(os.path.basename(done[-1])).group(1))} is intact ({done[-1]})"


def save_failure(err: BaseException, what: str, rest: str) -> HFGANError:
    """The one-line error of a failed save of ``what``: ``"no space left on device: <what> not written, <rest>"`` on
    a full disk, else ``"<what> not written (<error>), <rest>"``."""
    if is_disk_full(err):
        return HFGANError(f"no space left on device: {what} not written, {rest}")
    return HFGANError(f"{what} not written ({one_line(err)}), {rest}")
