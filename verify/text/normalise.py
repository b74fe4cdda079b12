"""Plain characters for what the page prints: hyphens, spaces, ligatures, no zero-width marks.

Office PDFs write a printed hyphen as U+00AD (soft hyphen) or U+2010/U+2011, spaces as
U+00A0/U+202F, ";" as U+037E, "fi" as the ligature "ﬁ", and scatter zero-width characters;
the rules match plain "-", " " and letters, so "30<U+00AD>2/И/2<U+00AD>2781" read as "30".
Words are normalised before any rule sees them (the text layer in ``verify/reading/pdf.py``, and
every page again in ``textmap.DocumentText``, where OCR words pass too: a no-op for words
already plain); evidence then shows the normalised text, which is what the page prints.

The table is data (``models/text_normalisation.json``); only the listed characters change,
never NFKC of the whole text (it would turn "№" into "No").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache

from verify.page import Word
from verify.resources import load_json

TABLE_FILE = "text_normalisation.json"


@dataclass(frozen=True)
class _Table:
    """The compiled table: one translation, one context rule, and a test for "anything to do"."""

    translation: dict[int, str | None]  # hyphens, spaces, zero-width, equivalents, ligatures
    between: re.Pattern[str]  # a dash between two letters or digits
    hyphen: str
    separators: str  # characters that end a word (spaces other than " ")
    separator: re.Pattern[str]  # any of them
    special: re.Pattern[str]  # any character this module may change


@cache
def _table() -> _Table:
    data = load_json(TABLE_FILE)
    hyphen = data["hyphen"]
    translation: dict[int, str | None] = {ord(char): hyphen for char in data["hyphens"]}
    translation.update({ord(char): " " for char in data["spaces"]})
    translation.update({ord(char): None for char in data["zero_width"]})
    translation.update(
        {ord(char): unicodedata.normalize("NFC", char) for char in data["equivalents"]}
    )
    translation.update(
        {ord(char): unicodedata.normalize("NFKC", char) for char in data["ligatures"]}
    )
    dashes = re.escape("".join(data["hyphens_between"]))
    every = "".join(chr(code) for code in translation) + "".join(data["hyphens_between"])
    return _Table(
        translation=translation,
        between=re.compile(rf"(?<=[^\W_])[{dashes}](?=[^\W_])"),
        hyphen=hyphen,
        separators="".join(data["spaces"]),
        separator=re.compile(f"[{re.escape(''.join(data['spaces']))}]"),
        special=re.compile(f"[{re.escape(every)}]"),
    )


def word_separators() -> str:
    """Space characters other than " " that end a word (for pymupdf's word delimiters)."""
    return _table().separators


def has_word_separator(text: str) -> bool:
    """Whether ``text`` holds a space character other than " " (a word to split)."""
    return _table().separator.search(text) is not None


def normalise_text(text: str) -> str:
    """``text`` with the table applied; spaces come out as " " (idempotent)."""
    table = _table()
    if not table.special.search(text):
        return text
    return table.between.sub(table.hyphen, text.translate(table.translation))


def normalise_words(words: Sequence[Word]) -> tuple[Word, ...]:
    """The words with their text normalised, split at spaces, emptied ones dropped.

    A word that held a space becomes one word per part. Its parts' boxes divide the word's
    box in proportion to their characters' positions, an approximation: a PDF text layer
    never reaches that, because pymupdf splits at the same spaces with exact boxes
    (``word_separators``), and tesseract does not put spaces inside a word.
    """
    special = _table().special
    if not any(special.search(word.text) for word in words):
        return tuple(words)
    return tuple(part for word in words for part in _normalise_word(word))


def _normalise_word(word: Word) -> tuple[Word, ...]:
    text = normalise_text(word.text)
    if text == word.text:
        return (word,)
    if " " not in text:
        return (replace(word, text=text),) if text else ()
    return tuple(
        replace(word, text=part, bbox=_share(word, start, end, len(text)))
        for start, end, part in _parts(text)
    )


def _parts(text: str) -> list[tuple[int, int, str]]:
    """(start, end, part) of each run of non-space characters."""
    return [(m.start(), m.end(), m.group()) for m in re.finditer(r"[^ ]+", text)]


def _share(word: Word, start: int, end: int, length: int) -> tuple[float, float, float, float]:
    """The slice of the word's box under characters [start, end) of ``length``, along x."""
    x0, y0, x1, y1 = word.bbox
    step = (x1 - x0) / length
    return (x0 + step * start, y0, x0 + step * end, y1)
