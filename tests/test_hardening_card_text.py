"""Names from user data (class folders, run names, datasets, config values, metric labels) reach the model card
as text: HTML escaped, one line, no table cell or code span broken, no link; the YAML header keeps them as they are."""

import re
from urllib.parse import unquote

import yaml

from hfgan.hub import card_images, model_card_text

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
