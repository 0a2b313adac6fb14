"""The model card summary shown beside the outputs."""

import torch

from .settings import IMAGE_TO_IMAGE
from .text import md_code, md_text
from .translation import directions


def _color(channels) -> str:
    return {1: "grayscale", 3: "RGB"}.get(channels, f"{channels} channels")


def family(gen) -> str:
    """The generator's family as hfgan names it (``dcgan``, ``stylegan2``, ...), else its class name."""
    module = type(gen).__module__.split(".")
    name = module[-2] if len(module) >= 3 and module[0] == "hfgan" else type(gen).__name__
    return name.replace("_", "-")


def _plain(value):
    """``value`` as JSON takes it: numbers, strings, booleans and None as they are, lists and dicts item by item,
    anything else as its text."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return str(value)


def card_facts(pipe, name: str) -> dict:
    """What the card summary shows, as plain values (JSON-able, unescaped): name, description, dataset, family and
    generator class, task, sizes and channels, latent size, classes, generator parameters, card metrics."""
    data = dict(getattr(pipe, "card_data", None) or {})
    gen = getattr(pipe, "generator", None)
    config = getattr(gen, "config", {}) or {}
    names = list(getattr(pipe, "class_names", None) or [])
    return _plain({
        "name": data.get("name") or name, "description": data.get("description"), "dataset": data.get("dataset"),
        "family": family(gen) if gen is not None else None,
        "generator_class": type(gen).__name__ if gen is not None else None,
        "pipeline_tag": getattr(pipe, "pipeline_tag", "") or None,
        "sample_size": config.get("sample_size"), "in_channels": config.get("in_channels"),
        "out_channels": config.get("out_channels"), "latent_dim": config.get("latent_dim"),
        "num_classes": int(getattr(pipe, "num_classes", None) or 0), "class_names": names,
        "generator_parameters": sum(p.numel() for p in gen.parameters()) if isinstance(gen, torch.nn.Module) else None,
        "metrics": [m for m in data.get("metrics") or [] if isinstance(m, dict) and "value" in m]})


def model_summary(pipe, name: str) -> str:
    """The model card summary as markdown: family, dataset, output, classes, parameters, metrics.

    Every card field and ``name`` (typed by the user) is escaped: it shows as text, never as HTML or a link.
    """
    data = dict(getattr(pipe, "card_data", None) or {})
    gen = getattr(pipe, "generator", None)
    config = getattr(gen, "config", {}) or {}
    lines = [f"### {md_text(data.get('name') or name)}", ""]
    if data.get("name") and data["name"] != name:
        lines += [md_code(name), ""]
    if data.get("description"):
        lines += [md_text(str(data["description"]).strip(), inline=False), ""]
    rows = []
    if gen is not None:
        rows.append(("Family", f"{family(gen)} (`{type(gen).__name__}`)"))
    rows.append(("Task", md_text(getattr(pipe, "pipeline_tag", "") or "?")))
    rows.append(("Dataset", md_text(data.get("dataset")) if data.get("dataset") else "not stated"))
    translator = getattr(pipe, "pipeline_tag", "") == IMAGE_TO_IMAGE
    if config.get("sample_size"):
        size = f"{config['sample_size']}×{config['sample_size']}"
        if translator and config.get("in_channels"):
            rows.append(("Input", f"{size} {_color(config.get('in_channels'))}"))
        rows.append(("Output", f"{size} {_color(config.get('out_channels'))}"))
    if translator:
        two_way = "reverse" in directions(pipe)
        rows.append(("Directions", "forward and reverse (two-way)" if two_way else "forward only (one-way)"))
    if config.get("latent_dim"):
        rows.append(("Latent size", str(config["latent_dim"])))
    if getattr(pipe, "num_classes", None):
        rows.append(("Classes", f"{pipe.num_classes}: " + ", ".join(md_text(c) for c in pipe.class_names)))
    elif not translator:
        rows.append(("Classes", "unconditional"))
    if isinstance(gen, torch.nn.Module):
        rows.append(("Generator parameters", f"{sum(p.numel() for p in gen.parameters()) / 1e6:.2f} M"))
    lines += [f"- **{k}:** {v}" for k, v in rows] + [""]
    metrics = [m for m in data.get("metrics") or [] if isinstance(m, dict) and "value" in m]
    if metrics:
        lines += ["**Metrics**", "", "| metric | value | features | split | samples |", "| --- | --- | --- | --- | --- |"]
        for m in metrics:
            value = m["value"]
            value = f"{value:.4g}" if isinstance(value, (int, float)) and not isinstance(value, bool) else md_text(value)
            cells = [md_text(m.get("name") or m.get("type", "?")), value] + [md_text(m.get(k, "")) for k in
                                                                            ("features", "split", "num_samples")]
            lines.append("| " + " | ".join(cells) + " |")
    else:
        lines.append("_No metrics on the model card._")
    return "\n".join(lines)


def load_error(name, message: str) -> str:
    """The card panel's markdown for a model that could not be loaded (``name`` and ``message`` escaped)."""
    return f"### Could not load {md_code(str(name or '').strip())}\n\n{md_text(message)}"
