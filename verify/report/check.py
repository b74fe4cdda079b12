"""``verify report check``: does a saved report still match its inputs and signature.

An auditor holds a report and (some of) its inputs. Each input's sha256 is recomputed
from the path the report names (or from the folder given as ``base``); the signature is
verified; versions and thresholds that differ from this installation are noted, not failed,
because an older report stays valid evidence of what an older verify said.

A report passes only when its signature verifies under a key the auditor pins (a PEM file,
such as an archive's ``keys/signing.pub``). The key a report carries proves nothing about who
made it: whoever edits a report can strip its signature, or re-sign it with a key of their
own. So an unsigned report never passes, and one checked only with its own key is "signature
not verified".
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import ValidationError

from verify.errors import IntegrityError, RecordError
from verify.report.build import sha256_file
from verify.report.model import REPORT_SCHEMA_ID, Report
from verify.report.signature import canonical_bytes, verify_signature
from verify.resources import models_versions
from verify.version import __version__


@dataclass
class CheckResult:
    """What a check found: per-input lines, the signature, notes on versions."""

    inputs: list[tuple[str, str, str]] = field(
        default_factory=list
    )  # role, path, ok|changed|missing
    signature: str = "not signed"
    signer: Literal["pinned", "embedded", "none"] = "none"  # which key the signature verified
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no input changed and the signature verifies under a pinned key."""
        unchanged = all(state != "changed" for _, _, state in self.inputs)
        return unchanged and self.signer == "pinned"

    @property
    def unverified(self) -> str | None:
        """Why the signature does not vouch for the report, or None when it does."""
        if self.signer == "pinned":
            return None
        if self.signer == "none":
            return "the report is not signed: nothing shows it is unchanged since it was made"
        return (
            "only the key the report carries was used, and anyone who edits a report can "
            "re-sign it with a key of their own: pin the signer with --public-key or --archive"
        )


def load_report(path: Path) -> Report:
    """Read a saved JSON report; ``RecordError`` when it is not a verify.report/1."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise RecordError(f"{path}: does not exist: check the path") from error
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise RecordError(f"{path}: is not a JSON report ({error})") from error
    if not isinstance(data, dict) or data.get("schema") != REPORT_SCHEMA_ID:
        raise RecordError(
            f"{path}: is not a verify report ({REPORT_SCHEMA_ID}): save one with "
            "verify corroborate ... --json > report.json"
        )
    try:
        return Report.model_validate(data)
    except ValidationError as error:
        raise RecordError(f"{path}: malformed report ({error.error_count()} errors)") from error


def check_report(
    path: str | Path, base: Path | None = None, *, public_key: Path | bytes | None = None
) -> CheckResult:
    """Check a saved report; raises ``IntegrityError`` if an input changed or the signature fails.

    Inputs that cannot be found are reported as missing (not a failure: the auditor may
    not hold them); pass ``base`` to look for them by file name in another folder.
    ``public_key`` (a PEM file such as an archive's ``keys/signing.pub``, or the raw 32
    bytes) pins the signer: an independent check that does not trust the key the report
    carries; a report that is then unsigned fails too. Without it, or for an unsigned
    report, the result is not ``ok``: ``unverified`` says why.
    """
    path = Path(path)
    report = load_report(path)
    raw = json.loads(path.read_text(encoding="utf-8"))
    result = CheckResult()
    expected = _raw_public_key(public_key) if public_key is not None else None
    if report.signature is not None or expected is not None:
        key = verify_signature(raw, expected_key=expected)
        if expected is not None:
            result.signer = "pinned"
            result.signature = f"valid (ed25519, key {key}, the expected key)"
        else:
            result.signer = "embedded"
            result.signature = (
                f"not verified (unchanged under the key the report carries, {key}; no key pinned)"
            )
        digest = hashlib.sha256(canonical_bytes(raw)).hexdigest()
        result.notes.append(
            f"signed bytes sha256 {digest}: an archive that signed it logged this in an "
            "'exported' custody entry"
        )
    changed = []
    for item in report.inputs:
        candidate = _locate(item.path, path.parent, base)
        if candidate is None:
            result.inputs.append((item.role, item.path, "missing"))
        elif sha256_file(candidate) != item.sha256:
            result.inputs.append((item.role, item.path, "changed"))
            changed.append(item.path)
        else:
            result.inputs.append((item.role, item.path, "ok"))
    if report.verify_version != __version__:
        result.notes.append(f"made by verify {report.verify_version}; this is {__version__}")
    current = models_versions()
    differing = sorted(k for k, v in report.models_version.items() if current.get(k) != v)
    if differing:
        result.notes.append(f"models differ from this installation: {', '.join(differing)}")
    if changed:
        raise IntegrityError(
            f"{path}: input changed since the report was made: {', '.join(changed)} "
            "(sha256 differs): the report no longer describes these files"
        )
    return result


def _raw_public_key(key: Path | bytes) -> bytes:
    """The raw 32 bytes of an Ed25519 public key given as a PEM file or as raw bytes."""
    if isinstance(key, bytes):
        return key
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    from verify.archive.signing import load_public_key

    return load_public_key(key).public_bytes(Encoding.Raw, PublicFormat.Raw)


def _locate(given: str, report_dir: Path, base: Path | None) -> Path | None:
    """The input as given (relative to here, then to the report), or by name under ``base``."""
    candidates = [Path(given), report_dir / given]
    if base is not None:
        candidates.insert(0, base / Path(given).name)
    return next((c for c in candidates if c.is_file()), None)
