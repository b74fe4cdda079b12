"""Tell Russian, Ukrainian and English apart in a page of text.

Scripts split Latin from Cyrillic. Within Cyrillic only letters that one language writes
and the other does not (ы э ъ ё against і ї є ґ) are evidence, and they decide only with a
margin (``models/languages.json``, "decide"): tesseract's combined ``rus+ukr`` model
reads a damaged Russian "М" or "и" as "і", so one stray letter on a line of shared
letters must not make a Russian page Ukrainian. When the letters do not decide, OCR asks
the engine instead (``prefer_reading``: the language whose own model reads the text more
confidently); plain text falls back on words only one of the languages uses.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from verify.resources import load_json

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def _is_cyrillic(char: str) -> bool:
    return "\u0400" <= char <= "\u04ff"


def _cues() -> dict[str, Any]:
    return load_json("languages.json")


@dataclass(frozen=True)
class LetterEvidence:
    """What a text's letters say: how many, how many Cyrillic, and each language's own."""

    letters: int
    cyrillic: int
    ru: int
    uk: int

    @property
    def script(self) -> str | None:
        """Return "cyrillic", "en" (mostly Latin), or None when too few letters to tell."""
        cues = _cues()
        if self.letters < cues["min_letters"]:
            return None
        return "cyrillic" if self.cyrillic >= self.letters * cues["min_cyrillic_share"] else "en"


def letter_evidence(text: str) -> LetterEvidence:
    """Count the letters of ``text``, its Cyrillic ones, and those only ru or only uk writes.

    A Latin look-alike of a Ukrainian letter ("i" for "і") counts for Ukrainian only inside
    a word that has Cyrillic letters: typists and OCR both put it there, and in a Latin
    word it is just an "i".
    """
    cues = _cues()
    unique = cues["unique_letters"]
    letters = [char for char in text if char.isalpha()]
    counts = {language: sum(text.count(char) for char in unique[language]) for language in unique}
    for language, lookalikes in cues["lookalike_letters"].items():
        for word in _WORD.findall(text):
            if any(_is_cyrillic(char) for char in word):
                counts[language] += sum(word.count(char) for char in lookalikes)
    cyrillic = sum(1 for char in letters if _is_cyrillic(char))
    return LetterEvidence(len(letters), cyrillic, counts["ru"], counts["uk"])


def decide_by_letters(evidence: LetterEvidence) -> str | None:
    """Return "ru" or "uk" when its own letters clearly outweigh the other's, else None.

    The winner needs at least ``decide.min_own`` of its letters and ``decide.margin`` times
    the loser's count. None means the evidence is weak or contradictory: the caller asks
    another witness (OCR confidence, or function words).
    """
    rule = _cues()["decide"]
    own = {"ru": evidence.ru, "uk": evidence.uk}
    for language, other in (("ru", "uk"), ("uk", "ru")):
        if (
            own[language] >= rule["min_own"][language]
            and own[language] >= rule["margin"] * own[other]
        ):
            return language
    return None


def _function_word_lean(text: str) -> str | None:
    """The language whose exclusive function words the text uses more, or None on a tie."""
    words = [word.lower() for word in _WORD.findall(text)]
    score = {}
    for language in ("ru", "uk"):
        vocabulary = {word.lower() for word in _cues()["function_words"][language]}
        score[language] = sum(1 for word in words if word in vocabulary)
    if score["ru"] == score["uk"]:
        return None
    return "ru" if score["ru"] > score["uk"] else "uk"


def detect_language(text: str, *, typed: bool = False) -> str | None:
    """Return "ru", "uk", "en", or None when the text has too few letters to tell.

    For text read exactly (a PDF's text layer, a claims file) or when no engine can be
    asked: the letters' verdict, else exclusive function words, else Russian — a Cyrillic
    page without a single і ї є is far likelier Russian than Ukrainian, as "і" alone is
    about one Ukrainian letter in twenty. ``typed`` text (a report someone wrote, never
    OCR output or a text layer that may carry OCR) lets a single letter decide when the
    other language shows none.
    """
    evidence = letter_evidence(text)
    if evidence.script != "cyrillic":
        return evidence.script
    return (
        decide_by_letters(evidence)
        or (_sole_letters(evidence) if typed else None)
        or _function_word_lean(text)
        or "ru"
    )


def _sole_letters(evidence: LetterEvidence) -> str | None:
    """Exact text with letters of one language only: a short post's single 'і' decides.

    The margins of ``decide_by_letters`` guard against OCR inventing a letter; text that
    was not read by OCR has no such noise.
    """
    if evidence.uk and not evidence.ru:
        return "uk"
    if evidence.ru and not evidence.uk:
        return "ru"
    return None


@dataclass(frozen=True)
class LanguageReading:
    """The same lines read with one language's model: its mean word confidence and text."""

    language: str
    confidence: float
    text: str


def _other_letters(reading: LanguageReading) -> int:
    """Letters of the other Cyrillic language in a reading (none for en)."""
    evidence = letter_evidence(reading.text)
    return {"ru": evidence.uk, "uk": evidence.ru}.get(reading.language, 0)


def prefer_reading(readings: Sequence[LanguageReading]) -> str:
    """The language whose reading is more confident; near ties go to fewer foreign letters.

    A model reading its own language reads it more surely than the neighbour's model does,
    whichever letters the combined model guessed. Confidences closer than
    ``fallback_tie`` are a tie, settled by fewer letters of the other language in the
    reading, then by the order given.
    """
    tie = _cues()["fallback_tie"]
    best = max(reading.confidence for reading in readings)
    close = [reading for reading in readings if reading.confidence >= best - tie]
    return min(close, key=_other_letters).language
