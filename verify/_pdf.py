"""The pymupdf wrapper: the only module that imports pymupdf (STYLE.md 5).

It opens PDFs read-only (never saving back), answers encryption, counts pages, reads text
layers and renders pages, and turns every pymupdf failure into a ``VerifyError`` with a
message that says what to do next.

Callers ask page by page, so open documents are kept in a small per-process LRU keyed by
path, content hash and password: reading the text layer of a born-digital page then costs
a page load and a text extraction (a few ms), not a document open.
"""

from __future__ import annotations

import math
import os
import re
import threading
import unicodedata
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import pymupdf

from verify.errors import (
    CorruptInputError,
    EncryptedInputError,
    InputTooLargeError,
    VerifyError,
)
from verify.fingerprint import page_pdq
from verify.language import detect_language
from verify.load import has_colour
from verify.lru import LruCache
from verify.options import ExtractOptions
from verify.page import PageText, Word
from verify.textnorm import has_word_separator, normalise_words, word_separators

if TYPE_CHECKING:
    from verify.load import Source

# MuPDF prints errors and warnings to stderr by default; they are collected instead so the
# CLI's output stays one clean line per failure (our messages say what went wrong).
pymupdf.TOOLS.mupdf_display_errors(False)
pymupdf.TOOLS.mupdf_display_warnings(False)

_PROBE_DPI = 72
"""Resolution of the colour probe: an A4 page is 0.5 Mpx, a stamp still hundreds of pixels."""

_CACHE_SIZE = 4
"""Open documents kept per process: callers read one document at a time, page by page."""

_EOF_WINDOW = 1024
"""PDF readers accept the %%EOF marker anywhere in the last 1024 bytes (PDF 1.7, H.3)."""

# Text extraction flags: clip to the page, expand ligatures (so "ﬁ" reads "fi" and rules
# match), and write U+FFFD for glyphs without a Unicode mapping. pymupdf's default for
# "words" would instead emit the raw glyph id as a character, which hides a broken text
# layer behind plausible-looking letters.
_WORD_FLAGS = pymupdf.TEXT_MEDIABOX_CLIP | pymupdf.TEXT_PRESERVE_WHITESPACE

# Garbage heuristic thresholds (see garbage_reason).
MAX_BAD_RATIO = 0.10
"""Most replacement/control/private-use characters (and "(cid:N)" placeholders) allowed."""
MIN_ALNUM_RATIO = 0.5
"""Fewest letters or digits among non-space characters: prose is ~0.85, tables of figures
~0.8, a symbol font read as text ("!#$%&") well under 0.5."""
MAX_MOJIBAKE_RATIO = 0.3
"""Most Latin-1 accented letters (À..ÿ) among letters: cp1251 Cyrillic misread as Latin-1
("Ïðèêàç" for "Приказ") is nearly all of them; French or German prose is under 0.1."""
MIN_MOJIBAKE_LETTERS = 20
"""Letters needed before the mojibake test is trusted."""
MIN_TEXT_COVERAGE = 0.005
"""Below this share of the page area covered by word boxes, a page that is mostly image
(IMAGE_PAGE_COVERAGE) is treated as a scan with a stray label ("Scanned with ...")."""
IMAGE_PAGE_COVERAGE = 0.5

_CID = re.compile(r"\(cid:\d+\)")
_BAD_CATEGORIES = frozenset({"Cc", "Co", "Cs", "Cn"})  # control, private use, surrogate, unassigned
_LATIN1_LETTERS = re.compile("[\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]")  # À..ÿ but × and ÷

_lock = threading.Lock()
_documents: LruCache[tuple[str, str, str | None], pymupdf.Document] = LruCache(_CACHE_SIZE)


def _forget_inherited_documents() -> None:
    """In a forked worker, never reuse the parent's open documents.

    A forked child shares the parent's file offsets: two processes reading through the
    same inherited descriptor would corrupt each other's reads. The child opens its own.
    """
    global _lock
    _lock = threading.Lock()  # the parent may have held it while forking
    _documents.clear()  # the child's copies close; the parent's stay open


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_inherited_documents)


def clear_cache() -> None:
    """Close every cached document (tests, or a long-running process between batches)."""
    with _lock:
        for document in _documents.clear():
            document.close()


