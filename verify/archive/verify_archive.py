"""``archive verify``: re-hash every original and re-check the whole custody log.

Checks, each naming the affected document by sha256 (docs/archive.md, "Verification"):

* every original re-hashed against its name (missing or changed bytes);
* every log entry present (numbers without gaps, none missing below a signed size) and
  equal to the hash stored with it;
* every signed tree head signed by the archive's key (or the key given with
  ``--public-key``, to pin it independently of the archive folder) and equal to the root
  recomputed from the entries themselves;
* every stored record equal to the ``record_sha256`` of its ``extracted`` entry, and every
  receipt and document backed by its entries.

Originals are hashed by a few threads (hashlib releases the GIL on large buffers), which
is what lets verification run at disk speed.
"""

from __future__ import annotations

import json
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from verify.archive import custody
from verify.archive.archive import Archive
from verify.archive.ingest import record_digest
from verify.archive.merkle import Frontier, leaf_hash
from verify.archive.signing import TreeHead, key_id
from verify.errors import IntegrityError


@dataclass(frozen=True)
class Problem:
    """One thing that does not verify."""

    kind: str
    sha256: str | None
    detail: str


@dataclass
class VerifyReport:
    """The outcome of ``verify_archive``."""

    documents: int = 0
    original_bytes: int = 0
    hash_seconds: float = 0.0
    seconds: float = 0.0
    log_size: int = 0
    signed_size: int = 0
    tree_heads: int = 0
    key_id: str = ""
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing was found wrong."""
        return not self.problems

    @property
    def affected(self) -> list[str]:
        """The sha256 of every document named by a problem, sorted."""
        return sorted({p.sha256 for p in self.problems if p.sha256})

    @property
    def megabytes_per_second(self) -> float:
        """Originals re-hashed per second of hashing."""
        return self.original_bytes / 1e6 / self.hash_seconds if self.hash_seconds else 0.0

    def to_json(self) -> dict[str, Any]:
        """Machine-readable form (``--json``)."""
        return {
            "ok": self.ok,
            "documents": self.documents,
            "original_bytes": self.original_bytes,
            "megabytes_per_second": round(self.megabytes_per_second, 1),
            "seconds": round(self.seconds, 3),
            "log_size": self.log_size,
            "signed_size": self.signed_size,
            "tree_heads": self.tree_heads,
            "key_id": self.key_id,
            "affected_documents": self.affected,
            "problems": [p.__dict__ for p in self.problems],
            "notes": self.notes,
        }


def verify_archive(
    archive: Archive, public_key: Ed25519PublicKey | None = None, jobs: int | None = None
) -> VerifyReport:
    """Check everything; the report lists each problem (``report.ok`` when none)."""
    started = time.perf_counter()
    report = VerifyReport()
    key = public_key or archive.public_key()
    report.key_id = key_id(key)
    expected_id = archive.store.get_meta("key_id")
    if public_key is None and expected_id and expected_id != report.key_id:
        report.problems.append(
            Problem(
                "key_replaced", None, f"keys/signing.pub is not the archive's key {expected_id}"
            )
        )
    documents = list(archive.store.documents())
    report.documents = len(documents)
    _check_originals(archive, documents, report, jobs)
    entries = _check_log(archive, key, report)
    _check_rows(archive, documents, entries, report)
    report.seconds = time.perf_counter() - started
    return report


def _check_originals(
    archive: Archive, documents: list, report: VerifyReport, jobs: int | None
) -> None:
    started = time.perf_counter()
    workers = jobs or min(4, os.cpu_count() or 1)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(lambda d: archive.originals.check(d.sha256), documents))
    for document, (ok, size) in zip(documents, results, strict=True):
        report.original_bytes += size
        if not archive.originals.path(document.sha256).is_file():
            report.problems.append(
                Problem("original_missing", document.sha256, "the original file is missing")
            )
        elif not ok:
            report.problems.append(
                Problem(
                    "original_changed",
                    document.sha256,
                    "the original's bytes no longer match its sha256",
                )
            )
    report.hash_seconds = time.perf_counter() - started
    known = {d.sha256 for d in documents}
    orphans = [name for name in archive.originals.names() if name not in known]
    if orphans:
        report.notes.append(
            f"{len(orphans)} original(s) with no document row (an interrupted ingest: "
            "run the same ingest again)"
        )


def _check_log(archive: Archive, key: Ed25519PublicKey, report: VerifyReport) -> dict[int, dict]:
    """Walk the log once: entries, gaps, stored hashes, and every signed root on the way."""
    heads: list[TreeHead] = []
    for number, text in enumerate(archive.store.tree_heads(), start=1):
        try:
            head = TreeHead.from_json(json.loads(text))
        except (IntegrityError, ValueError) as error:
            report.problems.append(Problem("tree_head_malformed", None, f"head #{number}: {error}"))
            continue
        if not head.verify(key):
            report.problems.append(
                Problem(
                    "tree_head_not_signed",
                    None,
                    f"tree head #{number} (size {head.tree_size}) is not signed by key "
                    f"{report.key_id[:16]}…",
                )
            )
        heads.append(head)
    report.tree_heads = len(heads)
    heads.sort(key=lambda h: h.tree_size)
    report.signed_size = heads[-1].tree_size if heads else 0
    frontier = Frontier()
    entries: dict[int, dict] = {}
    expected = 0
    pending = list(heads)
    range_start = 0
    missing: list[int] = []
    range_docs: list[str] = []

    def check_heads() -> None:
        nonlocal range_start, range_docs
        while pending and pending[0].tree_size == frontier.size:
            head = pending.pop(0)
            if not missing and frontier.root() != head.root_hash:
                names = sorted(set(range_docs))
                report.problems.append(
                    Problem(
                        "log_mismatch",
                        names[0] if len(names) == 1 else None,
                        f"entries {range_start}..{head.tree_size - 1} do not match the signed "
                        f"tree head of size {head.tree_size}: an entry was changed "
                        f"(documents in that range: {', '.join(names) or 'none'})",
                    )
                )
            range_start, range_docs = head.tree_size, []

    check_heads()
    for row in archive.store.leaves():
        while expected < row.seq:
            missing.append(expected)
            expected += 1
        expected = row.seq + 1
        recomputed = leaf_hash(row.data)
        try:
            entry = custody.decode_entry(row.data)
        except ValueError:
            entry = {}
        sha256 = entry.get("sha256")
        entries[row.seq] = entry
        if recomputed != row.leaf_hash or not entry:
            report.problems.append(
                Problem("log_entry_changed", sha256, f"log entry {row.seq} was changed")
            )
        if sha256:
            range_docs.append(sha256)
        frontier.append(recomputed)
        check_heads()
    report.log_size = expected
    for seq in range(expected, report.signed_size):
        missing.append(seq)
    for seq in missing:
        report.problems.append(Problem("log_entry_deleted", None, f"log entry {seq} is missing"))
    if missing and pending:
        report.problems.append(
            Problem("log_mismatch", None, "signed tree heads cover entries that are missing")
        )
    if report.log_size > report.signed_size:
        report.notes.append(
            f"{report.log_size - report.signed_size} entries are not yet covered by a signed "
            "tree head (an interrupted ingest: the next ingest signs them)"
        )
    return entries


def _check_rows(
    archive: Archive, documents: list, entries: dict[int, dict], report: VerifyReport
) -> None:
    """Records, receipts and links against the entries that describe them."""
    named: list[Problem] = []
    for document in documents:
        if document.status == "extracted":
            seq = document.extracted_seq
            entry = entries.get(seq) if seq is not None else None
            text = archive.store.record_json(document.sha256)
            if entry is None or entry.get("event") != "extracted":
                named.append(
                    Problem(
                        "record_unlogged",
                        document.sha256,
                        f"the record's 'extracted' log entry {seq} is missing or not one",
                    )
                )
            elif text is None or record_digest(text) != entry.get("record_sha256"):
                named.append(
                    Problem(
                        "record_changed",
                        document.sha256,
                        f"the stored record does not match log entry {seq}",
                    )
                )
    for receipt in archive.store.receipts():
        entry = entries.get(receipt.seq)
        if (
            entry is None
            or entry.get("event") != "received"
            or entry.get("sha256") != receipt.sha256
        ):
            named.append(
                Problem(
                    "receipt_unlogged",
                    receipt.sha256,
                    f"receipt's 'received' log entry {receipt.seq} is missing or altered",
                )
            )
    for link in archive.store.links():
        entry = entries.get(link.seq)
        if entry is None or entry.get("event") != "matched":
            named.append(
                Problem(
                    "link_unlogged",
                    link.sha256,
                    f"link to {link.other}: its log entry {link.seq} is missing",
                )
            )
    report.problems.extend(named)
