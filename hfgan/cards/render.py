"""Rendering a model card from a pipeline's :class:`~hfgan.cards.facts.CardFacts`.

The card is generated from the pipeline's facts plus its ``card_data`` (dataset, metrics, training recipe, sample
grid), which the trainer and ``hfgan evaluate`` fill in. Its YAML header carries what the Hub indexes:
``library_name: hfgan``, tags, ``pipeline_tag``, ``datasets``, ``license``, ``model-index`` results and, for
conditional models, ``id2label``. Every function here takes a pipeline (anything with ``card_facts()``) or its
:class:`~hfgan.cards.facts.CardFacts`.
"""

import dataclasses
import json
import os
from typing import Any, Dict, List, Optional

from ..folder_safety import link_refusal, refuse_links_out
from .facts import CardFacts, facts_of
from .merge import CONFIG_MARK, merge_cards, section
from .text import LOCAL_DATASET, METRIC_NAMES, code, code_block, dataset_id, md, prose, public_card_data, url


def card_title(pipe, repo_id: Optional[str] = None) -> str:
    """The model's name: the repo's name when pushing, else the run's ``name``, else the family's."""
    facts = facts_of(pipe)
    if repo_id:
        return repo_id.rstrip("/").split("/")[-1]
    return facts.card_data.get("name") or f"{facts.family} GAN"


def card_metadata(pipe, repo_id: Optional[str] = None) -> Dict[str, Any]:
    """The YAML header of the model card as a dict."""
    facts = facts_of(pipe)
    data = public_card_data(facts.card_data)
    dataset = data.get("dataset")
    tags = ["gan", "hfgan", facts.family.replace("_", "-")]
    if dataset_id(dataset):
        tags.append(dataset.replace("_", "-"))
    if facts.num_classes:
        tags.append("class-conditional")
    tag = facts.pipeline_tag
    task = tag or "other"
    meta: Dict[str, Any] = {"library_name": "hfgan", "license": data.get("license", "mit")}
    if tag:
        meta["pipeline_tag"] = tag
    meta["tags"] = tags
    if data.get("base_model"):  # a fine-tuned model names the Hub repo it started from
        meta["base_model"] = data["base_model"]
    if dataset_id(dataset):
        meta["datasets"] = [dataset_id(dataset)]
    if facts.num_classes:
        meta["id2label"] = {str(i): name for i, name in enumerate(facts.class_names)}
    metrics = data.get("metrics") or []
    if metrics:
        meta["model-index"] = [{
            "name": card_title(facts, repo_id),
            "results": [{
                "task": {"type": task, "name": task.replace("-", " ").title()},
                "dataset": {"type": dataset_id(dataset) or dataset or "unknown", "name": dataset or "unknown",
                            "split": metrics[0].get("split", "test")},
                "metrics": [{"type": m["type"], "name": m.get("name", METRIC_NAMES.get(m["type"], m["type"])),
                             "value": m["value"]} for m in metrics],
            }],
        }]
    meta["hfgan"] = {k: v for k, v in data.items() if k != "training"}  # the config is in the body, once
    return meta


# ------------------------------------------------------------------------------------------- the body
def _component_table(facts: CardFacts) -> List[str]:
    rows = ["| component | class | parameters | config |", "| --- | --- | --- | --- |"]
    for component in facts.components:
        config = {k: v for k, v in component.config.items() if k != "class_names"}
        rows.append(f"| {md(component.name)} | `{component.class_name}` | {component.num_parameters / 1e6:.2f} M | "
                    f"{code(json.dumps(config), table=True)} |")
    return rows


def _channels(n: Optional[int]) -> str:
    return "grayscale" if n == 1 else "RGB"


def _description(facts: CardFacts, data: Dict[str, Any]) -> str:
    generator, size = facts.component("generator").class_name, facts.sample_size
    dataset = data.get("dataset")
    of = f" of a {dataset}" if dataset == LOCAL_DATASET else f" of {md(dataset)}" if dataset else ""
    if facts.pipeline_tag == "image-to-image":
        reverse = facts.component("generator_reverse")
        back = f" (and back, with a {reverse.class_name})" if reverse is not None else ""
        domains = data.get("domains") or {}
        if domains.get("A") and domains.get("B"):  # unpaired: name both domains
            return (f"A {generator} that translates {size}x{size} {_channels(facts.in_channels)} images "
                    f"of {code(domains['A'])} into {code(domains['B'])}{back}, packaged with hfgan.")
        return (f"A {generator} that translates {size}x{size} {_channels(facts.in_channels)} images{of} "
                f"into {_channels(facts.out_channels)} images{back}, packaged with hfgan.")
    return f"A {generator} that generates {size}x{size} {_channels(facts.out_channels)} images{of}, packaged with hfgan."


