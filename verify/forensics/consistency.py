"""Do the file and the letter tell the same story? Dates, software and calendars.

A file created before the date printed on the letter, a date that falls on a public
holiday, a deadline that expired before the letter was signed, or an official letter
produced by a PDF editor: none proves forgery, each is a question a reporter should ask.
Calendars are data (models/calendars/), thresholds are in models/forensics.json.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import cache

from verify.forensics.findings import Finding, FindingEvidence
from verify.forensics.metadata import FileFacts, params
from verify.record import Record, TextField
from verify.resources import load_json

CALENDAR_OF_LANGUAGE = {"ru": "ru", "uk": "ua"}
"""Which public-holiday calendar applies to a letter in each language."""


@cache
def holidays(country: str) -> dict[str, str]:
    """ISO date -> holiday name, from models/calendars/<country>.json."""
    return dict(load_json(f"calendars/{country}.json")["holidays"])


def _iso_date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _evidence(field: TextField | None) -> list[FindingEvidence]:
    if field is None:
        return []
    return [FindingEvidence(page=field.page, bbox=field.bbox, raw=field.raw)]


def consistency_findings(record: Record, facts: FileFacts | None) -> list[Finding]:
    """Every inconsistency between the record's dates, the calendar and the file's metadata."""
    findings: list[Finding] = []
    dated = record.document_date
    document_day = _iso_date(dated.value) if dated else None
    if document_day is not None:
        findings += _calendar(record, document_day)
        findings += _deadlines(record, document_day)
        if facts is not None and facts.created is not None:
            findings += _creation(record, document_day, facts.created)
    if facts is not None and facts.software and record.issuer is not None:
        findings += _software(record, facts.software)
    return findings


def _calendar(record: Record, day: date) -> list[Finding]:
    evidence = _evidence(record.document_date)
    out: list[Finding] = []
    country = CALENDAR_OF_LANGUAGE.get(record.language or "")
    if country:
        name = holidays(country).get(day.isoformat())
        if name:
            out.append(
                Finding(
                    type="date_holiday",
                    severity="low",
                    message=f"the letter is dated {day.isoformat()}, a public holiday "
                    f"({country.upper()}: {name})",
                    evidence=evidence,
                    data={"date": day.isoformat(), "holiday": name, "calendar": country},
                )
            )
    if day.weekday() >= 5:
        out.append(
            Finding(
                type="date_weekend",
                severity="low",
                message=f"the letter is dated {day.isoformat()}, a "
                f"{'Saturday' if day.weekday() == 5 else 'Sunday'}",
                evidence=evidence,
                data={"date": day.isoformat(), "weekday": day.strftime("%A")},
            )
        )
    return out


def _stated_deadlines(record: Record) -> list[tuple[str, str]]:
    """(ISO value, raw text) of every deadline phrase, including those before the date.

    The extractor drops a limit earlier than the letter's date (it is usually a cited
    date), which is exactly the case this check is about, so the phrases are re-read
    from the record's text with the extractor's own rules, unresolved against the date.
    """
    try:  # the rules are private to verify.fields.deadlines: see the report to the lead
        from verify.fields import deadlines as rules

        text = rules._normalise_digits(record.text)
        language = record.language or "ru"
        found = []
        for hit in rules._hits(text, language):
            resolved = rules._resolve(hit, language, None)
            if resolved and resolved[0]:
                found.append((resolved[0], text[hit.start : hit.end]))
        return found
    except (ImportError, AttributeError, TypeError, KeyError):
        return [(d.value, d.raw) for d in record.deadlines if d.value]


def _deadlines(record: Record, day: date) -> list[Finding]:
    out = []
    for value, raw in _stated_deadlines(record):
        due = _iso_date(value)
        if due is not None and due < day:
            out.append(
                Finding(
                    type="deadline_before_document",
                    severity="medium",
                    message=f"the deadline {value} ({raw!r}) is before the letter's own date "
                    f"{day.isoformat()}",
                    evidence=[FindingEvidence(raw=raw)],
                    data={"deadline": value, "document_date": day.isoformat()},
                )
            )
    return out


def _creation(record: Record, day: date, created: datetime) -> list[Finding]:
    limits = params()["dates"]
    made = created.date()
    tolerance = timedelta(days=limits["creation_before_document_tolerance_days"])
    if made + tolerance < day:
        return [
            Finding(
                type="created_before_document",
                severity="high",
                message=f"the file was created on {made.isoformat()}, before the date printed "
                f"on the letter ({day.isoformat()}): the date was changed, or the file is not "
                "what it says",
                evidence=_evidence(record.document_date),
                data={"created": created.isoformat(), "document_date": day.isoformat()},
            )
        ]
    if made - day > timedelta(days=limits["creation_after_document_days"]):
        return [
            Finding(
                type="created_long_after_document",
                severity="low",
                message=f"the file was created on {made.isoformat()}, "
                f"{(made - day).days} days after the letter's date: a later re-make or scan",
                evidence=_evidence(record.document_date),
                data={"created": created.isoformat(), "document_date": day.isoformat()},
            )
        ]
    return []


def _software(record: Record, software: tuple[str, ...]) -> list[Finding]:
    producers = params()["producers"]
    out = []
    for name in software:
        lowered = name.lower()
        editor = next((e for e in producers["editors"] if e in lowered), None)
        if editor is None:
            continue  # unknown software is too common to flag: only known editors are
        issuer = record.issuer.value if record.issuer else "the issuer"
        out.append(
            Finding(
                type="producer_unusual",
                severity="medium",
                message=f"the file was written by {name!r}, a PDF or image editor, not the "
                f"office software a letter of {issuer} is made with",
                evidence=[FindingEvidence(raw=name)],
                data={"software": name, "editor": editor},
            )
        )
    return out
