"""One class per input type: how a PDF and how an image hand out their pages.

``open_input`` chooses the class once, from the type sniffed from the file's bytes
(``Source.media_type``), and every stage then asks the object, never the type: how many
pages, the text layer of a page, a page as pixels, how text-layer boxes meet those pixels.
A PDF's pages are rendered at a chosen resolution and may carry a text layer; an image's
frames are decoded at their own resolution and carry none.

An input holds what it opened (a PDF's document) for as long as its caller reads it, and
closes it on ``close`` (or at the end of a ``with`` block): the caller decides how long a
document stays open, not a process-wide cache. Pages are produced on request, one at a
time, so a 500-page scan never sits in memory as 500 images. Every limit (pages, pixels)
is checked before the expensive work it guards, and every failure of the PDF or image
libraries arrives as a ``VerifyError`` whose message says what to do next. The engines
live in ``verify.reading.pdf`` (pymupdf) and ``verify.reading.images`` (Pillow,
pillow-heif), imported only when a file of their type is read, so that identifying or
refusing a file stays cheap.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from types import TracebackType
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from verify.errors import InputTooLargeError
from verify.options import ExtractOptions
from verify.page import PageText
from verify.reading import budget
from verify.reading.colour import grey_unless_colour
from verify.reading.load import PDF, PageImage, Source

if TYPE_CHECKING:
    from PIL import Image

    from verify.reading.pdf import PdfDocument

__all__ = ["DocumentInput", "ImageInput", "PdfInput", "TiffInput", "open_input"]

FINGERPRINT_DPI = 36
"""A text-layer page is rendered this coarsely for its perceptual hash (PDQ looks at 64x64
anyway): cheap, so born-digital files keep their speed and still match scans."""


class DocumentInput(ABC):
    """An input file opened for reading, page by page (0-based ``index``)."""

    renders: ClassVar[bool]
    """True when ``page_image`` draws the page at a chosen resolution (a PDF); False when
    it decodes pixels at the file's own resolution (an image)."""

    def __init__(self, source: Source, options: ExtractOptions) -> None:
        self.source = source
        self.options = options

    def __enter__(self) -> DocumentInput:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:  # noqa: B027 - most inputs hold nothing open
        """Release what the input holds open (nothing for images)."""

    def page_count(self) -> int:
        """Number of pages: PDF pages, or TIFF frames; other images count 1.

        Raises ``CorruptInputError``, ``EncryptedInputError`` (PDF without or with a wrong
        ``options.password``), or ``InputTooLargeError`` above ``options.max_pages``.
        """
        count = self._count()
        if count > self.options.max_pages:
            raise InputTooLargeError(
                f"{self.source.file_name}: has {count} pages, more than the limit of "
                f"{self.options.max_pages}: pass --max-pages {count} to read it all"
            )
        return count

    def text_layer_page(self, index: int) -> PageText | None:
        """The words of page ``index`` from a text layer, or None (images have none)."""
        return None

    def page_image(self, index: int, render_dpi: int | None = None) -> PageImage:
        """Page ``index`` as pixels: a PDF page rendered, or an image frame decoded.

        PDF pages are rendered at ``render_dpi`` (default ``options.render_dpi``); image
        frames get their EXIF orientation applied. Either way the result is grey unless
        the page shows colour (``verify.reading.colour``). Raises ``InputTooLargeError`` before
        decoding anything when the page would exceed ``options.max_pixels`` or is no
        page's shape, ``CorruptInputError`` for damaged data, and ``BudgetExceededError``
        when decoding or drawing runs over the page's time or memory budget
        (``verify.reading.budget``: it runs in a child process, whatever sizes the file declares).
        """
        dpi = render_dpi or self.options.render_dpi
        self._before_decoding()
        return budget.run_page(
            self._decoded,
            index,
            dpi,
            file_name=self.source.file_name,
            page=index + 1,
            seconds=self.options.page_seconds,
            memory_mb=self.options.page_memory_mb,
        )

    def layer_scale(self, image: PageImage) -> float:
        """Pixels of ``image`` per unit of the page's text-layer boxes (1.0 without a layer)."""
        return 1.0

    def as_extracted(self, index: int, image: PageImage) -> PageImage:
        """Page ``index`` as extraction decoded it, given ``image`` decoded some other way.

        Boxes of an OCRed page lie on the image extraction read: a PDF page drawn at
        another resolution is drawn again at ``options.render_dpi``; an image is decoded
        the same way whatever the resolution asked.
        """
        return image

    def _before_decoding(self) -> None:  # noqa: B027 - only TIFFs need to prepare
        """Work done once in this process before a page's budgeted child decodes it."""

    def _decoded(self, index: int, render_dpi: int) -> PageImage:
        pixels, dpi, applied = self._pixels(index, render_dpi)
        return PageImage(pixels=grey_unless_colour(pixels), dpi=dpi, applied=applied)

    @abstractmethod
    def _count(self) -> int: ...

    @abstractmethod
    def _pixels(
        self, index: int, render_dpi: int
    ) -> tuple[np.ndarray, float | None, tuple[str, ...]]: ...


