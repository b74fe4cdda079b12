"""What one page yields before extraction: words with boxes, whatever their origin.

A page read from a PDF text layer and a page read by OCR end up as the same immutable
``PageText``, so layout and extraction never care where the words came from. Per-page
work returns these frozen objects; only the parent process merges them, so no state is
shared between processes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

BBox = tuple[float, float, float, float]
"""(x0, y0, x1, y1) in the page's own coordinate space (see ``PageText.unit``)."""

PageMethod = Literal["text_layer", "ocr", "empty"]


@dataclass(frozen=True)
class Word:
    """One word as read from the page, with the ids tesseract (or pymupdf) grouped it under."""

    text: str
    bbox: BBox
    confidence: float  # 0..1; 1.0 for a text layer
    block: int
    line: int  # line id, unique within the page (not only within the block)


@dataclass(frozen=True)
class PageText:
    """A page's words plus how they were obtained.

    ``unit`` says the coordinate space of every box on the page: ``pt`` for PDF text
    layers (1/72 inch, pymupdf's space), ``px`` for pixels of the prepared image that was
    OCRed (so boxes can be drawn on that image).
    """

    number: int  # 1-based
    width: float
    height: float
    unit: Literal["pt", "px"]
    method: PageMethod
    words: tuple[Word, ...]
    language: str | None  # "ru", "uk", "en" or None when there is no text
    confidence: float | None  # mean word confidence, 0..1; None when no words
    preparation: tuple[str, ...] = ()  # steps applied before OCR, in order
    image_sha256: str | None = None  # hash of the prepared image that was OCRed
    dpi: float | None = None  # resolution of the prepared image, when known
    pdq: str | None = None  # perceptual hash of the page as prepared (or rendered), hex
    pdq_quality: int | None = None  # PDQ's own 0..100 quality: low for blank pages
    warnings: tuple[str, ...] = field(default_factory=tuple)