def page_count(source: Source, options: ExtractOptions) -> int:
    """Pages in the PDF, after it opened, decrypted and passed the truncation check."""
    return _document(source, options.password).page_count


def text_layer_page(source: Source, index: int, options: ExtractOptions) -> PageText | None:
    """Words of page ``index`` from the text layer, or None when it is empty or garbage.

    Boxes are in points in the page's displayed orientation (page rotation applied), the
    same space as a render of the page divided by dpi/72. Words are split at every space
    character (no-break and narrow ones too) and normalised (``verify.textnorm``): office
    PDFs write printed hyphens as soft hyphens and the rules must see "-".
    """
    document = _document(source, options.password)
    page = _load_page(source, document, index)
    try:
        raw = _page_words(page)
        rotation = page.rotation_matrix if page.rotation else None
        rect = page.rect
    except Exception as error:
        raise _damaged(source, index, error) from error
    if not raw:
        return None
    words = []
    for x0, y0, x1, y1, text, block, line, _ in raw:
        box = (x0, y0, x1, y1)
        if rotation is not None:
            turned = pymupdf.Rect(box) * rotation  # Rect * Matrix gives the enclosing rect
            box = (turned.x0, turned.y0, turned.x1, turned.y1)
        words.append(
            Word(text=text, bbox=box, confidence=1.0, block=block, line=block * 1000 + line)
        )
    words = list(normalise_words(words))
    text = " ".join(word.text for word in words)
    if garbage_reason(text, words, rect.width * rect.height, lambda: _image_coverage(page)):
        return None
    pdq, quality = page_pdq(_render_grey(source, page, FINGERPRINT_DPI))
    return PageText(
        number=index + 1,
        width=rect.width,
        height=rect.height,
        unit="pt",
        method="text_layer",
        words=tuple(words),
        language=detect_language(text),
        confidence=1.0,
        pdq=pdq,
        pdq_quality=quality,
    )


def _page_words(page: pymupdf.Page) -> list[tuple]:
    """The page's pymupdf words, split at every space character, not only " " and U+00A0.

    Splitting at extra delimiters makes pymupdf's word pass markedly slower, and office
    PDFs rarely glue words with narrow or fixed-width spaces; so the words are read again,
    from the same text page, only when one of them holds such a space.
    """
    textpage = page.get_textpage(flags=_WORD_FLAGS)
    words = page.get_text("words", textpage=textpage)
    if has_word_separator("".join(word[4] for word in words)):
        words = page.get_text("words", textpage=textpage, delimiters=word_separators())
    return words


FINGERPRINT_DPI = 36
"""A text-layer page is rendered this coarsely for its perceptual hash (PDQ looks at 64x64
anyway): 5 ms a page, so born-digital files keep their speed and still match scans."""


def _render_grey(source: Source, page: pymupdf.Page, dpi: int) -> np.ndarray:
    try:
        pixmap = page.get_pixmap(dpi=dpi, colorspace=pymupdf.csGRAY, alpha=False)
    except Exception as error:
        raise _damaged(source, page.number or 0, error) from error
    return np.frombuffer(pixmap.samples, np.uint8).reshape(pixmap.height, pixmap.width).copy()


