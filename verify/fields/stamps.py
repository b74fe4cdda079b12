"""Incoming registration stamps: "Вх. № 412 от 28.02.2022", "Вх. № 87 від 05.03.2022".

A stamp says which recipient's copy this is, so two copies of one letter differ by it
(the ``variant`` verdict). The value is the incoming number; the date is in ISO form.
"""

from __future__ import annotations

from verify.fields._header import field_from_segments, regex, rule
from verify.fields.layout import Layout
from verify.fields.registration import find_number
from verify.reading.textmap import DocumentText
from verify.record import Stamp
from verify.text.dates import find_dates


def extract_stamps(doc: DocumentText, layout: Layout, language: str | None) -> list[Stamp]:
    """Every incoming stamp with a number, in reading order."""
    stamps = []
    opening = regex("stamp_starts")
    for block in layout.blocks_with("stamp"):
        # The receiving organisation's name above the mark may hold a "№" of its own
        # ("Городская больница № 2"): read the number from the "Вх." line on.
        first = next((i for i, s in enumerate(block.segments) if opening.search(s.text)), 0)
        text = " ".join(segment.text for segment in block.segments[first:])
        number = find_number(text)
        if number is None:
            continue
        dates = [d for d in find_dates(text, language) if d.start >= number.end]
        dates = dates or find_dates(text, language)
        stamp = field_from_segments(
            Stamp,
            doc,
            block.segments,
            source=rule("stamp", language, "incoming"),
            rule_confidence=number.confidence,
            value=number.value,
            kind="incoming",
            date=dates[0].iso if dates else None,
        )
        if stamp is not None:
            stamps.append(stamp)
    return stamps
