"""``archive verify``: re-hash every original and re-check the whole custody log.

Checks, each naming the affected document by sha256 (docs/archive.md, "Verification"):

* the database itself (SQLite's ``integrity_check``: a flipped bit in a b-tree; in
  PostgreSQL, a dropped table or a damaged index);
* every original re-hashed against its name (missing or changed bytes);
* every log entry present (numbers without gaps, none missing below a signed size) and
  equal to the hash stored with it;
* every signed tree head, in the database and in ``heads/``, signed by the archive's key
  (or the key given with ``--public-key``, to pin it independently of the archive folder)
  and equal to the root recomputed from the entries themselves; a head kept in ``heads/``
  that the database lacks, or entries no head covers, are problems (every transaction of
  verify signs its entries before it commits, see ``custody``);
* every row of every table against the log (``verify/archive/rows.py``): which rows the
  entries say must exist, and what each field must hold (``binding``), so an edited,
  deleted or inserted row is named with its table and field.

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
from verify.archive.merkle import Frontier, leaf_hash
from verify.archive.rows import LogModel, Problem, RowChecker
from verify.archive.signing import TreeHead
from verify.errors import IntegrityError
from verify.key_id import key_id, names_key

__all__ = ["Problem", "VerifyReport", "verify_archive"]


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
    since: dict[str, Any] | None = None  # ``--since``: the checkpoint's verdict (since.py)

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
            "problems": [
                {k: v for k, v in p.__dict__.items() if v is not None or k == "sha256"}
                for p in self.problems
            ],
            "notes": self.notes,
            **({"since": self.since} if self.since is not None else {}),
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
    if public_key is None and expected_id and not names_key(expected_id, key):
        report.problems.append(
            Problem(
                "key_replaced", None, f"keys/signing.pub is not the archive's key {expected_id}"
            )
        )
    for message in archive.store.integrity_problems():
        report.problems.append(
            Problem("database_damaged", None, f"{archive.store.name}: {message}")
        )
    documents = list(archive.store.documents())
    report.documents = len(documents)
    _check_originals(archive, documents, report, jobs)
    entries = _check_log(archive, key, report)
    checker = RowChecker(archive.store, LogModel.of(entries))
    report.problems.extend(checker.run())
    if checker.unlogged_failures:
        report.notes.append(
            f"{checker.unlogged_failures} quarantine row(s) written by an older verify without "
            "a log entry (a retry's or reextract's failure): not bound"
        )
    report.seconds = time.perf_counter() - started
    return report


def _check_originals(
    archive: Archive, documents: list[Any], report: VerifyReport, jobs: int | None
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


def _signed_heads(archive: Archive, key: Ed25519PublicKey, report: VerifyReport) -> list[TreeHead]:
    """Heads of the database and of ``heads/``, each checked, deduplicated, by size."""
    heads: dict[tuple[int, bytes], TreeHead] = {}
    stored: set[tuple[int, bytes]] = set()
    for number, text in enumerate(archive.store.tree_heads(), start=1):
        try:
            head = TreeHead.from_json(json.loads(text))
        except (IntegrityError, ValueError) as error:
            report.problems.append(
                Problem("tree_head_malformed", None, f"head #{number}: {error}", "tree_heads")
            )
            continue
        if not head.verify(key):
            report.problems.append(
                Problem(
                    "tree_head_not_signed",
                    None,
                    f"tree head #{number} (size {head.tree_size}) is not signed by key "
                    f"{report.key_id[:16]}…",
                    "tree_heads",
                )
            )
            continue
        heads[(head.tree_size, head.root_hash)] = head
        stored.add((head.tree_size, head.root_hash))
    report.tree_heads = len(heads)
    kept, bad = archive.heads.read()
    for message in bad:
        report.problems.append(Problem("heads_file_damaged", None, message))
    for head in kept:
        ident = (head.tree_size, head.root_hash)
        if not head.verify(key):
            report.problems.append(
                Problem(
                    "heads_file_damaged",
                    None,
                    f"{archive.heads.path.name}: the head of size {head.tree_size} is not "
                    f"signed by key {report.key_id[:16]}…",
                )
            )
        elif ident not in stored:
            report.problems.append(
                Problem(
                    "tree_head_deleted",
                    None,
                    f"heads/{archive.heads.path.name} holds the signed head of size "
                    f"{head.tree_size} that the database lacks: it was deleted, or the database "
                    "rolled back to an earlier copy",
                    "tree_heads",
                )
            )
            heads[ident] = head
    by_size: dict[int, TreeHead] = {}
    for head in heads.values():
        other = by_size.setdefault(head.tree_size, head)
        if other.root_hash != head.root_hash:
            report.problems.append(
                Problem(
                    "forked",
                    None,
                    f"two heads of size {head.tree_size} signed by the archive's key have "
                    "different roots: two histories (a copy fed other files, or a rewrite)",
                )
            )
    return sorted(heads.values(), key=lambda h: h.tree_size)


def _check_log(
    archive: Archive, key: Ed25519PublicKey, report: VerifyReport
) -> dict[int, dict[str, Any]]:
    """Walk the log once: entries, gaps, stored hashes, and every signed root on the way."""
    heads = _signed_heads(archive, key, report)
    report.signed_size = heads[-1].tree_size if heads else 0
    frontier = Frontier()
    entries: dict[int, dict[str, Any]] = {}
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
                        "log",
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
                Problem("log_entry_changed", sha256, f"log entry {row.seq} was changed", "log")
            )
        if sha256:
            range_docs.append(sha256)
        frontier.append(recomputed)
        check_heads()
    report.log_size = expected
    for seq in range(expected, report.signed_size):
        missing.append(seq)
    _report_missing(missing, report)
    if missing and pending:
        report.problems.append(
            Problem("log_mismatch", None, "signed tree heads cover entries that are missing", "log")
        )
    if report.log_size > report.signed_size:
        report.problems.append(
            Problem(
                "unsigned_entries",
                None,
                f"log entries {report.signed_size}..{report.log_size - 1} are covered by no "
                "signed tree head: verify signs every entry in the transaction that writes it, "
                "so these were added by something else, or their heads were deleted"
                + _legacy_hint(entries, report.signed_size),
                "log",
            )
        )
    return entries


def _legacy_hint(entries: dict[int, dict[str, Any]], start: int) -> str:
    """Entries of an older verify (version 1) were left unsigned by a killed batch."""
    tail = [e for seq, e in entries.items() if seq >= start]
    if tail and all(e.get("v") == 1 for e in tail):
        return (
            " (all are of an older verify, whose killed batch left them: the next ingest "
            "signs them)"
        )
    return ""


def _report_missing(missing: list[int], report: VerifyReport) -> None:
    """Missing entries, a run of consecutive numbers as one problem."""
    runs: list[list[int]] = []
    for seq in missing:
        if runs and runs[-1][1] == seq - 1:
            runs[-1][1] = seq
        else:
            runs.append([seq, seq])
    for first, last in runs:
        which = f"log entry {first} is" if first == last else f"log entries {first}..{last} are"
        report.problems.append(Problem("log_entry_deleted", None, f"{which} missing", "log"))
