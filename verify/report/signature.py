"""Sign a report and verify its signature (Ed25519, from ``cryptography``).

The signature covers the canonical JSON of the report with ``signature`` removed: keys
sorted, no spaces, UTF-8, so any change to any byte of content breaks it. The archive
(``verify.archive``) owns the newsroom's key and the custody log; it calls
``sign_report`` with its private key and logs the result. Kept apart so a report can be
signed and checked without an archive, and the key never enters this module's state.
"""

from __future__ import annotations

import json
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from verify.errors import IntegrityError
from verify.key_id import key_id
from verify.report.model import Report, Signature


def canonical_bytes(report: Report | dict[str, Any]) -> bytes:
    """The bytes that are signed: the report without ``signature``, canonical JSON."""
    data = json.loads(report.to_json()) if isinstance(report, Report) else dict(report)
    data.pop("signature", None)
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def sign_report(report: Report, signer: Ed25519PrivateKey) -> Report:
    """A copy of ``report`` carrying an Ed25519 signature made with ``signer``."""
    public = signer.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    signature = Signature(
        public_key=public.hex(),
        value=signer.sign(canonical_bytes(report)).hex(),
        key_id=key_id(signer.public_key()),
    )
    return report.model_copy(update={"signature": signature})


def verify_signature(report: Report | dict[str, Any], expected_key: bytes | None = None) -> str:
    """Check the report's signature; return the signer's key id.

    ``expected_key`` (raw 32 bytes) pins the signer, e.g. the archive's public key;
    without it the embedded key is used, which proves integrity but not who signed.
    Raises ``IntegrityError`` when the report is unsigned or does not verify.
    """
    data = json.loads(report.to_json()) if isinstance(report, Report) else report
    signature = data.get("signature")
    if not signature:
        raise IntegrityError("the report is not signed: nothing to verify")
    try:
        public = bytes.fromhex(signature["public_key"])
        value = bytes.fromhex(signature["value"])
    except (KeyError, ValueError, TypeError) as error:
        raise IntegrityError(f"the report's signature is malformed ({error})") from error
    if expected_key is not None and public != expected_key:
        raise IntegrityError("the report was signed with another key than the one expected")
    try:
        signer = Ed25519PublicKey.from_public_bytes(public)
        signer.verify(value, canonical_bytes(data))
    except (InvalidSignature, ValueError) as error:
        raise IntegrityError(
            "the report's signature does not verify: it was changed after signing"
        ) from error
    return key_id(signer)
