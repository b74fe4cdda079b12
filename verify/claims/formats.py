"""A report's visible text, whatever form it came in: plain text, Markdown, a web page, a PDF.

Editors save coverage the way their tools give it to them: a page saved from a browser, a
Markdown note, a PDF of a print edition, a screenshot of a post. Claims are read from what a
reader of that page sees, so markup, scripts, menus and footers must not become claims, and
a link's address must not read as text. A PDF or an image goes through verify's own reading
(text layer, else OCR), the same as a document.

Offsets of claims point into the text returned here, which is what the report shows next
to each claim.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from markdown_it import MarkdownIt

HTML_SUFFIXES = (".html", ".htm", ".xhtml")
MARKDOWN_SUFFIXES = (".md", ".markdown")
_HTML_START = re.compile(
    rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b", re.I | re.S
)
_URL = re.compile(r"^[a-z][a-z0-9+.-]*://", re.I)

# Elements whose content no reader sees as the article: code, metadata, site furniture.
_HIDDEN = frozenset(
    {
        "script",
        "style",
        "noscript",
        "template",
        "head",
        "nav",
        "footer",
        "aside",
        "form",
        "button",
        "select",
        "svg",
        "iframe",
        "object",
    }
)
# Elements that end a paragraph (a blank line: sentences never run across them).
_BLOCKS = frozenset(
    {
        "p",
        "div",
        "section",
        "article",
        "main",
        "header",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "li",
        "ul",
        "ol",
        "blockquote",
        "pre",
        "table",
        "tr",
        "figure",
        "figcaption",
        "dl",
        "dt",
        "dd",
        "hr",
        "address",
    }
)
_VOID = frozenset({"br", "hr", "img", "meta", "link", "input", "area", "base", "col", "wbr"})


def is_url(value: str) -> bool:
    """True for 'https://…' and other URLs given where a file is expected."""
    return bool(_URL.match(value.strip()))


def looks_like_html(path: Path, data: bytes) -> bool:
    """A web page: by its name, or by how it starts (a page saved without an extension)."""
    return path.suffix.lower() in HTML_SUFFIXES or bool(_HTML_START.match(data[:2048]))


def is_markdown(path: Path) -> bool:
    """Markdown is told by its name only: any plain text is valid Markdown."""
    return path.suffix.lower() in MARKDOWN_SUFFIXES


class _VisibleText(HTMLParser):
    """Collects the text a browser shows, paragraph by paragraph.

    When the page has an ``<article>`` or ``<main>``, only that is kept: the rest of a saved
    news page is menus, teasers of other stories and legal text.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._hidden = 0
        self._stack: list[str] = []
        self._content_depth = 0
        self.all_parts: list[str] = []
        self.content_parts: list[str] = []
        self.has_content = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID:
            if tag in ("br", "hr"):
                self._emit("\n\n" if tag == "hr" else "\n")
            return
        self._stack.append(tag)
        if tag in _HIDDEN or any(name == "hidden" for name, _ in attrs):
            self._hidden += 1
        if tag in ("article", "main"):
            self._content_depth += 1
            self.has_content = True
        if tag in _BLOCKS:
            self._emit("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID or tag not in self._stack:
            return
        while self._stack:
            open_tag = self._stack.pop()
            if open_tag in _HIDDEN:
                self._hidden = max(0, self._hidden - 1)
            if open_tag in ("article", "main"):
                self._content_depth -= 1
            if open_tag in _BLOCKS:
                self._emit("\n\n")
            if open_tag == tag:
                break

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self._emit(re.sub(r"\s+", " ", data))

    def _emit(self, text: str) -> None:
        self.all_parts.append(text)
        if self._content_depth > 0:
            self.content_parts.append(text)


def html_text(markup: str) -> str:
    """The visible text of a web page (its article when it marks one), one paragraph a block."""
    parser = _VisibleText()
    parser.feed(markup)
    parser.close()
    parts = parser.content_parts if parser.has_content else parser.all_parts
    return _paragraphs("".join(parts))


def markdown_text(source: str) -> str:
    """What a Markdown note reads as: link texts without addresses, no markup characters."""
    rendered = MarkdownIt("commonmark").render(source)
    return html_text(rendered)


def _paragraphs(text: str) -> str:
    """Single spaces within lines, one blank line between paragraphs, no blank edges."""
    lines = [" ".join(line.split()) for line in text.split("\n")]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip().replace("\n\n\n", "\n\n")
