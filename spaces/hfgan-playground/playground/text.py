"""Untrusted text (model card fields, typed model names, messages that quote them) made safe for ``gr.Markdown``.

A model card is written by whoever published the model, and the model box takes any text: both must show as
the characters they are, never as HTML (``<img onerror=...>``, ``<script>``) or markdown (a
``[link](javascript:...)``, a heading, a table cell break).
"""

import html
import re

# Markdown syntax (CommonMark, GFM tables and strikethrough, gradio's $$ math) anywhere in a line: a backslash
# makes each character literal. An underscore inside a word is literal already (``fashion_mnist``).
_ANYWHERE = re.compile(r"([\\`*\[\]()#|~$!{}]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9]))")
# Block syntax at the start of a line: lists, quotes, setext underlines, ordered lists.
_LINE_START = re.compile(r"^(\s*)([-+=>]|\d+[.])")
_BACKTICKS = re.compile(r"`+")


def _escape_line(line: str) -> str:
    line = _ANYWHERE.sub(r"\\\1", line)
    return _LINE_START.sub(lambda m: m.group(1) + m.group(2)[:-1] + "\\" + m.group(2)[-1], line)


def md_text(value, inline: bool = True) -> str:
    """``value`` as markdown that renders as exactly its text: no HTML, no links, no emphasis, no headings.

    ``inline`` folds line breaks into spaces (table cells, list items, titles); otherwise each line is kept.
    """
    text = "" if value is None else str(value)
    lines = text.splitlines() or [""]
    if inline:
        lines = [" ".join(part.strip() for part in lines if part.strip())]
    escaped = [html.escape(_escape_line(line), quote=False) for line in lines]
    return ("  \n" if not inline else "").join(escaped)


def md_code(value) -> str:
    """``value`` as an inline code span: shown verbatim (code spans render no HTML and no markdown).

    The fence is one backtick longer than the longest run inside, so no backtick in ``value`` can close it.
    """
    text = " ".join(("" if value is None else str(value)).split())
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text else ""
    return f"{fence}{pad}{text}{pad}{fence}"
