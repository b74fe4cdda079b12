"""Render a report as self-contained HTML or as Markdown, from jinja2 templates.

Templates are package data (``verify/report/templates``) so the wheel carries them; the
HTML embeds its page images and styles and loads nothing, so it opens offline and can be
mailed or archived as one file.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from verify.record import Record
from verify.report.model import Report


def _markdown_cell(value: object) -> str:
    """Text safe inside a Markdown table cell: no pipes, no line breaks."""
    return " ".join(str(value).split()).replace("|", "\\|")


@cache
def _environment() -> Environment:
    environment = Environment(
        loader=PackageLoader("verify.report", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False),
        undefined=StrictUndefined,
        trim_blocks=False,
        lstrip_blocks=False,
        keep_trailing_newline=True,
    )
    environment.filters["md"] = _markdown_cell
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
    return _environment().get_template("report.md.j2").render(report=report)
