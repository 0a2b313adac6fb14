"""The FID Inception weights, fetched on first use as torchmetrics / torch-fidelity and pytorch-fid do.

The file is pytorch-fid's release ``pt_inception-2015-12-05-6726825d.pth`` (95,628,359 bytes; the same bytes as
torch-fidelity's ``weights-inception-2015-12-05-6726825d.pth``), a plain state dict of tensors. It is downloaded
once with a progress bar into a temporary file beside its place in the cache, checked against its full sha256
(whose first eight digits the file name carries), and only then renamed into place, so the cache never holds a
partial or wrong file:

    <HF_HOME>/hfgan/inception/<first 16 digits of the sha256>/pt_inception-2015-12-05-6726825d.pth

With ``HF_HUB_OFFLINE=1`` nothing is downloaded: a file already cached is used, otherwise a one-line error names
``--inception-weights PATH`` and the URL to fetch by hand. ``$HFGAN_INCEPTION_URL`` and ``$HFGAN_INCEPTION_SHA256``
(or the ``url`` / ``sha256`` arguments) point at a mirror.
"""

import hashlib
import http.client
import os
import re
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from typing import Optional

from ..errors import HFGANError, one_line

INCEPTION_URL = ("https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/"
                 "pt_inception-2015-12-05-6726825d.pth")
INCEPTION_SHA256 = "6726825d0af5f729cebd5821db510b11b1cfad8faad88a03f1befd49fb9129b2"
INCEPTION_URL_ENV = "HFGAN_INCEPTION_URL"
INCEPTION_SHA256_ENV = "HFGAN_INCEPTION_SHA256"
TIMEOUT_S = 60
CHUNK = 1 << 20


def hub_offline() -> bool:
    """``HF_HUB_OFFLINE`` as huggingface_hub reads it (1 / on / yes / true), looked up at call time."""
    value = os.environ.get("HF_HUB_OFFLINE")
    if value is None:
        from huggingface_hub import constants

        return bool(constants.HF_HUB_OFFLINE)
    return value.strip().upper() in {"1", "ON", "YES", "TRUE"}


def inception_cache_dir() -> str:
    """``<HF_HOME>/hfgan/inception`` (``HF_HOME`` at call time, else huggingface_hub's, ``~/.cache/huggingface``)."""
    home = os.environ.get("HF_HOME")
    if not home:
        from huggingface_hub import constants

        home = constants.HF_HOME
    return os.path.join(os.path.expanduser(home), "hfgan", "inception")


def _source(url: Optional[str], sha256: Optional[str]) -> tuple:
    """``(url, sha256)``: the arguments, else the environment overrides, else the pytorch-fid release; checked."""
    url = url or os.environ.get(INCEPTION_URL_ENV) or INCEPTION_URL
    sha256 = (sha256 or os.environ.get(INCEPTION_SHA256_ENV) or INCEPTION_SHA256).strip().lower()
    if not re.fullmatch(r"[0-9a-f]{64}", sha256):
        raise HFGANError(f"{INCEPTION_SHA256_ENV} must be 64 hexadecimal digits (the file's sha256), got {sha256[:80]!r}")
    return url, sha256


def cached_path(url: str, sha256: str) -> str:
    """Where the file of ``url`` with this ``sha256`` lives in the cache (whether or not it is there yet)."""
    name = os.path.basename(urllib.parse.urlparse(url).path) or "inception.pth"
    return os.path.join(inception_cache_dir(), sha256[:16], name)


def by_hand(url: str) -> str:
    """The end of every error: how to do without the download."""
    return f"download {url} by hand and pass --inception-weights PATH (or set HFGAN_INCEPTION_WEIGHTS)"


def _download(url: str, out, progress: bool) -> str:
    """Stream ``url`` into the open binary file ``out`` with a progress bar; its sha256. A short body raises."""
    from tqdm.auto import tqdm

    digest, received = hashlib.sha256(), 0
    with urllib.request.urlopen(url, timeout=TIMEOUT_S) as response:  # noqa: S310 - an http(s) URL of weights
        total = int(response.headers.get("Content-Length") or 0) or None
        with tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024, disable=not progress,
                  desc=os.path.basename(urllib.parse.urlparse(url).path)) as bar:
            for chunk in iter(lambda: response.read(CHUNK), b""):
                out.write(chunk)
                digest.update(chunk)
                received += len(chunk)
                bar.update(len(chunk))
    if total is not None and received != total:
        raise http.client.IncompleteRead(b"", total - received)
    return digest.hexdigest()


def fetch_inception_weights(url: Optional[str] = None, sha256: Optional[str] = None, progress: bool = True) -> str:
    """The path of the cached FID Inception weights, downloaded first if they are not cached yet.

    Args:
        url: where to download from (default ``$HFGAN_INCEPTION_URL``, else pytorch-fid's release URL).
        sha256: the file's expected sha256 (default ``$HFGAN_INCEPTION_SHA256``, else the release file's).
        progress: show a progress bar while downloading.

    Raises:
        HFGANError: offline and not cached, a failed or cut download, or a file of another sha256 (nothing is
            cached then), each in one line.
    """
    url, sha256 = _source(url, sha256)
    path = cached_path(url, sha256)
    if os.path.isfile(path):
        return path
    if hub_offline():
        raise HFGANError(f"the 'inception' feature extractor needs the FID Inception weights, which are not cached "
                         f"and HF_HUB_OFFLINE=1 forbids downloading: {by_hand(url)}")
    folder = os.path.dirname(path)
    os.makedirs(folder, exist_ok=True)
    fd, partial = tempfile.mkstemp(dir=folder, prefix=".", suffix=".incomplete")
    try:
        with os.fdopen(fd, "wb") as out:
            got = _download(url, out, progress)
        if got != sha256:
            raise HFGANError(f"{url} has sha256 {got}, expected {sha256}: not cached; {by_hand(url)}")
        os.replace(partial, path)
    except (OSError, http.client.HTTPException) as err:
        raise HFGANError(f"could not download the FID Inception weights from {url}: {_reason(err)}; "
                         f"{by_hand(url)}") from None
    finally:
        if os.path.exists(partial):
            os.remove(partial)
    return path


def _reason(err: BaseException) -> str:
    """One line on why a download failed."""
    if isinstance(err, http.client.IncompleteRead):
        return f"the connection closed {err.expected} bytes before the end"
    if isinstance(err, urllib.error.URLError) and not isinstance(err, urllib.error.HTTPError):
        return one_line(err.reason) if isinstance(err.reason, BaseException) else str(err.reason)
    return one_line(err)
