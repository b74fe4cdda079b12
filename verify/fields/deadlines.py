"""Deadlines: time limits the document sets, resolved against its date.

"не позднее 18:00 25 февраля 2022 г." becomes "2022-02-25T18:00", "до 18:00" alone the
document date at 18:00 (with less confidence), "в течение 3 дней" the document date plus
three days, and "ежемесячно до 5 числа" a recurring deadline (RFC 5545 RRULE). A date only
counts as a deadline after a cue ("до", "by", "не позднее" ...), so the document's own date,
a cited letter's "от 25.02.2022" and stamp dates are left alone. The patterns are data
(``models/deadline_patterns.json``); dateparser reads the date phrases in ru, uk and en.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from verify.fields._evidence import field_from_span
from verify.reading.textmap import DocumentText
from verify.record import Deadline
from verify.resources import load_json
from verify.text.dates import plain_date

_DIGIT_LOOKALIKES = str.maketrans({"O": "0", "О": "0", "o": "0", "о": "0", "l": "1", "I": "1"})
_DIGIT_CONTEXT = re.compile(r"(?<=\d)[OОoоlI]|[OОoоlI](?=\d)")
_SPECK_BETWEEN_DIGITS = re.compile(r"(?<=\d)[`'‘’|°_~](?=\d)")
_TIME = re.compile(r"(\d{1,2})(?:[:.](\d{2}))?")
_NOON = re.compile(r"noon|midday", re.IGNORECASE)
_PM = re.compile(r"p\.?\s*m", re.IGNORECASE)
_AM = re.compile(r"a\.?\s*m", re.IGNORECASE)
_DATE_SUFFIX = re.compile(
    r"\s*(?:г\.|года|г|р\.|року|р)$|^(?:the\s+)|(?<=\d)(?:st|nd|rd|th)\b", re.IGNORECASE
)


@dataclass(frozen=True)
class _Rule:
    name: str
    kind: str
    confidence: float
    pattern: re.Pattern[str]


@cache
def _rules(language: str) -> list[_Rule]:
    data = load_json("deadline_patterns.json")
    macros: dict[str, str] = dict(data["macros"])
    for _ in range(3):  # macros may refer to each other, one level deep at most twice
        for key, value in macros.items():
            macros[key] = _expand(value, macros)
    return [
        _Rule(
            spec["rule"],
            spec["kind"],
            float(spec["confidence"]),
            re.compile(_expand(spec["regex"], macros)),
        )
        for spec in data["rules"].get(language, [])
    ]


def _expand(regex: str, macros: dict[str, str]) -> str:
    return re.sub(r"\{([A-Z_]+)\}", lambda m: macros.get(m.group(1), m.group(0)), regex)


def _number_words(language: str) -> dict[str, int]:
    words: dict[str, int] = load_json("deadline_patterns.json")["number_words"].get(language, {})
    return words


def _normalise_digits(text: str) -> str:
    """Same-length copy with OCR letter-for-digit slips next to digits fixed ("O4" -> "04")."""
    text = _DIGIT_CONTEXT.sub(lambda m: m.group(0).translate(_DIGIT_LOOKALIKES), text)
    return _SPECK_BETWEEN_DIGITS.sub(" ", text)  # "10:00`01.03.2022": a speck for a space


def _parse_time(text: str) -> tuple[int, int] | None:
    """(hour, minute) of "18:00", "18.00", "6 pm", "18 часов", "noon"."""
    if _NOON.search(text):
        return 12, 0
    match = _TIME.search(text)
    if match is None:
        return None
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    if _PM.search(text) and hour < 12:
        hour += 12
    elif _AM.search(text) and hour == 12:
        hour = 0
    if hour > 23 or minute > 59:
        return None
    return hour, minute


def _parse_date(
    text: str, language: str, document_date: datetime.date | None
) -> datetime.date | None:
    """A date phrase through dateparser; a phrase without a year needs the document date."""
    cleaned = _DATE_SUFFIX.sub("", " ".join(text.split())).strip(" ,")
    plain = plain_date(cleaned, language)  # a full date: the same as dateparser's
    if plain is not None:
        return plain
    import dateparser  # slow to import: only for phrases plain_date does not read

    has_year = bool(re.search(r"\d{4}|[./]\d{2}$", cleaned))
    if not has_year and document_date is None:
        return None
    settings: dict[str, Any] = {
        "DATE_ORDER": "DMY",
        "PREFER_DATES_FROM": "future",
        "REQUIRE_PARTS": ["day", "month"],
    }
    if document_date is not None:
        settings["RELATIVE_BASE"] = datetime.datetime.combine(document_date, datetime.time())
    parsed = dateparser.parse(cleaned, languages=[language], settings=settings)
    return parsed.date() if parsed else None


def _add_business_days(start: datetime.date, days: int) -> datetime.date:
    current = start
    while days > 0:
        current += datetime.timedelta(days=1)
        if current.weekday() < 5:
            days -= 1
    return current


@dataclass(frozen=True)
class _Hit:
    start: int
    end: int
    rule: _Rule
    groups: dict[str, str | None]
    text: str = ""


def _hits(text: str, language: str) -> list[_Hit]:
    """All rule matches, earlier and longer first, overlapping ones dropped."""
    candidates = [
        _Hit(match.start(), match.end(), rule, match.groupdict(), match.group(0))
        for rule in _rules(language)
        for match in rule.pattern.finditer(text)
    ]
    candidates.sort(key=lambda hit: (hit.start, -(hit.end - hit.start)))
    kept: list[_Hit] = []
    for hit in candidates:
        if any(hit.start < other.end and other.start < hit.end for other in kept):
            continue
        kept.append(hit)
    return kept


def _resolve(
    hit: _Hit, language: str, document_date: datetime.date | None
) -> tuple[str | None, str | None, float] | None:
    """(value, recurrence, confidence factor) of a hit, or None if it does not resolve."""
    kind = hit.rule.kind
    groups = hit.groups
    if kind == "monthly":
        day = int(groups["monthday"] or 0)
        if not 1 <= day <= 31:
            return None
        return None, f"FREQ=MONTHLY;BYMONTHDAY={day}", 1.0
    if kind == "within_days":
        if document_date is None:
            return None
        raw_days = (groups["days"] or "").lower()
        days = int(raw_days) if raw_days.isdigit() else _number_words(language).get(raw_days)
        if not days:
            return None
        if groups.get("business"):
            return _add_business_days(document_date, days).isoformat(), None, 1.0
        return (document_date + datetime.timedelta(days=days)).isoformat(), None, 1.0
    raw_time = groups.get("time")
    time = _parse_time(raw_time) if raw_time else None
    if kind == "time_today":
        if document_date is None or time is None:
            return None
        return f"{document_date.isoformat()}T{time[0]:02d}:{time[1]:02d}", None, 1.0
    date = _parse_date(groups["date"] or "", language, document_date)
    if date is None:
        return None
    factor = 1.0
    if document_date is not None and date < document_date:
        # Before the letter was written: a cited date ("действовавшие до 01.01.2020"),
        # unless an explicit deadline cue says otherwise; then keep it, less certain.
        if not _strong_cue(hit.text, language):
            return None
        factor = 0.6
    if kind == "datetime" and time is not None:
        return f"{date.isoformat()}T{time[0]:02d}:{time[1]:02d}", None, factor
    return date.isoformat(), None, factor


def _strong_cue(text: str, language: str) -> bool:
    cues = load_json("deadline_patterns.json")["strong_cues"].get(language, [])
    lowered = text.lower()
    return any(cue in lowered for cue in cues)


def extract_deadlines(
    doc: DocumentText, language: str, document_date: datetime.date | None
) -> list[Deadline]:
    """Deadlines in document order, each value once; recurring ones have value None."""
    text = _normalise_digits(doc.text)
    results: list[Deadline] = []
    seen: set[tuple[str | None, str | None]] = set()
    for hit in _hits(text, language):
        resolved = _resolve(hit, language, document_date)
        if resolved is None:
            continue
        value, recurrence, factor = resolved
        if (value, recurrence) in seen:
            continue
        repaired = text[hit.start : hit.end] != doc.text[hit.start : hit.end]
        built = field_from_span(
            Deadline,
            doc,
            hit.start,
            hit.end,
            source=f"rule:deadline.{language}.{hit.rule.name}",
            rule_confidence=hit.rule.confidence * factor * (0.9 if repaired else 1.0),
            value=value,
            recurring=recurrence is not None,
            recurrence=recurrence,
        )
        if built is not None:
            seen.add((value, recurrence))
            results.append(built)
    return results
