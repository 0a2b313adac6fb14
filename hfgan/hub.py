"""Publishing a saved pipeline folder to the Hub: exactly its repo's files, with its card.

A push uploads exactly the Hub repo (:func:`files_to_upload`): ``model_index.json``, the components' configs and
safetensors, the card, the images it shows, the loss plot, an image-to-image model's example input
(``example_input.png``) and the training config (without local paths: :func:`hfgan.cards.public_config`); never
checkpoints, optimizer or RNG state, pickles or logs. Only the folder's own regular files: a symlink that leads out of it, or a FIFO or device,
stops the push (:func:`hfgan.folder_safety.link_refusal`), and ``pipeline_hfgan.py`` is always hfgan's own one-line
module, whatever the folder holds. The card is merged into the repo's current one (:func:`hfgan.cards.merge_cards`).

This module loads no pipeline: whoever pushes a folder loads it first (the check that it is a working pipeline) and
hands over its card (:func:`push_card`, from the pipeline's :class:`~hfgan.cards.CardFacts`);
:func:`hfgan.pipelines.publishing.push_folder` does both. It imports nothing from :mod:`hfgan.pipelines`; they
import it.
"""

import dataclasses
import json
import os
import re
import shutil
import tempfile
from typing import Any, Dict, List, Optional, Tuple

from .cards import CardFacts, card_images, merge_cards, model_card_text, public_config
from .errors import CheckpointError, HFGANError, one_line
from .folder_safety import link_refusal, refuse_links_out

_COMPONENT_FILE = re.compile(r"^[^/]+\.(json|safetensors)$")
TRAINING_CONFIG = "training_config.json"  # uploaded without local paths (hfgan.cards.public_config)
EXAMPLE_INPUT = "example_input.png"  # an image-to-image folder's example input, opened by its card's usage
EXTRA_FILES = ("losses.png", EXAMPLE_INPUT, TRAINING_CONFIG)
SHOWN_FILES = {"samples": "samples/grid.png", "losses": "losses.png", "progress": "samples/progress.gif",
               "example_input": EXAMPLE_INPUT}

# diffusers' DiffusionPipeline.from_pretrained looks a pipeline class up in diffusers itself, unless model_index.json
# names it as [module, class] and the folder holds <module>.py, which it imports (with trust_remote_code=True).
# hfgan saves that module, and a push uploads it, always as this text: one import of the class from the installed
# hfgan package (a folder's own pipeline_hfgan.py is never published). hfgan's own loading reads the class name
# alone and never imports a file from a folder.
DIFFUSERS_MODULE = "pipeline_hfgan"
DIFFUSERS_MODULE_TEXT = '''"""Lets diffusers load this folder: DiffusionPipeline.from_pretrained(repo_or_folder, trust_remote_code=True).

The pipeline class comes from the installed hfgan package (pip install hfgan); this file only names it.
"""

from hfgan import {class_name}  # noqa: F401
'''


def diffusers_module_class(index: Dict[str, Any]) -> Optional[str]:
    """The class a ``model_index.json`` has diffusers import from :data:`DIFFUSERS_MODULE` (``_class_name`` is
    ``["pipeline_hfgan", "GANPipeline"]``), when it is a public name of hfgan; else None."""
    import hfgan

    name = index.get("_class_name")
    if isinstance(name, list) and len(name) == 2 and name[0] == DIFFUSERS_MODULE and name[1] in hfgan.__all__:
        return name[1]
    return None


def _is_candidate(folder: str, rel: str) -> bool:
    """An entry that is there and is not a folder (a broken symlink counts: where it leads is checked)."""
    path = os.path.join(folder, rel)
    return os.path.lexists(path) and not os.path.isdir(path)


def _local_card(folder: str) -> Optional[str]:
    """The folder's ``README.md``, or None: absent, or one that :func:`link_refusal` refuses (never read)."""
    path = os.path.join(folder, "README.md")
    if link_refusal(folder, "README.md") or not os.path.isfile(path):
        return None
    with open(path, encoding="utf-8") as f:
        return f.read()


