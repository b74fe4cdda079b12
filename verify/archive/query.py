"""``search`` and ``show``: archived matches of a file, and everything about one document."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from verify.archive.archive import Archive
from verify.archive.matches import ArchiveMatcher, Found
from verify.archive.proof import resolve
from verify.compare import as_record, fingerprints_of
from verify.options import ExtractOptions
from verify.record import Record


def search_record(archive: Archive, record: Record, k: int = 10) -> list[Found]:
    """Archived documents matching a record, each with its compare verdict, best first."""
    matcher = ArchiveMatcher(archive.store, archive.index_dir)
    return matcher.find(record, fingerprints_of(record), k=k)


def search(archive: Archive, path: Path, options: ExtractOptions, k: int = 10) -> list[Found]:
    """Archived documents matching a file (or a saved record)."""
    from verify.matching import record_of

    return search_record(archive, record_of(path, options), k)


def found_json(found: Found) -> dict[str, Any]:
    """One search result as JSON: the document id, its verdict and score."""
    return {
        "sha256": found.sha256,
        "verdict": found.comparison.verdict,
        "score": found.comparison.score,
        "reason": found.comparison.reason,
        "differences": found.comparison.differences,
        "candidate_score": found.candidate.score,
    }


def show(archive: Archive, doc_id: str) -> dict[str, Any]:
    """Everything about one document: record, receipts (source, when), links, quarantine."""
    sha256 = resolve(archive, doc_id)
    document = archive.store.document(sha256)
    assert document is not None
    cipher = archive.cipher()
    text = archive.store.record_json(sha256)
    record = as_record(json.loads(text)) if text else None
    failure = next((f for f in archive.store.failures() if f.sha256 == sha256), None)
    links = []
    for link in archive.store.links(sha256):
        other = link.other if link.sha256 == sha256 else link.sha256
        links.append(
            {
                "sha256": other,
                "verdict": link.verdict,
                "score": link.score,
                "log_entry": link.seq,
                "sources": sorted(
                    {
                        cipher.decrypt(r.source_name, "source") or r.source_id
                        for r in archive.store.receipts(other)
                    }
                ),
            }
        )
    return {
        "sha256": sha256,
        "size": document.size,
        "media_type": document.media_type,
        "status": document.status,
        "first_seen": document.first_seen,
        "pages": document.pages,
        "original": str(archive.originals.path(sha256)),
        "receipts": [
            {
                "source": cipher.decrypt(r.source_name, "source"),
                "source_id": r.source_id,
                "path": cipher.decrypt(r.path, "path"),
                "note": cipher.decrypt(r.note, "note"),
                "received_at": r.received_at,
                "log_entry": r.seq,
            }
            for r in archive.store.receipts(sha256)
        ],
        "links": links,
        "quarantine": {"reason": failure.reason, "code": failure.code} if failure else None,
        "record": json.loads(text) if text else None,
        "summary": {
            "issuer": record.issuer.value if record and record.issuer else None,
            "number": record.document_number.value if record and record.document_number else None,
            "date": record.document_date.value if record and record.document_date else None,
        },
    }
