"""What may be read from, written into or published out of a folder: only its own regular files.

A symlink that leads out of the folder (``losses.png -> ~/.cache/huggingface/token``), or a FIFO, device or socket,
is neither published nor written through. Saving a pipeline, writing its model card and uploading it all ask
:func:`link_refusal` first.
"""

import os
import stat
from typing import List, Optional

from .errors import HFGANError


def link_refusal(folder: str, rel: str) -> Optional[str]:
    """Why ``rel`` of ``folder`` may be neither published nor written through, or None (also when it is absent).

    It resolves outside the folder (a symlink, or a path through a symlinked folder, to anywhere else), or it is
    a special file (a FIFO, a device, a socket). A symlink that stays inside the folder is its target's content.
    """
    root, real = os.path.realpath(folder), os.path.realpath(os.path.join(folder, rel))
    if os.path.commonpath([root, real]) != root:
        return f"resolves to {real}, outside the folder"
    try:
        mode = os.stat(real).st_mode
    except OSError:
        return None
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    kind = "a FIFO" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode) else "a device"
    return f"is {kind}, not a regular file"


def refuse_links_out(folder: str, rels: List[str], action: str) -> None:
    """Raise one :class:`HFGANError` line naming the first of ``rels`` that :func:`link_refusal` refuses."""
    refused = {rel: why for rel in rels if (why := link_refusal(folder, rel))}
    if refused:
        rel, why = next(iter(refused.items()))
        more = f" (and {len(refused) - 1} more)" if len(refused) > 1 else ""
        raise HFGANError(f"refusing to {action} {folder}: {rel} {why}{more} (copy the file into the folder, or remove it)")