def _usage(facts: CardFacts, source: str) -> List[str]:
    """The lines of the card's usage example (``source``, the repo id or folder, as one string literal); an
    image-to-image model opens the example input shipped with it (``card_data["example_input"]``), if any."""
    cls = facts.class_name
    source = json.dumps(str(source))[1:-1]
    if facts.pipeline_tag == "image-to-image":
        example = facts.card_data.get("example_input")
        opened = f'Image.open("{url(example)}")' if isinstance(example, str) and example else \
            'Image.open("input.png")  # an image of the size and channels the model translates'
        lines = ["from PIL import Image", f"from hfgan import {cls}", "", f'pipe = {cls}.from_pretrained("{source}")',
                 f"image = pipe({opened}).images[0]", 'image.save("translated.png")']
        if facts.component("generator_reverse") is not None:
            lines.append('back = pipe(image, direction="reverse").images[0]')
        return lines
    lines = ["import torch", f"from hfgan import {cls}", "", f'pipe = {cls}.from_pretrained("{source}")']
    if facts.num_classes:
        lines.append(f"images = pipe(class_labels=list(range({facts.num_classes})), generator=torch.Generator().manual_seed(0)).images")
    else:
        lines.append("images = pipe(batch_size=16, generator=torch.Generator().manual_seed(0)).images")
    lines.append('images[0].save("sample.png")')
    if facts.truncation == "w_space":  # a W space: truncation in W, and style mixing
        lines += ["", "# truncation in W space (1.0: none; 0.0: the average image), and a style-mixing grid",
                  "images = pipe(batch_size=16, truncation_psi=0.7, generator=torch.Generator().manual_seed(0)).images",
                  "pipe.style_mixing(num_rows=3, num_columns=4, style_layers=range(0, 4),",
                  "                  generator=torch.Generator().manual_seed(0)).grid.save(\"style_mixing.png\")"]
    return lines


