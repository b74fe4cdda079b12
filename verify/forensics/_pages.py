"""Pages as forensics sees them: pixels, the text layer's words, and OCR words on demand.

Several checks look at the same page (tracking dots and handwriting at the pixels, the
text-layer check at both words and pixels); rendering and OCR are the costly parts, so
each page is rendered once and OCRed at most once, lazily. OCR goes through
``verify.reading.ocr``, as extraction's does: the same preparation, settings, cache and word
line numbers.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace

import numpy as np

from verify.options import SUPPORTED_LANGUAGES, ExtractOptions
from verify.page import Word
from verify.reading.inputs import DocumentInput
from verify.reading.load import PageImage
from verify.reading.placement import Placement
from verify.record import PageInfo

RENDER_DPI = 300
"""PDF pages are rendered at 300 dpi: tracking dots are 1-3 px there and vanish below."""


@dataclass(frozen=True, eq=False)
class ReadView:
    """An image page as extraction read it: prepared pixels, their words, their placement.

    Boxes found here are in the record's coordinates (``pages[].unit == "px"``, the
    prepared page), like every other box of the record, and ``placement`` carries them
    onto the original.
    """

    pixels: np.ndarray  # grey
    words: tuple[Word, ...]
    dpi: float | None
    placement: Placement


@dataclass
class ForensicPage:
    """One page: its pixels, its text-layer words in pixels, and OCR words when asked."""

    number: int
    pixels: np.ndarray  # uint8 grey or RGB
    dpi: float | None
    layer_words: tuple[Word, ...] | None  # text layer, boxes scaled to pixels; None: no layer
    layer_scale: float  # pixels per text-layer unit (pt), 1.0 without a layer
    language: str | None
    _ocr: list[Word] | None = field(default=None, repr=False)
    image: PageImage | None = field(default=None, repr=False)
    options: ExtractOptions | None = field(default=None, repr=False)
    _read: ReadView | None = field(default=None, repr=False)

    def read(self) -> ReadView:
        """The page prepared and OCRed as extraction does it (through the OCR cache), once.

        Straightened and enlarged, a photo's print reads as words; OCR of the raw photo
        misses whole lines, and every missed line of print looked like handwriting.
        """
        if self._read is None:
            from verify.reading.ocr import ocr_page
            from verify.reading.placement import reproduce

            image = self.image or PageImage(self.pixels, self.dpi)
            options = self.options or ExtractOptions()
            text = ocr_page(image, self.number, options)
            pixels, placement = reproduce(image, PageInfo.of(text))
            self._read = ReadView(pixels, text.words, text.dpi, placement)
        return self._read

    def grey(self) -> np.ndarray:
        """The page in 8-bit grey (ITU-R 601 luma)."""
        if self.pixels.ndim == 2:
            return self.pixels
        rgb = self.pixels.astype(np.uint16)
        return ((rgb[..., 0] * 77 + rgb[..., 1] * 150 + rgb[..., 2] * 29 + 128) >> 8).astype(
            np.uint8
        )

    def ocr_words(self) -> list[Word]:
        """Words OCR reads on the page as extraction would, computed once.

        The page goes through ``verify.reading.ocr.ocr_page`` (preparation, models/ocr.json, the
        OCR cache), in the text layer's language when it has one. Boxes are in the
        prepared page's pixels, like every OCR box of a record.
        """
        if self._ocr is None:
            from verify.reading.ocr import ocr_page

            image = self.image or PageImage(self.pixels, self.dpi)
            options = self.options or ExtractOptions()
            if self.language in SUPPORTED_LANGUAGES and not options.languages:
                options = replace(options, languages=(self.language,))
            self._ocr = list(ocr_page(image, self.number, options).words)
        return self._ocr


def page_views(document: DocumentInput, max_pages: int) -> Iterator[ForensicPage]:
    """The first ``max_pages`` pages, one at a time (a long scan never sits in memory)."""
    total = min(document.page_count(), max_pages)
    for index in range(total):
        image = document.page_image(index, RENDER_DPI)
        layer = document.text_layer_page(index)
        scale = document.layer_scale(image)
        words = None
        if layer is not None:
            words = tuple(
                Word(
                    text=w.text,
                    bbox=(
                        w.bbox[0] * scale,
                        w.bbox[1] * scale,
                        w.bbox[2] * scale,
                        w.bbox[3] * scale,
                    ),
                    confidence=w.confidence,
                    block=w.block,
                    line=w.line,
                )
                for w in layer.words
            )
        yield ForensicPage(
            number=index + 1,
            pixels=image.pixels,
            dpi=image.dpi,
            layer_words=words,
            layer_scale=scale,
            language=layer.language if layer is not None else None,
            image=document.as_extracted(index, image) if layer is None else None,
            options=document.options,
        )
