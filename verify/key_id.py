"""One id for an Ed25519 public key, wherever verify names it: RFC 6962's log id.

RFC 6962 (section 3.2) names a log by the SHA-256 of its public key's DER-encoded
SubjectPublicKeyInfo. verify names the archive's key by that id (64 hex digits) in the
archive's metadata, the tree heads and checkpoints it signs, inclusion proofs and the
corroboration reports it signs, so one key has one id a reader can recompute from
``keys/signing.pub`` with any X.509 tool.

Earlier versions wrote another id: the SHA-256 of the 32 raw key bytes in archives, tree
heads, checkpoint origins and proofs, and its first 16 hex digits in reports. It stays valid
on read (``names_key``), and an archive created under it keeps it (its ``key_id`` meta
value): its signed heads cannot be re-signed without losing what they prove (when they were
signed), proofs already handed out carry it, and the id names the log in its checkpoints,
which witnesses follow by that name. New archives and every signed report use the log id.
"""

from __future__ import annotations

import hashlib

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


def key_id(public_key: Ed25519PublicKey) -> str:
    """RFC 6962 log id of the key: hex SHA-256 of its DER SubjectPublicKeyInfo."""
    der = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(der).hexdigest()


def raw_key_id(public_key: Ed25519PublicKey) -> str:
    """The id earlier versions wrote: hex SHA-256 of the 32 raw public-key bytes."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def key_ids(public_key: Ed25519PublicKey) -> tuple[str, ...]:
    """Every id the key may be stored under: the log id first, then the earlier one."""
    return key_id(public_key), raw_key_id(public_key)


def names_key(kid: str, public_key: Ed25519PublicKey) -> bool:
    """True when ``kid``, read from an archive, a tree head or a proof, names this key."""
    return kid in key_ids(public_key)
