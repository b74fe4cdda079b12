"""What binds each database row to the custody log: salted digests of its fields.

The log is the archive's signed history; the tables are views of it kept for speed. A log
entry (version 2) carries, under ``"bind"``, a digest of every field of the rows its event
wrote, keyed ``"table.field"``; fields the entry already states in clear (a receipt's id, a
document's size, a link's verdict and score, a failure's exit code) are compared as they
are. ``archive verify`` derives from the log which rows must exist and what they must hold,
so an edited, deleted or inserted row is named with its table and field.

* ``received``: the receipt (``receipts.source_id/path/note/received_at``) and the source
  row as stored (``sources.name/created``);
* ``extracted``: the document row after it (``documents.size/media_type/status/first_seen/
  pages``; ``documents.extracted_seq`` is the entry's own number) and
  ``records.fingerprints`` (``records.record`` is ``record_sha256``, as in version 1);
* ``failed``: the document row and the quarantine row (``failures.reason/at``).

Digests are HMAC-SHA-256 under ``meta.binding_salt`` (16 random bytes made with the
archive), truncated to 128 bits, over the field's name and its stored value as JSON. The
salt keeps a received entry, which an inclusion proof hands to anyone, from confirming a
guessed source name, path or note; it protects nothing else, and needs not to: a row
changed with its digest recomputed still contradicts the signed entry. Stored values are
digested as stored: ciphertexts when sources are encrypted.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping

from verify.archive.store import ArchiveStore, DocumentRow, ReceiptRow

SALT_META = "binding_salt"

DOCUMENT_FIELDS = ("size", "media_type", "status", "first_seen", "pages")
RECEIPT_FIELDS = ("source_id", "path", "note", "received_at")
SOURCE_FIELDS = ("name", "created")
FAILURE_FIELDS = ("reason", "at")


def salt(store: ArchiveStore) -> bytes:
    """The archive's binding salt (empty for an archive read before its upgrade)."""
    value = store.get_meta(SALT_META)
    return bytes.fromhex(value) if value else b""


def digest(key: bytes, name: str, value: object) -> str:
    """The digest of one stored field value."""
    data = name.encode() + b"\x00" + json.dumps(value, ensure_ascii=False).encode("utf-8")
    return hmac.new(key, data, hashlib.sha256).hexdigest()[:32]


def _bind(key: bytes, table: str, values: Mapping[str, object]) -> dict[str, str]:
    return {f"{table}.{name}": digest(key, f"{table}.{name}", v) for name, v in values.items()}


def document_values(row: DocumentRow) -> dict[str, object]:
    """The bound fields of a document row."""
    return {name: getattr(row, name) for name in DOCUMENT_FIELDS}


def received(store: ArchiveStore, receipt: ReceiptRow) -> dict[str, str]:
    """The ``bind`` of a received entry: its receipt and its source row as stored."""
    key = salt(store)
    values = {name: getattr(receipt, name) for name in RECEIPT_FIELDS}
    bound = _bind(key, "receipts", values)
    source = store.source(receipt.source_id)
    if source is not None:
        bound.update(_bind(key, "sources", {"name": source[0], "created": source[1]}))
    return bound


def extracted(store: ArchiveStore, document: DocumentRow, fingerprints_json: str) -> dict[str, str]:
    """The ``bind`` of an extracted entry: the document row and the stored fingerprints."""
    key = salt(store)
    bound = _bind(key, "documents", document_values(document))
    bound.update(_bind(key, "records", {"fingerprints": fingerprints_json}))
    return bound


def failed(store: ArchiveStore, document: DocumentRow, reason: str, at: str) -> dict[str, str]:
    """The ``bind`` of a failed entry: the document row and the quarantine row."""
    key = salt(store)
    bound = _bind(key, "documents", document_values(document))
    bound.update(_bind(key, "failures", {"reason": reason, "at": at}))
    return bound