def garbage_reason(
    text: str,
    words: list[Word],
    page_area: float,
    image_coverage: Callable[[], float] | None = None,
) -> str | None:
    """Say why a text layer is unusable, or None when it can be trusted.

    A text layer is garbage when, over its non-space characters:

    - more than ``MAX_BAD_RATIO`` (10%) are U+FFFD, control, private-use or unassigned
      characters, or "(cid:N)" placeholders: glyphs without a Unicode mapping;
    - fewer than ``MIN_ALNUM_RATIO`` (50%) are letters or digits: a symbol font or
      a glyph-index encoding read as punctuation;
    - more than ``MAX_MOJIBAKE_RATIO`` (30%) of at least 20 letters are Latin-1 accented
      letters: Cyrillic in an 8-bit font without a Unicode map;
    - or the word boxes cover less than ``MIN_TEXT_COVERAGE`` (0.5%) of the page while
      images cover at least ``IMAGE_PAGE_COVERAGE`` (50%) of it: a scanned page with only
      a scanner's label as text, which OCR must read instead.

    ``image_coverage`` is a callable returning the share of the page covered by images;
    it is only called for sparse text, because finding images costs more than the rest.
    """
    # Counted with C-level passes (str.split, map, count): on the fixtures' pages this
    # takes 0.13 ms a page against 0.34 ms with per-character generators.
    chars = "".join(_CID.sub("\ufffd", text).split())  # one bad character per placeholder
    if not chars:
        return "empty"
    bad = chars.count("\ufffd")
    if not chars.isprintable():  # only then can a control or unassigned character be there
        bad += sum(1 for char in chars if unicodedata.category(char) in _BAD_CATEGORIES)
    if bad > MAX_BAD_RATIO * len(chars):
        return f"unmapped glyphs ({bad} of {len(chars)} characters)"
    alnum = sum(map(str.isalnum, chars))
    if alnum < MIN_ALNUM_RATIO * len(chars):
        return f"few letters or digits ({alnum} of {len(chars)} characters)"
    letters = sum(map(str.isalpha, chars))
    latin1 = len(_LATIN1_LETTERS.findall(chars))
    if letters >= MIN_MOJIBAKE_LETTERS and latin1 > MAX_MOJIBAKE_RATIO * letters:
        return f"8-bit text without a Unicode map ({latin1} of {letters} letters)"
    if page_area > 0 and image_coverage is not None:
        if _covers_less(words, MIN_TEXT_COVERAGE * page_area) and (
            image_coverage() >= IMAGE_PAGE_COVERAGE
        ):
            return "a scanned page with almost no text layer"
    return None


def _covers_less(words: list[Word], area: float) -> bool:
    """Whether the word boxes add up to less than ``area``; stops once they reach it."""
    covered = 0.0
    for word in words:
        x0, y0, x1, y1 = word.bbox
        covered += max(0.0, x1 - x0) * max(0.0, y1 - y0)
        if covered >= area:
            return False
    return True


def _image_coverage(page: pymupdf.Page) -> float:
    """Share of the page covered by images (capped at 1; overlaps count twice)."""
    area = page.rect.width * page.rect.height
    if area <= 0:
        return 0.0
    covered = 0.0
    try:
        for info in page.get_image_info():
            box = pymupdf.Rect(info["bbox"]) & page.rect
            if not box.is_empty:
                covered += box.width * box.height
    except Exception:  # an unreadable image list only weakens this one test
        return 0.0
    return min(1.0, covered / area)


def render_page(source: Source, index: int, options: ExtractOptions) -> np.ndarray:
    """Render page ``index`` at ``options.render_dpi``: uint8 grey, or RGB for colour pages.

    The pixel limit is checked from the page size before anything is rendered.
    """
    document = _document(source, options.password)
    page = _load_page(source, document, index)
    dpi = options.render_dpi
    zoom = dpi / 72
    width = math.ceil(page.rect.width * zoom)
    height = math.ceil(page.rect.height * zoom)
    if width < 1 or height < 1:
        raise CorruptInputError(
            f"{source.file_name}: page {index + 1} has no size (a broken page box): "
            "get a fresh copy of the file"
        )
    if width * height > options.max_pixels:
        raise InputTooLargeError(
            f"{source.file_name}: page {index + 1} would render at {width} x {height} pixels "
            f"({width * height / 1e6:.0f} Mpx at {dpi} dpi), over the limit of "
            f"{options.max_pixels / 1e6:.0f} Mpx: pass a larger --max-pixels or a lower --dpi"
        )
    try:
        # A cheap probe at low resolution decides the colour space, so grey pages (most
        # letters) are rendered grey by MuPDF: 4x faster than rendering RGB and converting.
        probe = _pixels(page.get_pixmap(dpi=min(dpi, _PROBE_DPI), colorspace=pymupdf.csRGB))
        colour = has_colour(probe, step=1)
        del probe
        space = pymupdf.csRGB if colour else pymupdf.csGRAY
        pixels = _pixels(page.get_pixmap(dpi=dpi, colorspace=space, alpha=False))
    except VerifyError:
        raise
    except MemoryError as error:
        raise InputTooLargeError(
            f"{source.file_name}: page {index + 1} does not fit in memory at {dpi} dpi: "
            "pass a lower --dpi or a smaller --max-pixels"
        ) from error
    except Exception as error:
        raise _damaged(source, index, error) from error
    finally:
        # MuPDF keeps decoded images in a process-wide store of up to 256 MB; pages are
        # read once, in order, so that cache only holds memory: measured on a 100-page
        # scan, peak RSS grew 280 MB without this and 20 MB with it, for ~2 ms a page.
        pymupdf.TOOLS.store_shrink(100)
    return pixels


