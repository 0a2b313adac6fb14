"""Hub and network failures as one line: what failed, and what to do about it.

:func:`hub_error` turns an exception of ``huggingface_hub`` (or of the network under it) raised while fetching
``repo_id`` into a :class:`~hfgan.errors.CheckpointError` whose message names the repo and the remedy.
"""

import os
from typing import Optional

from ..errors import CheckpointError, one_line

TOKEN_HINT = "pass a token (token=..., --token, HF_TOKEN or `hf auth login`)"


def _offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on")


def _status(err: BaseException) -> Optional[int]:
    response = getattr(err, "response", None)
    status = getattr(response, "status_code", None)
    return status if isinstance(status, int) else None


def hub_error_message(err: BaseException, repo_id: str, revision: Optional[str] = None) -> str:
    """One line for ``err``, raised while fetching ``repo_id`` (at ``revision``) from the Hub."""
    from huggingface_hub.errors import (DisabledRepoError, GatedRepoError, HfHubHTTPError, HFValidationError,
                                        LocalEntryNotFoundError, OfflineModeIsEnabled, RepositoryNotFoundError,
                                        RevisionNotFoundError)

    if isinstance(err, HFValidationError):
        return f"{repo_id} is neither a pipeline folder nor a valid Hub repo id ('org/name')"
    if isinstance(err, GatedRepoError):  # a kind of RepositoryNotFoundError: test it first
        return (f"Hub repo {repo_id} is gated: accept its conditions on https://huggingface.co/{repo_id}, then "
                f"{TOKEN_HINT}")
    if isinstance(err, DisabledRepoError):
        return f"Hub repo {repo_id} has been disabled by its owner or the Hub: it cannot be downloaded"
    if isinstance(err, RepositoryNotFoundError):
        return (f"{repo_id} is not a local folder, and there is no Hub repo {repo_id} (or it is private or gated: "
                f"{TOKEN_HINT}); check the name")
    if isinstance(err, RevisionNotFoundError):
        return f"Hub repo {repo_id} has no revision {revision!r}: check the branch, tag or commit (--revision)"
    if isinstance(err, (LocalEntryNotFoundError, OfflineModeIsEnabled)):
        why = ("HF_HUB_OFFLINE is set" if _offline() else
               "local_files_only (--local-files-only) was asked for, or the Hub could not be reached")
        return (f"{repo_id} is not a local folder, and the Hub repo {repo_id} is not in the local cache ({why}): "
                "connect and retry without it, or give a local pipeline folder")
    if isinstance(err, HfHubHTTPError):
        status = _status(err)
        if status in (401, 403):
            return f"the Hub refused access to {repo_id} (HTTP {status}): {TOKEN_HINT} that can read it"
        if status == 429:
            return f"the Hub rate-limited the download of {repo_id} (HTTP 429): wait a minute and retry, with a token"
        if status is not None and status >= 500:
            return f"the Hub failed to serve {repo_id} (HTTP {status}): retry later"
        return f"could not download {repo_id} from the Hub: {one_line(err)}"
    if _is_network_error(err):
        return (f"could not download {repo_id} from the Hub: {one_line(err)} (check the network or proxy, or set "
                "HF_HUB_OFFLINE=1 to use the local cache)")
    return f"could not download {repo_id} from the Hub: {one_line(err)}"


def _is_network_error(err: BaseException) -> bool:
    if isinstance(err, (ConnectionError, TimeoutError)):
        return True
    try:
        import httpx
    except ImportError:  # older huggingface_hub versions use requests
        httpx = None
    if httpx is not None and isinstance(err, (httpx.TransportError,)):
        return True
    try:
        import requests
    except ImportError:
        return False
    return isinstance(err, (requests.ConnectionError, requests.Timeout))


def hub_error(err: BaseException, repo_id: str, revision: Optional[str] = None) -> CheckpointError:
    """The :class:`CheckpointError` to raise (``from None``) for ``err``."""
    return CheckpointError(hub_error_message(err, repo_id, revision))
