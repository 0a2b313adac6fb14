"""Model card fields and typed model names reach gr.Markdown as text: no HTML, no links, no markdown syntax."""

import pytest

from hostile_payloads import HOSTILE, HOSTILE_CARD, HOSTILE_CLASS, HOSTILE_NAME


def test_md_text_escapes_html_and_markdown(app_module):
    from playground.text import md_code, md_text

    assert md_text('<img src=x onerror="a()">') == '&lt;img src=x onerror="a\\(\\)"&gt;'
    assert md_text("<script>x</script>") == "&lt;script&gt;x&lt;/script&gt;"
    assert md_text("[x](javascript:alert(1))") == "\\[x\\]\\(javascript:alert\\(1\\)\\)"
    assert md_text("a | b *c* _d_ `e` ~~f~~ $$g$$ &amp;") == \
        "a \\| b \\*c\\* \\_d\\_ \\`e\\` \\~\\~f\\~\\~ \\$\\$g\\$\\$ &amp;amp;"
    assert md_text("fashion_mnist image-to-image 1.5") == "fashion_mnist image-to-image 1.5"  # plain text unchanged
    assert md_text("# h\n- item\n2. x", inline=False) == "\\# h  \n\\- item  \n2\\. x"
    assert md_text("line one\nline two") == "line one line two" and md_text(None) == ""
    assert md_code("a`b``c") == "```a`b``c```" and md_code("`x") == "`` `x ``" and md_code("m") == "`m`"


def test_hostile_card_is_escaped_in_the_summary(app_module, hostile_pipelines_dir):
    play = app_module.Playground(hostile_pipelines_dir)
    summary = play.info(HOSTILE)["summary"]
    assert "<" not in summary.replace("&lt;", "")  # no tag survives, from any field
    assert "](" not in summary.replace("\\](", "").replace("\\]\\(", "")  # no link syntax
    assert "&lt;img src=x onerror=" in summary and "&lt;script&gt;window.\\_\\_pwned=2&lt;/script&gt;" in summary
    assert "\\[click me\\]\\(javascript:window.\\_\\_pwned=3\\)" in summary
    assert "\\# not a heading" in summary and "\\*\\*not bold\\*\\*" in summary
    assert "\n| &lt;b&gt;FID&lt;/b&gt; \\| col | 12.5 | \\[x\\]\\(javascript:" in summary  # one cell, not two
    assert "&lt;img src=z onerror=" in summary  # the class name
    with pytest.raises(app_module.SpaceError) as err:
        play.info(HOSTILE_NAME)
    from playground.summary import load_error

    card = load_error(HOSTILE_NAME, str(err.value))
    assert card.startswith(f"### Could not load `{HOSTILE_NAME}`")  # a code span shows it verbatim
    assert "<" not in card.split("\n", 1)[1].replace("&lt;", "")


def test_hostile_class_name_in_the_caption_is_escaped(app_module, hostile_pipelines_dir):
    play = app_module.Playground(hostile_pipelines_dir)
    _, caption, _ = play.generate(HOSTILE, 2, 0, HOSTILE_CLASS)
    assert "class: &lt;img src=z" in caption and "<img" not in caption
    *_, caption, _ = play.interpolate(HOSTILE, 0, 1, 2, HOSTILE_CLASS, "shirt")
    assert "<img" not in caption and "&lt;img src=z" in caption
    assert HOSTILE_CARD["name"] not in play.info(HOSTILE)["summary"]
