"""Model cards and publishing.

The card is generated from the pipeline's configs plus ``pipe.card_data`` (dataset, metrics, training
recipe, sample grid), which the trainer and ``hfgan evaluate`` fill in. Its YAML header carries what the
Hub indexes: ``library_name: hfgan``, tags, ``pipeline_tag``, ``datasets``, ``license``, ``model-index``
results and, for conditional models, ``id2label``. The whole ``card_data`` is kept under the ``hfgan``
key so a loaded pipeline saves the same card again.

A pipeline is read duck-typed: its ``pipeline_tag``, its ``components`` (every registered module, ``None`` for
an absent optional one), its ``card_data`` and, for conditional generators, ``num_classes`` / ``class_names``.
This module imports nothing from :mod:`hfgan.pipelines`; they import it.
"""

import json
import os
from typing import Any, Callable, Dict, List, Optional

from .errors import CheckpointError, HFGANError, one_line

DATASET_IDS = {"fashion_mnist": "zalando-datasets/fashion_mnist"}
METRIC_NAMES = {"fid": "FID", "kid": "KID", "is": "Inception Score", "precision": "Precision", "recall": "Recall",
                "accuracy": "Class accuracy"}


def _family(pipe) -> str:
    """The registered family of the generator's class (``dcgan``, ``mlp_gan``), else its lower-cased class name."""
    from .models import get_model_entry, list_models

    generator = getattr(pipe, "generator", None)
    for name in list_models():
        entry = get_model_entry(name)
        if isinstance(generator, entry.generator_cls):
            return entry.family
    return type(generator).__name__.lower().replace("generator", "") or "gan"


def _modules(pipe) -> Dict[str, Any]:
    """The pipeline's registered modules that are present, in registration order."""
    components = getattr(pipe, "components", None) or {}
    return {name: module for name, module in components.items() if module is not None}


def _plain(value: Any) -> Any:
    """``value`` as JSON/YAML-safe builtins: numpy and torch numbers and arrays become numbers and lists, the rest str."""
    return json.loads(json.dumps(value, default=lambda obj: obj.tolist() if hasattr(obj, "tolist") else str(obj)))


def card_metadata(pipe) -> Dict[str, Any]:
    """The YAML header of the model card as a dict."""
    data = _plain(dict(getattr(pipe, "card_data", {}) or {}))
    family = _family(pipe)
    dataset = data.get("dataset")
    tags = ["gan", "hfgan", family.replace("_", "-")]
    if dataset:
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
    if dataset:
        meta["datasets"] = [DATASET_IDS.get(dataset, dataset)]
    if getattr(pipe, "num_classes", None):
        meta["id2label"] = {str(i): name for i, name in enumerate(pipe.class_names)}
    metrics = data.get("metrics") or []
    if metrics:
        meta["model-index"] = [{
            "name": data.get("name", family),
            "results": [{
                "task": {"type": task, "name": task.replace("-", " ").title()},
                "dataset": {"type": DATASET_IDS.get(dataset, dataset or "unknown"), "name": dataset or "unknown",
                            "split": metrics[0].get("split", "test")},
                "metrics": [{"type": m["type"], "name": m.get("name", METRIC_NAMES.get(m["type"], m["type"])),
                             "value": m["value"]} for m in metrics],
            }],
        }]
    meta["hfgan"] = data
    return meta


def _component_table(pipe) -> List[str]:
    rows = ["| component | class | parameters | config |", "| --- | --- | --- | --- |"]
    for name, module in _modules(pipe).items():
        params = sum(p.numel() for p in module.parameters()) if hasattr(module, "parameters") else 0
        config = {k: v for k, v in dict(getattr(module, "config", {}) or {}).items() if not k.startswith("_") and k != "class_names"}
        rows.append(f"| {name} | `{type(module).__name__}` | {params / 1e6:.2f} M | `{json.dumps(config)}` |")
    return rows


def _channels(n: Optional[int]) -> str:
    return "grayscale" if n == 1 else "RGB"


def _description(pipe, data: Dict[str, Any]) -> str:
    generator = pipe.generator
    cfg, size = generator.config, generator.config.get("sample_size")
    of = f" of {data['dataset']}" if data.get("dataset") else ""
    if getattr(pipe, "pipeline_tag", None) == "image-to-image":
        reverse = _modules(pipe).get("generator_reverse")
        back = f" (and back, with a {type(reverse).__name__})" if reverse is not None else ""
        domains = data.get("domains") or {}
        if domains.get("A") and domains.get("B"):  # unpaired: name both domains
            return (f"A {type(generator).__name__} that translates {size}x{size} {_channels(cfg.get('in_channels'))} images "
                    f"of `{domains['A']}` into `{domains['B']}`{back}, packaged with hfgan.")
        return (f"A {type(generator).__name__} that translates {size}x{size} {_channels(cfg.get('in_channels'))} images{of} "
                f"into {_channels(cfg.get('out_channels'))} images{back}, packaged with hfgan.")
    return f"A {type(generator).__name__} that generates {size}x{size} {_channels(cfg.get('out_channels'))} images{of}, packaged with hfgan."


