"""The pymupdf wrapper: the only module that imports pymupdf (one wrapper per engine).

It opens PDFs read-only (never saving back), answers encryption, counts pages, reads text
layers and renders pages, and turns every pymupdf failure into a ``VerifyError`` with a
message that says what to do next. What the pages mean (their fingerprints, language,
colour) is decided by the callers (``verify.reading.inputs``); this module only reads them.

A ``PdfDocument`` is one open document: its holder (``verify.reading.inputs.PdfInput``) reads it
page by page, so reading the text layer of a born-digital page costs a page load and a
text extraction, not a document open.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
import unicodedata
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pymupdf

from verify.errors import (
    CorruptInputError,
    EncryptedInputError,
    InputTooLargeError,
    VerifyError,
)
from verify.options import DEFAULT_MAX_PIXELS
from verify.page import Word
from verify.reading import budget
from verify.reading.colour import has_colour
from verify.text.normalise import has_word_separator, normalise_words, word_separators

if TYPE_CHECKING:
    from verify.reading.load import Source

# MuPDF prints errors and warnings to stderr by default; they are collected instead so the
# CLI's output stays one clean line per failure (our messages say what went wrong).
pymupdf.TOOLS.mupdf_display_errors(False)
pymupdf.TOOLS.mupdf_display_warnings(False)

_PROBE_DPI = 72
"""Resolution of the colour probe: an A4 page is 0.5 Mpx, a stamp still hundreds of pixels."""

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


@dataclass(frozen=True)
class TextLayer:
    """The usable words of one page's text layer, and the page's size in points."""

    words: tuple[Word, ...]
    text: str  # the words joined by spaces
    width: float
    height: float


class PdfDocument:
    """One open, authenticated, checked PDF, read page by page; ``close`` when done.

    Its holder keeps it for the life of a reading: opening costs far more than a page.
    It must not be used across a fork (a child shares the parent's file offsets): a forked
    child opens its own (``reopened``).
    """

    def __init__(self, source: Source, password: str | None) -> None:
        self.source = source
        self.password = password
        self._document = _open(source, password)
        self._affordable: set[tuple[int, int]] = set()  # (page, pixel limit) checked once

    def reopened(self) -> PdfDocument:
        """The same document opened afresh, keeping the pages already found affordable."""
        fresh = PdfDocument(self.source, self.password)
        fresh._affordable = set(self._affordable)
        return fresh

    def close(self) -> None:
        """Let MuPDF free the document now, not when the object is collected."""
        self._document.close()

    @property
    def page_count(self) -> int:
        """Pages in the PDF, after it opened, decrypted and passed the truncation check."""
        return int(self._document.page_count)

    def text_layer(self, index: int, max_pixels: int) -> TextLayer | None:
        """Words of page ``index`` from the text layer, or None when it is empty or garbage.

        Boxes are in points in the page's displayed orientation (page rotation applied), the
        same space as a render of the page divided by dpi/72. Words are split at every space
        character (no-break and narrow ones too) and normalised (``verify.text.normalise``):
        office PDFs write printed hyphens as soft hyphens and the rules must see "-".
        """
        source = self.source
        page = self._page(index, max_pixels)
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
        return TextLayer(words=tuple(words), text=text, width=rect.width, height=rect.height)

    def render_grey(self, index: int, dpi: int) -> np.ndarray:
        """Page ``index`` in 8-bit grey at ``dpi``: coarse renders for a perceptual hash."""
        page = _load_page(self.source, self._document, index)
        try:
            pixmap = page.get_pixmap(dpi=dpi, colorspace=pymupdf.csGRAY, alpha=False)
        except Exception as error:
            raise _damaged(self.source, index, error) from error
        return np.frombuffer(pixmap.samples, np.uint8).reshape(pixmap.height, pixmap.width).copy()

    def render(self, index: int, dpi: int, max_pixels: int) -> np.ndarray:
        """Render page ``index`` at ``dpi``: uint8 grey, or RGB for colour pages.

        The pixel limit is checked from the page size before anything is rendered.
        """
        source = self.source
        page = _load_page(source, self._document, index)
        zoom = dpi / 72
        width = math.ceil(page.rect.width * zoom)
        height = math.ceil(page.rect.height * zoom)
        if width < 1 or height < 1:
            raise CorruptInputError(
                f"{source.file_name}: page {index + 1} has no size (a broken page box): "
                "get a fresh copy of the file"
            )
        self._check_page(page, max_pixels)
        budget.check_shape(source.file_name, index + 1, width, height, "px")
        if width * height > max_pixels:
            raise InputTooLargeError(
                f"{source.file_name}: page {index + 1} would render at {width} x {height} "
                f"pixels ({width * height / 1e6:.0f} Mpx at {dpi} dpi), over the limit of "
                f"{max_pixels / 1e6:.0f} Mpx: pass a larger --max-pixels or a lower --dpi"
            )
        try:
            # A cheap probe at low resolution decides the colour space, so grey pages (most
            # letters) are rendered grey by MuPDF directly, cheaper than RGB then converting.
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
            # read once, in order, so that cache only holds memory: on a long scan it grows
            # by hundreds of megabytes, which shrinking it after each page avoids.
            pymupdf.TOOLS.store_shrink(100)
        return pixels

    def _page(self, index: int, max_pixels: int) -> pymupdf.Page:
        page = _load_page(self.source, self._document, index)
        self._check_page(page, max_pixels)
        return page

    def _check_page(self, page: pymupdf.Page, max_pixels: int) -> None:
        """Refuse a page whose shape or drawing cost is beyond a page's, before MuPDF runs it."""
        index = page.number or 0
        if (index, max_pixels) in self._affordable:
            return
        source = self.source
        budget.check_shape(source.file_name, index + 1, page.rect.width, page.rect.height, "pt")
        problem = page_problem(self._document, index, max_pixels)
        if problem is not None:
            raise InputTooLargeError(
                f"{source.file_name}: page {index + 1} {problem}: a crafted or broken file; "
                "ask for the document in another form (a scan, or the file re-exported)"
            )
        self._affordable.add((index, max_pixels))


def _page_words(page: pymupdf.Page) -> list[tuple[Any, ...]]:
    """The page's pymupdf words, split at every space character, not only " " and U+00A0.

    Splitting at extra delimiters makes pymupdf's word pass markedly slower, and office
    PDFs rarely glue words with narrow or fixed-width spaces; so the words are read again,
    from the same text page, only when one of them holds such a space.
    """
    textpage = page.get_textpage(flags=_WORD_FLAGS)
    words = page.get_text("words", textpage=textpage)
    if has_word_separator("".join(word[4] for word in words)):
        words = page.get_text("words", textpage=textpage, delimiters=word_separators())
    return cast(list[tuple[Any, ...]], words)


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
    # Counted with C-level passes (str.split, map, count), not per-character generators,
    # which cost more than the rest of a text-layer page's reading.
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
    return min(1.0, float(covered / area))


def _pixels(pixmap: pymupdf.Pixmap) -> np.ndarray:
    """Copy a pixmap's samples into an array of our own (H x W, or H x W x n)."""
    rows = np.frombuffer(pixmap.samples_mv, dtype=np.uint8).reshape(pixmap.height, pixmap.stride)
    pixels = rows[:, : pixmap.width * pixmap.n].reshape(pixmap.height, pixmap.width, pixmap.n)
    return (pixels[..., 0] if pixmap.n == 1 else pixels).copy()


# --------------------------------------------------------------------------- page cost

_DRAW = re.compile(rb"/([^\s/\[\]<>(){}%]+)\s*Do(?![^\s/\[\]<>(){}%])")
"""``/Name Do`` in a content stream: drawing an XObject (a string that merely reads so
counts too, which only errs towards refusing)."""
_NAMED_REF = re.compile(r"/([^\s/\[\]<>(){}%]+)\s+(\d+)\s+\d+\s+R")
_REF = re.compile(r"(\d+)\s+\d+\s+R")
_FILTER_NAMES = re.compile(r"/(\w+)")
_MAX_PARENTS = 32  # page-tree levels searched for inherited resources


class _TooCostly(Exception):
    """Raised inside the walk as soon as a page is found over a limit."""


def page_problem(
    document: pymupdf.Document, index: int, max_pixels: int = DEFAULT_MAX_PIXELS
) -> str | None:
    """Why drawing page ``index`` would cost more than models/budgets.json allows, or None.

    Read from the objects alone, before MuPDF interprets anything: the XObjects the page
    draws, counted through every level of nested forms (``max_draws_per_page``); the
    content bytes interpreted, each form counted as often as it is drawn, with every stream
    inflated under that cap (``max_content_bytes_per_page``); and images declaring more
    than ``max_pixels``. Patterns, Type 3 glyphs and annotation appearances are not walked:
    the page's child process (``verify.reading.budget``) bounds those when the page is drawn.
    """
    try:
        _PageWalk(document, max_pixels).page(document.page_xref(index))
    except _TooCostly as problem:
        return str(problem)
    except Exception:  # noqa: BLE001 - malformed objects are MuPDF's to report, as damage
        return None
    return None


class _PageWalk:
    """One page's XObject tree, each stream decoded at most once."""

    def __init__(self, document: pymupdf.Document, max_pixels: int) -> None:
        table = budget.limits()
        self.document = document
        self.max_pixels = max_pixels
        self.max_draws = int(table["max_draws_per_page"])
        self.max_bytes = int(table["max_content_bytes_per_page"])
        self.costs: dict[int, tuple[int, int]] = {}  # xref -> (draws, bytes) of one draw
        self.open: set[int] = set()  # forms being walked: a cycle draws nothing more

    def page(self, xref: int) -> None:
        kind, value = self.document.xref_get_key(xref, "Contents")
        contents = [int(n) for n in _REF.findall(value)] if kind in ("xref", "array") else []
        names = self._xobjects(xref, inherit=True)
        draws = content = 0
        for stream in contents:
            data = self._decoded(stream, self.max_bytes - content)
            more_draws, more_bytes = self._drawn(data, names)
            draws, content = self._add(draws, content, more_draws, more_bytes + len(data))

    def _drawn(self, data: bytes, names: dict[str, int]) -> tuple[int, int]:
        """(draws, content bytes) of the XObjects ``data`` draws, nested ones included."""
        counts: dict[str, int] = {}
        for match in _DRAW.finditer(data):
            name = match.group(1).decode("latin-1")
            counts[name] = counts.get(name, 0) + 1
        draws = content = 0
        for name, times in counts.items():
            target = names.get(name)
            if target is None:
                continue
            one_draws, one_bytes = self._cost(target)
            draws, content = self._add(draws, content, times * one_draws, times * one_bytes)
        return draws, content

    def _cost(self, xref: int) -> tuple[int, int]:
        """(draws, content bytes) of drawing XObject ``xref`` once."""
        if xref in self.costs:
            return self.costs[xref]
        if xref in self.open:
            return 1, 0
        subtype = self.document.xref_get_key(xref, "Subtype")[1]
        if subtype == "/Image":
            self._check_image(xref)
            cost = (1, 0)
        elif subtype == "/Form":
            self.open.add(xref)
            try:
                data = self._decoded(xref, self.max_bytes)
                draws, content = self._drawn(data, self._xobjects(xref, inherit=False))
                cost = (1 + draws, len(data) + content)
            finally:
                self.open.discard(xref)
        else:
            cost = (1, 0)
        self._add(0, 0, *cost)
        self.costs[xref] = cost
        return cost

    def _add(self, draws: int, content: int, more_draws: int, more_bytes: int) -> tuple[int, int]:
        draws, content = draws + more_draws, content + more_bytes
        if draws > self.max_draws:
            raise _TooCostly(
                f"draws over {self.max_draws:,} objects through nested forms, more than a page may"
            )
        if content > self.max_bytes:
            raise _TooCostly(
                f"holds over {self.max_bytes >> 20} MiB of drawing instructions, more than a "
                "page may"
            )
        return draws, content

    def _check_image(self, xref: int) -> None:
        try:
            width = int(self.document.xref_get_key(xref, "Width")[1])
            height = int(self.document.xref_get_key(xref, "Height")[1])
        except ValueError:
            return
        if width * height > self.max_pixels:
            raise _TooCostly(
                f"holds an image of {width} x {height} pixels, over the limit of "
                f"{self.max_pixels / 1e6:g} Mpx"
            )

    def _xobjects(self, xref: int, *, inherit: bool) -> dict[str, int]:
        """Name -> xref of the XObjects in the resources of ``xref`` (or its page tree)."""
        for _ in range(_MAX_PARENTS):
            kind, value = self.document.xref_get_key(xref, "Resources/XObject")
            if kind == "xref":
                value = self.document.xref_object(int(_REF.findall(value)[0]), compressed=True)
                kind = "dict"
            if kind == "dict":
                return {name: int(number) for name, number in _NAMED_REF.findall(value)}
            resources = self.document.xref_get_key(xref, "Resources")[0]
            parent_kind, parent = self.document.xref_get_key(xref, "Parent")
            if not inherit or resources != "null" or parent_kind != "xref":
                return {}
            xref = int(_REF.findall(parent)[0])
        return {}

    def _decoded(self, xref: int, cap: int) -> bytes:
        """Stream ``xref`` decoded, but never more than ``cap`` + 1 bytes of it."""
        raw = self.document.xref_stream_raw(xref) or b""
        kind, value = self.document.xref_get_key(xref, "Filter")
        filters = _FILTER_NAMES.findall(value) if kind in ("name", "array") else []
        data = raw
        early = self.document.xref_get_key(xref, "DecodeParms/EarlyChange")[1] != "0"
        for name in filters:
            decoded = _decode(name, data, cap, early_change=early)
            if decoded is None:  # a filter decoded here only by MuPDF (images' own)
                return self.document.xref_stream(xref) or b""
            data = decoded
        if len(data) > cap:
            self._add(0, 0, 0, self.max_bytes + 1)
        return data


def _decode(name: str, data: bytes, cap: int, *, early_change: bool = True) -> bytes | None:
    """``data`` through one PDF filter, stopping past ``cap`` bytes; None: not decoded here."""
    try:
        if name in ("LZWDecode", "LZW"):
            return _lzw(data, cap, early_change)
        if name in ("FlateDecode", "Fl"):
            inflater = zlib.decompressobj()
            try:
                return inflater.decompress(data, cap + 1)
            except zlib.error:  # MuPDF keeps what inflates before the damage
                return zlib.decompressobj().decompress(data[: len(data) // 2], cap + 1)
        if name in ("ASCIIHexDecode", "AHx"):
            hexdigits = re.sub(rb"[^0-9A-Fa-f]", b"", data.split(b">")[0])
            return binascii.unhexlify(hexdigits + b"0" * (len(hexdigits) % 2))
        if name in ("ASCII85Decode", "A85"):
            body = re.sub(rb"\s", b"", data).split(b"~>")[0].removeprefix(b"<~")
            return base64.a85decode(body)
        if name in ("RunLengthDecode", "RL"):
            return _run_length(data, cap)
    except (ValueError, binascii.Error, zlib.error):
        return b""
    return None


_LZW_CLEAR, _LZW_END, _LZW_MAX_WIDTH, _LZW_TABLE = 256, 257, 12, 4096


def _lzw(data: bytes, cap: int, early_change: bool) -> bytes:
    """PDF's LZWDecode, stopping past ``cap`` bytes of output.

    LZW expands up to about two thousand times (each 12-bit code can stand for 4,096
    bytes), so one megabyte of stream can decode to gigabytes: MuPDF would decode it all
    before a page could be judged. A damaged code ends the stream, as MuPDF does.
    """
    out = bytearray()
    table = [bytes([i]) for i in range(256)] + [b"", b""]
    width, buffer, buffered = 9, 0, 0
    previous: bytes | None = None
    for byte in data:
        buffer, buffered = (buffer << 8) | byte, buffered + 8
        while buffered >= width:
            buffered -= width
            code = buffer >> buffered
            buffer &= (1 << buffered) - 1
            if code == _LZW_CLEAR:
                del table[258:]
                width, previous = 9, None
                continue
            if code == _LZW_END:
                return bytes(out)
            if code < len(table):
                entry = table[code]
                if previous is not None and len(table) < _LZW_TABLE:
                    table.append(previous + entry[:1])
            elif previous is not None and code == len(table) < _LZW_TABLE:
                entry = previous + previous[:1]
                table.append(entry)
            else:
                return bytes(out)
            out += entry
            if len(out) > cap:
                return bytes(out[: cap + 1])
            previous = entry
            if len(table) + int(early_change) >= 1 << width and width < _LZW_MAX_WIDTH:
                width += 1
    return bytes(out)


def _run_length(data: bytes, cap: int) -> bytes:
    out = bytearray()
    at = 0
    while at < len(data) and len(out) <= cap:
        length = data[at]
        if length == 128:
            break
        if length < 128:
            out += data[at + 1 : at + 2 + length]
            at += 2 + length
        else:
            out += data[at + 1 : at + 2] * (257 - length)
            at += 2
    return bytes(out)


# --------------------------------------------------------------------------- documents


def _open_path(path: Path) -> pymupdf.Document:
    """Open a PDF by its path; a name that is not UTF-8 goes to MuPDF as the file's bytes.

    MuPDF takes a path as UTF-8 text, which a Linux name holding other bytes is not.
    """
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        return pymupdf.open(stream=path.read_bytes(), filetype="pdf")
    return pymupdf.open(path, filetype="pdf")


def _open(source: Source, password: str | None) -> pymupdf.Document:
    name = source.file_name
    try:
        document = _open_path(source.path)
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
        return cast(pymupdf.Page, document.load_page(index))
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