def _read_index(folder: str) -> Dict[str, Any]:
    try:
        with open(os.path.join(folder, "model_index.json"), encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError) as err:
        raise CheckpointError(f"{folder} has no readable model_index.json: it is not a saved hfgan pipeline "
                              f"({one_line(err)})") from None


def upload_plan(folder: str, card_text: Optional[str] = None) -> Tuple[List[str], Dict[str, str]]:
    """``(files, refused)``: the files of ``folder`` that make its Hub repo, as sorted relative paths, and those
    among them that must not be uploaded, with why (:func:`link_refusal`).

    ``model_index.json``, each component's ``*.json`` and ``*.safetensors``, ``README.md`` (``card_text``, default
    the folder's), the images the card shows, the loss plot, the training config, and hfgan's own
    :data:`DIFFUSERS_MODULE` file when ``model_index.json`` names it. Nothing else: no checkpoints, optimizer or
    RNG state, pickles, logs or stray files.
    """
    why = link_refusal(folder, "model_index.json")
    if why:
        return [], {"model_index.json": why}
    index = _read_index(folder)
    candidates = ["model_index.json"]
    for name, value in index.items():
        component = os.path.join(folder, name)
        if name.startswith("_") or not isinstance(value, list) or value[:1] == [None] or not os.path.isdir(component):
            continue
        candidates += [f"{name}/{f}" for f in sorted(os.listdir(component))
                       if _COMPONENT_FILE.match(f) and _is_candidate(folder, f"{name}/{f}")]
    if card_text is None:
        card_text = _local_card(folder)
    if card_text is not None:
        candidates += [p for p in card_images(card_text) if _is_candidate(folder, p)]
    candidates += [p for p in EXTRA_FILES if _is_candidate(folder, p)]
    # the local README.md is never uploaded (the card is card_text), but it is read into the card
    refused = {rel: why for rel in ["README.md", *candidates] if (why := link_refusal(folder, rel))}
    files = [rel for rel in candidates if rel not in refused and os.path.isfile(os.path.join(folder, rel))]
    if card_text is not None and "README.md" not in refused:
        files.append("README.md")
    if diffusers_module_class(index):
        files.append(f"{DIFFUSERS_MODULE}.py")
    return sorted(dict.fromkeys(files)), dict(sorted(refused.items()))


def files_to_upload(folder: str, card_text: Optional[str] = None) -> List[str]:
    """The files of :func:`upload_plan`; one :class:`HFGANError` line naming a file it refuses, if any."""
    files, refused = upload_plan(folder, card_text)
    refuse_links_out(folder, list(refused), "upload")
    return files


def _remote_card(api, repo_id: str, revision: Optional[str]) -> Optional[str]:
    """The repo's current README.md, or None (no repo yet, no card, or the Hub unreachable)."""
    try:
        path = api.hf_hub_download(repo_id=repo_id, filename="README.md", revision=revision)
        with open(path, encoding="utf-8") as f:
            return f.read()
    except Exception:  # noqa: BLE001 - a first push, or offline: the local card is the whole card
        return None


def _public_training_config(folder: str) -> str:
    """The text of ``folder``'s ``training_config.json`` as a push uploads it: without local paths
    (:func:`hfgan.cards.public_config`); the folder's own file is left as it is."""
    path = os.path.join(folder, TRAINING_CONFIG)
    try:
        with open(os.path.realpath(path), encoding="utf-8") as f:
            config = json.load(f)
    except (OSError, ValueError) as err:
        raise CheckpointError(f"{path} is not a readable JSON training config ({one_line(err)}): fix or remove it "
                              "before pushing") from None
    if not isinstance(config, dict):
        raise CheckpointError(f"{path} holds a JSON {type(config).__name__}, not a training config: fix or remove it "
                              "before pushing")
    return json.dumps(public_config(config), indent=2, sort_keys=True) + "\n"


