"""Model cards and publishing.

The card is generated from the pipeline's configs plus ``pipe.card_data`` (dataset, metrics, training
recipe, sample grid), which the trainer and ``hfgan evaluate`` fill in. Its YAML header carries what the
Hub indexes: ``library_name: hfgan``, tags, ``pipeline_tag``, ``datasets``, ``license``, ``model-index``
results and, for conditional models, ``id2label``. ``card_data`` is kept under the ``hfgan`` key (the training
config once, in the body) so a loaded pipeline saves the same card again. No local path reaches a card: a local
dataset is "local image folder", other absolute paths keep their last part. Names from user data (class folders,
run names, datasets, config values) are escaped in the body (HTML, table pipes, newlines, links); the header keeps
them as they are.

hfgan's parts of the body sit between ``<!-- hfgan:start:NAME -->`` and ``<!-- hfgan:end:NAME -->``; saving
into a folder with a card, or pushing to a repo with one, replaces those and keeps what the user wrote around
them (:func:`merge_cards`). A push uploads exactly the Hub repo (:func:`files_to_upload`): ``model_index.json``,
the components' configs and safetensors, the card, the images it shows, the loss plot and the training config;
never checkpoints, optimizer or RNG state, pickles or logs. Only the folder's own regular files: a symlink that leads
out of it, or a FIFO or device, stops the push (:func:`link_refusal`), and ``pipeline_hfgan.py`` is always hfgan's
own one-line module, whatever the folder holds.

A pipeline is read duck-typed: its ``pipeline_tag``, its ``components`` (every registered module, ``None`` for
an absent optional one), its ``card_data`` and, for conditional generators, ``num_classes`` / ``class_names``.
This module imports nothing from :mod:`hfgan.pipelines`; they import it.
"""

import html
import json
import os
import re
import shlex
import shutil
import stat
import tempfile
from typing import Any, Callable, Dict, List, Optional, Tuple

from .errors import CheckpointError, HFGANError, one_line

DATASET_IDS = {"fashion_mnist": "zalando-datasets/fashion_mnist"}
METRIC_NAMES = {"fid": "FID", "kid": "KID", "is": "Inception Score", "precision": "Precision", "recall": "Recall",
                "accuracy": "Class accuracy"}


def _family(pipe) -> str:
    """The registered family of the generator's class (``dcgan``, ``mlp_gan``), else its lower-cased class name."""
    from .models import get_model_entry, list_models

    generator = getattr(pipe, "generator", None)
    two_way = getattr(pipe, "generator_reverse", None) is not None
    matches = [get_model_entry(name) for name in list_models() if isinstance(generator, get_model_entry(name).generator_cls)]
    # one generator class can serve two families (a U-Net: Pix2Pix, or CycleGAN with a reverse generator)
    for entry in sorted(matches, key=lambda e: ("generator_reverse" in e.components) != two_way):
        return entry.family
    return type(generator).__name__.lower().replace("generator", "") or "gan"


def _modules(pipe) -> Dict[str, Any]:
    """The pipeline's registered modules that are present, in registration order."""
    components = getattr(pipe, "components", None) or {}
    return {name: module for name, module in components.items() if module is not None}


def _plain(value: Any) -> Any:
    """``value`` as JSON/YAML-safe builtins: numpy and torch numbers and arrays become numbers and lists, the rest str."""
    return json.loads(json.dumps(value, default=lambda obj: obj.tolist() if hasattr(obj, "tolist") else str(obj)))


LOCAL_DATASET = "local image folder"
_DATASET_KEYS = ("dataset", "dataset_a", "dataset_b")


def _is_local_path(value: str) -> bool:
    return os.path.isabs(value) or value.startswith(("~", "./", "../")) or value in (".", "..")


def _is_local_dataset(value: str) -> bool:
    """A folder on this machine rather than a Hub id or a built-in name (``fashion_mnist:Sneaker`` is built in)."""
    if value == LOCAL_DATASET:
        return False
    return _is_local_path(value) or os.path.isdir(value) or os.path.isdir(value.rsplit(":", 1)[0])


