"""Dates and clock times as reports write them, possibly without a year.

Reports say "February 25", "25 февраля", "dated today" and "no later than 6pm": a day
without a year, or a time without a day. ``PartialDate`` keeps what was stated and
nothing more, so corroboration can check the parts a report gave without inventing the
rest; ISO 8601's truncated form ``--MM-DD`` carries a date whose year was not stated.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from verify.claims.patterns import patterns
from verify.text.dates import month_number

_ISO = re.compile(r"(?<!\d)((?:19|20)\d\d)-([01]\d)-([0-3]\d)(?!\d)")
_NUMERIC = re.compile(r"(?<!\d)([0-3]?\d)[./]([01]?\d)[./]((?:19|20)\d\d|\d\d)(?!\d)")
_DAY_MONTH = re.compile(
    r"(?<!\d)([0-3]?\d)(?:st|nd|rd|th)?\s+(?:of\s+)?([^\W\d_]{3,}\.?)"
    r"(?:,?\s+((?:19|20)\d\d)(?!\d)(?:\s*(?:года|году|г\.|г\b|року|р\.|р\b))?)?"
)
_MONTH_DAY = re.compile(
    r"\b([A-Za-z]{3,}\.?)\s+([0-3]?\d)(?:st|nd|rd|th)?(?!\d)(?:,?\s+((?:19|20)\d\d)(?!\d))?"
)
_WEEKDAY = re.compile(
    r"^(?:(?:on\s+)?(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday),?\s+)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class PartialDate:
    """A calendar day whose year may be unknown."""

    year: int | None
    month: int
    day: int

    def iso(self) -> str:
        """'2022-02-25', or '--02-25' when the year was not stated."""
        if self.year is None:
            return f"--{self.month:02d}-{self.day:02d}"
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"

    def shifted(self, days: int) -> PartialDate:
        """The day ``days`` later (a leap year stands in when the year is unknown)."""
        if days == 0:
            return self
        base = dt.date(self.year or 2024, self.month, self.day) + dt.timedelta(days=days)
        return PartialDate(base.year if self.year else None, base.month, base.day)

    def agrees(self, other: dt.date) -> bool:
        """True when every stated part equals ``other``'s."""
        return (self.year in (None, other.year)) and (self.month, self.day) == (
            other.month,
            other.day,
        )

    @classmethod
    def parse_iso(cls, text: str) -> PartialDate | None:
        """Read '2022-02-25' or '--02-25' (None for anything else)."""
        match = re.fullmatch(r"(?:(\d{4})|-)-(\d{2})-(\d{2})", text.strip())
        if not match:
            return None
        year = int(match.group(1)) if match.group(1) else None
        return _valid(year, int(match.group(2)), int(match.group(3)))


def _valid(year: int | None, month: int, day: int) -> PartialDate | None:
    try:
        dt.date(year or 2024, month, day)
    except ValueError:
        return None
    if year is not None and not 1990 <= year <= 2100:
        return None
    return PartialDate(year, month, day)


@dataclass(frozen=True)
class ReportedDate:
    """A date read at the start of some text: its length and value."""

    end: int
    date: PartialDate


def date_at(text: str, language: str) -> ReportedDate | None:
    """A date starting ``text`` (after an optional weekday), in any notation we know."""
    skip = _WEEKDAY.match(text)
    offset = skip.end() if skip else 0
    rest = text[offset:]
    if match := _ISO.match(rest):
        year, month, day = (int(part) for part in match.groups())
        found = _valid(year, month, day)
        return ReportedDate(offset + match.end(), found) if found else None
    if match := _NUMERIC.match(rest):
        day, month, year = (int(part) for part in match.groups())
        year = year + 2000 if year < 100 else year
        found = _valid(year, month, day)
        return ReportedDate(offset + match.end(), found) if found else None
    for pattern, order in ((_DAY_MONTH, "dm"), (_MONTH_DAY, "md")):
        match = pattern.match(rest)
        if not match:
            continue
        first, second, year_text = match.groups()
        day_text, month_word = (first, second) if order == "dm" else (second, first)
        month_found, fuzzy = month_number(month_word, language)
        if month_found is None or fuzzy:
            continue
        found = _valid(int(year_text) if year_text else None, month_found, int(day_text))
        if found:
            return ReportedDate(offset + match.end(), found)
    return None


def find_date(text: str, language: str) -> tuple[int, ReportedDate] | None:
    """The first date anywhere in ``text``: (start, found)."""
    return next(iter_dates(text, language), None)


def iter_dates(text: str, language: str) -> Iterator[tuple[int, ReportedDate]]:
    """Every date in ``text``, in order: (start, found); a date's own words are skipped."""
    taken = 0
    for match in re.finditer(r"(?<![\w])(?=\d|[^\W\d_]{3,}\.?\s+\d)", text):
        if match.start() < taken:
            continue
        found = date_at(text[match.start() :], language)
        if found:
            taken = match.start() + found.end
            yield match.start(), found


@dataclass(frozen=True)
class ClockTime:
    """A time of day read from a report: 6pm, 18:00, 18.00, 18 часов."""

    hour: int
    minute: int
    end: int

    def iso(self) -> str:
        """'18:00'."""
        return f"{self.hour:02d}:{self.minute:02d}"


@cache
def _time_patterns() -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(regex, re.IGNORECASE) for regex in patterns()["time"]["regexes"])


def time_at(text: str) -> ClockTime | None:
    """A clock time starting ``text``, in 12- or 24-hour notation, or a word such as 'noon'."""
    for word, value in patterns()["time"]["words"].items():
        if text.lower().startswith(word):
            hour, minute = (int(part) for part in value.split(":"))
            return ClockTime(hour, minute, len(word))
    for pattern in _time_patterns():
        match = pattern.match(text)
        if not match:
            continue
        groups = match.groupdict()
        hour_text = groups["h"].lower()
        if hour_text.isdigit():
            hour = int(hour_text)
        elif hour_text in patterns()["time"]["hour_words"]:
            hour = int(patterns()["time"]["hour_words"][hour_text])
        else:
            continue
        minute = int(groups.get("m") or 0)
        part = " ".join((groups.get("part") or "").lower().split())
        ampm = patterns()["time"]["day_parts"].get(part.replace(".", ""), "")
        ampm = ampm or (groups.get("ampm") or "").replace(".", "").lower()
        if ampm:
            if not 1 <= hour <= 12:
                continue
            hour = hour % 12 + (12 if ampm == "pm" else 0)
        if hour > 24 or minute > 59:
            continue
        return ClockTime(hour, minute, match.end())
    return None
