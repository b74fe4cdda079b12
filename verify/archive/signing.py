r"""The archive's Ed25519 signing key and the signed tree heads it produces.

The key is made once, at ``archive init``, and kept in ``keys/signing.key`` (PKCS#8 PEM,
mode 0600, optionally encrypted with a passphrase); the public half is ``keys/signing.pub``
(SubjectPublicKeyInfo PEM) and may be handed to anyone who must check a proof. Its id is
RFC 6962's log id (``verify.key_id``); an archive created by an earlier version keeps the
id it was created with, and signs its heads under it.

A tree head is signed over a fixed byte string (docs/archive.md, "Signed tree head"):
``b"verify.tree_head/1\\0" || tree_size (u64 big-endian) || timestamp_ms (u64 big-endian)
|| root_hash (32 bytes)``. The context prefix keeps a signature made for a tree head from
ever being valid for anything else the key might sign.

The same key also signs each head as a C2SP checkpoint (``checkpoint_text``: origin line,
tree size, base64 root; signed-note Ed25519 over that text), so a head can leave the
archive in the format transparency-log witnesses read. The note text never contains a NUL
byte, so it can never be mistaken for the binary tree-head string above.
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
from verify.key_id import key_id, key_ids, names_key

TREE_HEAD_CONTEXT = b"verify.tree_head/1\x00"
TREE_HEAD_FORMAT = "verify.tree_head/1"


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
    note_signature: bytes | None = None  # Ed25519 over the checkpoint text (see the module)

    def signed_bytes(self) -> bytes:
        """The exact bytes the signature covers (see the module docstring)."""
        return tree_head_bytes(self.tree_size, self.timestamp_ms, self.root_hash)

    def verify(self, public_key: Ed25519PublicKey) -> bool:
        """True when the signature is valid for this key and the key id names it."""
        if not names_key(self.key_id, public_key):
            return False
        try:
            public_key.verify(self.signature, self.signed_bytes())
            if self.note_signature is not None:
                text = checkpoint_text(origin_of(self.key_id), self.tree_size, self.root_hash)
                public_key.verify(self.note_signature, text)
        except InvalidSignature:
            return False
        return True

    def to_json(self) -> dict[str, Any]:
        """The JSON form used in the archive and in proofs."""
        value: dict[str, Any] = {
            "format": TREE_HEAD_FORMAT,
            "tree_size": self.tree_size,
            "timestamp_ms": self.timestamp_ms,
            "root_hash": self.root_hash.hex(),
            "key_id": self.key_id,
            "signature": base64.b64encode(self.signature).decode("ascii"),
        }
        if self.note_signature is not None:
            value["checkpoint_signature"] = base64.b64encode(self.note_signature).decode("ascii")
        return value

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> TreeHead:
        """Parse the JSON form; IntegrityError when it is malformed."""
        try:
            if value.get("format") != TREE_HEAD_FORMAT:
                raise ValueError(f"format {value.get('format')!r}")
            note = value.get("checkpoint_signature")
            return cls(
                tree_size=int(value["tree_size"]),
                timestamp_ms=int(value["timestamp_ms"]),
                root_hash=bytes.fromhex(value["root_hash"]),
                key_id=str(value["key_id"]),
                signature=base64.b64decode(value["signature"], validate=True),
                note_signature=base64.b64decode(note, validate=True) if note else None,
            )
        except (KeyError, ValueError, TypeError, AttributeError) as error:
            raise IntegrityError(f"malformed signed tree head: {error}") from error


def tree_head_bytes(tree_size: int, timestamp_ms: int, root_hash: bytes) -> bytes:
    """The signed byte string of a tree head."""
    if len(root_hash) != 32:
        raise IntegrityError("a tree head root must be 32 bytes")
    return TREE_HEAD_CONTEXT + struct.pack(">QQ", tree_size, timestamp_ms) + root_hash


def sign_tree_head(
    private: Ed25519PrivateKey,
    tree_size: int,
    timestamp_ms: int,
    root_hash: bytes,
    kid: str | None = None,
) -> TreeHead:
    """Sign a tree head with the archive key, under the archive's key id ``kid``.

    ``kid`` is the id the archive was created with (its ``key_id`` meta value), which also
    names the log in its checkpoints: an archive made by an earlier version keeps the id it
    has, so its log keeps one name for witnesses. Default: the key's log id.
    """
    kid = kid or key_id(private.public_key())
    if not names_key(kid, private.public_key()):
        raise IntegrityError(f"key id {kid[:16]}… does not name the signing key")
    signature = private.sign(tree_head_bytes(tree_size, timestamp_ms, root_hash))
    note = private.sign(checkpoint_text(origin_of(kid), tree_size, root_hash))
    return TreeHead(tree_size, timestamp_ms, root_hash, kid, signature, note)


# ---------------------------------------------------------------- C2SP checkpoints

ORIGIN_PREFIX = "verify.archive/"
NOTE_ED25519 = b"\x01"
NOTE_DASH = "\u2014 "


def origin_of(kid: str) -> str:
    """The checkpoint origin (and signed-note key name) of the archive whose key id is ``kid``.

    Derived from the key, so it needs no setting and two archives never share one.
    """
    return f"{ORIGIN_PREFIX}{kid[:32]}"


def checkpoint_text(origin: str, tree_size: int, root_hash: bytes) -> bytes:
    """The note text of a C2SP tlog-checkpoint: origin, size, base64 root, each with a newline."""
    root64 = base64.b64encode(root_hash).decode("ascii")
    return f"{origin}\n{tree_size}\n{root64}\n".encode()


def note_key_hash(name: str, public_key: Ed25519PublicKey) -> bytes:
    """signed-note key ID: SHA-256(name || 0x0A || 0x01 || 32-byte public key)[:4]."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(name.encode() + b"\n" + NOTE_ED25519 + raw).digest()[:4]


