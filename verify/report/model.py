"""The corroboration report (schema ``verify.report/1``): an auditable artefact.

It says which document was checked against which reports, claim by claim, and carries
what an auditor needs to re-run or trust it: the sha256 of every input, the versions of
verify and of its models, the thresholds used, and optionally an Ed25519 signature over
the canonical JSON. ``copies`` is where an archive lists every copy of the document and
its sources; it is empty until an archive is given. The JSON Schema in
``docs/report.schema.json`` is generated from these models (``python -m verify.report``).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from verify.claims.corroborate import CheckedClaim
from verify.claims.model import ClaimsFile

REPORT_SCHEMA_ID = "verify.report/1"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class InputFile(_Model):
    """One input, identified by content; ``report check`` recomputes the hash."""

    role: Literal["document", "claims"]
    path: str = Field(description="As given on the command line (relative to where it ran).")
    sha256: str
    size: int


class DocumentPage(_Model):
    """A page of the document as the record measured it."""

    number: int
    width: float
    height: float
    unit: Literal["pt", "px"]
    method: str


class DocumentSummary(_Model):
    """The checked document: identity, the key fields, and its fingerprints."""

    path: str
    file_name: str
    sha256: str
    media_type: str
    language: str | None
    issuer: str | None = None
    document_number: str | None = None
    document_date: str | None = None
    signatories: list[str] = Field(default_factory=list)
    pages: list[DocumentPage] = Field(default_factory=list)
    fingerprints: dict[str, object] | None = None


class Copy(_Model):
    """An archived copy of the document, filled in when an archive is given."""

    id: str
    verdict: str = Field(description="compare verdict against the checked document.")
    sha256: str
    sources: list[str] = Field(default_factory=list)
    received: list[str] = Field(default_factory=list, description="ISO receipt times.")
    independent: bool
    reason: str = Field(description="Why this copy counts as an independent source, or not.")


class Copies(_Model):
    """Every archived copy and how many independent sources hold the document."""

    archive: str | None = None
    copies: list[Copy] = Field(default_factory=list)
    independent_sources: int = 0
    note: str = "no archive given: copies and sources are not listed"


class Summary(_Model):
    """Counts of findings by status, and what the editor should read first."""

    supported: int = 0
    contradicted: int = 0
    not_in_document: int = 0
    not_checkable: int = 0
    total: int = 0
    messages: list[str] = Field(default_factory=list)


class Signature(_Model):
    """Ed25519 signature over the canonical JSON of the report without this field."""

    algorithm: Literal["ed25519"] = "ed25519"
    public_key: str = Field(description="Raw 32-byte public key, hex.")
    value: str = Field(description="64-byte signature, hex.")
    key_id: str | None = Field(
        None,
        description=(
            "The signer's RFC 6962 log id: SHA-256 of the DER SubjectPublicKeyInfo, hex "
            "(reports signed by earlier versions: first 16 hex of the raw key's SHA-256)."
        ),
    )


class Report(_Model):
    """A corroboration report: a document checked against one or more reports' claims."""

    schema_: str = Field(REPORT_SCHEMA_ID, alias="schema")
    created: str = Field(description="UTC time the report was made, ISO 8601.")
    verify_version: str
    models_version: dict[str, str]
    thresholds: dict[str, float]
    inputs: list[InputFile]
    document: DocumentSummary
    claims_files: list[ClaimsFile]
    findings: list[CheckedClaim]
    summary: Summary
    copies: Copies = Field(default_factory=Copies)
    signature: Signature | None = None

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    def to_json(self, indent: int | None = None) -> str:
        """Serialise with the ``schema`` key."""
        return self.model_dump_json(by_alias=True, indent=indent)
