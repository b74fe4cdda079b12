"""Pages for rule tests: text lines with synthetic boxes, or a fixture PDF's real words.

Shared by the tests of the field extractors, which replay text instead of running OCR
(unit tests of rules replay words; end-to-end tests run real tesseract).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from verify.page import PageText, Word
from verify.reading.textmap import DocumentText

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "documents"
CASES = sorted(p.name for p in FIXTURES.glob("*") if (p / "born_digital.pdf").is_file())


def lines_document(lines: list[str], confidence: float = 0.95) -> DocumentText:
    """A one-page DocumentText from text lines: one Word per token, synthetic boxes.

    The default confidence (0.95) makes it an OCRed page; pass 1.0 for a text layer.
    """
    words = []
    for number, line in enumerate(lines):
        x = 50.0
        for token in line.split():
            width = 6.0 * len(token)
            words.append(
                Word(
                    token,
                    (x, 40.0 + 14 * number, x + width, 52.0 + 14 * number),
                    confidence,
                    0,
                    number,
                )
            )
            x += width + 4
    # Below full confidence the lines stand for OCR output, which the rules treat as
    # possibly misread (fuzzy matching); at 1.0 for a text layer, read exactly.
    method = "text_layer" if confidence >= 1.0 else "ocr"
    page = PageText(1, 595.0, 842.0, "pt", method, tuple(words), None, confidence)
    return DocumentText([page])


def pdf_document(case: str) -> tuple[DocumentText, dict]:
    """Real words of a fixture's born-digital PDF (pymupdf), and its truth.json."""
    pymupdf = pytest.importorskip("pymupdf")
    pages = []
    with pymupdf.open(FIXTURES / case / "born_digital.pdf") as pdf:
        for number, page in enumerate(pdf, 1):
            words = tuple(
                Word(w[4], (w[0], w[1], w[2], w[3]), 1.0, w[5], w[5] * 1000 + w[6])
                for w in page.get_text("words")
            )
            pages.append(
                PageText(
                    number, page.rect.width, page.rect.height, "pt", "text_layer", words, None, 1.0
                )
            )
    truth = json.loads((FIXTURES / case / "truth.json").read_text(encoding="utf-8"))
    return DocumentText(pages), truth