def _public_value(key: str, value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _public_value(k, v) for k, v in value.items()}
    if isinstance(value, list):
        return [_public_value(key, v) for v in value]
    if not isinstance(value, str):
        return value
    if key in _DATASET_KEYS and _is_local_dataset(value):
        return LOCAL_DATASET
    if _is_local_path(value):
        return os.path.basename(os.path.normpath(os.path.expanduser(value))) or "."
    return value


def public_command(command: str) -> str:
    """A training command without local paths: dataset folders become ``'<local image folder>'``, other absolute
    paths their last part (``--output_dir /tmp/x/run`` -> ``--output_dir run``)."""
    try:
        tokens = shlex.split(command)
    except ValueError:
        return command
    out, previous = [], ""
    for token in tokens:
        key, eq, value = token.partition("=") if token.startswith("--") else ("", "", token)
        if token.startswith("--") and not eq:
            out.append(token)
        else:
            name = (key or previous).lstrip("-").replace("-", "_")
            if name in _DATASET_KEYS and _is_local_dataset(value):
                value = f"<{LOCAL_DATASET}>"
            elif _is_local_path(value):
                value = _public_value("", value)
            out.append(f"{key}={value}" if eq else value)
        previous = token if token.startswith("--") and not eq else ""
    program, *rest = out
    program = program if " " in program else shlex.quote(program)  # "accelerate launch -m hfgan.train" stays as is
    return " ".join([program, *(shlex.quote(t) for t in rest)])


def public_card_data(data: Dict[str, Any]) -> Dict[str, Any]:
    """``card_data`` as a card may show it: plain values, and no local path anywhere."""
    data = _plain(dict(data or {}))
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


def _dataset_id(dataset: Optional[str]) -> Optional[str]:
    """The dataset's Hub id, or None for a local folder."""
    if not dataset or dataset == LOCAL_DATASET:
        return None
    return DATASET_IDS.get(dataset, dataset)


def card_title(pipe, repo_id: Optional[str] = None) -> str:
    """The model's name: the repo's name when pushing, else the run's ``name``, else the family's."""
    data = getattr(pipe, "card_data", None) or {}
    if repo_id:
        return repo_id.rstrip("/").split("/")[-1]
    return data.get("name") or f"{_family(pipe)} GAN"


def card_metadata(pipe, repo_id: Optional[str] = None) -> Dict[str, Any]:
    """The YAML header of the model card as a dict."""
    data = public_card_data(getattr(pipe, "card_data", {}) or {})
    family = _family(pipe)
    dataset = data.get("dataset")
    tags = ["gan", "hfgan", family.replace("_", "-")]
    if _dataset_id(dataset):
        tags.append(dataset.replace("_", "-"))
    if getattr(pipe, "num_classes", None):
        tags.append("class-conditional")
    tag = getattr(pipe, "pipeline_tag", None)
    task = tag or "other"
    meta: Dict[str, Any] = {"library_name": "hfgan", "license": data.get("license", "mit")}
    if tag:
        meta["pipeline_tag"] = tag
    meta["tags"] = tags
    if data.get("base_model"):  # a fine-tuned model names the Hub repo it started from
        meta["base_model"] = data["base_model"]
    if _dataset_id(dataset):
        meta["datasets"] = [_dataset_id(dataset)]
    if getattr(pipe, "num_classes", None):
        meta["id2label"] = {str(i): name for i, name in enumerate(pipe.class_names)}
    metrics = data.get("metrics") or []
    if metrics:
        meta["model-index"] = [{
            "name": card_title(pipe, repo_id),
            "results": [{
                "task": {"type": task, "name": task.replace("-", " ").title()},
                "dataset": {"type": _dataset_id(dataset) or dataset or "unknown", "name": dataset or "unknown",
                            "split": metrics[0].get("split", "test")},
                "metrics": [{"type": m["type"], "name": m.get("name", METRIC_NAMES.get(m["type"], m["type"])),
                             "value": m["value"]} for m in metrics],
            }],
        }]
    meta["hfgan"] = {k: v for k, v in data.items() if k != "training"}  # the config is in the body, once
    return meta


