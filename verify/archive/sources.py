"""Optional encryption of source names, notes and received paths (``--encrypt-sources``).

Who gave a newsroom a document is often the most sensitive fact it holds. With encryption
on, these strings are stored as AES-256-GCM ciphertexts under a key derived from a
passphrase with scrypt; the salt and a check value live in the archive's meta table, so a
wrong passphrase is refused before anything is written.

Source identity must stay stable without decrypting (re-ingesting the same inbox from the
same source must find the earlier receipt), so a source's id is an HMAC-SHA-256 of its name
under a second key derived from the same scrypt output: equal names give equal ids, and the
id reveals nothing without the passphrase. Without encryption the id is a plain SHA-256 of
the name, which anyone can confirm by guessing: hence the option.

Ciphertext format (text, stored as is): ``enc1:`` + base64(nonce (12 bytes) || AES-GCM
ciphertext with its 16-byte tag); the associated data is the field's name (``source``,
``note`` or ``path``), so a ciphertext moved to another column does not decrypt.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from verify.errors import ArchiveError

PREFIX = "enc1:"
SCRYPT_N = 2**15
SCRYPT_R = 8
SCRYPT_P = 1
_CHECK = b"verify.sources/1 check"


def _derive(passphrase: str, salt: bytes) -> bytes:
    kdf = Scrypt(salt=salt, length=64, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P)
    return kdf.derive(passphrase.encode("utf-8"))


@dataclass(frozen=True)
class SourceCipher:
    """Encrypts and decrypts source strings; ``None`` key means the archive stores plain text."""

    key: bytes | None = None
    id_key: bytes | None = None

    @property
    def enabled(self) -> bool:
        """True when source strings are encrypted."""
        return self.key is not None

    @classmethod
    def create(cls, passphrase: str) -> tuple[SourceCipher, dict[str, str]]:
        """A new cipher and the meta entries (salt, check value) to store with the archive."""
        salt = os.urandom(16)
        cipher = cls._from(passphrase, salt)
        check = cipher.encrypt(_CHECK.decode(), "check") or ""
        meta = {"sources_salt": salt.hex(), "sources_check": check}
        return cipher, meta

    @classmethod
    def open(cls, passphrase: str | None, salt_hex: str, check: str) -> SourceCipher:
        """The cipher of an archive; ArchiveError for a missing or wrong passphrase."""
        if not passphrase:
            raise ArchiveError(
                "this archive encrypts its sources: set VERIFY_ARCHIVE_PASSPHRASE or run on "
                "a terminal to be asked for the passphrase"
            )
        cipher = cls._from(passphrase, bytes.fromhex(salt_hex))
        try:
            ok = cipher.decrypt(check, "check") == _CHECK.decode()
        except ArchiveError:
            ok = False
        if not ok:
            raise ArchiveError("wrong passphrase for this archive's sources: try again")
        return cipher

    @classmethod
    def _from(cls, passphrase: str, salt: bytes) -> SourceCipher:
        material = _derive(passphrase, salt)
        return cls(key=material[:32], id_key=material[32:])

    def source_id(self, name: str) -> str:
        """A stable opaque id of a source name (keyed when encryption is on)."""
        data = name.encode("utf-8")
        if self.id_key is not None:
            return hmac.new(self.id_key, data, hashlib.sha256).hexdigest()[:32]
        return hashlib.sha256(b"verify.source/1\x00" + data).hexdigest()[:32]

    def receipt_id(self, source_id: str, path: str, sha256: str) -> str:
        """The idempotency key of a receipt: (source, path, sha256), opaque when encrypted."""
        data = "\x1f".join((source_id, path, sha256)).encode("utf-8")
        if self.id_key is not None:
            return hmac.new(self.id_key, data, hashlib.sha256).hexdigest()
        return hashlib.sha256(b"verify.receipt/1\x00" + data).hexdigest()

    def subkey(self, purpose: str) -> bytes | None:
        """A 32-byte key for another use of the passphrase (None without encryption).

        HMAC-SHA-256 of the purpose under the id key: one scrypt run serves every key,
        and a key for one purpose says nothing about the others.
        """
        if self.id_key is None:
            return None
        return hmac.new(self.id_key, f"verify.{purpose}/1".encode(), hashlib.sha256).digest()

    def stored_source_id(self, source_id: str, receipt_id: str) -> str:
        """The source id a receipt and its source row store: one per receipt when encrypted.

        With the real id in every receipt, whoever holds the folder could group the
        receipts of one (unnamed) source and read when that source delivered: exactly
        what ``--encrypt-sources`` hides. So an encrypted archive gives every receipt its
        own source row, under an id derived from the source and the receipt; the owner
        regroups receipts by the decrypted name (``grouping_id``).
        """
        if self.id_key is None:
            return source_id
        data = "\x1f".join((source_id, receipt_id)).encode("utf-8")
        tagged = b"verify.receipt-source/1\x00" + data
        return hmac.new(self.id_key, tagged, hashlib.sha256).hexdigest()[:32]

    def grouping_id(self, stored_source_id: str, decrypted_name: str | None) -> str:
        """The id that groups one source's receipts: the real source id when it can be known."""
        if self.id_key is None or decrypted_name is None:
            return stored_source_id
        return self.source_id(decrypted_name)

    def encrypt(self, text: str | None, field: str) -> str | None:
        """Encrypt a string (a no-op without a key)."""
        if text is None or self.key is None:
            return text
        nonce = os.urandom(12)
        sealed = AESGCM(self.key).encrypt(nonce, text.encode("utf-8"), field.encode())
        return PREFIX + base64.b64encode(nonce + sealed).decode("ascii")

    def decrypt(self, stored: str | None, field: str) -> str | None:
        """Decrypt a stored string; plain strings pass through when encryption is off."""
        if stored is None or not stored.startswith(PREFIX):
            return stored
        if self.key is None:
            return "(encrypted)"
        raw = base64.b64decode(stored[len(PREFIX) :])
        try:
            plain = AESGCM(self.key).decrypt(raw[:12], raw[12:], field.encode())
        except InvalidTag as error:
            raise ArchiveError(
                f"an encrypted {field} does not decrypt: wrong key or damaged"
            ) from error
        return plain.decode("utf-8")
