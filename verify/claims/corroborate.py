"""Check claims against a record: supported, contradicted, absent, or not checkable.

Each claim kind meets its record field on a common key, so a report in English can be
checked against a Russian letter: names through ``fold_name`` and a fuzzy surname ratio,
positions and specialties through their taxonomy ids, bodies through organisation ids,
dates and times as values (6pm = 18:00; a date without a year agrees on day and month).
A claim is ``contradicted`` only when the record has the field and it says otherwise;
when the record lacks the field the claim is ``not_in_document``. A claim that states no
value to compare (a relative date: "yesterday", "within 48 hours") is ``not_checkable``:
nothing is ever compared on an assumed value. The finding carries
the record's evidence (page, box, raw text) so the editor can look at the words.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from rapidfuzz import fuzz

from verify.claims.document_search import TextHit, find_words
from verify.claims.model import Claim
from verify.claims.organisations import (
    UNSTATED_MINISTRY,
    health_ministries,
    ministry_agrees,
    normalise,
    organisation_in,
)
from verify.claims.organisations import label as organisation_label
from verify.claims.patterns import patterns
from verify.claims.when import PartialDate
from verify.fields.specialties import taxonomy
from verify.record import Evidence, Record
from verify.text.translit import fold_name, transliterate

Status = Literal["supported", "contradicted", "not_in_document", "not_checkable"]
STATUSES: tuple[str, ...] = ("supported", "contradicted", "not_in_document", "not_checkable")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RecordEvidence(_Model):
    """A record field that a finding rests on: what the document says, and where."""

    field: str = Field(description="Record field, e.g. 'signatories[0]' or 'document_date'.")
    value: str | None
    raw: str
    page: int
    bbox: tuple[float, float, float, float]
    confidence: float


class CheckedClaim(_Model):
    """One claim checked against the document."""

    ref: str = Field("", description="Label in the report: 'c3', or 'r2.c3' with several reports.")
    claim: Claim
    claims_file: str = Field(description="File name of the report the claim came from.")
    status: Status
    document_value: str | None = Field(
        None, description="What the document says (always set when contradicted)."
    )
    evidence: list[RecordEvidence] = Field(default_factory=list)
    note: str = Field(description="Why this status, in plain words.")


def thresholds() -> dict[str, float]:
    """The fuzzy-match floors in force, recorded in every report."""
    config = patterns()["thresholds"]
    return {
        "surname_ratio": float(config["surname_ratio"]),
        "organisation_ratio": float(config["organisation_ratio"]),
    }


def _evidence(name: str, item: Evidence, value: str | None) -> RecordEvidence:
    return RecordEvidence(
        field=name,
        value=value,
        raw=item.raw,
        page=item.page,
        bbox=item.bbox,
        confidence=item.confidence,
    )


Check = tuple[Status, str | None, list[RecordEvidence], str]

TEXT_SEARCH_CONFIDENCE = 0.5
"""Confidence of a value found by searching the full text rather than read from a field."""


# --------------------------------------------------------------------------- by kind


def _surname_parts(name: str) -> tuple[str, list[str]]:
    """(folded surname, first letters of the other names) of a name in any script."""
    tokens = fold_name(name).split()
    if not tokens:
        return "", []
    return tokens[-1], [token[0] for token in tokens[:-1]]


def _check_name(claim: Claim, record: Record) -> Check:
    if not record.signatories:
        surname = (claim.value or "").split()[-1] if claim.value else ""
        found = _found_in_text(claim, record, surname, "no signatory")
        return found or ("not_in_document", None, [], "the document shows no signatory")
    floor = thresholds()["surname_ratio"]
    surname, initials = _surname_parts(claim.value or "")
    best: tuple[float, int] = (-1.0, 0)
    for index, signatory in enumerate(record.signatories):
        theirs, their_initials = _surname_parts(signatory.value)
        score = fuzz.ratio(surname, theirs)
        if initials and their_initials and initials[0] != their_initials[0]:
            score = min(score, floor - 1)  # "Viktor Plutnitsky" is not "А.Н. Плутницкий"
        best = max(best, (score, index))
    score, index = best
    signatory = record.signatories[index]
    evidence = [_evidence(f"signatories[{index}]", signatory, signatory.value)]
    if score >= floor:
        return (
            "supported",
            signatory.value,
            evidence,
            f"'{claim.value}' is the signatory {signatory.value} (surname match {score:.0f}/100)",
        )
    names = ", ".join(s.value for s in record.signatories)
    return "contradicted", names, evidence, f"the document is signed by {names}"


def _check_position(claim: Claim, record: Record) -> Check:
    with_position = [(i, s) for i, s in enumerate(record.signatories) if s.position_id]
    if not with_position:
        return "not_in_document", None, [], "the document states no signatory's position"
    for index, signatory in with_position:
        if signatory.position_id == claim.value:
            return (
                "supported",
                signatory.position,
                [_evidence(f"signatories[{index}]", signatory, signatory.position)],
                f"the signatory's position '{signatory.position}' is {claim.label}",
            )
    shown = ", ".join(f"{s.position} ({s.position_id})" for _, s in with_position)
    index, first = with_position[0]
    return (
        "contradicted",
        shown,
        [_evidence(f"signatories[{index}]", first, first.position)],
        f"the document's signatory is {shown}, not {claim.label}",
    )


def _date_of(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat((value or "")[:10])
    except ValueError:
        return None


def _check_date(claim: Claim, record: Record) -> Check:
    field = record.document_date
    if field is None or _date_of(field.value) is None:
        return "not_in_document", None, [], "the document's date was not found in it"
    claimed = PartialDate.parse_iso(claim.value or "")
    actual = _date_of(field.value)
    evidence = [_evidence("document_date", field, field.value)]
    if claimed is not None and actual is not None and claimed.agrees(actual):
        year = "" if claimed.year else " (the report gives no year)"
        return "supported", field.value, evidence, f"the document is dated {field.value}{year}"
    return "contradicted", field.value, evidence, f"the document is dated {field.value}"


def _deadline_parts(value: str) -> tuple[PartialDate | None, str | None]:
    day_text, _, time_text = value.partition("T")
    return (PartialDate.parse_iso(day_text) if day_text else None), (time_text or None)


def _check_deadline(claim: Claim, record: Record) -> Check:
    dated = [(i, d) for i, d in enumerate(record.deadlines) if d.value]
    if not dated:
        return "not_in_document", None, [], "the document sets no dated deadline"
    day, time = _deadline_parts(claim.value or "")
    for index, deadline in dated:
        their_day = _date_of(deadline.value)
        their_time = deadline.value.partition("T")[2] if deadline.value else ""
        if day is not None and (their_day is None or not day.agrees(their_day)):
            continue
        if time is not None and _clock(their_time) != _clock(time):
            continue
        return (
            "supported",
            deadline.value,
            [_evidence(f"deadlines[{index}]", deadline, deadline.value)],
            f"the document sets the deadline {deadline.value} ('{deadline.raw}')",
        )
    shown = ", ".join(d.value or "" for _, d in dated)
    index, first = dated[0]
    return (
        "contradicted",
        shown,
        [_evidence(f"deadlines[{index}]", first, first.value)],
        f"the document's deadline is {shown}",
    )


def _clock(text: str) -> str:
    """'18:00', '18:00:00' and '18' compare equal."""
    parts = (text or "").split(":")
    if not parts[0]:
        return ""
    return f"{int(parts[0]):02d}:{int(parts[1]) if len(parts) > 1 else 0:02d}"


def _number_key(value: str) -> str:
    """Script- and punctuation-blind key: 'И' and 'I', '30-2/И/2-2781' and '30-2 / I / 2-2781'."""
    latin = transliterate(value, "icao_9303").upper()
    return re.sub(r"[^0-9A-Z]", "", latin)


def _check_number(claim: Claim, record: Record) -> Check:
    field = record.document_number
    if field is None:
        if _number_key(claim.value or "") in _number_key(record.text):
            return (
                "supported",
                claim.value,
                [],
                f"the document's text holds the number {claim.value} (no registration number "
                "among the fields verify extracted; found by a search of the full text)",
            )
        return "not_in_document", None, [], "the document's number was not found in it"
    evidence = [_evidence("document_number", field, field.value)]
    if _number_key(claim.value or "") == _number_key(field.value):
        return "supported", field.value, evidence, f"the document's number is {field.value}"
    return "contradicted", field.value, evidence, f"the document's number is {field.value}"


def _check_specialty(claim: Claim, record: Record) -> Check:
    value = claim.value or ""
    if value.startswith("other:"):
        return _check_other_occupation(claim, record)
    if not record.requested_specialties:
        return "not_in_document", None, [], "the document requests no specialty verify can read"
    generic = patterns()["generic_specialties"]
    family = set(generic["family"]) if value == generic["bare_value"] else {value}
    for index, specialty in enumerate(record.requested_specialties):
        if specialty.value in family:
            return (
                "supported",
                specialty.raw,
                [_evidence(f"requested_specialties[{index}]", specialty, specialty.value)],
                f"the document requests {specialty.label_en or specialty.value} "
                f"('{specialty.raw}')",
            )
    if value in taxonomy().ids():
        label = taxonomy().label(value, record.language or "ru")
        found = _found_in_text(claim, record, label, "not in the list verify read")
        if found is not None:
            return found
    listed = ", ".join(s.label_en or s.value for s in record.requested_specialties)
    return (
        "contradicted",
        listed,
        [
            _evidence(f"requested_specialties[{i}]", s, s.value)
            for i, s in enumerate(record.requested_specialties)
        ],
        f"the document's list of specialties does not include {claim.label}: it asks for {listed}",
    )


def _script(text: str) -> str:
    """'cyrillic' or 'latin', by the majority of letters."""
    cyrillic = sum(1 for char in text if "\u0400" <= char <= "\u04ff")
    latin = sum(1 for char in text if char.isascii() and char.isalpha())
    return "cyrillic" if cyrillic > latin else "latin"


def _check_ministry(claim: Claim, item: Any, evidence: list[RecordEvidence]) -> Check | None:
    """A ministry of health against the document's issuer, by the place each names."""
    claimed = claim.value or ""
    national = patterns()["health_ministries"]["national"]
    if claimed not in national and not claimed.startswith(UNSTATED_MINISTRY):
        return None
    theirs = next(
        (
            m.value
            for language in ("ru", "uk", "en")
            for m in health_ministries(item.value, language)
        ),
        None,
    )
    if theirs is None:
        return None
    agrees = ministry_agrees(claimed, theirs)
    if agrees:
        return "supported", item.value, evidence, f"the document's issuer is '{item.value}'"
    if agrees is None:
        return (
            "not_checkable",
            item.value,
            evidence,
            f"the document's issuer is '{item.value}'; whether the report's "
            f"'{claim.raw}' names the same ministry is not something verify can tell: "
            "check by hand",
        )
    return "contradicted", item.value, evidence, f"the document's issuer is '{item.value}'"


