"""The human-readable summary of a record, for a journalist at a terminal.

Kept apart from the CLI so that the wording of the summary can be tested without
running commands, and so the CLI stays a thin layer (STYLE.md 1).
"""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text

from verify.record import Evidence, Record


def _where(evidence: Evidence) -> str:
    return f"p{evidence.page} {evidence.confidence:.2f}"


def _row(table: Table, label: str, value: str | None, evidence: Evidence | None) -> None:
    if value is None or evidence is None:
        table.add_row(label, Text("—", style="dim"), "")
    else:
        table.add_row(label, value, Text(_where(evidence), style="dim"))


def render_summary(record: Record) -> Group:
    """A compact table: each field's value, page and confidence; unknowns shown as a dash."""
    source = record.source
    ocr = [page.ocr_confidence for page in record.pages if page.ocr_confidence is not None]
    read_how = f"OCR confidence {sum(ocr) / len(ocr):.2f}" if ocr else "text layer"
    header = Text.assemble(
        (source.file_name, "bold"),
        f"  {source.media_type}, {len(record.pages)} page(s), "
        f"language {record.language or 'unknown'}, {read_how}",
    )
    table = Table(show_header=False, box=None, padding=(0, 1))
    table.add_column(style="cyan", no_wrap=True)
    table.add_column(overflow="fold")
    table.add_column(no_wrap=True)
    for label, field in (
        ("Issuer", record.issuer),
        ("Kind", record.document_kind),
        ("Number", record.document_number),
        ("Date", record.document_date),
    ):
        _row(table, label, field.value if field else None, field)
    for addressee in record.addressees or [None]:
        _row(table, "Addressee", addressee.value if addressee else None, addressee)
    _row(table, "Subject", record.subject.value if record.subject else None, record.subject)
    for person in record.signatories or [None]:
        value = None
        if person is not None:
            latin = f" [{person.latin[0]}]" if person.latin else ""
            position = f"{person.position}, " if person.position else ""
            value = f"{position}{person.value}{latin}"
        _row(table, "Signed by", value, person)
    for deadline in record.deadlines or [None]:
        value = None
        if deadline is not None:
            shown = deadline.value if not deadline.recurring else f"recurring {deadline.recurrence}"
            value = f"{shown}  «{deadline.raw}»"
        _row(table, "Deadline", value, deadline)
    for specialty in record.requested_specialties or [None]:
        value = None
        if specialty is not None:
            value = f"{specialty.label_en or specialty.value}  «{specialty.raw}»"
        _row(table, "Specialty", value, specialty)
    funding = record.funding_source
    _row(table, "Funding", funding.value if funding else None, funding)
    executor = record.executor
    for label, field in (
        ("Executor", executor.name if executor else None),
        ("Phone", executor.phone if executor else None),
    ):
        _row(table, label, field.value if field else None, field)
    for reference in record.references:
        _row(table, "Cites", reference.value, reference)
    for stamp in record.stamps:
        stamp_date = f" of {stamp.date}" if stamp.date else ""
        _row(table, "Stamp", f"{stamp.kind} No. {stamp.value}{stamp_date}", stamp)
    parts: list[Text | Table] = [header, table]
    for warning in record.warnings:
        parts.append(Text(f"  warning: {warning.message}", style="yellow"))
    return Group(*parts)
