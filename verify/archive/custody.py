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

Entries of version 2 also carry ``bind``: digests of the rows the event wrote
(``verify/archive/binding.py``).

Every transaction that appends entries signs a tree head over them before it commits
(``transaction``), so a committed entry is always covered by a signed head: an entry no head
covers was not written by verify, and ``archive verify`` names it. Only entries of version
1, which an older verify left unsigned when a batch was killed, may still be signed late.

Before signing, the signer checks that the log it extends is the one it signed last
(``_trusted_frontier``): the newest head in the database and in ``heads/`` must verify with
the key and match the log. A log rewritten after its heads were deleted, or cut below a head
kept in ``heads/``, is refused, never signed over ("laundering").
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from verify.archive.heads import HeadsFile
from verify.archive.merkle import Frontier, leaf_hash
from verify.archive.signing import TreeHead, sign_tree_head
from verify.archive.store import ArchiveStore
from verify.errors import IntegrityError

ENTRY_VERSION = 2
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
    """The frontier saved at the last signing, or an empty one (then the log is re-read).

    A damaged saved frontier is as good as none: the log is re-read and checked against the
    signed head either way.
    """
    saved = store.get_meta("frontier")
    try:
        return Frontier.from_json(json.loads(saved)) if saved else Frontier()
    except (ValueError, KeyError, TypeError):
        return Frontier()


@contextmanager
def transaction(
    store: ArchiveStore, key: Ed25519PrivateKey, heads: HeadsFile | None = None
) -> Iterator[None]:
    """A write transaction whose entries are covered by a signed tree head when it commits.

    The head is signed inside the transaction (a kill leaves both or neither) and copied to
    ``heads/`` after the commit.
    """
    with store.atomic():
        start = store.log_size()
        yield
        _sign(store, key, start, heads)
    if heads is not None:
        _copy_heads(store, key, heads)


def sign_pending(
    store: ArchiveStore, key: Ed25519PrivateKey, heads: HeadsFile | None = None
) -> TreeHead | None:
    """Sign a head over entries no head covers yet (only version-1 entries may be such).

    None when every entry is signed. Each batch calls it at its end; with ``transaction``
    there is normally nothing left.
    """
    with store.atomic():
        head = _sign(store, key, store.log_size(), heads)
    if heads is not None:
        _copy_heads(store, key, heads)
    return head


def _sign(
    store: ArchiveStore, key: Ed25519PrivateKey, start: int, heads: HeadsFile | None
) -> TreeHead | None:
    """Inside a transaction: sign the entries since the trusted head.

    ``start`` is the log's size when the transaction began: entries below it that no head
    covers were left by someone else.
    """
    size = store.log_size()
    latest, frontier = _trusted_frontier(store, key)
    if heads is not None:
        _check_kept(heads, latest, key)
    if frontier.size < start:
        _refuse_unsigned(store, frontier.size, start)
    if latest is not None and size == frontier.size:
        return None
    for row in store.leaves(frontier.size, size):
        frontier.append(leaf_hash(row.data))
    if frontier.size != size:
        raise IntegrityError(
            f"log entries are missing below {size}: refusing to sign; run verify archive verify"
        )
    kid = store.get_meta("key_id")
    head = sign_tree_head(key, size, int(time.time() * 1000), frontier.root(), kid)
    store.put_tree_head(json.dumps(head.to_json(), sort_keys=True), size)
    store.set_meta("frontier", json.dumps(frontier.to_json()))
    return head


def _latest_head(store: ArchiveStore, key: Ed25519PrivateKey) -> TreeHead | None:
    """The newest head in the database, which must verify with the key."""
    head = latest_head(store)
    if head is None:
        return None
    if not head.verify(key.public_key()):
        raise IntegrityError(
            f"the newest signed tree head (size {head.tree_size}) does not verify with the "
            "archive's key: refusing to sign over it; run verify archive verify"
        )
    return head


def _trusted_frontier(
    store: ArchiveStore, key: Ed25519PrivateKey
) -> tuple[TreeHead | None, Frontier]:
    """The newest signed head and the frontier of the log at its size, checked against it.

    The frontier saved at the last signing is used when its root is that head's root (then
    it is the signed history, whatever the entries say now); otherwise it is recomputed
    from the entries, which must give that root.
    """
    latest = _latest_head(store, key)
    if latest is None:
        return None, Frontier()
    frontier = _load_frontier(store)
    if frontier.size == latest.tree_size and frontier.root() == latest.root_hash:
        return latest, frontier
    frontier = Frontier()
    for row in store.leaves(0, latest.tree_size):
        if row.seq != frontier.size:
            break
        frontier.append(leaf_hash(row.data))
    if frontier.size != latest.tree_size or frontier.root() != latest.root_hash:
        raise IntegrityError(
            f"the custody log no longer matches its signed tree head of size "
            f"{latest.tree_size}: entries were changed or deleted. Refusing to sign over "
            "them; run verify archive verify"
        )
    return latest, frontier


def _check_kept(heads: HeadsFile, latest: TreeHead | None, key: Ed25519PrivateKey) -> None:
    """The last head kept in ``heads/`` must not be newer than the database's, nor differ."""
    kept = heads.last()
    if kept is None:
        return
    if not kept.verify(key.public_key()):
        raise IntegrityError(
            f"the last head in {heads.path} does not verify with the archive's key: it was "
            "altered; run verify archive verify"
        )
    size = latest.tree_size if latest is not None else -1
    if kept.tree_size > size or (
        latest is not None and kept.tree_size == size and kept.root_hash != latest.root_hash
    ):
        raise IntegrityError(
            f"{heads.path} holds a signed tree head of size {kept.tree_size} that the "
            f"database does not (its newest is of size {max(size, 0)}): the database was "
            "rolled back or its heads deleted. Refusing to sign; run verify archive verify"
        )


def _refuse_unsigned(store: ArchiveStore, start: int, stop: int) -> None:
    """Entries ``start..stop-1`` no head covers: only an older verify's (version 1) may be."""
    for row in store.leaves(start, stop):
        try:
            version = decode_entry(row.data).get("v")
        except ValueError:
            version = None
        if version != 1:
            raise IntegrityError(
                f"log entries {start}..{stop - 1} are covered by no signed tree head, and "
                "verify signs every entry in the transaction that writes it: they were "
                "written by something else. Refusing to sign them; run verify archive verify"
            )


def _copy_heads(store: ArchiveStore, key: Ed25519PrivateKey, heads: HeadsFile) -> None:
    """Append to ``heads/`` every database head newer than its last line (checked before).

    Under the store's write lock, like signing: two writers of one archive (two ingests
    into PostgreSQL, or into SQLite) would otherwise both read the same last line and
    append the same heads, the slower one last, leaving the file and its checkpoint at an
    older head than the newest; and a signer must never read a line half appended.
    """
    with store.atomic():
        last = heads.last()
        floor = last.tree_size if last is not None else -1
        newer = [TreeHead.from_json(json.loads(text)) for text in store.tree_heads(floor)]
        newer.sort(key=lambda h: (h.tree_size, h.timestamp_ms))
        heads.append(newer, key.public_key())


def latest_head(store: ArchiveStore) -> TreeHead | None:
    """The signed tree head of the largest size (unchecked: ``archive verify`` checks)."""
    text = store.latest_tree_head()
    return TreeHead.from_json(json.loads(text)) if text else None