def _metric_value(value: Any) -> str:
    """A metric's value for the card's table: a number to 4 significant digits, anything else as escaped text."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{value:.4g}"
    return md(value)


def _training_lines(data: Dict[str, Any]) -> List[str]:
    lines = ["## Training", ""]
    if data.get("command"):
        lines += ["Reproduce with:", "", *code_block(str(data["command"]), "bash"), ""]
    if data.get("training"):
        lead = "and this config" if data.get("command") else "Trained with this config"
        lines += [f"{lead} (`training_config.json` holds the config the run ended with):" if data.get("resumes")
                  else f"{lead} (also in `training_config.json`):", "",
                  "<details><summary>Training config</summary>", "", CONFIG_MARK, "```json",
                  json.dumps(data["training"], indent=2, sort_keys=True), "```", "", "</details>", ""]
    for resume in data.get("resumes") or []:
        changes = resume.get("changes") or {}
        changed = "; ".join(f"{code(k)} {md(json.dumps(old))} -> {md(json.dumps(new))}"
                            for k, (old, new) in sorted(changes.items()))
        lines += [f"Resumed at step {md(resume.get('step'))} with:", "",
                  *code_block(str(resume.get("command") or "(the Python API)"), "bash"), ""]
        if changed:
            lines += [f"changing {changed}.", ""]
    if data.get("train_minutes") is not None:
        where = f" on {md(data['train_hardware'])}" if data.get("train_hardware") else ""
        steps = f"{md(data['train_steps'])} steps, " if data.get("train_steps") else ""
        lines += [f"Training wall clock: {steps}{data['train_minutes']:.1f} min{where}.", ""]
    if data.get("training_note"):
        lines += [prose(data["training_note"]), ""]
    if data.get("losses"):
        lines += [f"![losses]({url(data['losses'])})", ""]
    if data.get("progress"):
        lines += [f"Samples from fixed latents during training: ![progress]({url(data['progress'])})", ""]
    return lines


def _figure_lines(figures) -> List[str]:
    """``card_data["figures"]``: ``[{"path": "samples/x.png", "caption": "..."}]``, each shown under its caption."""
    lines = ["## Figures", ""]
    for figure in figures:
        if isinstance(figure, dict) and isinstance(figure.get("path"), str):
            name = os.path.splitext(os.path.basename(figure["path"]))[0]
            if figure.get("caption"):
                lines += [prose(figure["caption"]), ""]
            lines += [f"![{md(name)}]({url(figure['path'])})", ""]
    return lines


def _evaluation_lines(data: Dict[str, Any]) -> List[str]:
    rows = ["## Evaluation", "", "| metric | value | features | split | samples |", "| --- | --- | --- | --- | --- |"]
    for m in data["metrics"]:
        rows.append(f"| {md(m.get('name', METRIC_NAMES.get(m['type'], m['type'])))} | {_metric_value(m['value'])} | "
                    f"{md(m.get('features', ''))} | {md(m.get('split', ''))} | {md(m.get('num_samples', ''))} |")
    rows.append("")
    if data.get("metrics_note"):
        rows += [prose(data["metrics_note"]), ""]
    return rows


# ------------------------------------------------------------------------------------------- its images
# card_data keys whose value is an image path the card shows (or, ``example_input``, its usage opens)
SHOWN_KEYS = ("samples", "losses", "progress", "example_input")
EXAMPLE_INPUT = "example_input.png"  # an image-to-image folder's example input, opened by its card's usage


def shown_images(card_data: Dict[str, Any]) -> List[str]:
    """The relative paths of the images ``card_data`` has the card show: samples, loss plot, progress, figures."""
    paths = [card_data.get(key) for key in SHOWN_KEYS]
    paths += [f.get("path") for f in card_data.get("figures") or [] if isinstance(f, dict)]
    return list(dict.fromkeys(p for p in paths if isinstance(p, str) and p))


def without_missing_images(card_data: Dict[str, Any], folder: str) -> Dict[str, Any]:
    """``card_data`` without the images that are not files of ``folder`` (a card rendered from it links no image
    that is not there: a push uploads the card and the images it shows)."""
    def there(path: Any) -> bool:
        return isinstance(path, str) and os.path.isfile(os.path.join(folder, path)) and not link_refusal(folder, path)

    data = {k: v for k, v in card_data.items() if k not in SHOWN_KEYS or there(v)}
    if isinstance(data.get("figures"), list):
        data["figures"] = [f for f in data["figures"] if isinstance(f, dict) and there(f.get("path"))]
        if not data["figures"]:
            del data["figures"]
    return data


# ------------------------------------------------------------------------------------------- the card
def model_card_text(pipe, repo_id: Optional[str] = None) -> str:
    """Render the full model card (YAML header + markdown body, hfgan's parts marked as sections)."""
    import yaml

    facts = facts_of(pipe)
    meta = card_metadata(facts, repo_id)
    data = public_card_data(facts.card_data)
    description = prose(data["description"]) if data.get("description") else _description(facts, data)
    head = [f"# {md(card_title(facts, repo_id))}", "", description, ""]
    if data.get("samples"):
        head += [f"![samples]({url(data['samples'])})", ""]
    lines = ["---", yaml.safe_dump(meta, sort_keys=False, allow_unicode=True).strip(), "---", ""]
    lines += section("header", head)
    source = repo_id or "."  # pushed: the repo; else the folder the card sits in, run from there
    lines += section("usage", ["## Usage", "", "```python"] + _usage(facts, source) + ["```", ""])
    if facts.num_classes:
        lines += section("classes", ["## Classes", "", ", ".join(f"{i}: {md(n)}" for i, n in enumerate(facts.class_names)), ""])
    if data.get("figures"):
        lines += section("figures", _figure_lines(data["figures"]))
    lines += section("model", ["## Model", ""] + _component_table(facts) + [""])
    if data.get("metrics"):
        lines += section("evaluation", _evaluation_lines(data))
    if data.get("command") or data.get("training"):
        lines += section("training", _training_lines(data))
    return "\n".join(lines)


def write_model_card(pipe, save_directory: str, repo_id: Optional[str] = None) -> str:
    """Write ``README.md``; a card already there keeps what its user wrote outside hfgan's sections. A ``README.md``
    that leads out of the folder (:func:`~hfgan.folder_safety.link_refusal`) is neither read nor written through:
    one :class:`~hfgan.errors.HFGANError`."""
    refuse_links_out(save_directory, ["README.md"], "write the model card into")
    facts = with_example_input(facts_of(pipe), save_directory)
    path = os.path.join(save_directory, "README.md")
    old = None
    if os.path.isfile(path):
        with open(path, encoding="utf-8") as f:
            old = f.read()
    with open(path, "w", encoding="utf-8") as f:
        f.write(merge_cards(old, model_card_text(facts, repo_id)))
    return path


def with_example_input(facts: CardFacts, folder: str) -> CardFacts:
    """``facts`` whose usage opens the example input of an image-to-image pipeline when ``folder`` holds it (the one
    ``card_data["example_input"]`` names, else :data:`EXAMPLE_INPUT`), and names none that ``folder`` lacks."""
    if facts.pipeline_tag != "image-to-image":
        return facts
    data = dict(facts.card_data)
    name = data.get("example_input") if isinstance(data.get("example_input"), str) else EXAMPLE_INPUT
    if os.path.isfile(os.path.join(folder, name)) and not link_refusal(folder, name):
        data["example_input"] = name
    else:
        data.pop("example_input", None)
    return dataclasses.replace(facts, card_data=data)
