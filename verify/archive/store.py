"""The small storage interface the archive is written against.

Everything but the originals (files) and the signing key lives behind ``ArchiveStore``:
documents, records, fingerprints, sources, receipts, links, the quarantine, the custody
log and its signed tree heads. ``SQLiteStore`` is the embedded default; ``PostgresStore``
(for newsrooms that outgrow one machine) implements the same methods on the same tables.

The contract that makes ingest resumable: every change of one file (document, record,
receipt, links and their log entries) happens inside one ``atomic()`` block, which commits
or rolls back whole; and ``append_leaf`` numbers entries without gaps inside that block.
"""

from __future__ import annotations

import abc
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass


@dataclass(frozen=True)
class DocumentRow:
    """One archived document (distinct bytes)."""

    sha256: str
    size: int
    media_type: str | None
    status: str  # "extracted" or "failed"
    first_seen: str
    pages: int
    extracted_seq: int | None  # the log entry of the current record ('extracted')


@dataclass(frozen=True)
class ReceiptRow:
    """One arrival of a document from a source (stored strings may be encrypted)."""

    receipt_id: str
    sha256: str
    source_id: str
    source_name: str | None
    path: str | None
    note: str | None
    received_at: str
    seq: int


@dataclass(frozen=True)
class LinkRow:
    """A match between two archived documents, with the compare verdict."""

    sha256: str
    other: str
    verdict: str
    score: float
    seq: int


@dataclass(frozen=True)
class FailureRow:
    """A quarantined document: archived, but extraction failed."""

    sha256: str
    reason: str
    code: int
    at: str


@dataclass(frozen=True)
class LeafRow:
    """One custody-log entry: its number, its exact bytes and the leaf hash stored with it."""

    seq: int
    data: bytes
    leaf_hash: bytes


AUDITED_COLUMNS: dict[str, tuple[str, ...]] = {
    "documents": ("sha256", "size", "media_type", "status", "first_seen", "pages", "extracted_seq"),
    "records": ("sha256", "record", "fingerprints"),
    "sources": ("id", "name", "created"),
    "receipts": ("id", "sha256", "source_id", "path", "note", "received_at", "seq"),
    "links": ("sha256", "other", "verdict", "score", "seq"),
    "failures": ("sha256", "reason", "code", "at"),
}
"""The columns ``archive verify`` reads from each table (``rows``), in every store."""


def check_columns(store_name: str, table: str, names: Sequence[str]) -> None:
    """IntegrityError when a table read for ``rows`` lacks a column verify checks.

    A column renamed or dropped (a flipped bit in SQLite's schema text, or an edit) would
    otherwise pass for rows without that field.
    """
    from verify.errors import IntegrityError

    missing = [name for name in AUDITED_COLUMNS[table] if name not in names]
    if missing:
        raise IntegrityError(
            f"{store_name}: the table {table} lacks its column(s) {', '.join(missing)}: the "
            "database is damaged or was altered; restore it from a copy"
        )


