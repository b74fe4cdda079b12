"""Forensics reads a page's words through verify.reading.ocr, as extraction does."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import numpy as np
import pymupdf

from verify.forensics._pages import ForensicPage
from verify.options import ExtractOptions
from verify.reading.load import PageImage
from verify.reading.ocr import ocr_page

WORDS = "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike oscar"


def many_paragraphs(paragraphs: int = 14) -> np.ndarray:
    """A 300 dpi page: ``paragraphs`` indented paragraphs in one block, a footer far below.

    Tesseract numbers the paragraphs of the block 1..14 and the footer's block after it,
    so a line number that gives a paragraph less room than ten makes the footer's line
    collide with the eleventh paragraph's.
    """
    document = pymupdf.open()
    page = document.new_page(width=595, height=842)
    names = WORDS.split()
    y = 60
    for number in range(paragraphs):
        page.insert_text(
            (90, y), f"Paragraph {number + 1} opens with {names[number]} and runs on", fontsize=10
        )
        page.insert_text(
            (72, y + 13), f"and it closes with {names[-number - 1]} words.", fontsize=10
        )
        y += 26
    page.insert_text((72, 790), "Footer of the page with its own block", fontsize=10)
    pixmap = page.get_pixmap(dpi=300, colorspace=pymupdf.csGRAY)
    return np.frombuffer(pixmap.samples, np.uint8).reshape(pixmap.height, pixmap.width).copy()


def test_ocr_lines_stay_apart_past_ten_paragraphs(tmp_path: Path) -> None:
    options = ExtractOptions(cache_dir=tmp_path, languages=("en",))
    view = ForensicPage(
        number=1,
        pixels=many_paragraphs(),
        dpi=300.0,
        layer_words=None,
        layer_scale=1.0,
        language="en",
        options=options,
    )
    words = view.ocr_words()
    lines = defaultdict(list)
    for word in words:
        lines[word.line].append(word)
    assert len(lines) >= 29  # every line of the 14 paragraphs, and the footer's
    assert any(word.text == "Footer" for word in words)
    for same_line in lines.values():
        middles = [(word.bbox[1] + word.bbox[3]) / 2 for word in same_line]
        height = max(word.bbox[3] - word.bbox[1] for word in same_line)
        assert max(middles) - min(middles) < height, [word.text for word in same_line]


def test_forensics_reads_a_page_as_extraction_does(tmp_path: Path) -> None:
    """The same words and line numbers as ``ocr_page``, from the same cache entry."""
    options = ExtractOptions(cache_dir=tmp_path, languages=("en",))
    pixels = many_paragraphs(3)
    view = ForensicPage(
        number=1,
        pixels=pixels,
        dpi=300.0,
        layer_words=None,
        layer_scale=1.0,
        language="en",
        options=options,
    )
    words = view.ocr_words()
    entries = sorted(tmp_path.rglob("*.json.gz"))
    assert entries  # forensics' OCR went through the cache
    assert words == list(ocr_page(PageImage(pixels, 300.0), 1, options).words)
    assert sorted(tmp_path.rglob("*.json.gz")) == entries  # and extraction found it there