def _in_text(record: Record, phrase: str) -> tuple[TextHit, list[RecordEvidence]] | None:
    """The document's full text naming ``phrase``, with evidence when its page is known."""
    hit = find_words(record, phrase)
    if hit is None:
        return None
    evidence = []
    if hit.page is not None:
        page = record.pages[hit.page - 1]
        evidence.append(
            RecordEvidence(
                field="text",
                value=None,
                raw=hit.raw,
                page=hit.page,
                bbox=(0.0, 0.0, page.width, page.height),
                confidence=TEXT_SEARCH_CONFIDENCE,
            )
        )
    return hit, evidence


def _found_in_text(claim: Claim, record: Record, phrase: str, what: str) -> Check | None:
    """Supported by a full-text search, or None: the step before ``not_in_document``."""
    found = _in_text(record, phrase)
    if found is None:
        return None
    hit, evidence = found
    return (
        "supported",
        hit.raw,
        evidence,
        f"the document's text says '{hit.raw}' ({what} not among the fields verify "
        "extracted; found by a search of the full text)",
    )


def _check_other_occupation(claim: Claim, record: Record) -> Check:
    """An occupation outside the taxonomy: named in the document's text, or not there."""
    words = claim.value.split(":", 1)[1] if claim.value else ""
    found = _in_text(record, words)
    if found is not None:
        hit, evidence = found
        return (
            "supported",
            hit.raw,
            evidence,
            f"the document's text names '{hit.raw}' (a text search: this occupation is "
            "outside verify's specialty taxonomy)",
        )
    return (
        "not_in_document",
        None,
        [],
        f"the document's text does not name '{claim.raw}' (searched in its full text, "
        "transliterated)",
    )


