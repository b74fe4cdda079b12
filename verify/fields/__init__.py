"""Field extraction: pages in, every record field with its evidence out.

``extract_fields`` reads top to bottom like the extraction flow: join the pages' words into one
text (``DocumentText``), give each line its role (``analyse_layout``), then run one extractor
per field family. Header fields are read from the lines of their role; body fields
(specialties, deadlines, funding, signatories) from the text. A field with no evidence is
None (or an empty list) and a ``field_not_found`` warning says what was looked for, so a
reader can tell "absent from the letter" from "missed by verify" on the page itself.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from verify.fields import addressees, executor, issuer, kind, registration, stamps, subject
from verify.fields.layout import analyse_layout
from verify.fields.references import extract_references
from verify.page import PageText
from verify.reading.language import detect_language
from verify.reading.textmap import DocumentText
from verify.record import RecordWarning

__all__ = ["Extraction", "extract_fields", "prepare_rules"]

_NO_TEXT = "the document has no text: the pages are empty or OCR found no words"


@dataclass(frozen=True)
class Extraction:
    """What extraction found: the language, ``Record`` keyword arguments and warnings.

    ``text`` is the document text the fields were read from, returned so the record
    carries the very same text without joining and ordering the words a second time.
    """

    language: str | None
    fields: dict[str, Any]
    warnings: list[RecordWarning]
    text: str = ""


def document_language(pages: Sequence[PageText], doc: DocumentText) -> str | None:
    """The majority language of the pages, else the language of the whole text."""
    votes = Counter(page.language for page in pages if page.language)
    if votes:
        (top, count), *rest = votes.most_common()
        if not rest or rest[0][1] < count:
            return top
    return detect_language(doc.text)


def prepare_rules(language: str) -> None:
    """Build what the rules of ``language`` need before a document is read in it.

    The specialty matcher on spaCy's blank pipeline, and pymorphy3's dictionaries for
    Russian and Ukrainian, are the slowest part of a fresh process's field stage; they are
    built once per process and kept, so a caller with time to spare (a page being OCRed)
    can build them ahead. Languages without field rules are ignored.
    """
    from verify.fields.specialties import matcher_for
    from verify.text.morphology import analyser

    if language not in ("ru", "uk", "en"):
        return
    matcher_for(language)
    if language in ("ru", "uk"):
        analyser(language)


def extract_fields(pages: Sequence[PageText], language: str | None = None) -> Extraction:
    """Extract every record field from the pages' words.

    ``language`` forces the document language ("ru", "uk", "en"); otherwise it is the
    pages' majority language or, failing that, detected from the whole text.
    """
    doc = DocumentText(pages)
    lang = language or document_language(pages, doc)
    layout = analyse_layout(doc)
    warnings: list[RecordWarning] = []
    fields: dict[str, Any] = {}

    def missing(name: str, why: str) -> None:
        reason = why if doc.text.strip() else _NO_TEXT
        warnings.append(RecordWarning(code="field_not_found", field=name, message=reason))

    def scalar(name: str, value: Any, why: str) -> None:
        fields[name] = value
        if value is None:
            missing(name, why)

    scalar("issuer", issuer.extract_issuer(doc, layout, lang), issuer.MISSING)
    scalar("document_kind", kind.extract_kind(doc, layout, lang), kind.MISSING)
    scalar(
        "document_number",
        registration.extract_document_number(doc, layout, lang),
        registration.NUMBER_MISSING,
    )
    scalar(
        "document_date",
        registration.extract_document_date(doc, layout, lang),
        registration.DATE_MISSING,
    )
    fields["addressees"] = addressees.extract_addressees(doc, layout, lang)
    if not fields["addressees"]:
        missing("addressees", addressees.MISSING)
    scalar("subject", subject.extract_subject(doc, layout, lang), subject.MISSING)
    scalar("executor", executor.extract_executor(doc, layout, lang), executor.MISSING)
    fields["references"] = extract_references(doc, layout, lang)
    fields["stamps"] = stamps.extract_stamps(doc, layout, lang)

    date_field = fields["document_date"]
    document_date = dt.date.fromisoformat(date_field.value) if date_field else None
    warnings.extend(_body_fields(doc, lang, document_date, fields))
    return Extraction(language=lang, fields=fields, warnings=warnings, text=doc.text)


def _body_fields(
    doc: DocumentText, lang: str | None, document_date: dt.date | None, fields: dict[str, Any]
) -> list[RecordWarning]:
    """Run the body extractors (signatories, deadlines, specialties, funding) into ``fields``."""
    warnings: list[RecordWarning] = []
    if lang is None:
        # These rules are written per language; with no language there is nothing to apply
        # them to (the text is empty or too short to tell), so say so instead of guessing.
        fields.update(signatories=[], deadlines=[], requested_specialties=[])
        fields["funding_source"] = None
        why = (
            _NO_TEXT if not doc.text.strip() else "the language could not be told (too little text)"
        )
        for name in ("signatories", "funding_source"):
            warnings.append(RecordWarning(code="field_not_found", field=name, message=why))
        return warnings
    from verify.fields.deadlines import extract_deadlines
    from verify.fields.funding import extract_funding
    from verify.fields.signatories import extract_signatories
    from verify.fields.specialties import extract_specialties

    fields["signatories"] = extract_signatories(doc, lang)
    if not fields["signatories"]:
        warnings.append(
            RecordWarning(
                code="field_not_found",
                field="signatories",
                message="no signature (a position with initials and surname) was found",
            )
        )
    fields["deadlines"] = extract_deadlines(doc, lang, document_date)
    fields["requested_specialties"] = extract_specialties(doc, lang)
    fields["funding_source"] = extract_funding(doc, lang)
    if fields["funding_source"] is None:
        warnings.append(
            RecordWarning(
                code="field_not_found",
                field="funding_source",
                message="no sentence naming who pays (funding, 'за счет средств') was found",
            )
        )
    return warnings
