"""Inclusion proofs: show that the archive held a document at a time, without the document.

A proof (JSON, ``verify.inclusion_proof/1``; docs/archive.md) carries the exact bytes of the
document's ``received`` log entry (sha256, time, opaque receipt id: no content, no source),
the RFC 6962 audit path from that leaf to the root, and a tree head signed by the archive's
Ed25519 key. ``check_proof`` needs only the proof and the public key: it recomputes the leaf
hash, walks the path to the root, and checks the signature over that root.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from verify.archive import custody
from verify.archive.archive import Archive
from verify.archive.merkle import audit_path, leaf_hash, verify_inclusion
from verify.archive.signing import TreeHead
from verify.errors import ArchiveError, IntegrityError
from verify.key_id import key_id, names_key

PROOF_FORMAT = "verify.inclusion_proof/1"


def resolve(archive: Archive, doc_id: str) -> str:
    """The full sha256 of a document from its id or a unique prefix (8+ hex digits)."""
    doc_id = doc_id.strip().lower()
    if len(doc_id) < 8 or any(c not in "0123456789abcdef" for c in doc_id):
        raise ArchiveError(f"{doc_id!r} is not a document id: give its sha256 (8+ hex digits)")
    found = archive.store.find_documents(doc_id)
    if not found:
        raise ArchiveError(f"no document {doc_id} in the archive: list them with verify search")
    if len(found) > 1:
        raise ArchiveError(f"{doc_id} matches several documents: give more digits")
    return found[0]


def prove(archive: Archive, doc_id: str) -> dict[str, Any]:
    """An inclusion proof of the document's first ``received`` entry under a new signed head.

    The export itself is logged (``exported``) before the head is signed, so the proof's
    tree head also covers the fact that this proof was made.
    """
    sha256 = resolve(archive, doc_id)
    receipts = archive.store.receipts(sha256)
    if not receipts:
        raise IntegrityError(f"document {sha256} has no receipt: run verify archive verify")
    index = receipts[0].seq
    key = archive.private_key()
    with custody.transaction(archive.store, key, archive.heads):
        custody.append(archive.store, "exported", sha256, what="inclusion_proof", leaf=index)
    head = custody.latest_head(archive.store)
    if head is None:  # pragma: no cover - an entry was just appended
        raise ArchiveError("could not sign a tree head: run verify archive verify")
    leaves = [leaf_hash(row.data) for row in archive.store.leaves(0, head.tree_size)]
    if len(leaves) != head.tree_size:
        raise IntegrityError("log entries are missing: run verify archive verify")
    entry = archive.store.leaf(index)
    assert entry is not None
    path = audit_path(index, leaves)
    if not verify_inclusion(leaves[index], index, head.tree_size, path, head.root_hash):
        raise IntegrityError("the log does not match its tree head: run verify archive verify")
    return {
        "format": PROOF_FORMAT,
        "document_sha256": sha256,
        "leaf_index": index,
        "leaf_data": base64.b64encode(entry.data).decode("ascii"),
        "entry": custody.decode_entry(entry.data),
        "audit_path": [h.hex() for h in path],
        "tree_head": head.to_json(),
        "public_key_id": head.key_id,
    }


@dataclass(frozen=True)
class ProofCheck:
    """What a valid proof establishes."""

    document_sha256: str
    received_at: str
    tree_size: int
    signed_at: str
    key_id: str


def check_proof(proof: dict[str, Any], public_key: Ed25519PublicKey) -> ProofCheck:
    """Verify a proof with only the public key; IntegrityError says what does not hold."""
    try:
        if proof.get("format") != PROOF_FORMAT:
            raise IntegrityError(f"not a {PROOF_FORMAT} proof (format {proof.get('format')!r})")
        data = base64.b64decode(proof["leaf_data"], validate=True)
        index = int(proof["leaf_index"])
        path = [bytes.fromhex(h) for h in proof["audit_path"]]
        head = TreeHead.from_json(proof["tree_head"])
        sha256 = str(proof["document_sha256"])
    except (KeyError, ValueError, TypeError) as error:
        raise IntegrityError(f"malformed proof: {error}") from error
    try:
        entry = custody.decode_entry(data)
    except ValueError as error:
        raise IntegrityError(f"the proof's leaf is not a custody log entry: {error}") from error
    if entry.get("event") != "received" or entry.get("sha256") != sha256:
        raise IntegrityError(
            f"the proof's leaf is not the receipt of {sha256} (it is {entry.get('event')} of "
            f"{entry.get('sha256')})"
        )
    if not names_key(head.key_id, public_key):
        raise IntegrityError(
            f"the tree head was signed by key {head.key_id[:16]}…, not by the given key "
            f"{key_id(public_key)[:16]}…"
        )
    if not head.verify(public_key):
        raise IntegrityError("the tree head's signature does not verify with the given key")
    if not verify_inclusion(leaf_hash(data), index, head.tree_size, path, head.root_hash):
        raise IntegrityError(
            "the audit path does not lead from the leaf to the signed root: the proof was altered"
        )
    signed_at = datetime.fromtimestamp(head.timestamp_ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return ProofCheck(sha256, str(entry.get("time")), head.tree_size, signed_at, head.key_id)


def load_proof(text: str) -> dict[str, Any]:
    """Parse a proof file's text."""
    try:
        value = json.loads(text)
    except ValueError as error:
        raise IntegrityError(f"the proof is not JSON: {error}") from error
    if not isinstance(value, dict):
        raise IntegrityError("the proof is not a JSON object")
    return value