def _check_organisation(
    claim: Claim, record: Record, field_name: str, item: Any, what: str
) -> Check:
    if item is None:
        found = _found_in_text(claim, record, claim.raw, f"no {what}")
        return found or ("not_in_document", None, [], f"the document names no {what}")
    evidence = [_evidence(field_name, item, item.value)]
    ministry = _check_ministry(claim, item, evidence)
    if ministry is not None:
        return ministry
    theirs = organisation_in(item.value) or organisation_in(item.raw)
    claimed = claim.value or ""
    if theirs is not None and claimed == theirs:
        return (
            "supported",
            item.value,
            evidence,
            f"the document's {what} '{item.value}' is the {organisation_label(theirs)}",
        )
    mine = claimed if claimed in patterns()["organisations"] else organisation_in(claimed)
    if mine is None:
        score = fuzz.token_set_ratio(normalise(claimed), normalise(item.value))
        across = fuzz.token_set_ratio(fold_name(claimed), fold_name(item.value))
        if max(score, across) >= thresholds()["organisation_ratio"]:
            return "supported", item.value, evidence, f"the document's {what} is '{item.value}'"
        if _script(claimed) != _script(item.value):
            return (
                "not_checkable",
                item.value,
                evidence,
                f"the document's {what} is '{item.value}'; verify cannot tell whether "
                f"'{claimed}', in another script, is a translation of it: check by hand",
            )
        return (
            "contradicted",
            item.value,
            evidence,
            f"the document's {what} is '{item.value}'; verify does not know '{claimed}' as "
            "another name of it: check by hand",
        )
    return "contradicted", item.value, evidence, f"the document's {what} is '{item.value}'"