def _pixels(pixmap: pymupdf.Pixmap) -> np.ndarray:
    """Copy a pixmap's samples into an array of our own (H x W, or H x W x n)."""
    rows = np.frombuffer(pixmap.samples_mv, dtype=np.uint8).reshape(pixmap.height, pixmap.stride)
    pixels = rows[:, : pixmap.width * pixmap.n].reshape(pixmap.height, pixmap.width, pixmap.n)
    return (pixels[..., 0] if pixmap.n == 1 else pixels).copy()


# --------------------------------------------------------------------------- documents


def _document(source: Source, password: str | None) -> pymupdf.Document:
    """The open, authenticated, checked document of ``source``, from the cache if there."""
    key = (str(source.path), source.sha256, password)
    with _lock:
        document = _documents.get(key)
        if document is not None:
            return document
        document = _open(source, password)
        for evicted in _documents.put(key, document):
            evicted.close()
        return document


def _open(source: Source, password: str | None) -> pymupdf.Document:
    name = source.file_name
    try:
        document = pymupdf.open(source.path, filetype="pdf")
    except Exception as error:
        if not _has_eof_marker(source):
            raise _truncated(source) from error
        raise CorruptInputError(
            f"{name}: the PDF is damaged beyond repair and cannot be opened: "
            "get a fresh copy of the file"
        ) from error
    try:
        _check(source, document, password)
    except BaseException:
        document.close()
        raise
    return document


def _check(source: Source, document: pymupdf.Document, password: str | None) -> None:
    """Decrypt, then refuse truncated or page-less documents (MuPDF would silently repair)."""
    name = source.file_name
    if _size_on_disk(source) != source.size:
        raise CorruptInputError(f"{name}: the file changed after it was opened: run verify again")
    if document.needs_pass:
        if password is None:
            raise EncryptedInputError(
                f"{name}: the PDF is encrypted: pass --password-file FILE or set "
                "VERIFY_PDF_PASSWORD"
            )
        if not document.authenticate(password):
            raise EncryptedInputError(
                f"{name}: wrong password for this encrypted PDF: check the one in --password-file "
                "or VERIFY_PDF_PASSWORD"
            )
    try:
        repaired = document.is_repaired
        count = document.page_count
    except Exception as error:
        raise CorruptInputError(
            f"{name}: the PDF is damaged ({_first_line(error)}): get a fresh copy of the file"
        ) from error
    if repaired and not _has_eof_marker(source):
        # MuPDF rebuilds a cut file from what survives and would show the missing pages
        # blank; a record of part of a document must not pass for the document.
        raise _truncated(source)
    if count < 1:
        raise CorruptInputError(f"{name}: the PDF has no pages: get a complete copy of the file")


def _size_on_disk(source: Source) -> int:
    try:
        return source.path.stat().st_size
    except OSError:
        return -1


def _has_eof_marker(source: Source) -> bool:
    try:
        with source.path.open("rb") as handle:
            handle.seek(max(0, source.size - _EOF_WINDOW))
            return b"%%EOF" in handle.read(_EOF_WINDOW + 16)
    except OSError:
        return False


def _load_page(source: Source, document: pymupdf.Document, index: int) -> pymupdf.Page:
    if not 0 <= index < document.page_count:
        raise IndexError(f"page index {index} out of range 0..{document.page_count - 1}")
    try:
        return document.load_page(index)
    except Exception as error:
        raise _damaged(source, index, error) from error


def _truncated(source: Source) -> CorruptInputError:
    return CorruptInputError(
        f"{source.file_name}: the PDF is truncated (it ends before its end-of-file marker): "
        "get a complete copy of the file"
    )


def _damaged(source: Source, index: int, error: BaseException) -> CorruptInputError:
    return CorruptInputError(
        f"{source.file_name}: page {index + 1} is damaged ({_first_line(error)}): "
        "get a fresh copy of the file"
    )


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__
