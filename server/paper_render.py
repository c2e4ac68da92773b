"""The committee paper (server/paper.py) rendered as a standalone HTML document or as
Markdown, both by Jinja templates (server/templates/paper/): no markup is built here.

The HTML document carries its stylesheet inline (templates/paper/paper.css, the same one
the web page links to), so a file written by `going-local paper` prints on its own.
"""

from __future__ import annotations

import re
from functools import lru_cache

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from .paper import Paper

FORMATS = ("html", "markdown")

# Characters that Markdown would read as markup anywhere in a line, and line starts
# that it would read as a heading, quotation, list item or rule.
MARKDOWN_INLINE = re.compile(r"([\\`*_\[\]<>|])")
MARKDOWN_LINE_START = re.compile(r"^(\s*)(?:([#>+=-])|(\d+)([.)]))(?=\s|$)")


def markdown_escape(text: object) -> str:
    """Plain text that Markdown shows as it is."""
    escaped = MARKDOWN_INLINE.sub(r"\\\1", str(text))

    def mark(m: re.Match) -> str:
        if m.group(2):  # "# heading", "> quote", "- item": escape the mark itself
            return m.group(1) + "\\" + m.group(2)
        return m.group(1) + m.group(3) + "\\" + m.group(4)  # "1. item": escape the dot

    return MARKDOWN_LINE_START.sub(mark, escaped)


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("server", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False,
                                     default=False),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )
    env.filters["md"] = markdown_escape
    return env


def render_markdown(paper: Paper) -> str:
    text = environment().get_template("paper/paper.md.j2").render(paper=paper)
    # The template's blocks leave runs of blank lines; Markdown reads one as many.
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def render_html(paper: Paper) -> str:
    return environment().get_template("paper/document.html").render(paper=paper)


def render(paper: Paper, format: str) -> str:
    if format == "markdown":
        return render_markdown(paper)
    if format == "html":
        return render_html(paper)
    raise ValueError(f"unknown format {format!r} (known: {', '.join(FORMATS)})")
