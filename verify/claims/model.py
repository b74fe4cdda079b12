"""What a claim is: one checkable statement a report makes about a document.

A claim keeps the words it was read from and their sentence, with character offsets into
the report text, so an editor can see exactly what the outlet said next to what the
document says. Values are normalised so they can meet the record across languages:
taxonomy ids for specialties, position ids, organisation ids, ISO dates and times.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

ClaimKind = Literal[
    "issuer",
    "document_date",
    "document_number",
    "signatory_name",
    "signatory_position",
    "deadline",
    "specialty",
    "funding_source",
]
"""The kinds of statement verify reads from a report, in the order reports list them."""

CLAIM_KINDS: tuple[str, ...] = ClaimKind.__args__  # type: ignore[attr-defined]

ClaimsStatus = Literal["ok", "no_claims", "empty", "not_text", "unsupported_language"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Claim(_Model):
    """One statement about the document, as the report made it."""

    id: str = Field(description="Stable within a report: 'c1', 'c2'... in reading order.")
    kind: ClaimKind
    value: str | None = Field(
        description=(
            "Normalised value: ISO date ('2022-02-25', or '--02-25' when the year is not "
            "stated), ISO datetime or time ('2022-02-25T18:00', 'T18:00'), taxonomy id, "
            "position id, organisation id, a name, a document number; 'surgeon' for surgeons "
            "of no stated kind; 'other:<words>' for an occupation outside the taxonomy. None "
            "when the report states nothing comparable (a relative date such as 'yesterday' "
            "or 'within 48 hours'): the claim is then not_checkable, never resolved against "
            "the report's own date."
        )
    )
    label: str = Field(description="The value as an editor reads it, e.g. 'heart surgeon'.")
    raw: str = Field(description="The report's words exactly as written.")
    start: int = Field(ge=0, description="Offset of ``raw`` in the report text.")
    end: int = Field(ge=0)
    sentence: str
    sentence_start: int = Field(ge=0)
    sentence_end: int = Field(ge=0)
    language: str
    rule: str = Field(description="The cue that found it, e.g. rule:claim.en.signed_by.")
    note: str | None = Field(None, description="How a relative value was resolved, and so on.")


class ClaimsFile(_Model):
    """One report (article, post, transcript) and the claims read from it."""

    path: str
    file_name: str
    sha256: str
    size: int
    language: str | None
    report_date: str | None = Field(
        None, description="The report's own date (what 'today' means): ISO or '--MM-DD'."
    )
    report_date_source: str | None = None
    status: ClaimsStatus
    message: str | None = Field(None, description="Why no claims were read, in plain words.")
    claims: list[Claim] = Field(default_factory=list)
