"""Markdown reports render names and document text literally, as the HTML report does.

File names, source names, report names and text read from documents are hostile input: raw
HTML, a ``javascript:`` link, a remote image (a tracking pixel in any preview) or a newline
that starts a new block must all come out as text. Checked by rendering the Markdown with
markdown-it (CommonMark with GFM tables and strikethrough), as a preview would.
"""

from __future__ import annotations

import html
import re
import shutil

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from tests.conftest import FIXTURES, FOUNDING, document
from verify.console import printable
from verify.report import corroborate_files, render_markdown
from verify.report.model import Copies, Copy
from verify.report.render import _markdown_text

CLAIMS = FIXTURES / "claims"
# File names cannot hold "/", so the hostile names use what a file name can hold.
HOSTILE_FILE = (
    "<img src=x onerror=alert(1)> [c](javascript:alert(1)) ![p](https:t.example) `x` **b**.pdf"
)
HOSTILE_TEXT = (
    "x\n\n# Forged heading\n\n<script>alert(1)</script> | forged | cell |\n"
    "![pixel](https://tracker.example/p.png) [click](javascript:alert(1)) <https://e.example>"
    " ~~gone~~ \x1b[31m\u202e"
)
_TAG = re.compile(r"<(/?[a-z0-9]+)")


def _markdown() -> MarkdownIt:
    return MarkdownIt("commonmark").enable(["table", "strikethrough"])


def _tags(markdown: str) -> list[str]:
    return _TAG.findall(_markdown().render(markdown))


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """The same report twice: with plain names, and with hostile names and text everywhere."""
    folder = tmp_path_factory.mktemp("md")
    plain_pdf, plain_claims = folder / "letter.pdf", folder / "article.txt"
    shutil.copy(document(FOUNDING, "born_digital.pdf"), plain_pdf)
    shutil.copy(CLAIMS / "en_misreport.txt", plain_claims)
    hostile_pdf = folder / HOSTILE_FILE
    hostile_claims = folder / ("claims " + HOSTILE_FILE.replace(".pdf", ".txt"))
    shutil.copy(plain_pdf, hostile_pdf)
    shutil.copy(plain_claims, hostile_claims)
    plain, _ = corroborate_files(plain_pdf, [plain_claims])
    hostile, _ = corroborate_files(hostile_pdf, [hostile_claims])
    return _with_copies(plain, "source A"), _with_copies(hostile, HOSTILE_TEXT)


def _with_copies(report, text: str):
    """Copies and sources as an archive lists them, and document text, set to ``text``."""
    copy = Copy(
        id="4cd93b02",
        verdict="same_document",
        sha256="4cd93b02" * 8,
        sources=[text, "source B"],
        received=["2026-12-01T10:00:00Z"],
        independent=True,
        reason=text,
    )
    document = report.document.model_copy(update={"issuer": text, "signatories": [text]})
    findings = [
        f.model_copy(update={"document_value": text}) if i == 0 else f
        for i, f in enumerate(report.findings)
    ]
    return report.model_copy(
        update={
            "copies": Copies(archive="newsroom", copies=[copy], independent_sources=2),
            "document": document,
            "findings": findings,
        }
    )


def test_hostile_names_and_text_change_no_structure_of_the_markdown(reports):
    plain, hostile = reports
    plain_md, hostile_md = render_markdown(plain), render_markdown(hostile)
    assert _tags(hostile_md) == _tags(plain_md)  # not one element more or less
    rendered = _markdown().render(hostile_md)
    for forbidden in ("<img", "<script", "<a ", 'javascript:alert(1)"', "<h1>Forged", "<del>"):
        assert forbidden not in rendered, forbidden
    assert "\x1b" not in hostile_md and "\u202e" not in hostile_md
    text = html.unescape(re.sub(r"<[^>]+>", "", rendered))
    assert "<img src=x onerror=alert(1)>" in text  # shown, as text
    assert "![pixel](https://tracker.example/p.png)" in text
    assert "# Forged heading" in text and "\\x1b[31m\\u202e" in text


def test_every_line_of_a_hostile_report_is_a_line_of_the_template(reports):
    """A newline in a value would start a new block: the line count stays the same."""
    plain, hostile = reports
    assert len(render_markdown(hostile).splitlines()) == len(render_markdown(plain).splitlines())


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=120))
def test_any_text_renders_as_one_paragraph_of_itself(text: str):
    rendered = _markdown().render(_markdown_text(text))
    expected = printable(" ".join(text.split()))
    if not expected.strip(" \u00a0"):
        return
    assert _TAG.findall(rendered) == ["p", "/p"], (text, rendered)
    shown = html.unescape(rendered.removeprefix("<p>").removesuffix("</p>\n"))
    assert shown.strip() == expected.strip(), (text, rendered)
