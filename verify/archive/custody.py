"""The custody log: what happened to which document, when, as Merkle-tree leaves.

Each event is one log entry whose bytes are canonical JSON (UTF-8, keys sorted, no
spaces; docs/archive.md, "Log entries"), hashed as an RFC 6962 leaf. Entries name
documents by sha256 and sources only by opaque ids, so a proof handed to a court or a reader
reveals neither the document nor who gave it. Events:

* ``received``: bytes arrived from a source (``receipt`` = the receipt's opaque id);
* ``extracted``: a record was made; ``record_sha256`` is the SHA-256 of the stored record
  JSON, so a record changed in the database no longer matches its log entry;
* ``failed``: extraction failed (the document is quarantined, its bytes kept);
* ``matched``: compare found this document to be ``same_document``/``variant``/``conflict``
  of another archived one;
* ``exported``: a proof (or other evidence) about the document left the archive.

A batch ends with ``sign_pending``: one signed tree head over every entry so far.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from verify.archive.merkle import Frontier, leaf_hash
from verify.archive.signing import TreeHead, sign_tree_head
from verify.archive.store import ArchiveStore

ENTRY_VERSION = 1
EVENTS = ("received", "extracted", "failed", "matched", "exported")

_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
"""One encoder for every entry: ``json.dumps`` with options builds a new one per call."""


_formatted: tuple[int, str] = (-1, "")
"""The last second formatted by ``now`` and its text: a batch asks about 15 times a file."""


def now() -> str:
    """UTC time to the second, ISO 8601 with ``Z``: the time written into log entries."""
    global _formatted
    second = int(time.time())
    if second != _formatted[0]:
        text = datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        _formatted = (second, text)
    return _formatted[1]


def encode_entry(event: str, sha256: str, **fields: Any) -> bytes:
    """The canonical bytes of one log entry."""
    if event not in EVENTS:
        raise ValueError(f"unknown custody event {event!r}")
    entry = {"v": ENTRY_VERSION, "event": event, "sha256": sha256, "time": now(), **fields}
    return _CANONICAL.encode(entry).encode()


def decode_entry(data: bytes) -> dict[str, Any]:
    """Parse an entry's bytes; ValueError when they are not an entry."""
    value = json.loads(data.decode("utf-8"))
    if not isinstance(value, dict) or value.get("event") not in EVENTS:
        raise ValueError("not a custody log entry")
    return value


def append(store: ArchiveStore, event: str, sha256: str, **fields: Any) -> int:
    """Append one event (inside the caller's ``atomic()`` block); returns its number."""
    data = encode_entry(event, sha256, **fields)
    return store.append_leaf(data, leaf_hash(data), sha256)


def _load_frontier(store: ArchiveStore) -> Frontier:
    """The frontier saved at the last signing, or an empty one (then the log is re-read)."""
    frontier = Frontier()
    saved = store.get_meta("frontier")
    if saved:
        value = json.loads(saved)
        frontier._stack = [(int(size), bytes.fromhex(h)) for size, h in value["stack"]]
        frontier.size = int(value["size"])
    return frontier


def sign_pending(store: ArchiveStore, key: Ed25519PrivateKey) -> TreeHead | None:
    """Sign a tree head over every entry not yet covered; None when nothing is pending.

    The frontier (roots of perfect subtrees) is kept in the meta table, so signing costs
    O(new entries), not O(log). ``archive verify`` never trusts it: it recomputes every
    signed root from the entries themselves.
    """
    with store.atomic():
        size = store.log_size()
        frontier = _load_frontier(store)
        if frontier.size > size:  # entries vanished since: start again from the log itself
            frontier = Frontier()
        if frontier.size == size and store.tree_heads():
            return None
        for row in store.leaves(frontier.size, size):
            frontier.append(leaf_hash(row.data))
        head = sign_tree_head(key, size, int(time.time() * 1000), frontier.root())
        store.put_tree_head(json.dumps(head.to_json(), sort_keys=True), size)
        stack = [[s, h.hex()] for s, h in frontier._stack]
        store.set_meta("frontier", json.dumps({"size": frontier.size, "stack": stack}))
        return head


def latest_head(store: ArchiveStore) -> TreeHead | None:
    """The most recent signed tree head."""
    heads = store.tree_heads()
    return TreeHead.from_json(json.loads(heads[-1])) if heads else None