class PdfInput(DocumentInput):
    """A PDF: pages drawn by MuPDF at any resolution, and text layers where usable."""

    renders = True

    def __init__(self, source: Source, options: ExtractOptions) -> None:
        super().__init__(source, options)
        self._opened: PdfDocument | None = None
        self._opened_by = 0  # the process that opened it: a forked child opens its own

    def close(self) -> None:
        """Close the document, unless a parent process opened it (its copy is the parent's)."""
        if self._opened is not None and self._opened_by == os.getpid():
            self._opened.close()
        self._opened = None

    def document(self) -> PdfDocument:
        """The open document, opened on first use (and again in a forked child).

        A forked child shares its parent's file offsets, so two processes reading through
        one descriptor would corrupt each other's reads: the child opens the file again,
        keeping the pages already found affordable, and leaves the parent's copy alone.
        """
        if self._opened is None:
            from verify.reading.pdf import PdfDocument

            self._opened = PdfDocument(self.source, self.options.password)
        elif self._opened_by != os.getpid():
            self._opened = self._opened.reopened()
        self._opened_by = os.getpid()
        return self._opened

    def text_layer_page(self, index: int) -> PageText | None:
        """The words of page ``index`` from its text layer, or None when it needs OCR.

        None for pages whose text layer is empty or garbage. Garbage means, over the
        non-space characters: more than 10% U+FFFD, control, private-use or "(cid:N)"
        placeholders (glyphs without a Unicode map); under 50% letters or digits (a symbol
        font read as text); over 30% of the letters Latin-1 accented (Cyrillic in an 8-bit
        font: "Ïðèêàç"); or word boxes covering under 0.5% of a page that images cover at
        least half of (a scan with a scanner's label). The thresholds and their reasons
        are in ``verify.reading.pdf`` (``garbage_reason``).

        Words come in pymupdf's reading order with confidence 1.0; ``line`` is
        ``block * 1000 + line`` so it is unique on the page. Boxes are in points, in the
        page as displayed (rotation and crop box applied), like a render scaled by 72/dpi.
        The page's language and perceptual hash (from a coarse render) come with it.
        """
        from verify.reading.language import detect_language
        from verify.reading.pdq import page_pdq

        document = self.document()
        layer = document.text_layer(index, self.options.max_pixels)
        if layer is None:
            return None
        pdq, quality = page_pdq(document.render_grey(index, FINGERPRINT_DPI))
        return PageText(
            number=index + 1,
            width=layer.width,
            height=layer.height,
            unit="pt",
            method="text_layer",
            words=layer.words,
            language=detect_language(layer.text),
            confidence=1.0,
            pdq=pdq,
            pdq_quality=quality,
        )

    def layer_scale(self, image: PageImage) -> float:
        """Render pixels per point: text-layer boxes are in points."""
        return (image.dpi or self.options.render_dpi) / 72

    def as_extracted(self, index: int, image: PageImage) -> PageImage:
        """The page drawn again at ``options.render_dpi`` when ``image`` was drawn otherwise."""
        if image.dpi != float(self.options.render_dpi):
            return self.page_image(index)
        return image

    def _count(self) -> int:
        return self.document().page_count

    def _pixels(
        self, index: int, render_dpi: int
    ) -> tuple[np.ndarray, float | None, tuple[str, ...]]:
        pixels = self.document().render(index, render_dpi, self.options.max_pixels)
        return pixels, float(render_dpi), (f"render:{render_dpi}dpi",)


class ImageInput(DocumentInput):
    """An image file: PNG, JPEG, WebP, HEIC (one frame) or TIFF (every frame)."""

    renders = False

    def _held_image(self) -> Image.Image | None:
        """The open image to read through, or None to open the file for each read."""
        return None

    def _count(self) -> int:
        from verify.reading import images as _images

        return _images.frame_count(self.source, self.options, self._held_image())

    def _pixels(
        self, index: int, render_dpi: int
    ) -> tuple[np.ndarray, float | None, tuple[str, ...]]:
        from verify.reading import images as _images

        return _images.decode_frame(self.source, index, self.options, self._held_image())


class TiffInput(ImageInput):
    """A TIFF, often a multi-page scan: kept open while it is read, its frames found once.

    The parent opens the file and counts the frames before the first page's child forks
    (``_before_decoding``); each child then seeks straight to its frame through a file of
    its own, with the offsets the parent found. The input closes the file on ``close``.
    """

    def __init__(self, source: Source, options: ExtractOptions) -> None:
        super().__init__(source, options)
        self._held: Image.Image | None = None
        self._held_by = 0  # the process whose descriptor the image reads through

    def close(self) -> None:
        """Close the file, unless a parent process opened it (its copy is the parent's)."""
        if self._held is not None and self._held_by == os.getpid():
            self._held.close()
        self._held = None

    def _held_image(self) -> Image.Image:
        from verify.reading import images as _images

        if self._held is None:
            self._held = _images.open_frames(self.source, self.options)
        elif self._held_by != os.getpid():
            _images.with_own_file(self._held)
        self._held_by = os.getpid()
        return self._held

    def _before_decoding(self) -> None:
        self._count()  # the frames' offsets, found here once for every page's child


_INPUTS: dict[str, type[DocumentInput]] = {PDF: PdfInput, "image/tiff": TiffInput}
"""The class of each media type that is not a single-frame image (``ImageInput``)."""


def open_input(source: Source, options: ExtractOptions) -> DocumentInput:
    """The input of ``source``, of the class of its sniffed type (nothing opened yet)."""
    return _INPUTS.get(source.media_type, ImageInput)(source, options)
