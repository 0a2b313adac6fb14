"""Model cards and publishing.

The card is generated from the pipeline's configs plus ``pipe.card_data`` (dataset, metrics, training
recipe, sample grid), which the trainer and ``hfgan evaluate`` fill in. Its YAML header carries what the
Hub indexes: ``library_name: hfgan``, tags, ``pipeline_tag``, ``datasets``, ``license``, ``model-index``
results and, for conditional models, ``id2label``. The whole ``card_data`` is kept under the ``hfgan``
key so a loaded pipeline saves the same card again.
"""

import json
import os
from typing import Any, Dict, List, Optional

from .errors import CheckpointError, HFGANError, one_line

DATASET_IDS = {"fashion_mnist": "zalando-datasets/fashion_mnist"}
METRIC_NAMES = {"fid": "FID", "kid": "KID", "is": "Inception Score", "precision": "Precision", "recall": "Recall",
                "accuracy": "Class accuracy"}


def _family(pipe) -> str:
    """The registered family of the generator's class (``dcgan``, ``mlp_gan``), else its lower-cased class name."""
    from .models import get_model_entry, list_models

    for name in list_models():
        entry = get_model_entry(name)
        if isinstance(pipe.generator, entry.generator_cls):
            return entry.family
    return type(pipe.generator).__name__.lower().replace("generator", "") or "gan"


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
    meta: Dict[str, Any] = {
        "library_name": "hfgan",
        "license": data.get("license", "mit"),
        "pipeline_tag": pipe.pipeline_tag,
        "tags": tags,
    }
    if dataset:
        meta["datasets"] = [DATASET_IDS.get(dataset, dataset)]
    if getattr(pipe, "num_classes", None):
        meta["id2label"] = {str(i): name for i, name in enumerate(pipe.class_names)}
    metrics = data.get("metrics") or []
    if metrics:
        meta["model-index"] = [{
            "name": data.get("name", family),
            "results": [{
                "task": {"type": pipe.pipeline_tag, "name": pipe.pipeline_tag.replace("-", " ").title()},
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
    for name in ("generator", "discriminator"):
        module = getattr(pipe, name, None)
        if module is None:
            continue
        params = sum(p.numel() for p in module.parameters())
        config = {k: v for k, v in module.config.items() if not k.startswith("_") and k != "class_names"}
        rows.append(f"| {name} | `{type(module).__name__}` | {params / 1e6:.2f} M | `{json.dumps(config)}` |")
    return rows


def model_card_text(pipe, repo_id: Optional[str] = None) -> str:
    """Render the full model card (YAML header + markdown body)."""
    import yaml

    meta = card_metadata(pipe)
    data = meta["hfgan"]
    name = data.get("name") or repo_id or f"{_family(pipe)} GAN"
    cfg = pipe.generator.config
    lines = ["---", yaml.safe_dump(meta, sort_keys=False, allow_unicode=True).strip(), "---", "", f"# {name}", ""]
    lines.append(data.get("description") or (
        f"A {type(pipe.generator).__name__} that generates {cfg.sample_size}x{cfg.sample_size} "
        f"{'grayscale' if cfg.out_channels == 1 else 'RGB'} images"
        + (f" of {data['dataset']}" if data.get("dataset") else "") + ", packaged with hfgan."))
    lines.append("")
    if data.get("samples"):
        lines += [f"![samples]({data['samples']})", ""]
    lines += ["## Usage", "", "```python", "import torch", "from hfgan import GANPipeline", "",
              f'pipe = GANPipeline.from_pretrained("{repo_id or data.get("repo_id", "path/to/this/folder")}")']
    if pipe.num_classes:
        lines.append(f'images = pipe(class_labels=list(range({pipe.num_classes})), generator=torch.Generator().manual_seed(0)).images')
    else:
        lines.append("images = pipe(batch_size=16, generator=torch.Generator().manual_seed(0)).images")
    lines += ["images[0].save(\"sample.png\")", "```", ""]
    if pipe.num_classes:
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


def push_folder(folder: str, repo_id: str, **kwargs):
    """Upload a saved pipeline folder as it is (samples and training files included) after checking it loads."""
    from .pipelines import GANPipeline

    if not os.path.isfile(os.path.join(folder, "model_index.json")):
        raise CheckpointError(f"{folder} has no model_index.json: it is not a saved hfgan pipeline")
    GANPipeline.from_pretrained(folder)
    return upload_folder(folder, repo_id, **kwargs)
