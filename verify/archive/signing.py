r"""The archive's Ed25519 signing key and the signed tree heads it produces.

The key is made once, at ``archive init``, and kept in ``keys/signing.key`` (PKCS#8 PEM,
mode 0600, optionally encrypted with a passphrase); the public half is ``keys/signing.pub``
(SubjectPublicKeyInfo PEM) and may be handed to anyone who must check a proof. Its id is
the hex SHA-256 of the 32 raw public-key bytes.

A tree head is signed over a fixed byte string (docs/archive.md, "Signed tree head"):
``b"verify.tree_head/1\\0" || tree_size (u64 big-endian) || timestamp_ms (u64 big-endian)
|| root_hash (32 bytes)``. The context prefix keeps a signature made for a tree head from
ever being valid for anything else the key might sign.
"""

from __future__ import annotations

import base64
import hashlib
import os
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from verify.errors import ArchiveError, IntegrityError

TREE_HEAD_CONTEXT = b"verify.tree_head/1\x00"
TREE_HEAD_FORMAT = "verify.tree_head/1"


def key_id(public_key: Ed25519PublicKey) -> str:
    """Hex SHA-256 of the raw 32-byte public key: names the key in tree heads and proofs."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def public_pem(public_key: Ed25519PublicKey) -> bytes:
    """The public key as SubjectPublicKeyInfo PEM."""
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def create_key(key_path: Path, public_path: Path, passphrase: str | None) -> Ed25519PrivateKey:
    """Make a new key, write it 0600 (encrypted when a passphrase is given) and its public half.

    The private file is created with ``O_EXCL`` and mode 0600 from the start, so it is never
    readable by others, not even for an instant, and an existing key is never overwritten.
    """
    private = Ed25519PrivateKey.generate()
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase.encode("utf-8"))
        if passphrase
        else serialization.NoEncryption()
    )
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )
    try:
        fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as error:
        raise ArchiveError(f"{key_path} already exists: this archive already has a key") from error
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
        handle.flush()
        os.fsync(handle.fileno())
    public_path.write_bytes(public_pem(private.public_key()))
    return private


def is_encrypted(key_path: Path) -> bool:
    """True when the private key file is passphrase-encrypted PKCS#8."""
    return b"ENCRYPTED PRIVATE KEY" in key_path.read_bytes()[:64]


def load_private_key(key_path: Path, passphrase: str | None) -> Ed25519PrivateKey:
    """Read the signing key; a wrong or missing passphrase is an ArchiveError saying so."""
    try:
        data = key_path.read_bytes()
    except FileNotFoundError as error:
        raise ArchiveError(
            f"{key_path} is missing: the archive cannot sign without its key"
        ) from error
    if b"ENCRYPTED" in data[:64] and not passphrase:
        raise ArchiveError(
            "the archive's signing key is encrypted: set VERIFY_ARCHIVE_PASSPHRASE "
            "or run on a terminal to be asked for it"
        )
    try:
        key = serialization.load_pem_private_key(
            data,
            password=passphrase.encode("utf-8")
            if passphrase and b"ENCRYPTED" in data[:64]
            else None,
        )
    except (ValueError, TypeError) as error:
        raise ArchiveError(
            f"cannot read the signing key {key_path} (wrong passphrase?): {error}"
        ) from error
    if not isinstance(key, Ed25519PrivateKey):
        raise ArchiveError(f"{key_path} is not an Ed25519 key")
    return key


def load_public_key(path: Path) -> Ed25519PublicKey:
    """Read a public key PEM (``keys/signing.pub`` of an archive)."""
    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except FileNotFoundError as error:
        raise IntegrityError(f"{path}: no such public key file") from error
    except ValueError as error:
        raise IntegrityError(f"{path} is not a PEM public key: {error}") from error
    if not isinstance(key, Ed25519PublicKey):
        raise IntegrityError(f"{path} is not an Ed25519 public key")
    return key


@dataclass(frozen=True)
class TreeHead:
    """A signed statement: the log had ``tree_size`` entries with this root at this time."""

    tree_size: int
    timestamp_ms: int
    root_hash: bytes
    key_id: str
    signature: bytes

    def signed_bytes(self) -> bytes:
        """The exact bytes the signature covers (see the module docstring)."""
        return tree_head_bytes(self.tree_size, self.timestamp_ms, self.root_hash)

    def verify(self, public_key: Ed25519PublicKey) -> bool:
        """True when the signature is valid for this key and the key id matches it."""
        if self.key_id != key_id(public_key):
            return False
        try:
            public_key.verify(self.signature, self.signed_bytes())
        except InvalidSignature:
            return False
        return True

    def to_json(self) -> dict[str, Any]:
        """The JSON form used in the archive and in proofs."""
        return {
            "format": TREE_HEAD_FORMAT,
            "tree_size": self.tree_size,
            "timestamp_ms": self.timestamp_ms,
            "root_hash": self.root_hash.hex(),
            "key_id": self.key_id,
            "signature": base64.b64encode(self.signature).decode("ascii"),
        }

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> TreeHead:
        """Parse the JSON form; IntegrityError when it is malformed."""
        try:
            if value.get("format") != TREE_HEAD_FORMAT:
                raise ValueError(f"format {value.get('format')!r}")
            return cls(
                tree_size=int(value["tree_size"]),
                timestamp_ms=int(value["timestamp_ms"]),
                root_hash=bytes.fromhex(value["root_hash"]),
                key_id=str(value["key_id"]),
                signature=base64.b64decode(value["signature"], validate=True),
            )
        except (KeyError, ValueError, TypeError, AttributeError) as error:
            raise IntegrityError(f"malformed signed tree head: {error}") from error


def tree_head_bytes(tree_size: int, timestamp_ms: int, root_hash: bytes) -> bytes:
    """The signed byte string of a tree head."""
    if len(root_hash) != 32:
        raise IntegrityError("a tree head root must be 32 bytes")
    return TREE_HEAD_CONTEXT + struct.pack(">QQ", tree_size, timestamp_ms) + root_hash


def sign_tree_head(
    private: Ed25519PrivateKey, tree_size: int, timestamp_ms: int, root_hash: bytes
) -> TreeHead:
    """Sign a tree head with the archive key."""
    signature = private.sign(tree_head_bytes(tree_size, timestamp_ms, root_hash))
    return TreeHead(tree_size, timestamp_ms, root_hash, key_id(private.public_key()), signature)