# ------------------------------------------------------------------------------------- user data as card text
# Names and values from user data (class folders, run names, datasets, config values) are text in the card body:
# HTML escaped, on one line, with no link, code span or table cell of their own. Prose fields (a description, the
# training and metrics notes, figure captions) are markdown their author writes: only their HTML is escaped. The
# YAML header keeps every value as it is.
def _one_line(value: Any) -> str:
    return " ".join(str(value).splitlines())


def _md(value: Any) -> str:
    """``value`` as literal markdown text, also inside a table cell."""
    return html.escape(re.sub(r"([\\`\[\]|])", r"\\\1", _one_line(value)), quote=False)


def _prose(value: Any) -> str:
    """Markdown written by the card's author, with no HTML of its own."""
    return str(value).replace("<", "&lt;")


def _code(value: Any, table: bool = False) -> str:
    """``value`` as one inline code span, whatever backticks it holds (``table``: it sits in a table cell)."""
    text = _one_line(value)
    fence = "`" * (max(map(len, re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text.replace('|', chr(92) + '|') if table else text}{pad}{fence}"


def _code_block(text: str, language: str) -> List[str]:
    """The lines of a fenced code block that nothing in ``text`` can close early."""
    fence = "`" * max(3, max(map(len, re.findall(r"`+", text)), default=0) + 1)
    return [f"{fence}{language}", text, fence]


def _url(path: Any) -> str:
    """A relative path as a link target (percent-encoded: spaces, parentheses and angle brackets included)."""
    from urllib.parse import quote

    return quote(_one_line(path), safe="/.-_~")


def _component_table(pipe) -> List[str]:
    rows = ["| component | class | parameters | config |", "| --- | --- | --- | --- |"]
    for name, module in _modules(pipe).items():
        params = sum(p.numel() for p in module.parameters()) if hasattr(module, "parameters") else 0
        config = {k: v for k, v in dict(getattr(module, "config", {}) or {}).items() if not k.startswith("_") and k != "class_names"}
        rows.append(f"| {_md(name)} | `{type(module).__name__}` | {params / 1e6:.2f} M | {_code(json.dumps(config), table=True)} |")
    return rows


def _channels(n: Optional[int]) -> str:
    return "grayscale" if n == 1 else "RGB"


def _description(pipe, data: Dict[str, Any]) -> str:
    generator = pipe.generator
    cfg, size = generator.config, generator.config.get("sample_size")
    dataset = data.get("dataset")
    of = f" of a {dataset}" if dataset == LOCAL_DATASET else f" of {_md(dataset)}" if dataset else ""
    if getattr(pipe, "pipeline_tag", None) == "image-to-image":
        reverse = _modules(pipe).get("generator_reverse")
        back = f" (and back, with a {type(reverse).__name__})" if reverse is not None else ""
        domains = data.get("domains") or {}
        if domains.get("A") and domains.get("B"):  # unpaired: name both domains
            return (f"A {type(generator).__name__} that translates {size}x{size} {_channels(cfg.get('in_channels'))} images "
                    f"of {_code(domains['A'])} into {_code(domains['B'])}{back}, packaged with hfgan.")
        return (f"A {type(generator).__name__} that translates {size}x{size} {_channels(cfg.get('in_channels'))} images{of} "
                f"into {_channels(cfg.get('out_channels'))} images{back}, packaged with hfgan.")
    return f"A {type(generator).__name__} that generates {size}x{size} {_channels(cfg.get('out_channels'))} images{of}, packaged with hfgan."


def _usage(pipe, source: str) -> List[str]:
    """The lines of the card's usage example (``source``, the repo id or folder, as one string literal)."""
    cls = type(pipe).__name__
    source = json.dumps(str(source))[1:-1]
    if getattr(pipe, "pipeline_tag", None) == "image-to-image":
        lines = ["from PIL import Image", f"from hfgan import {cls}", "", f'pipe = {cls}.from_pretrained("{source}")',
                 'image = pipe(Image.open("input.png")).images[0]', 'image.save("translated.png")']
        if _modules(pipe).get("generator_reverse") is not None:
            lines.append('back = pipe(image, direction="reverse").images[0]')
        return lines
    lines = ["import torch", f"from hfgan import {cls}", "", f'pipe = {cls}.from_pretrained("{source}")']
    num_classes = getattr(pipe, "num_classes", None)
    if num_classes:
        lines.append(f"images = pipe(class_labels=list(range({num_classes})), generator=torch.Generator().manual_seed(0)).images")
    else:
        lines.append("images = pipe(batch_size=16, generator=torch.Generator().manual_seed(0)).images")
    lines.append('images[0].save("sample.png")')
    generator = getattr(pipe, "generator", None)
    if callable(getattr(generator, "map", None)) and callable(getattr(generator, "synthesize", None)):
        lines += ["", "# truncation in W space (1.0: none; 0.0: the average image), and a style-mixing grid",
                  "images = pipe(batch_size=16, truncation_psi=0.7, generator=torch.Generator().manual_seed(0)).images",
                  "pipe.style_mixing(num_rows=3, num_columns=4, style_layers=range(0, 4),",
                  "                  generator=torch.Generator().manual_seed(0)).grid.save(\"style_mixing.png\")"]
    return lines


# ------------------------------------------------------------------------------------------- the card
_CONFIG_MARK = "<!-- hfgan:config -->"
_SECTION = re.compile(r"<!-- hfgan:start:([\w-]+) -->\n?(.*?)<!-- hfgan:end:\1 -->\n?", re.S)
# metadata keys hfgan writes; a re-push drops those it no longer writes and keeps every other key
_OWNED_META = ("library_name", "pipeline_tag", "tags", "datasets", "id2label", "model-index", "hfgan")


def _section(name: str, lines: List[str]) -> List[str]:
    return [f"<!-- hfgan:start:{name} -->", *lines, f"<!-- hfgan:end:{name} -->", ""]


def _metric_value(value: Any) -> str:
    """A metric's value for the card's table: a number to 4 significant digits, anything else as escaped text."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{value:.4g}"
    return _md(value)


def _training_lines(data: Dict[str, Any]) -> List[str]:
    lines = ["## Training", ""]
    if data.get("command"):
        lines += ["Reproduce with:", "", *_code_block(str(data["command"]), "bash"), ""]
    if data.get("training"):
        lead = "and this config" if data.get("command") else "Trained with this config"
        lines += [f"{lead} (`training_config.json` holds the config the run ended with):" if data.get("resumes")
                  else f"{lead} (also in `training_config.json`):", "",
                  "<details><summary>Training config</summary>", "", _CONFIG_MARK, "```json",
                  json.dumps(data["training"], indent=2, sort_keys=True), "```", "", "</details>", ""]
    for resume in data.get("resumes") or []:
        changes = resume.get("changes") or {}
        changed = "; ".join(f"{_code(k)} {_md(json.dumps(old))} -> {_md(json.dumps(new))}"
                            for k, (old, new) in sorted(changes.items()))
        lines += [f"Resumed at step {_md(resume.get('step'))} with:", "",
                  *_code_block(str(resume.get("command") or "(the Python API)"), "bash"), ""]
        if changed:
            lines += [f"changing {changed}.", ""]
    if data.get("train_minutes") is not None:
        where = f" on {_md(data['train_hardware'])}" if data.get("train_hardware") else ""
        steps = f"{_md(data['train_steps'])} steps, " if data.get("train_steps") else ""
        lines += [f"Training wall clock: {steps}{data['train_minutes']:.1f} min{where}.", ""]
    if data.get("training_note"):
        lines += [_prose(data["training_note"]), ""]
    if data.get("losses"):
        lines += [f"![losses]({_url(data['losses'])})", ""]
    if data.get("progress"):
        lines += [f"Samples from fixed latents during training: ![progress]({_url(data['progress'])})", ""]
    return lines


def _figure_lines(figures) -> List[str]:
    """``card_data["figures"]``: ``[{"path": "samples/x.png", "caption": "..."}]``, each shown under its caption."""
    lines = ["## Figures", ""]
    for figure in figures:
        if isinstance(figure, dict) and isinstance(figure.get("path"), str):
            name = os.path.splitext(os.path.basename(figure["path"]))[0]
            if figure.get("caption"):
                lines += [_prose(figure["caption"]), ""]
            lines += [f"![{_md(name)}]({_url(figure['path'])})", ""]
    return lines


def model_card_text(pipe, repo_id: Optional[str] = None) -> str:
    """Render the full model card (YAML header + markdown body, hfgan's parts marked as sections)."""
    import yaml

    meta = card_metadata(pipe, repo_id)
    data = public_card_data(getattr(pipe, "card_data", {}) or {})
    description = _prose(data["description"]) if data.get("description") else _description(pipe, data)
    head = [f"# {_md(card_title(pipe, repo_id))}", "", description, ""]
    if data.get("samples"):
        head += [f"![samples]({_url(data['samples'])})", ""]
    lines = ["---", yaml.safe_dump(meta, sort_keys=False, allow_unicode=True).strip(), "---", ""]
    lines += _section("header", head)
    source = repo_id or data.get("repo_id", "path/to/this/folder")
    lines += _section("usage", ["## Usage", "", "```python"] + _usage(pipe, source) + ["```", ""])
    if getattr(pipe, "num_classes", None):
        lines += _section("classes", ["## Classes", "", ", ".join(f"{i}: {_md(n)}" for i, n in enumerate(pipe.class_names)), ""])
    if data.get("figures"):
        lines += _section("figures", _figure_lines(data["figures"]))
    lines += _section("model", ["## Model", ""] + _component_table(pipe) + [""])
    if data.get("metrics"):
        rows = ["## Evaluation", "", "| metric | value | features | split | samples |", "| --- | --- | --- | --- | --- |"]
        for m in data["metrics"]:
            rows.append(f"| {_md(m.get('name', METRIC_NAMES.get(m['type'], m['type'])))} | {_metric_value(m['value'])} | "
                        f"{_md(m.get('features', ''))} | {_md(m.get('split', ''))} | {_md(m.get('num_samples', ''))} |")
        rows.append("")
        if data.get("metrics_note"):
            rows += [_prose(data["metrics_note"]), ""]
        lines += _section("evaluation", rows)
    if data.get("command") or data.get("training"):
        lines += _section("training", _training_lines(data))
    return "\n".join(lines)


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


def write_model_card(pipe, save_directory: str, repo_id: Optional[str] = None) -> str:
    """Write ``README.md``; a card already there keeps what its user wrote outside hfgan's sections. A ``README.md``
    that leads out of the folder (:func:`link_refusal`) is neither read nor written through: one :class:`HFGANError`."""
    refuse_links_out(save_directory, ["README.md"], "write the model card into")
    path = os.path.join(save_directory, "README.md")
    old = None
    if os.path.isfile(path):
        with open(path, encoding="utf-8") as f:
            old = f.read()
    with open(path, "w", encoding="utf-8") as f:
        f.write(merge_cards(old, model_card_text(pipe, repo_id)))
    return path


def _config_from_body(text: str) -> Optional[Dict[str, Any]]:
    at = text.find(_CONFIG_MARK)
    if at == -1:
        return None
    match = re.match(r"\s*```json\n(.*?)\n```", text[at + len(_CONFIG_MARK):], re.S)
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


# ------------------------------------------------------------------------------------------ publishing
_COMPONENT_FILE = re.compile(r"^[^/]+\.(json|safetensors)$")
_IMAGE = re.compile(r"!\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)|<img[^>]*\bsrc=[\"']([^\"']+)[\"']", re.I)
_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg")
EXTRA_FILES = ("losses.png", "training_config.json")
SHOWN_FILES = {"samples": "samples/grid.png", "losses": "losses.png", "progress": "samples/progress.gif"}

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


def _stage(folder: str, files: List[str], card_text: Optional[str], target: str) -> None:
    """Put ``files`` of ``folder`` in ``target`` as regular files: ``README.md`` is ``card_text``, the
    :data:`DIFFUSERS_MODULE` file hfgan's own text, every other file the content it resolves to, checked again."""
    written = ("README.md", f"{DIFFUSERS_MODULE}.py")
    refuse_links_out(folder, [rel for rel in files if rel not in written], "upload")
    for rel in files:
        dest = os.path.join(target, rel)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        if rel in written:
            text = card_text if rel == "README.md" else \
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


# How push_folder checks that a folder loads: hfgan.pipelines registers its load_pipeline here when imported.
_pipeline_loader: Optional[Callable[[str], Any]] = None


def register_pipeline_loader(loader: Callable[[str], Any]) -> None:
    """Set the function with which :func:`push_folder` loads a folder before uploading it."""
    global _pipeline_loader
    _pipeline_loader = loader


def check_repo_id(repo_id) -> None:
    """A one-line :class:`HFGANError` unless ``repo_id`` is a valid Hub repo id (``name`` or ``org/name``)."""
    from huggingface_hub.utils import HFValidationError, validate_repo_id

    if not isinstance(repo_id, str):
        raise HFGANError(f"a Hub repo id is a string such as 'org/name', got {type(repo_id).__name__}")
    try:
        validate_repo_id(repo_id)
    except HFValidationError as err:
        raise HFGANError(f"{repo_id[:100]!r} is not a valid Hub repo id such as 'org/name' ({one_line(err)})") from None


def _push_card(folder: str, repo_id: str) -> str:
    """The card a push of ``folder`` uploads (before merging with the repo's): rendered for ``repo_id`` from the
    pipeline, which must load, with what the user wrote into the local card kept."""
    check_repo_id(repo_id)
    if not os.path.isfile(os.path.join(folder, "model_index.json")):
        raise CheckpointError(f"{folder} has no model_index.json: it is not a saved hfgan pipeline")
    if _pipeline_loader is None:  # `import hfgan` imports the pipelines lazily: importing them registers the loader
        import importlib

        register_pipeline_loader(importlib.import_module(__package__ + ".pipelines").load_pipeline)
    from diffusers.utils import logging as diffusers_logging

    bars_were_enabled = diffusers_logging.is_progress_bar_enabled()
    diffusers_logging.disable_progress_bar()  # a check, not the user's load: no "Loading pipeline components" bar
    try:
        pipe = _pipeline_loader(folder)
    finally:
        if bars_were_enabled:
            diffusers_logging.enable_progress_bar()
    for key, path in SHOWN_FILES.items():  # a run's plots, also for cards written before the card showed them
        if not pipe.card_data.get(key) and os.path.isfile(os.path.join(folder, path)):
            pipe.card_data[key] = path
    card_text = model_card_text(pipe, repo_id)
    local = _local_card(folder)
    return card_text if local is None else merge_cards(local, card_text)


def push_plan(folder: str, repo_id: str) -> Tuple[List[str], Dict[str, str]]:
    """What :func:`push_folder` would upload and refuse (:func:`upload_plan`), after checking the folder loads."""
    return upload_plan(folder, _push_card(folder, repo_id))


def push_folder(folder: str, repo_id: str, dry_run: bool = False, **kwargs):
    """Upload the Hub repo of a saved pipeline or training run folder (:func:`files_to_upload`), after checking it
    loads; its card is rendered again for ``repo_id`` (title, usage) and merged with the repo's. ``dry_run``:
    check, and return the relative paths that would be uploaded instead. A symlink or special file that leads out of
    the folder stops it with one :class:`HFGANError` line naming the file (:func:`link_refusal`)."""
    return upload_folder(folder, repo_id, card_text=_push_card(folder, repo_id), dry_run=dry_run, **kwargs)
