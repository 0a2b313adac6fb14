"""Pushing a saved pipeline or training run folder: load it (a folder that does not load is never uploaded), render
its card for the repo from the pipeline's facts, and hand both to :mod:`hfgan.hub`, which uploads the repo's files.
"""

import os
from typing import Dict, List, Tuple

from .. import hub
from ..errors import CheckpointError
from .pipeline_utils import load_pipeline


def _push_card(folder: str, repo_id: str) -> str:
    """The card a push of ``folder`` to ``repo_id`` uploads, after checking that the folder loads."""
    hub.check_repo_id(repo_id)
    if not os.path.isfile(os.path.join(folder, "model_index.json")):
        raise CheckpointError(f"{folder} has no model_index.json: it is not a saved hfgan pipeline")
    from diffusers.utils import logging as diffusers_logging

    bars_were_enabled = diffusers_logging.is_progress_bar_enabled()
    diffusers_logging.disable_progress_bar()  # a check, not the user's load: no "Loading pipeline components" bar
    try:
        pipe = load_pipeline(folder)
    finally:
        if bars_were_enabled:
            diffusers_logging.enable_progress_bar()
    return hub.push_card(folder, pipe.card_facts(), repo_id)


def push_plan(folder: str, repo_id: str) -> Tuple[List[str], Dict[str, str]]:
    """What :func:`push_folder` would upload and refuse (:func:`hfgan.hub.upload_plan`), after checking the folder
    loads."""
    return hub.upload_plan(folder, _push_card(folder, repo_id))


def push_folder(folder: str, repo_id: str, dry_run: bool = False, **kwargs):
    """Upload the Hub repo of a saved pipeline or training run folder (:func:`hfgan.hub.files_to_upload`), after
    checking it loads; its card is rendered again for ``repo_id`` (title, usage) and merged with the repo's.
    ``dry_run``: check, and return the relative paths that would be uploaded instead. A symlink or special file that
    leads out of the folder stops it with one :class:`~hfgan.errors.HFGANError` line naming the file
    (:func:`hfgan.folder_safety.link_refusal`). Other keyword arguments are :func:`hfgan.hub.upload_folder`'s."""
    return hub.upload_folder(folder, repo_id, card_text=_push_card(folder, repo_id), dry_run=dry_run, **kwargs)
