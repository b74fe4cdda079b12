"""The document's own registration number and date, read from its registration line.

"25.02.2022 № 30-2/И/2-2781", "від 02.03.2022 № 24-04/5678/2-22", "Our ref: MRI/2022/031",
"№ Ref: NRMC/2022/031".
Only the registration line is read: a number or date after "На №" or in a cited letter
belongs to another document, and the first date in the text may be a deadline.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from verify.fields._evidence import field_from_span
from verify.fields._header import patterns, regex, rule
from verify.fields.layout import Layout, number_sign_regex
from verify.reading.textmap import DocumentText
from verify.record import TextField
from verify.text.dates import find_dates

NUMBER_MISSING = "no registration line with a number (№, No., Ref) was found under the letterhead"
_TRAILING = " .,;:"
_EXACT_SIGNS = ("№", "No.", "No", "N°", "Nº")
"""Number signs as printed, not OCR misreadings or a bare "N" before digits."""


@dataclass(frozen=True)
class FoundNumber:
    """A registration number within a text: span, value as written, how sure."""

    start: int
    end: int
    value: str
    confidence: float
    rule: str


def number_at(text: str, offset: int) -> tuple[int, int, str] | None:
    """The number token starting at ``offset`` (after spaces or a colon), as written."""
    lead = re.match(r"[\s:.]*", text[offset:])
    start = offset + (lead.end() if lead else 0)
    match = regex("number").match(text, start)
    if match is None:
        return None
    value = match.group().rstrip(_TRAILING)
    if not value or not re.search(r"\d", value) or re.fullmatch(r"[_\-.]+", value):
        return None
    return start, start + len(value), value


def find_number(text: str) -> FoundNumber | None:
    """The number after the number sign or an "our ref" label, else after the date."""
    for match in number_sign_regex().finditer(text):
        found = number_at(text, match.end())
        if found:
            # The sign is its first token: "№ Ref:" is as sure as "№" (see number_sign).
            exact = re.split(r"[\s:]", match.group(), maxsplit=1)[0] in _EXACT_SIGNS
            return FoundNumber(*found, 0.95 if exact else 0.8, "number_sign")
    labels = sorted(
        (label for labels in patterns()["own_ref_labels"].values() for label in labels),
        key=len,
        reverse=True,
    )
    for label in labels:
        labelled = re.match(rf"\s*{re.escape(label)}\b\.?\s*(?:№|no\.?)?\s*:?", text, re.I)
        if labelled:
            found = number_at(text, labelled.end())
            if found:
                return FoundNumber(*found, 0.95, "our_ref")
    # The № lost to OCR: a slash- or dash-bearing token right after the date.
    dates = find_dates(text, None)
    if dates:
        found = number_at(text, dates[0].end)
        if found and re.search(r"[/\-]", found[2]):
            return FoundNumber(*found, 0.6, "after_date")
    return None


def extract_document_number(
    doc: DocumentText, layout: Layout, language: str | None
) -> TextField | None:
    """The document's own registration number, without the number sign."""
    for segment in layout.with_role("registration"):
        found = find_number(segment.text)
        if found is None:
            continue
        return field_from_span(
            TextField,
            doc,
            segment.start + found.start,
            segment.start + found.end,
            source=rule("document_number", language, found.rule),
            rule_confidence=found.confidence,
            value=found.value,
        )
    return None


DATE_MISSING = "no registration line with a date was found in the header of page 1"


def extract_document_date(
    doc: DocumentText, layout: Layout, language: str | None
) -> TextField | None:
    """The date of the document: the date on its registration line, never a date elsewhere."""
    registration = layout.with_role("registration")
    # Prefer the line that also bears the number: "25.02.2022 № 30-2/И/2-2781".
    numbered = [s for s in registration if number_sign_regex().search(s.text)]
    for segment in numbered + [s for s in registration if s not in numbered]:
        dates = find_dates(segment.text, language)
        if not dates:
            continue
        found = dates[0]
        return field_from_span(
            TextField,
            doc,
            segment.start + found.start,
            segment.start + found.end,
            source=rule("document_date", language, "written" if found.written else "numeric"),
            rule_confidence=0.75 if found.repaired else 0.97,
            value=found.iso,
        )
    return None