def format_checkpoint(head: TreeHead, public_key: Ed25519PublicKey) -> str:
    """The head as a signed note (needs the head's checkpoint signature)."""
    if head.note_signature is None:
        raise ArchiveError(
            f"the tree head of size {head.tree_size} was signed by an older verify, without a "
            "checkpoint signature: the next ingest or `verify archive prove` signs a new one"
        )
    name = origin_of(head.key_id)
    body = checkpoint_text(name, head.tree_size, head.root_hash).decode()
    blob = base64.b64encode(note_key_hash(name, public_key) + head.note_signature).decode()
    return f"{body}\n{NOTE_DASH}{name} {blob}\n"


@dataclass(frozen=True)
class Checkpoint:
    """A checkpoint read from a signed note, its signature checked."""

    origin: str
    tree_size: int
    root_hash: bytes


def parse_checkpoint(text: str, public_key: Ed25519PublicKey) -> Checkpoint:
    """Read a C2SP checkpoint and verify the archive key's signature line; IntegrityError if not.

    Signatures by other keys (a witness's cosignature) are ignored, as the spec requires.
    """
    body, sep, signatures = text.partition("\n\n")
    if not sep or any(ord(c) < 0x20 and c != "\n" for c in text):
        raise IntegrityError("not a signed note: no blank line before the signatures")
    lines = body.split("\n")
    if len(lines) < 3:
        raise IntegrityError("not a checkpoint: it needs an origin, a tree size and a root hash")
    origin, size_text, root64 = lines[0], lines[1], lines[2]
    try:
        if not size_text.isdigit() or (size_text != "0" and size_text.startswith("0")):
            raise ValueError(f"tree size {size_text!r}")
        root_hash = base64.b64decode(root64, validate=True)
        if len(root_hash) != 32:
            raise ValueError("the root hash is not 32 bytes")
    except ValueError as error:
        raise IntegrityError(f"malformed checkpoint: {error}") from error
    # the archive's name under each id its key may have signed with (see verify.key_id)
    names = {
        origin_of(kid): note_key_hash(origin_of(kid), public_key) for kid in key_ids(public_key)
    }
    name = origin_of(key_id(public_key))
    text_bytes = (body + "\n").encode("utf-8")
    verified = False
    for line in signatures.split("\n"):
        if not line.startswith(NOTE_DASH):
            continue
        signer, _, blob = line[len(NOTE_DASH) :].partition(" ")
        try:
            raw = base64.b64decode(blob, validate=True)
        except ValueError:
            continue
        if signer not in names or raw[:4] != names[signer]:
            continue  # another key's signature (a witness): not ours to check
        name = signer
        try:
            public_key.verify(raw[4:], text_bytes)
        except InvalidSignature as error:
            raise IntegrityError(
                "the checkpoint's signature does not verify: it was altered"
            ) from error
        verified = True
    if not verified:
        raise IntegrityError(
            f"the checkpoint is not signed by this archive's key (expected a line "
            f"'{NOTE_DASH}{name} ...')"
        )
    if origin != name:
        raise IntegrityError(f"the checkpoint is of log {origin!r}, not of this archive ({name})")
    return Checkpoint(origin, int(size_text), root_hash)