_CHECKS: dict[str, Callable[[Claim, Record], Check]] = {
    "signatory_name": _check_name,
    "signatory_position": _check_position,
    "document_date": _check_date,
    "deadline": _check_deadline,
    "document_number": _check_number,
    "specialty": _check_specialty,
    "issuer": lambda claim, record: _check_organisation(
        claim, record, "issuer", record.issuer, "issuer"
    ),
    "funding_source": lambda claim, record: _check_organisation(
        claim, record, "funding_source", record.funding_source, "funding source"
    ),
}


def _not_checkable(claim: Claim) -> Check:
    """A claim that states nothing comparable: said so, never compared on a guess."""
    why = claim.note or "the report states no value that can be compared with the document"
    return "not_checkable", None, [], why


def check_claim(claim: Claim, record: Record, claims_file: str = "") -> CheckedClaim:
    """The status of one claim against ``record``, with the record's evidence."""
    if claim.value is None:
        status, value, evidence, note = _not_checkable(claim)
    else:
        status, value, evidence, note = _CHECKS[claim.kind](claim, record)
    return CheckedClaim(
        ref=claim.id,
        claim=claim,
        claims_file=claims_file,
        status=status,
        document_value=value,
        evidence=evidence,
        note=note,
    )


def corroborate(
    record: Record, claims: Sequence[Claim], claims_file: str = ""
) -> list[CheckedClaim]:
    """Check every claim against the record, in the claims' order."""
    return [check_claim(claim, record, claims_file) for claim in claims]
