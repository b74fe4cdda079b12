"""A corroboration report made with an archive: copies listed, signed, and logged.

With an archive the report stops being a private note and becomes evidence the newsroom
stands behind: it lists every archived copy of the document and how many independent
sources hold it (``verify.report.copies``), it is signed with the archive's Ed25519 key,
and an ``exported`` custody-log entry names the sha256 of the exact bytes signed, under a
new signed tree head. Anyone can then show that this report, unchanged, left this archive
at that time: ``verify report check`` verifies the signature, the log has the entry.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from verify.archive import custody, private
from verify.archive.archive import Archive
from verify.archive.proof import resolve
from verify.claims import claims_from_file
from verify.errors import ArchiveError, InputMissingError
from verify.options import ExtractOptions
from verify.record import Record, read_record_json
from verify.report.build import build_report, sha256_file
from verify.report.copies import copy_thresholds, list_copies
from verify.report.model import Report
from verify.report.signature import canonical_bytes, sign_report

REPORT_EXPORT = "corroboration_report"
"""The ``what`` of the custody-log entry that records a report leaving the archive."""


@dataclass(frozen=True)
class ArchivedReport:
    """A signed report, the document file it describes, and its custody-log entry."""

    report: Report
    record: Record
    document: Path
    report_sha256: str
    log_entry: int
    tree_size: int


def report_digest(report: Report | dict[str, object]) -> str:
    """sha256 of the bytes the signature covers: what the ``exported`` entry names.

    Whitespace-independent, so a report saved with any indentation still matches its entry.
    """
    return hashlib.sha256(canonical_bytes(report)).hexdigest()


def locate_document(
    archive: Archive, document: str | Path, options: ExtractOptions
) -> tuple[Path, Record, str | None]:
    """The document's file, record, and archived sha256 (None when its bytes are not held).

    ``document`` is a file (extracted, or a saved record; looked up by sha256, and its
    copies found by search) or an archived document id (its stored record is used).
    """
    from verify.matching.files import record_of

    path = Path(document)
    if path.is_file():
        record = record_of(path, options)
        held = (d for d in (sha256_file(path), record.source.sha256) if archive.store.document(d))
        return path, record, next(held, None)
    text = str(document).strip().lower()
    if len(text) < 8 or any(c not in "0123456789abcdef" for c in text):
        raise InputMissingError(
            f"{document}: no such file, and not a document id: give a file or a sha256 "
            f"(8+ hex digits) from `verify search --archive {archive.root}`"
        )
    sha256 = resolve(archive, text)
    stored = archive.store.record_json(sha256)
    if stored is None:
        raise ArchiveError(
            f"document {sha256[:16]} is quarantined (extraction failed): fix it with "
            "`verify archive retry`, or give the original file"
        )
    return archive.originals.path(sha256), read_record_json(stored), sha256


def corroborate_archived(
    archive: Archive,
    document: str | Path,
    claims: Sequence[str | Path],
    claims_date: dt.date | None = None,
    options: ExtractOptions | None = None,
) -> ArchivedReport:
    """Check claims against an archived document (or a file), list its copies, sign and log.

    The signing key is loaded before any work so a wrong passphrase fails fast. The
    ``exported`` entry is appended in its own transaction and covered by a new signed
    tree head, exactly as ``archive prove`` does for proofs.
    """
    options = private.archive_options(archive, options)  # sealed when sources are encrypted
    key = archive.private_key()
    path, record, archived = locate_document(archive, document, options)
    files = [claims_from_file(p, claims_date) for p in claims]
    report = build_report(record, path, files)
    sha256 = archived or report.document.sha256
    copies = list_copies(archive, record, sha256)
    report = report.model_copy(
        update={"copies": copies, "thresholds": {**report.thresholds, **copy_thresholds()}}
    )
    signed = sign_report(report, key)
    digest = report_digest(signed)
    assert signed.signature is not None
    with custody.transaction(archive.store, key, archive.heads):
        seq = custody.append(
            archive.store,
            "exported",
            sha256,
            what=REPORT_EXPORT,
            report_sha256=digest,
            key_id=signed.signature.key_id,
        )
    return ArchivedReport(signed, record, path, digest, seq, archive.store.log_size())


def exported_entry(archive: Archive, report: Report | dict[str, object]) -> int | None:
    """The custody-log entry that recorded this report leaving the archive, if any."""
    digest = report_digest(report)
    data = json.loads(report.to_json()) if isinstance(report, Report) else report
    document = data.get("document")
    sha256 = document.get("sha256") if isinstance(document, dict) else None
    candidates = archive.store.leaves_of(sha256) if isinstance(sha256, str) else []
    for seq in candidates:
        row = archive.store.leaf(seq)
        if row is None:
            continue
        try:
            entry = custody.decode_entry(row.data)
        except ValueError:
            continue
        if entry.get("event") == "exported" and entry.get("report_sha256") == digest:
            return seq
    return None
