"""What a card may show of user data, and how: no local path, and names as escaped text.

No local path reaches a card: a local dataset is "local image folder", other absolute paths keep their last part
(:func:`public_card_data`, :func:`public_command`). Names and values from user data (class folders, run names,
datasets, config values) are text in the card body: HTML escaped, on one line, with no link, code span or table cell
of their own (:func:`md`, :func:`code`). Prose fields (a description, the training and metrics notes, figure
captions) are markdown their author writes: only their HTML is escaped (:func:`prose`). The YAML header keeps every
value as it is.
"""

import html
import json
import os
import re
import shlex
from typing import Any, Dict, List, Optional

DATASET_IDS = {"fashion_mnist": "zalando-datasets/fashion_mnist"}
BUILTIN_DATASETS = ("fashion_mnist_edges",)  # built into hfgan, with no Hub copy: named in the card, not a Hub id
METRIC_NAMES = {"fid": "FID", "kid": "KID", "is": "Inception Score", "precision": "Precision", "recall": "Recall",
                "accuracy": "Class accuracy"}
LOCAL_DATASET = "local image folder"
_DATASET_KEYS = ("dataset", "dataset_a", "dataset_b")
# folders a run wrote on the machine it ran on: a config keeps their last part, a command drops them (its
# ``--resume latest`` then reads the output folder of the command it reproduces)
_RUN_FOLDER_KEYS = ("output_dir", "logging_dir")


def _plain(value: Any) -> Any:
    """``value`` as JSON/YAML-safe builtins: numpy and torch numbers and arrays become numbers and lists, the rest str."""
    return json.loads(json.dumps(value, default=lambda obj: obj.tolist() if hasattr(obj, "tolist") else str(obj)))


def looks_like_local_path(value: str) -> bool:
    """A path on this machine by its shape: absolute, home-relative, or ``./``, ``../``, ``.``, ``..``."""
    return os.path.isabs(value) or value.startswith(("~", "./", "../")) or value in (".", "..")


def _is_local_dataset(value: str) -> bool:
    """A folder on this machine rather than a Hub id or a built-in name (``fashion_mnist:Sneaker`` is built in)."""
    if value == LOCAL_DATASET:
        return False
    return looks_like_local_path(value) or os.path.isdir(value) or os.path.isdir(value.rsplit(":", 1)[0])


def _public_value(key: str, value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _public_value(k, v) for k, v in value.items()}
    if isinstance(value, list):
        return [_public_value(key, v) for v in value]
    if not isinstance(value, str):
        return value
    if key in _DATASET_KEYS and _is_local_dataset(value):
        return LOCAL_DATASET
    if looks_like_local_path(value) or key in _RUN_FOLDER_KEYS:
        return os.path.basename(os.path.normpath(os.path.expanduser(value))) or "."
    return value


def public_command(command: str) -> str:
    """A training command without local paths: dataset folders become ``'<local image folder>'``, the run's own
    folders (``--output_dir``, ``--logging_dir``) are left out, other absolute paths keep their last part."""
    try:
        tokens = shlex.split(command)
    except ValueError:
        return command
    out, previous = [], ""
    for token in tokens:
        key, eq, value = token.partition("=") if token.startswith("--") else ("", "", token)
        if _run_folder_option(key if eq else token if token.startswith("--") else previous):
            previous = token if token.startswith("--") and not eq else ""
            continue
        if token.startswith("--") and not eq:
            out.append(token)
        else:
            name = (key or previous).lstrip("-").replace("-", "_")
            if name in _DATASET_KEYS and _is_local_dataset(value):
                value = f"<{LOCAL_DATASET}>"
            elif looks_like_local_path(value):
                value = _public_value("", value)
            out.append(f"{key}={value}" if eq else value)
        previous = token if token.startswith("--") and not eq else ""
    program, *rest = out
    program = program if " " in program else shlex.quote(program)  # "accelerate launch -m hfgan.train" stays as is
    return " ".join([program, *(shlex.quote(t) for t in rest)])


def _run_folder_option(option: str) -> bool:
    """``--output_dir`` or ``--logging_dir`` (either spelling): a folder of the machine the run ran on."""
    return option.startswith("--") and option[2:].replace("-", "_") in _RUN_FOLDER_KEYS


def public_card_data(data: Dict[str, Any]) -> Dict[str, Any]:
    """``card_data`` as a card may show it: plain values, and no local path anywhere. A ``repo_id`` is left out:
    a local card's usage loads its own folder, a pushed card's the repo it is pushed to."""
    data = _plain(dict(data or {}))
    data.pop("repo_id", None)
    for key in ("training",):
        if isinstance(data.get(key), dict):
            data[key] = _public_value(key, data[key])
    for key in _DATASET_KEYS:
        if isinstance(data.get(key), str):
            data[key] = _public_value(key, data[key])
    if isinstance(data.get("domains"), dict):
        data["domains"] = {k: _public_value("dataset", v) for k, v in data["domains"].items()}
    if isinstance(data.get("command"), str):
        data["command"] = public_command(data["command"])
    for resume in data.get("resumes") or []:
        if isinstance(resume, dict) and isinstance(resume.get("command"), str):
            resume["command"] = public_command(resume["command"])
        if isinstance(resume, dict) and isinstance(resume.get("changes"), dict):
            resume["changes"] = {k: _public_value(k, v) for k, v in resume["changes"].items()}
    return data


def public_config(config: Dict[str, Any]) -> Dict[str, Any]:
    """A training config (``training_config.json``) as a push publishes it: no local path anywhere. Dataset folders
    (``dataset``, ``dataset_a``, ``dataset_b``, ``train_data_dir``) become "local image folder", other paths their
    last part, a command :func:`public_command`'s; every other value stays as it is."""
    public = {}
    for key, value in _plain(dict(config)).items():
        if key == "train_data_dir" and isinstance(value, str) and value:
            public[key] = LOCAL_DATASET
        elif key == "command" and isinstance(value, str):
            public[key] = public_command(value)
        else:
            public[key] = _public_value(key, value)
    return public


def dataset_id(dataset: Optional[str]) -> Optional[str]:
    """The dataset's Hub id, or None for a local folder or a dataset built into hfgan with no Hub copy."""
    if not dataset or dataset == LOCAL_DATASET or dataset in BUILTIN_DATASETS:
        return None
    return DATASET_IDS.get(dataset, dataset)


# ------------------------------------------------------------------------------------- user data as card text
def _one_line(value: Any) -> str:
    return " ".join(str(value).splitlines())


def md(value: Any) -> str:
    """``value`` as literal markdown text, also inside a table cell."""
    return html.escape(re.sub(r"([\\`\[\]|])", r"\\\1", _one_line(value)), quote=False)


def prose(value: Any) -> str:
    """Markdown written by the card's author, with no HTML of its own."""
    return str(value).replace("<", "&lt;")


def code(value: Any, table: bool = False) -> str:
    """``value`` as one inline code span, whatever backticks it holds (``table``: it sits in a table cell)."""
    text = _one_line(value)
    fence = "`" * (max(map(len, re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text.replace('|', chr(92) + '|') if table else text}{pad}{fence}"


def code_block(text: str, language: str) -> List[str]:
    """The lines of a fenced code block that nothing in ``text`` can close early."""
    fence = "`" * max(3, max(map(len, re.findall(r"`+", text)), default=0) + 1)
    return [f"{fence}{language}", text, fence]


def url(path: Any) -> str:
    """A relative path as a link target (percent-encoded: spaces, parentheses and angle brackets included)."""
    from urllib.parse import quote

    return quote(_one_line(path), safe="/.-_~")