class ArchiveStore(abc.ABC):
    """What the archive needs from a database; see the module docstring for the contract."""

    schema_version: int
    name: str
    """How messages name the database: its file name, or its URL."""

    @abc.abstractmethod
    def atomic(self) -> AbstractContextManager[None]:
        """A write transaction that commits or rolls back whole (and waits for other writers)."""

    @abc.abstractmethod
    def close(self) -> None:
        """Release the connection."""

    # meta
    @abc.abstractmethod
    def get_meta(self, key: str) -> str | None:
        """A setting of the archive (format, key id, encryption salt...)."""

    @abc.abstractmethod
    def set_meta(self, key: str, value: str) -> None:
        """Store a setting."""

    # documents and records
    @abc.abstractmethod
    def document(self, sha256: str) -> DocumentRow | None:
        """The document with these bytes, if archived."""

    @abc.abstractmethod
    def record_versions(self, sha256s: Sequence[str]) -> dict[str, int]:
        """The current record's version (its 'extracted' entry) of each document that has one.

        One query for a match's ten candidates instead of ten ``document`` lookups.
        """

    @abc.abstractmethod
    def find_documents(self, prefix: str) -> list[str]:
        """The sha256 of documents whose id starts with ``prefix``."""

    @abc.abstractmethod
    def put_document(self, row: DocumentRow) -> None:
        """Insert or replace a document row."""

    @abc.abstractmethod
    def documents(self) -> Iterator[DocumentRow]:
        """Every document, in order of arrival."""

    @abc.abstractmethod
    def count_documents(self) -> int:
        """How many documents are archived."""

    @abc.abstractmethod
    def record_json(self, sha256: str) -> str | None:
        """The stored record of a document, as the exact JSON text hashed into the log."""

    @abc.abstractmethod
    def put_record(self, sha256: str, record_json: str, fingerprints_json: str | None) -> None:
        """Store (or replace) a document's record and fingerprints."""

    @abc.abstractmethod
    def records_json(self, sha256s: list[str]) -> dict[str, str]:
        """Several stored records at once."""

    @abc.abstractmethod
    def fingerprints(self) -> Iterator[tuple[str, str]]:
        """(sha256, fingerprints JSON) of every document that has them."""

    @abc.abstractmethod
    def fingerprints_since(self, log_size: int) -> Iterator[tuple[str, str | None]]:
        """(sha256, fingerprints JSON or None) of the records made since the log's size was this.

        Entry numbers start at 0: a record whose 'extracted' entry is number ``log_size`` or
        later was made after the log held ``log_size`` entries.
        """

    # sources and receipts
    @abc.abstractmethod
    def put_source(self, source_id: str, name: str | None, created: str) -> None:
        """Record a source (ignored if known)."""

    @abc.abstractmethod
    def source(self, source_id: str) -> tuple[str | None, str] | None:
        """A source's stored (name, created), if known."""

    @abc.abstractmethod
    def receipt(self, receipt_id: str) -> ReceiptRow | None:
        """A receipt by its idempotency key."""

    @abc.abstractmethod
    def put_receipt(self, row: ReceiptRow) -> None:
        """Insert a receipt."""

    @abc.abstractmethod
    def receipts(self, sha256: str | None = None) -> list[ReceiptRow]:
        """Receipts of one document (or all), oldest first."""

    # links
    @abc.abstractmethod
    def put_link(self, row: LinkRow) -> bool:
        """Insert a link unless this pair is already linked; True if inserted."""

    @abc.abstractmethod
    def links(self, sha256: str | None = None) -> list[LinkRow]:
        """Links touching one document (either side), or all."""

    # quarantine
    @abc.abstractmethod
    def put_failure(self, row: FailureRow) -> None:
        """Quarantine a document (or update its reason)."""

    @abc.abstractmethod
    def clear_failure(self, sha256: str) -> None:
        """Take a document out of quarantine."""

    @abc.abstractmethod
    def failures(self) -> list[FailureRow]:
        """The quarantine list."""

    # the custody log
    @abc.abstractmethod
    def append_leaf(self, data: bytes, leaf_hash: bytes, sha256: str | None) -> int:
        """Append a log entry; returns its number (0-based, no gaps)."""

    @abc.abstractmethod
    def leaves(self, start: int = 0, stop: int | None = None) -> Iterator[LeafRow]:
        """Log entries in order."""

    @abc.abstractmethod
    def leaf(self, seq: int) -> LeafRow | None:
        """One log entry."""

    @abc.abstractmethod
    def log_size(self) -> int:
        """Number of log entries (the highest number + 1)."""

    @abc.abstractmethod
    def leaves_of(self, sha256: str) -> list[int]:
        """Numbers of the log entries about one document."""

    @abc.abstractmethod
    def put_tree_head(self, head_json: str, tree_size: int) -> None:
        """Store a signed tree head (JSON form)."""

    @abc.abstractmethod
    def tree_heads(self, larger_than: int = -1) -> list[str]:
        """Every signed tree head (of a size above ``larger_than``), oldest first (JSON form)."""

    @abc.abstractmethod
    def latest_tree_head(self) -> str | None:
        """The signed tree head of the largest size (the newest of them), JSON form."""

    # audit
    @abc.abstractmethod
    def rows(self, table: str) -> Iterator[dict[str, object]]:
        """Every row of a table as stored, by column name (``archive verify`` reads them raw)."""

    @abc.abstractmethod
    def integrity_problems(self) -> list[str]:
        """What the database engine finds damaged in its own file (empty when sound)."""
