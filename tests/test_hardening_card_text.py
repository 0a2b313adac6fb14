"""Names from user data (class folders, run names, datasets, config values, metric labels) reach the model card
as text: HTML escaped, one line, no table cell or code span broken, no link; the YAML header keeps them as they are."""

import re
from urllib.parse import unquote

import yaml

from hfgan.cards import card_images, model_card_text

HOSTILE = ["<img src=x onerror=alert(1)>", "a | b\n# injected heading", "[click](https://example.com) `x` \\"]


def hostile_pipeline(make_tiny_pipeline):
    pipe = make_tiny_pipeline(num_classes=3)
    pipe.generator.register_to_config(class_names=list(HOSTILE))
    pipe.card_data = {
        "name": "<script>alert(1)</script>", "dataset": "<b>data</b>", "repo_id": 'x")\nimport os  # ',
        "samples": "samples/a) <img src=x onerror=alert(2)> (b.png", "train_hardware": "<iframe>|",
        "metrics": [{"type": "fid", "name": "FID | <u>x</u>", "value": 1.5, "features": "a\nb", "split": "`test`"}],
        "command": "hfgan train x --name '\n```\n<img src=x onerror=alert(3)>\n```'", "train_minutes": 1.0,
        "resumes": [{"command": "hfgan train", "step": "<4>", "changes": {"a`|b": ["<x>", "y"]}}],
    }
    return pipe


def body(text):
    return text.split("\n---\n", 1)[1]


def outside_code_blocks(card):
    return re.sub(r"^(`{3,})[^\n]*\n.*?^\1$", "", card, flags=re.S | re.M)


def test_hostile_names_are_escaped_in_the_card_and_kept_in_its_header(make_tiny_pipeline):
    text = model_card_text(hostile_pipeline(make_tiny_pipeline))
    meta = yaml.safe_load(text.split("---\n")[1])
    assert meta["id2label"] == {str(i): name for i, name in enumerate(HOSTILE)}  # the header keeps the real names
    assert meta["hfgan"]["name"] == "<script>alert(1)</script>"
    card = outside_code_blocks(body(text))
    for tag in ("<img", "<script", "<b>", "<u>", "<iframe", "<x>", "<4>"):
        assert tag not in card, tag
    assert "&lt;img src=x onerror=alert(1)&gt;" in card and "# &lt;script&gt;alert(1)&lt;/script&gt;" in card
    assert "\n# injected heading" not in card and "[click](" not in card
    assert "import os" not in card.replace('\\nimport os', "")  # the usage example stays one string literal


def test_tables_keep_their_columns(make_tiny_pipeline):
    card = body(model_card_text(hostile_pipeline(make_tiny_pipeline)))
    for table in ("## Model", "## Evaluation"):
        rows = [line for line in card.split(table)[1].split("<!--")[0].splitlines() if line.startswith("|")]
        widths = {len(row.replace("\\|", "").split("|")) for row in rows}
        assert len(widths) == 1, rows


def test_the_rendered_card_has_no_html_and_its_images_are_the_folders(make_tiny_pipeline):
    import pytest

    markdown_it = pytest.importorskip("markdown_it")
    text = model_card_text(hostile_pipeline(make_tiny_pipeline))
    tokens = markdown_it.MarkdownIt("commonmark", {"html": True}).enable("table").parse(body(text))

    def walk(tokens):
        for token in tokens:
            yield token
            yield from walk(token.children or [])

    html = [t.content for t in walk(tokens) if t.type in ("html_inline", "html_block") and not t.content.startswith("<!--")]
    assert html == [], html
    assert not [t for t in walk(tokens) if t.type == "link_open"]
    path = "samples/a) <img src=x onerror=alert(2)> (b.png"
    assert [unquote(t.attrs["src"]) for t in walk(tokens) if t.type == "image"] == [path]
    assert card_images(text) == [path]  # the file a push uploads


def test_a_non_numeric_metric_value_is_shown_as_escaped_text(make_tiny_pipeline):
    pipe = make_tiny_pipeline()
    values = ["12.5 <b>x</b> | y", None, [1, 2], {"a": 1}, True, float("nan"), 7]
    pipe.card_data = {"metrics": [{"type": "fid", "name": f"m{i}", "value": v} for i, v in enumerate(values)]}
    text = model_card_text(pipe)
    rows = [line for line in body(text).split("## Evaluation")[1].splitlines() if re.match(r"\| m\d", line)]
    cells = [row.replace("\\|", "").split("|")[2].strip() for row in rows]
    assert cells[0] == "12.5 &lt;b&gt;x&lt;/b&gt;  y" and "<b>" not in text.split("---", 2)[2]
    assert cells[1:] == ["None", "\\[1, 2\\]", "{'a': 1}", "True", "nan", "7"]
    assert yaml.safe_load(text.split("---\n")[1])["model-index"][0]["results"][0]["metrics"][0]["value"] == values[0]


def test_a_crafted_card_with_malformed_metrics_and_minutes_still_loads_and_renders(tmp_path, saved_pipeline_dir):
    """A README whose hfgan block holds metrics without a type, non-dict entries and text minutes: the pipeline
    loads, and a card rendered from it leaves those entries out instead of crashing."""
    import shutil

    import yaml

    from hfgan import GANPipeline
    from hfgan.cards import model_card_text, read_card_data

    folder = shutil.copytree(saved_pipeline_dir, tmp_path / "crafted")
    meta = {"library_name": "hfgan", "hfgan": {"name": "crafted", "train_minutes": "a long time", "train_steps": [1],
                                               "metrics": [{"value": 1.0}, "fid", 3, {"type": "fid", "value": 2.5}]}}
    (folder / "README.md").write_text(f"---\n{yaml.safe_dump(meta)}---\n\n# crafted\n")
    data = read_card_data(str(folder))
    assert data["metrics"] == [{"type": "fid", "value": 2.5}] and "train_minutes" not in data and "train_steps" not in data
    text = model_card_text(GANPipeline.from_pretrained(folder))
    assert "2.5" in text and "a long time" not in text
