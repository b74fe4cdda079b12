"""The human-readable summary of a record, for a journalist at a terminal.

Kept apart from the CLI so that the wording of the summary can be tested without
running commands, and so the CLI stays a thin layer. Every value read from a document (and
every file name) goes through ``verify.console.printable``: a summary line never carries a
control character, and the consoles interpret no markup, so ``[/bold]`` in a subject is text.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, TypeVar

from rich.console import Group
from rich.table import Table
from rich.text import Text

from verify.console import printable
from verify.record import Evidence, Record

T = TypeVar("T")

if TYPE_CHECKING:  # compare pulls in numpy and datasketch: not needed for a summary
    from verify.matching.compare import Comparison
    from verify.matching.files import Match


def _where(evidence: Evidence) -> str:
    return f"p{evidence.page} {evidence.confidence:.2f}"


def _row(table: Table, label: str, value: str | None, evidence: Evidence | None) -> None:
    if value is None or evidence is None:
        table.add_row(label, Text("—", style="dim"), "")
    else:
        table.add_row(label, printable(value), Text(_where(evidence), style="dim"))


def _or_none(items: Sequence[T]) -> list[T | None]:
    """The items, or a single None so that an empty list still shows its row (as a dash)."""
    return list(items) if items else [None]


def render_summary(record: Record) -> Group:
    """A compact table: each field's value, page and confidence; unknowns shown as a dash."""
    source = record.source
    ocr = [page.ocr_confidence for page in record.pages if page.ocr_confidence is not None]
    read_how = f"OCR confidence {sum(ocr) / len(ocr):.2f}" if ocr else "text layer"
    header = Text.assemble(
        (printable(source.file_name), "bold"),
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
    for addressee in _or_none(record.addressees):
        _row(table, "Addressee", addressee.value if addressee else None, addressee)
    _row(table, "Subject", record.subject.value if record.subject else None, record.subject)
    for person in _or_none(record.signatories):
        value = None
        if person is not None:
            latin = f" [{person.latin[0]}]" if person.latin else ""
            position = f"{person.position}, " if person.position else ""
            value = f"{position}{person.value}{latin}"
        _row(table, "Signed by", value, person)
    for deadline in _or_none(record.deadlines):
        value = None
        if deadline is not None:
            shown = deadline.value if not deadline.recurring else f"recurring {deadline.recurrence}"
            value = f"{shown}  «{deadline.raw}»"
        _row(table, "Deadline", value, deadline)
    for specialty in _or_none(record.requested_specialties):
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
    for finding in record.forensics or []:
        style = {"high": "red", "medium": "yellow"}.get(finding.severity, "dim")
        parts.append(
            Text(printable(f"  forensics [{finding.severity}]: {finding.message}"), style=style)
        )
    for warning in record.warnings:
        parts.append(Text(printable(f"  warning: {warning.message}"), style="yellow"))
    return Group(*parts)


def render_comparison(comparison: Comparison, left: str, right: str) -> Group:
    """Verdict first, then the evidence, then the field table: what an editor reads."""
    colour = {
        "identical": "green",
        "same_document": "green",
        "same_template": "yellow",
        "variant": "yellow",
        "conflict": "red",
        "unrelated": "dim",
    }[comparison.verdict]
    evidence = comparison.evidence
    lines: list[Text | Table] = [
        Text.assemble(
            (comparison.verdict.upper().replace("_", " "), f"bold {colour}"),
            printable(f"  score {comparison.score:.2f}  ({left} vs {right})"),
        ),
        Text(printable(f"  {comparison.reason}")),
    ]
    facts = [f"same bytes: {'yes' if evidence.sha256_equal else 'no'}"]
    if evidence.identity_key_equal is not None:
        facts.append(f"same issuer/number/date: {'yes' if evidence.identity_key_equal else 'no'}")
    if evidence.text_jaccard is not None:
        facts.append(f"text similarity {evidence.text_jaccard:.2f}")
    if evidence.body_jaccard is not None:
        facts.append(f"body similarity {evidence.body_jaccard:.2f}")
    for page in evidence.pdq:
        if page.distance is not None:
            facts.append(f"page {page.page} PDQ distance {page.distance}/256")
    lines.append(Text("  " + "; ".join(facts), style="dim"))
    for note in evidence.notes:
        lines.append(Text(printable(f"  note: {note}"), style="dim"))
    for difference in comparison.differences:
        lines.append(Text(printable(f"  differs: {difference}"), style=colour))
    table = Table(box=None, padding=(0, 1), show_header=True, header_style="bold")
    table.add_column("field", style="cyan")
    table.add_column("status")
    table.add_column(printable(left), overflow="fold")
    table.add_column(printable(right), overflow="fold")
    status_style = {"agree": "green", "differ": "red"}
    for row in comparison.fields:
        table.add_row(
            printable(row.field),
            Text(row.status, style=status_style.get(row.status, "dim")),
            printable("; ".join(row.left) or "—"),
            printable("; ".join(row.right) or "—"),
        )
    lines.append(table)
    return Group(*lines)


def render_matches(matches: Sequence[Match], query: str) -> Group:
    """One line per candidate, best first, with the compare verdict when known."""
    if not matches:
        return Group(Text(printable(f"{query}: no known document matches"), style="dim"))
    table = Table(box=None, padding=(0, 1), header_style="bold")
    for column in ("known document", "verdict", "score", "evidence"):
        table.add_column(column)
    for found in matches:
        candidate = found.candidate
        verdict = found.comparison.verdict if found.comparison else "candidate"
        score = found.comparison.score if found.comparison else candidate.score
        hints = []
        if candidate.sha256_equal:
            hints.append("same bytes")
        if candidate.identity_key_equal:
            hints.append("same issuer/number/date")
        if candidate.text_jaccard is not None:
            hints.append(f"text {candidate.text_jaccard:.2f}")
        if candidate.pdq_distance is not None:
            hints.append(f"PDQ {candidate.pdq_distance}")
        table.add_row(printable(candidate.doc_id), verdict, f"{score:.2f}", ", ".join(hints))
    return Group(Text(printable(f"matches for {query}:"), style="bold"), table)
