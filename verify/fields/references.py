"""References: other documents the letter cites by number and date.

"во исполнение письма ... от 25.02.2022 № 30-2/И/2-2757", "На № 01-12/345 от 20.02.2022",
"Your ref: ABC/123". A citation is a number sign with its number next to a date (either
order, joined only by "от"/"від"/"of"/"dated"); the document's own registration line and
incoming stamps are not citations, and a blank form line "На № ____ от ____" cites nothing.
"""

from __future__ import annotations

import re

from verify.fields._evidence import field_from_span
from verify.fields._header import patterns, rule
from verify.fields.layout import Layout, number_sign_regex
from verify.fields.registration import number_at
from verify.reading.textmap import DocumentText
from verify.record import Reference
from verify.text.dates import FoundDate, find_dates

_CONNECTOR = r"[\s,]*(?:(?:от|від|of|dated|from)\s*)?[\s,]*"
# Looked for only in the few characters before a date: searching the whole text before every
# date made a long document quadratic.
_PREPOSITION_BEFORE = re.compile(r"(?:от|від|of|dated)\s*$", re.IGNORECASE)
_PREPOSITION_REACH = 24
_VALUE_FORMAT = {"ru": "№ {number} от {date}", "uk": "№ {number} від {date}"}
_VALUE_FORMAT_EN = "No. {number} of {date}"


def _format(number: str | None, date: str | None, language: str | None) -> str:
    if number and date:
        return _VALUE_FORMAT.get(language or "", _VALUE_FORMAT_EN).format(number=number, date=date)
    if number:
        return ("No. " if language == "en" else "№ ") + number
    return date or ""


def _date_after(text: str, offset: int, dates: list[FoundDate]) -> FoundDate | None:
    connector = re.compile(_CONNECTOR, re.IGNORECASE)
    match = connector.match(text, offset)
    end = match.end() if match else offset
    return next((d for d in dates if d.start == end), None)


def _date_before(text: str, offset: int, dates: list[FoundDate]) -> FoundDate | None:
    for date in reversed(dates):
        if date.end <= offset:
            between = text[date.end : offset]
            return date if re.fullmatch(r"[\s,]*", between) else None
    return None


def extract_references(doc: DocumentText, layout: Layout, language: str | None) -> list[Reference]:
    """Every cited document with a number and a date, plus "Your ref" numbers."""
    own = [
        (s.start, s.end) for s in layout.segments if s.role in ("registration", "stamp", "title")
    ]
    text = doc.text
    dates = find_dates(text, language)
    found: list[Reference] = []
    seen: set[tuple[str | None, str | None]] = set()

    def add(start: int, end: int, number: str | None, date: str | None, name: str) -> None:
        if any(a <= start < b for a, b in own) or (number, date) in seen:
            return
        reference = field_from_span(
            Reference,
            doc,
            start,
            end,
            source=rule("reference", language, name),
            rule_confidence=0.9,
            value=_format(number, date, language),
            number=number,
            date=date,
        )
        if reference is not None:
            seen.add((number, date))
            found.append(reference)

    for sign in number_sign_regex().finditer(text):
        number = number_at(text, sign.end())
        if number is None:
            continue
        _, number_end, value = number
        after = _date_after(text, number_end, dates)
        if after is not None:
            add(sign.start(), after.end, value, after.iso, "number_date")
            continue
        before = _date_before(text, sign.start(), dates)
        if before is not None:
            # "от 25.02.2022 № 30-2/И/2-2757": take the preposition into the evidence.
            start = before.start
            lead = _PREPOSITION_BEFORE.search(text, max(0, start - _PREPOSITION_REACH), start)
            add(lead.start() if lead else start, number_end, value, before.iso, "date_number")
    for labels in patterns()["your_ref_labels"].values():
        for label in labels:
            for match in re.finditer(rf"\b{re.escape(label)}\b\.?\s*:?", text, re.IGNORECASE):
                number = number_at(text, match.end())
                if number is None:
                    continue
                _, number_end, value = number
                after = _date_after(text, number_end, dates)
                end = after.end if after else number_end
                add(match.start(), end, value, after.iso if after else None, "your_ref")
    return sorted(found, key=lambda r: (r.page, r.bbox[1], r.bbox[0]))
