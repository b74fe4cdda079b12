"""Find dates in header text: numeric ("25.02.2022") and written ("25 февраля 2022 г.").

Header rules (registration line, references, stamps) need each date's exact span so the
evidence points at the right words, and they must survive OCR: digits read as look-alike
letters ("2S.O2.2O22") are folded back before matching, on a copy of the same length so
offsets stay valid. Written dates go to dateparser in the document's language; a month
name too damaged for dateparser is matched fuzzily against ``models/months.json``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cache

from rapidfuzz import fuzz

from verify.resources import load_json

# Letters OCR returns for digits. Applied only inside digit-heavy tokens (see fold_digits).
_DIGIT_LOOKALIKES = str.maketrans(
    {
        "O": "0",
        "О": "0",
        "o": "0",
        "о": "0",
        "Q": "0",
        "D": "0",
        "l": "1",
        "I": "1",
        "|": "1",
        "і": "1",
        "І": "1",
        "!": "1",
        "З": "3",
        "з": "3",
        "S": "5",
        "s": "5",
        "б": "6",
        "Б": "6",
        "B": "8",
        "В": "8",
        "g": "9",
        "Z": "2",
    }
)
_TOKEN = re.compile(r"\S+")
_NUMERIC = re.compile(
    r"(?<!\d)([0-3]?\d)\s?[.,/]\s?([01]?\d)\s?[.,/]\s?((?:19|20)\d\d|\d\d)(?![\d])"
)
_WRITTEN_DMY = re.compile(
    r"(?<!\d)([0-3]?\d)\s*([^\W\d_]{3,}\.?)\s*((?:19|20)\d\d)(?!\d)"
    r"(?:\s*(?:года|году|г\.|г(?!\w)|року|р\.|р(?!\w)))?",
)
_WRITTEN_MDY = re.compile(
    r"\b([A-Za-z]{3,}\.?)\s+([0-3]?\d)(?:st|nd|rd|th)?,?\s+((?:19|20)\d\d)(?!\d)"
)


@dataclass(frozen=True)
class FoundDate:
    """A date found in a text, with its span in that text and how sure the reading is."""

    start: int
    end: int
    date: dt.date
    written: bool  # a month name rather than digits
    repaired: bool  # OCR look-alikes were folded or the month name matched fuzzily

    @property
    def iso(self) -> str:
        """The date as ISO 8601 (YYYY-MM-DD)."""
        return self.date.isoformat()


def fold_digits(text: str) -> str:
    """Same-length copy of ``text`` with look-alike letters turned into digits in numeric tokens.

    A token is folded only when, after folding, most of its letters and digits are digits,
    so words such as "от" or "ВОЗ" are left alone while "2O22" and "З1.О3" are repaired.
    """
    chars = list(text)
    for match in _TOKEN.finditer(text):
        token = match.group()
        folded = token.translate(_DIGIT_LOOKALIKES)
        if folded == token:
            continue
        alnum = [c for c in folded if c.isalnum()]
        digits = sum(c.isdigit() for c in alnum)
        if digits >= 2 and digits >= 0.6 * len(alnum):
            chars[match.start() : match.end()] = folded
    return "".join(chars)


def _make_date(year: int, month: int, day: int) -> dt.date | None:
    if year < 100:
        year += 2000
    if not 1990 <= year <= 2100:
        return None
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


@cache
def _month_stems(language: str | None) -> tuple[tuple[str, int], ...]:
    months = load_json("months.json")["months"]
    languages = [language] if language in months else list(months)
    return tuple(
        (stem, int(number))
        for lang in languages
        for number, stems in months[lang].items()
        for stem in stems
    )


def month_number(word: str, language: str | None) -> tuple[int | None, bool]:
    """Month number of a (possibly inflected or OCR-damaged) month name, and whether fuzzily."""
    cleaned = word.lower().strip(".").replace("ё", "е")
    for stem, number in _month_stems(language):
        if cleaned.startswith(stem) and (len(stem) >= 3 or cleaned == stem):
            return number, False
    best: tuple[float, int | None] = (0.0, None)
    for stem, number in _month_stems(language):
        if len(stem) < 4:
            continue
        score = fuzz.ratio(cleaned[: len(stem) + 1], stem)
        score = max(score, fuzz.ratio(cleaned[: len(stem)], stem))
        if score > best[0]:
            best = (score, number)
    return (best[1], True) if best[0] >= 80 else (None, False)


_PLAIN_WRITTEN = re.compile(r"([0-3]?\d) ([^\W\d_]+) ((?:19|20)\d\d)")
_PLAIN_NUMERIC = re.compile(r"([0-3]?\d)\.([01]?\d)\.((?:19|20)\d\d)")


@cache
def _month_names(language: str | None) -> dict[str, int]:
    """The month names of ``language``; None: those of every language (no name is in two)."""
    by_language: dict[str, dict[str, int]] = load_json("month_names.json")["names"]
    if language is not None:
        return by_language.get(language, {})
    return {name: month for names in by_language.values() for name, month in names.items()}


def plain_date(phrase: str, language: str | None) -> dt.date | None:
    """The date of a phrase that is exactly "D month YYYY" or "D.M.YYYY", else None.

    Only month names of ``models/month_names.json`` (whole words that dateparser reads as
    that month in ``language``, or in any of ru, uk and en for None) and valid calendar
    dates are read, so where this gives a date dateparser gives the same one; None means
    "ask dateparser", which then reads what it read before. Most dates in letters have one
    of these two forms, and a process that meets only those never loads dateparser.
    Numeric dates are read day first, as the deadlines ask dateparser to read them.
    """
    written = _PLAIN_WRITTEN.fullmatch(phrase)
    if written is not None:
        month = _month_names(language).get(written.group(2).lower())
        day, year = int(written.group(1)), int(written.group(3))
    else:
        numeric = _PLAIN_NUMERIC.fullmatch(phrase)
        if numeric is None:
            return None
        day, month, year = (int(group) for group in numeric.groups())
    if month is None:
        return None
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _parse_written(raw: str, language: str | None) -> dt.date | None:
    plain = plain_date(raw, language if language in ("ru", "uk", "en") else None)
    if plain is not None:
        return plain
    languages = [language] if language in ("ru", "uk", "en") else ["ru", "uk", "en"]
    # Only the absolute-date parser: ``raw`` is always "day month year", which the relative
    # ("2 days ago") parser tried first never reads; skipping it makes a parse 28% cheaper.
    import dateparser  # here, not on import: it costs a second's start-up to every command

    parsed = dateparser.parse(
        raw,
        languages=languages,
        settings={
            "STRICT_PARSING": True,
            "REQUIRE_PARTS": ["day", "month", "year"],
            "PARSERS": ["absolute-time"],
        },
    )
    return parsed.date() if parsed else None


def find_dates(text: str, language: str | None) -> list[FoundDate]:
    """All dates in ``text``, in order, numeric and written, spans relative to ``text``."""
    folded = fold_digits(text)
    lang = language  # None: month names of every language
    found: list[FoundDate] = []
    for match in _NUMERIC.finditer(folded):
        day, month, year = (int(group) for group in match.groups())
        date = _make_date(year, month, day)
        if date is None:
            continue
        repaired = folded[match.start() : match.end()] != text[match.start() : match.end()]
        found.append(FoundDate(match.start(), match.end(), date, False, repaired))
    for pattern, order in ((_WRITTEN_DMY, "dmy"), (_WRITTEN_MDY, "mdy")):
        for match in pattern.finditer(folded):
            if any(f.start < match.end() and match.start() < f.end for f in found):
                continue
            if order == "dmy":
                day_text, month_word, year_text = match.groups()
            else:
                month_word, day_text, year_text = match.groups()
            number, fuzzy = month_number(month_word, lang)
            if number is None:
                continue
            core = f"{day_text} {month_word} {year_text}"
            date = _parse_written(core, lang) if not fuzzy else None
            if date is None or date.month != number:
                date = _make_date(int(year_text), number, int(day_text))
            if date is None:
                continue
            repaired = (
                fuzzy or folded[match.start() : match.end()] != text[match.start() : match.end()]
            )
            found.append(FoundDate(match.start(), match.end(), date, True, repaired))
    return sorted(found, key=lambda f: f.start)