def _usage(pipe, source: str) -> List[str]:
    """The lines of the card's usage example."""
    cls = type(pipe).__name__
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
    return lines + ['images[0].save("sample.png")']


def model_card_text(pipe, repo_id: Optional[str] = None) -> str:
    """Render the full model card (YAML header + markdown body)."""
    import yaml

    meta = card_metadata(pipe)
    data = meta["hfgan"]
    name = data.get("name") or repo_id or f"{_family(pipe)} GAN"
    lines = ["---", yaml.safe_dump(meta, sort_keys=False, allow_unicode=True).strip(), "---", "", f"# {name}", ""]
    lines += [data.get("description") or _description(pipe, data), ""]
    if data.get("samples"):
        lines += [f"![samples]({data['samples']})", ""]
    lines += ["## Usage", "", "```python"] + _usage(pipe, repo_id or data.get("repo_id", "path/to/this/folder")) + ["```", ""]
    if getattr(pipe, "num_classes", None):
        lines += ["## Classes", "", ", ".join(f"{i}: {n}" for i, n in enumerate(pipe.class_names)), ""]
    lines += ["## Model", ""] + _component_table(pipe) + [""]
    if data.get("metrics"):
        lines += ["## Evaluation", "", "| metric | value | features | split | samples |", "| --- | --- | --- | --- | --- |"]
        for m in data["metrics"]:
            value = m["value"]
            lines.append(f"| {m.get('name', METRIC_NAMES.get(m['type'], m['type']))} | {value:.4g} | {m.get('features', '')} | "
                         f"{m.get('split', '')} | {m.get('num_samples', '')} |")
        lines.append("")
        if data.get("metrics_note"):
            lines += [data["metrics_note"], ""]
    if data.get("command") or data.get("training"):
        lines += ["## Training", ""]
        if data.get("command"):
            lines += ["Reproduce with:", "", "```bash", data["command"], "```", ""]
        if data.get("train_minutes") is not None:
            where = f" on {data['train_hardware']}" if data.get("train_hardware") else ""
            steps = f"{data['train_steps']} steps, " if data.get("train_steps") else ""
            lines += [f"Training wall clock: {steps}{data['train_minutes']:.1f} min{where}.", ""]
        if data.get("training_note"):
            lines += [data["training_note"], ""]
        if data.get("training"):
            lines += ["<details><summary>Training config</summary>", "", "```json",
                      json.dumps(data["training"], indent=2, sort_keys=True), "```", "", "</details>", ""]
    return "\n".join(lines)


def write_model_card(pipe, save_directory: str, repo_id: Optional[str] = None) -> str:
    path = os.path.join(save_directory, "README.md")
    with open(path, "w", encoding="utf-8") as f:
        f.write(model_card_text(pipe, repo_id))
    return path


def read_card_data(folder: str) -> Dict[str, Any]:
    """The ``hfgan`` block of a saved model card, or ``{}`` when there is none."""
    path = os.path.join(folder, "README.md")
    if not os.path.isfile(path):
        return {}
    from huggingface_hub import ModelCard

    try:
        meta = ModelCard.load(path).data.to_dict()
    except Exception:  # noqa: BLE001 - a hand-edited card must not block loading the weights
        return {}
    data = meta.get("hfgan")
    return dict(data) if isinstance(data, dict) else {}


def upload_folder(folder: str, repo_id: str, commit_message: Optional[str] = None, private: Optional[bool] = None,
                  token: Optional[str] = None, create_pr: bool = False, revision: Optional[str] = None):
    """Create ``repo_id`` if needed and upload ``folder`` as its content."""
    from huggingface_hub import HfApi

    api = HfApi(token=token)
    try:
        repo_id = api.create_repo(repo_id, private=private, exist_ok=True).repo_id
        return api.upload_folder(repo_id=repo_id, folder_path=folder, commit_message=commit_message or "Upload hfgan pipeline",
                                 create_pr=create_pr, revision=revision)
    except Exception as err:  # noqa: BLE001 - auth, network and validation errors become one line
        raise HFGANError(f"could not upload {folder} to the Hub repo {repo_id}: {one_line(err)}") from err


# How push_folder checks that a folder loads: hfgan.pipelines registers its load_pipeline here when imported.
_pipeline_loader: Optional[Callable[[str], Any]] = None


def register_pipeline_loader(loader: Callable[[str], Any]) -> None:
    """Set the function with which :func:`push_folder` loads a folder before uploading it."""
    global _pipeline_loader
    _pipeline_loader = loader


def push_folder(folder: str, repo_id: str, **kwargs):
    """Upload a saved pipeline folder as it is (samples and training files included) after checking it loads."""
    if not os.path.isfile(os.path.join(folder, "model_index.json")):
        raise CheckpointError(f"{folder} has no model_index.json: it is not a saved hfgan pipeline")
    if _pipeline_loader is None:  # only when hfgan.hub was loaded without the hfgan package around it
        raise HFGANError("no pipeline loader is registered: import hfgan first")
    _pipeline_loader(folder)
    return upload_folder(folder, repo_id, **kwargs)
