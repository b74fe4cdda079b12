"""Render a report as self-contained HTML or as Markdown, from jinja2 templates.

Templates are package data (``verify/report/templates``) so the wheel carries them; the
HTML embeds its page images and styles and loads nothing, so it opens offline and can be
mailed or archived as one file.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from verify.console import printable
from verify.record import Record
from verify.report.model import Report


class _MarkdownText(str):
    """A value already escaped for Markdown, so the template's ``finalize`` leaves it alone."""

    __slots__ = ()


_MARKDOWN_SPECIAL = re.compile(r"[\\`*_\[\]!|~]")
"""Punctuation that starts emphasis, a code span, a link or image, a table cell or a strike."""
_MARKDOWN_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_MARKDOWN_BLOCK_START = re.compile(r"^(\d+(?=[.)])|)(?=[-+#=.)])")
"""A list item, heading or setext underline, should a value stand at the start of a line."""


def _markdown_text(value: object) -> str:
    """Document text, file or source names as Markdown that renders literally, on one line.

    Whitespace runs (newlines included) become one space, so no value can start a new block;
    controls and bidi overrides are escaped as on the terminal (``printable``); ``< > &``
    become entities, so no HTML and no autolink in angle brackets; the punctuation of
    emphasis, code spans, links and images, table cells and strikethrough is backslash-escaped,
    so no ``javascript:`` link and no remote image can be formed.
    """
    if isinstance(value, _MarkdownText):
        return value
    text = printable(" ".join(str(value).split()))
    text = _MARKDOWN_SPECIAL.sub(lambda match: "\\" + match.group(0), text)
    text = "".join(_MARKDOWN_ENTITIES.get(char, char) for char in text)
    text = _MARKDOWN_BLOCK_START.sub(lambda match: match.group(1) + "\\", text, count=1)
    return _MarkdownText(text)


@cache
def _environment(markdown: bool = False) -> Environment:
    """The HTML environment (autoescaped), or the Markdown one that escapes every value."""
    environment = Environment(
        loader=PackageLoader("verify.report", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False),
        undefined=StrictUndefined,
        trim_blocks=False,
        lstrip_blocks=False,
        keep_trailing_newline=True,
        finalize=_markdown_text if markdown else None,
    )
    environment.filters["md"] = _markdown_text
    return environment


def render_html(report: Report, record: Record | None = None, document: Path | None = None) -> str:
    """The report as one HTML file, with page images when the document file is at hand."""
    pages: list[object] = []
    messages: list[str] = []
    if record is not None:
        from verify.report.pages import page_views

        views, message = page_views(record, document, report.findings)
        pages = list(views)
        if message:
            messages.append(message)
    template = _environment().get_template("report.html.j2")
    return template.render(report=report, pages=pages, page_messages=messages)


def render_markdown(report: Report) -> str:
    """The report as Markdown (claims table, reports, copies, provenance)."""
    return _environment(markdown=True).get_template("report.md.j2").render(report=report)
