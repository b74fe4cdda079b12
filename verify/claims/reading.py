"""Turn a claims file into text in a language verify reads, or say plainly why not.

Reports arrive as pasted articles, saved web pages, Markdown notes, PDFs and screenshots.
Web pages and Markdown are reduced to what a reader sees (``verify.claims.formats``); a PDF
or an image is read as verify reads a document (text layer, else OCR). A binary of another
kind, an empty file, or a text in a language other than Russian, Ukrainian or English
gives the editor a clear reason in the report, never a traceback, so every outcome here is
a value, not an exception. A URL is refused: verify never goes online.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from verify.claims.formats import html_text, is_markdown, is_url, looks_like_html, markdown_text
from verify.claims.patterns import patterns
from verify.errors import InputMissingError, VerifyError
from verify.reading.language import detect_language
from verify.reading.load import describe_content, sniff_media_type

_MIN_LETTERS = 20
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


@dataclass(frozen=True)
class ReportText:
    """A claims file read: its text (None when unusable) and why it is unusable."""

    path: Path
    sha256: str
    size: int
    text: str | None
    language: str | None
    problem: str | None  # 'empty', 'not_text', 'unsupported_language' or None
    message: str | None


def read_report(path: str | Path) -> ReportText:
    """Read a claims file; raises only ``InputMissingError`` (the path cannot be read)."""
    if is_url(str(path)):
        raise InputMissingError(
            f"{path}: is a web address: verify never goes online; save the page (or copy its "
            "text into a .txt file) and pass that file"
        )
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError as error:
        raise InputMissingError(f"{path}: does not exist: check the --claims path") from error
    except IsADirectoryError as error:
        raise InputMissingError(f"{path}: is a directory: pass a text file") from error
    except OSError as error:
        raise InputMissingError(f"{path}: cannot be read ({error.strerror})") from error
    digest = hashlib.sha256(data).hexdigest()
    if sniff_media_type(data[:4096]) is not None:
        text, problem, message = _read_as_document(path)
    else:
        text, problem, message = decode_report(data)
        if text is not None and looks_like_html(path, data):
            text, problem, message = _checked(html_text(text))
        elif text is not None and is_markdown(path):
            text, problem, message = _checked(markdown_text(text))
    language = None
    if text is not None:
        language, problem, message = report_language(text)
        if problem:
            text_out = None
            return ReportText(path, digest, len(data), text_out, language, problem, message)
    return ReportText(path, digest, len(data), text, language, problem, message)


def _read_as_document(path: Path) -> tuple[str | None, str | None, str | None]:
    """A PDF or an image of a report: its text layer, else what OCR reads."""
    from verify.pipeline import extract

    try:
        record = extract(path)
    except VerifyError as error:
        return (
            None,
            "not_text",
            f"the claims file is not text and could not be read as a document either: {error}",
        )
    if not record.text.strip():
        return (
            None,
            "empty",
            "no text was found in the claims file (no text layer, and OCR read nothing)",
        )
    return record.text, None, None


def decode_report(data: bytes) -> tuple[str | None, str | None, str | None]:
    """(text, problem, message): UTF-8 (with or without BOM), UTF-16 with BOM, or cp1251."""
    if not data.strip():
        return None, "empty", "the claims file is empty: paste the report's text into it"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return _checked(data.decode("utf-16"))
        except UnicodeDecodeError:
            pass
    if b"\x00" not in data:
        for encoding in ("utf-8-sig", "cp1251"):
            try:
                return _checked(data.decode(encoding))
            except UnicodeDecodeError:
                continue
    looks_like = describe_content(data[:4096]) or "binary data"
    return (
        None,
        "not_text",
        f"the claims file is not text (it looks like {looks_like}): save the report as plain "
        "text (.txt, UTF-8)",
    )


def _checked(text: str) -> tuple[str | None, str | None, str | None]:
    printable = sum(1 for char in text if char.isprintable() or char in "\t\r\n\f")
    if printable < 0.95 * len(text):
        return (
            None,
            "not_text",
            "the claims file is not readable text: save the report as plain text (.txt, UTF-8)",
        )
    if not text.strip():
        return None, "empty", "the claims file is empty: paste the report's text into it"
    return text, None, None


def report_language(text: str) -> tuple[str | None, str | None, str | None]:
    """(language, problem, message): ru, uk or en, or why the text cannot be read."""
    letters = sum(1 for char in text if char.isalpha())
    if letters < _MIN_LETTERS:
        return (
            None,
            "empty",
            f"the claims file has only {letters} letters: it holds no report to check",
        )
    language = detect_language(text, typed=True)
    if language == "en" and not _english_enough(text):
        language = None
    if language not in patterns()["languages"]:
        return (
            None,
            "unsupported_language",
            "the report is not in English, Russian or Ukrainian, the languages verify reads "
            "claims in: translate it first",
        )
    return language, None, None


def _english_enough(text: str) -> bool:
    """detect_language calls any Latin text English: demand English function words too."""
    check = patterns()["english_check"]
    words = [word.lower() for word in _WORD.findall(text)]
    if not words:
        return False
    vocabulary = set(check["function_words"])
    share = sum(1 for word in words if word in vocabulary) / len(words)
    return share >= float(check["min_share"])
