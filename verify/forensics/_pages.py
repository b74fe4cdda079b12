"""Pages as forensics sees them: pixels, the text layer's words, and OCR words on demand.

Several checks look at the same page (tracking dots and handwriting at the pixels, the
text-layer check at both words and pixels); rendering and OCR are the costly parts, so
each page is rendered once and OCRed at most once, lazily.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace

import numpy as np

from verify.load import PDF, PageImage, Source, page_count, page_image, text_layer_page
from verify.options import ExtractOptions
from verify.page import Word
from verify.placement import Placement
from verify.record import PageInfo

RENDER_DPI = 300
"""PDF pages are rendered at 300 dpi: tracking dots are 1-3 px there and vanish below."""

_TESSERACT_LANGS = {"ru": "rus", "uk": "ukr", "en": "eng"}


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
class PageView:
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
            from verify.ocr import ocr_page
            from verify.placement import reproduce

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
        """Words tesseract reads on the pixels (boxes in pixels), computed once."""
        if self._ocr is None:
            from verify import _tesseract

            langs = _TESSERACT_LANGS.get(self.language or "", "rus+ukr+eng")
            self._ocr = [
                Word(
                    text=w["text"],
                    bbox=(w["left"], w["top"], w["left"] + w["width"], w["top"] + w["height"]),
                    confidence=max(0.0, w["conf"]) / 100,
                    block=w["block"],
                    line=w["block"] * 1000 + w["par"] * 100 + w["line"],
                )
                for w in _tesseract.ocr_words(self.grey(), langs)
            ]
        return self._ocr

    def words_px(self) -> list[Word]:
        """The words of the page in pixels: the text layer when there is one, else OCR."""
        return list(self.layer_words) if self.layer_words is not None else self.ocr_words()


def page_views(source: Source, options: ExtractOptions, max_pages: int) -> Iterator[PageView]:
    """The first ``max_pages`` pages, one at a time (a long scan never sits in memory)."""
    render = replace(options, render_dpi=RENDER_DPI)
    total = min(page_count(source, options), max_pages)
    for index in range(total):
        image = page_image(source, index, render)
        layer = text_layer_page(source, index, options) if source.media_type == PDF else None
        scale = (image.dpi or RENDER_DPI) / 72 if source.media_type == PDF else 1.0
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
        yield PageView(
            number=index + 1,
            pixels=image.pixels,
            dpi=image.dpi,
            layer_words=words,
            layer_scale=scale,
            language=layer.language if layer is not None else None,
            image=_as_extracted(source, index, image, options) if layer is None else None,
            options=options,
        )


def _as_extracted(
    source: Source, index: int, image: PageImage, options: ExtractOptions
) -> PageImage:
    """The page as extraction decodes it: a PDF page again at ``render_dpi`` if it differs."""
    if source.media_type == PDF and image.dpi != float(options.render_dpi):
        return page_image(source, index, options)
    return image