def _stage(folder: str, files: List[str], card_text: Optional[str], target: str) -> None:
    """Put ``files`` of ``folder`` in ``target`` as regular files: ``README.md`` is ``card_text``, the
    :data:`DIFFUSERS_MODULE` file hfgan's own text, ``training_config.json`` the folder's without local paths, every
    other file the content it resolves to, checked again."""
    written = ("README.md", f"{DIFFUSERS_MODULE}.py", TRAINING_CONFIG)
    refuse_links_out(folder, [rel for rel in files if rel not in written[:2]], "upload")
    for rel in files:
        dest = os.path.join(target, rel)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        if rel in written:
            text = card_text if rel == "README.md" else _public_training_config(folder) if rel == TRAINING_CONFIG else \
                DIFFUSERS_MODULE_TEXT.format(class_name=diffusers_module_class(_read_index(folder)))
            with open(dest, "w", encoding="utf-8") as f:
                f.write(text)
            continue
        source = os.path.realpath(os.path.join(folder, rel))
        try:
            os.link(source, dest)
        except OSError:
            shutil.copyfile(source, dest)


def upload_folder(folder: str, repo_id: str, commit_message: Optional[str] = None, private: Optional[bool] = None,
                  token: Optional[str] = None, create_pr: bool = False, revision: Optional[str] = None,
                  card_text: Optional[str] = None, dry_run: bool = False):
    """Create ``repo_id`` if needed and upload :func:`files_to_upload` of ``folder`` (nothing else), with the card
    (``card_text``, default the folder's) merged into the repo's current one. ``dry_run``: return the file list.
    A symlink or special file among them that :func:`link_refusal` refuses stops it with one :class:`HFGANError`
    line naming the file, before anything is uploaded."""
    from huggingface_hub import HfApi

    files = files_to_upload(folder, card_text)
    if card_text is None:
        card_text = _local_card(folder)
    if dry_run:
        return files
    api = HfApi(token=token)
    try:
        repo_id = api.create_repo(repo_id, private=private, exist_ok=True).repo_id
        if card_text is not None:
            card_text = merge_cards(_remote_card(api, repo_id, revision), card_text)
        with tempfile.TemporaryDirectory(prefix=".hfgan-push-") as staged:
            _stage(folder, files, card_text, staged)
            return api.upload_folder(repo_id=repo_id, folder_path=staged, commit_message=commit_message or "Upload hfgan pipeline",
                                     create_pr=create_pr, revision=revision)
    except Exception as err:  # noqa: BLE001 - auth, network and validation errors become one line
        raise HFGANError(f"could not upload {folder} to the Hub repo {repo_id}: {one_line(err)}") from err


def check_repo_id(repo_id) -> None:
    """A one-line :class:`HFGANError` unless ``repo_id`` is a valid Hub repo id (``name`` or ``org/name``)."""
    from huggingface_hub.utils import HFValidationError, validate_repo_id

    if not isinstance(repo_id, str):
        raise HFGANError(f"a Hub repo id is a string such as 'org/name', got {type(repo_id).__name__}")
    try:
        validate_repo_id(repo_id)
    except HFValidationError as err:
        raise HFGANError(f"{repo_id[:100]!r} is not a valid Hub repo id such as 'org/name' ({one_line(err)})") from None


def push_card(folder: str, facts: CardFacts, repo_id: str) -> str:
    """The card a push of ``folder`` uploads (before merging with the repo's): rendered for ``repo_id`` from the
    ``facts`` of the pipeline the folder holds, with what the user wrote into the local card kept."""
    data = dict(facts.card_data)
    for key, path in SHOWN_FILES.items():  # a run's plots, also for cards written before the card showed them
        if not data.get(key) and os.path.isfile(os.path.join(folder, path)):
            data[key] = path
    card_text = model_card_text(dataclasses.replace(facts, card_data=data), repo_id)
    local = _local_card(folder)
    return card_text if local is None else merge_cards(local, card_text)
