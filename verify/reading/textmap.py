"""The document's text as one string, with a map from every character back to its words.

Extraction rules work on plain text (regexes, spaCy Matcher, dateparser), but every value
must carry its page, box and confidence. ``DocumentText`` keeps, for each line, which words
made it and where they sit in the joined text, so ``evidence(start, end)`` turns any match
span back into page, union box, raw text and the words' mean confidence.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from verify.page import BBox, PageText, Word
from verify.reading.reading_order import reading_order
from verify.text.normalise import normalise_words


@dataclass(frozen=True)
class Line:
    """Words of one printed line, in reading order, and their span in the document text."""

    page: int
    index: int  # position in DocumentText.lines
    words: tuple[Word, ...]
    start: int  # offset of the line's first character in DocumentText.text
    end: int  # offset just past its last character
    ocr: bool = False  # read by OCR (may hold misread letters), not from a text layer

    @property
    def text(self) -> str:
        """The line as text, words joined by single spaces."""
        return " ".join(word.text for word in self.words)

    @property
    def bbox(self) -> BBox:
        """Union of the words' boxes."""
        return union_boxes(word.bbox for word in self.words)


@dataclass(frozen=True)
class SpanEvidence:
    """Where a text span sits on the page."""

    raw: str
    page: int
    bbox: BBox
    confidence: float


def _normalised(page: PageText) -> PageText:
    """The page with its words normalised (``verify.text.normalise``), itself when none changes.

    Text-layer pages arrive normalised from ``verify.reading.pdf``; OCR pages, and pages built
    by callers, are normalised here, so the text the rules see never depends on the path.
    """
    words = normalise_words(page.words)
    return page if words == page.words else replace(page, words=words)


def union_boxes(boxes: Iterable[BBox]) -> BBox:
    """Smallest box holding all given boxes."""
    x0s, y0s, x1s, y1s = zip(*boxes, strict=True)
    return (min(x0s), min(y0s), max(x1s), max(y1s))


class DocumentText:
    """All pages' words as lines of one text, with offsets back to words.

    Lines are separated by newlines; pages by an extra newline (a blank line), so a paragraph
    never runs across a page break by accident.
    """

    def __init__(self, pages: Sequence[PageText]) -> None:
        self.pages = tuple(_normalised(page) for page in pages)
        self.lines: list[Line] = []
        self._word_starts: list[int] = []  # offset of each word, across the document
        self._words: list[tuple[int, Word]] = []  # (page number, word) parallel to _word_starts
        parts: list[str] = []
        offset = 0
        for page in self.pages:
            if self.lines and page.words:
                parts.append("\n")
                offset += 1
            ocr = page.method == "ocr"
            for line_words in reading_order(page.words, ocr=ocr):
                line_start = offset
                for position, word in enumerate(line_words):
                    if position:
                        parts.append(" ")
                        offset += 1
                    self._word_starts.append(offset)
                    self._words.append((page.number, word))
                    parts.append(word.text)
                    offset += len(word.text)
                self.lines.append(
                    Line(
                        page.number,
                        len(self.lines),
                        tuple(line_words),
                        line_start,
                        offset,
                        ocr=ocr,
                    )
                )
                parts.append("\n")
                offset += 1
        self.text = "".join(parts)

    def words_in(self, start: int, end: int) -> list[tuple[int, Word]]:
        """(page, word) pairs overlapping the character span [start, end)."""
        if end <= start or not self._words:
            return []
        first = max(bisect_right(self._word_starts, start) - 1, 0)
        found = []
        for index in range(first, len(self._words)):
            word_start = self._word_starts[index]
            if word_start >= end:
                break
            page, word = self._words[index]
            if word_start + len(word.text) > start:
                found.append((page, word))
        return found

    def evidence(self, start: int, end: int) -> SpanEvidence | None:
        """Page, box, raw text and confidence of a span; None if it covers no word.

        A span crossing a page break is attributed to its first page, with the box of the
        words on that page only, because a box can only live on one page.
        """
        words = self.words_in(start, end)
        if not words:
            return None
        page = words[0][0]
        on_page = [word for number, word in words if number == page]
        confidence = sum(word.confidence for word in on_page) / len(on_page)
        return SpanEvidence(
            raw=self.text[start:end].strip(),
            page=page,
            bbox=union_boxes(word.bbox for word in on_page),
            confidence=round(confidence, 4),
        )

    def line_at(self, offset: int) -> Line | None:
        """The line containing a character offset."""
        starts = [line.start for line in self.lines]
        index = bisect_right(starts, offset) - 1
        if index < 0:
            return None
        line = self.lines[index]
        return line if offset <= line.end else None
