"""``search`` and ``show``: archived matches of a file, and everything about one document.

``search`` answers "do we already hold this file?" first: an archived copy with the same
bytes is listed before every other match (the match index leaves a document's own bytes
out, as ingest needs), and every match is named by the file names it was received under.
"""

from __future__ import annotations

import json
from pathlib import Path, PurePath
from typing import Any

from verify.archive.archive import Archive
from verify.archive.archive_index import ArchiveMatcher, Found
from verify.archive.proof import resolve
from verify.matching.compare import compare
from verify.matching.fingerprint import fingerprints_of
from verify.matching.match_index import Candidate
from verify.options import ExtractOptions
from verify.record import Record, read_record_json


def search_record(archive: Archive, record: Record, k: int = 10) -> list[Found]:
    """Archived documents matching a record, best first; never the record's own bytes."""
    matcher = ArchiveMatcher(archive.store, archive.index_dir, archive.matching)
    return matcher.find(record, fingerprints_of(record), k=k)


def _same_bytes(archive: Archive, record: Record, sha256: str) -> Found | None:
    """The archived document with exactly these bytes, compared with the query's record."""
    if archive.store.document(sha256) is None:
        return None
    text = archive.store.record_json(sha256)
    archived = read_record_json(text) if text else record  # quarantined: no record
    candidate = Candidate(doc_id=sha256, score=1.0, sha256_equal=True)
    return Found(sha256, candidate, compare(record, archived))


def file_names(archive: Archive, sha256: str) -> list[str]:
    """The file names a document was received under, first received first, each once."""
    cipher = archive.cipher()
    names: dict[str, None] = {}
    for receipt in archive.store.receipts(sha256):
        path = cipher.decrypt(receipt.path, "path")
        if path:
            names.setdefault(PurePath(path).name or path, None)
    return list(names)


def search(archive: Archive, path: Path, options: ExtractOptions, k: int = 10) -> list[Found]:
    """Archived documents matching a file (or a saved record); its own bytes first, if held."""
    from verify.matching.files import record_of

    record = record_of(path, options)
    same = _same_bytes(archive, record, fingerprints_of(record).sha256)
    found = search_record(archive, record, k)
    return [same, *found][:k] if same is not None else found


def found_json(found: Found, names: list[str] | None = None) -> dict[str, Any]:
    """One search result as JSON: the document id, file names, its verdict and score."""
    return {
        "sha256": found.sha256,
        "file_names": names or [],
        "same_bytes": found.candidate.sha256_equal,
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
    record = read_record_json(text) if text else None
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


def show_lines(info: dict[str, Any]) -> list[str]:
    """``show`` as text: the document, its fields, receipts, links and any quarantine.

    A value the archive does not hold (a quarantined document has no record; a receipt
    may have no note) is shown as a dash or left out, never as ``None``.
    """
    summary = info["summary"]
    media_type = info["media_type"] or "type unknown"
    lines = [f"{info['sha256']}  {media_type}  {info['size']} bytes  {info['status']}"]
    if info["record"] is not None:
        issuer, number, date = (summary[key] or "—" for key in ("issuer", "number", "date"))
        lines.append(f"  {issuer} No. {number} of {date}")
    for receipt in info["receipts"]:
        note = f" ({receipt['note']})" if receipt["note"] else ""
        source = receipt["source"] or receipt["source_id"]
        path = receipt["path"] or "—"
        lines.append(f"  received {receipt['received_at']} from {source}{note}: {path}")
    for link in info["links"]:
        sources = ", ".join(link["sources"]) or "—"
        lines.append(f"  {link['verdict']} {link['score']:.2f}: {link['sha256']} (from {sources})")
    if info["quarantine"]:
        lines.append(f"  quarantined: {info['quarantine']['reason']} (see ingest --retry-failed)")
    return lines
