"""Reading and merging model cards: hfgan's sections of a card, what the user wrote around them, its data.

hfgan's parts of the body sit between ``<!-- hfgan:start:NAME -->`` and ``<!-- hfgan:end:NAME -->``
(:func:`section`); saving into a folder with a card, or pushing to a repo with one, replaces those and keeps what
the user wrote around them (:func:`merge_cards`). ``card_data`` is kept in the header under the ``hfgan`` key (the
training config once, in the body after :data:`CONFIG_MARK`), so a loaded pipeline saves the same card again
(:func:`read_card_data`).
"""

import json
import os
import re
from typing import Any, Dict, List, Optional, Tuple

CONFIG_MARK = "<!-- hfgan:config -->"
_SECTION = re.compile(r"<!-- hfgan:start:([\w-]+) -->\n?(.*?)<!-- hfgan:end:\1 -->\n?", re.S)
# metadata keys hfgan writes; a re-push drops those it no longer writes and keeps every other key
_OWNED_META = ("library_name", "pipeline_tag", "tags", "datasets", "id2label", "model-index", "hfgan")
_IMAGE = re.compile(r"!\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)|<img[^>]*\bsrc=[\"']([^\"']+)[\"']", re.I)
_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg")


def section(name: str, lines: List[str]) -> List[str]:
    """``lines`` marked as hfgan's section ``name``."""
    return [f"<!-- hfgan:start:{name} -->", *lines, f"<!-- hfgan:end:{name} -->", ""]


def _split_card(text: str) -> Tuple[Dict[str, Any], str]:
    """``(metadata, body)`` of a card; ``({}, text)`` when it has no readable YAML header."""
    import yaml

    if text.startswith("---\n"):
        end = text.find("\n---", 4)
        if end != -1:
            try:
                meta = yaml.safe_load(text[4:end]) or {}
            except yaml.YAMLError:
                meta = None
            if isinstance(meta, dict):
                return meta, text[end + 4:].lstrip("\n")
    return {}, text


def _segments(body: str) -> List[Tuple[Optional[str], str]]:
    """``[(section name or None for the user's text, text)]`` in order."""
    out, pos = [], 0
    for match in _SECTION.finditer(body):
        if match.start() > pos:
            out.append((None, body[pos:match.start()]))
        out.append((match.group(1), match.group(0)))
        pos = match.end()
    if pos < len(body):
        out.append((None, body[pos:]))
    return out


def merge_cards(old: Optional[str], new: str) -> str:
    """``new`` (a card hfgan just rendered) with what the user wrote in ``old`` kept.

    hfgan's marked sections of ``old`` are replaced by ``new``'s (or dropped, when ``new`` has none of that name),
    the user's text around them stays where it was, and new sections go after the section before them. In the
    header, the user's keys stay (their ``license`` too) and their tags are kept after hfgan's. An old card without
    markers is hfgan's own when its header says ``library_name: hfgan``, else the user's, kept below hfgan's body.
    """
    import yaml

    if not old or not old.strip():
        return new
    old_meta, old_body = _split_card(old)
    new_meta, new_body = _split_card(new)
    meta = dict(new_meta)
    meta.update({k: v for k, v in old_meta.items() if k not in _OWNED_META})  # the user's keys, license included
    if isinstance(old_meta.get("tags"), list):
        meta["tags"] = list(dict.fromkeys([*new_meta.get("tags", []), *old_meta["tags"]]))
    old_parts, new_parts = _segments(old_body), _segments(new_body)
    new_sections = {name: text for name, text in new_parts if name}
    if not any(name for name, _ in old_parts):
        if old_meta.get("library_name") == "hfgan" or not old_body.strip():
            body = new_body
        else:
            body = new_body.rstrip("\n") + "\n\n" + old_body.lstrip("\n")
    else:
        out = [(name, new_sections[name] if name else text) for name, text in old_parts if not name or name in new_sections]
        order = [name for name, _ in new_parts if name]
        for i, name in enumerate(order):
            placed = [n for n, _ in out]
            if name in placed:
                continue
            before = [n for n in order[:i] if n in placed]
            at = placed.index(before[-1]) + 1 if before else 0
            out.insert(at, (name, new_sections[name]))
        body = "".join(text for _, text in out)
    header = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True).strip()
    return f"---\n{header}\n---\n\n{body}"


def _config_from_body(text: str) -> Optional[Dict[str, Any]]:
    at = text.find(CONFIG_MARK)
    if at == -1:
        return None
    match = re.match(r"\s*```json\n(.*?)\n```", text[at + len(CONFIG_MARK):], re.S)
    try:
        value = json.loads(match.group(1)) if match else None
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def read_card_data(folder: str) -> Dict[str, Any]:
    """The ``hfgan`` block of a saved model card (with the training config from its body), or ``{}``."""
    path = os.path.join(folder, "README.md")
    if not os.path.isfile(path):
        return {}
    from huggingface_hub import ModelCard

    try:
        card = ModelCard.load(path)
        meta = card.data.to_dict()
    except Exception:  # noqa: BLE001 - a hand-edited card must not block loading the weights
        return {}
    data = meta.get("hfgan")
    if not isinstance(data, dict):
        return {}
    data = _well_formed(dict(data))
    training = _config_from_body(card.text)
    if training is not None and "training" not in data:
        data["training"] = training
    return data


def _well_formed(data: Dict[str, Any]) -> Dict[str, Any]:
    """Card data as a card may be rendered from: metrics entries that are not objects with a ``type`` and numeric
    ``train_minutes``/``train_steps`` that are not numbers (a hand-edited or crafted card) are left out."""
    def number(value) -> bool:
        return isinstance(value, (int, float)) and not isinstance(value, bool)

    if "metrics" in data:
        metrics = data["metrics"] if isinstance(data["metrics"], list) else []
        data["metrics"] = [m for m in metrics if isinstance(m, dict) and isinstance(m.get("type"), str) and "value" in m]
    for key in ("train_minutes", "train_steps"):
        if key in data and not number(data[key]):
            del data[key]
    return data


def card_images(card_text: str) -> List[str]:
    """The relative image paths a card shows (links to other sites are not files of the repo)."""
    from urllib.parse import unquote

    found = []
    for match in _IMAGE.finditer(card_text):
        ref = unquote((match.group(1) or match.group(2)).split("#")[0].split("?")[0])
        if re.match(r"^[a-z][a-z0-9+.-]*:", ref, re.I) or ref.startswith("/"):
            continue
        ref = os.path.normpath(ref).replace(os.sep, "/")
        if not ref.startswith("../") and ref.lower().endswith(_IMAGE_SUFFIXES):
            found.append(ref)
    return list(dict.fromkeys(found))
