"""Build a corroboration report: read the document, read each report's claims, check them.

``corroborate_files`` is the one orchestrator behind ``verify corroborate``; it reads top
to bottom like the flow in docs/architecture.md: record -> claims per file -> findings ->
report with provenance (input hashes, versions, thresholds).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from pathlib import Path

from verify.claims import ClaimsFile, claims_from_file
from verify.claims.corroborate import CheckedClaim, corroborate, thresholds
from verify.options import ExtractOptions
from verify.record import Record
from verify.report.model import (
    REPORT_SCHEMA_ID,
    DocumentPage,
    DocumentSummary,
    InputFile,
    Report,
    Summary,
)
from verify.resources import models_versions
from verify.version import __version__


def sha256_file(path: Path) -> str:
    """sha256 of a file, streamed."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def corroborate_files(
    document: str | Path,
    claims: Sequence[str | Path],
    claims_date: dt.date | None = None,
    options: ExtractOptions | None = None,
) -> tuple[Report, Record]:
    """Check every claims file against the document (a file or a saved record)."""
    from verify.matching.files import record_of

    options = options or ExtractOptions()
    document = Path(document)
    record = record_of(document, options)
    files = [claims_from_file(path, claims_date) for path in claims]
    return build_report(record, document, files), record


def build_report(record: Record, document: Path, files: Sequence[ClaimsFile]) -> Report:
    """The report of ``files``' claims checked against ``record`` (read from ``document``)."""
    several = len(files) > 1
    findings: list[CheckedClaim] = []
    for index, claims_file in enumerate(files, start=1):
        for finding in corroborate(record, claims_file.claims, claims_file.file_name):
            ref = f"r{index}.{finding.claim.id}" if several else finding.claim.id
            findings.append(finding.model_copy(update={"ref": ref}))
    inputs = [
        InputFile(
            role="document",
            path=str(document),
            sha256=sha256_file(document),
            size=document.stat().st_size,
        )
    ]
    inputs += [InputFile(role="claims", path=f.path, sha256=f.sha256, size=f.size) for f in files]
    return Report(
        schema=REPORT_SCHEMA_ID,
        created=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        verify_version=__version__,
        models_version=models_versions(),
        thresholds=thresholds(),
        inputs=inputs,
        document=_summary(record),
        claims_files=list(files),
        findings=findings,
        summary=_counts(files, findings),
    )


def _summary(record: Record) -> DocumentSummary:
    from verify.matching.fingerprint import fingerprint_record

    stored = record.fingerprints
    fingerprints = (
        stored.model_dump(mode="json")
        if stored is not None
        else fingerprint_record(record).model_dump(exclude={"text_minhash", "body_minhash"})
    )
    return DocumentSummary(
        path=record.source.path,
        file_name=record.source.file_name,
        sha256=record.source.sha256,
        media_type=record.source.media_type,
        language=record.language,
        issuer=record.issuer.value if record.issuer else None,
        document_number=record.document_number.value if record.document_number else None,
        document_date=record.document_date.value if record.document_date else None,
        signatories=[
            f"{s.position} {s.value}" if s.position else s.value for s in record.signatories
        ],
        pages=[
            DocumentPage(
                number=p.number, width=p.width, height=p.height, unit=p.unit, method=p.method
            )
            for p in record.pages
        ],
        fingerprints=fingerprints,
    )


def _counts(files: Sequence[ClaimsFile], findings: list[CheckedClaim]) -> Summary:
    counts = {"supported": 0, "contradicted": 0, "not_in_document": 0, "not_checkable": 0}
    for finding in findings:
        counts[finding.status] += 1
    messages = [f"{f.file_name}: {f.message}" for f in files if f.message]
    if not findings:
        messages.insert(0, "no claim about a document was found in the reports given")
    return Summary(**counts, total=len(findings), messages=messages)
