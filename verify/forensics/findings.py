"""What forensics says about one file: typed findings, each with severity and evidence.

Two questions come before publishing a leaked letter: was the file altered, and would
publishing it expose whoever gave it? Every check (metadata, consistency, revisions,
identifying marks, canary traps) answers with ``Finding`` objects of one shape, so the
CLI, the record's ``forensics`` list, the scrub self-check and the benchmark all read the
same thing. ``identifies`` marks findings that could lead back to a recipient or source:
those are what ``verify scrub`` must remove. The checks are run by
``verify.forensics.examine``; this module holds only what they share.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Severity = Literal["info", "low", "medium", "high"]

FindingType = Literal[
    # file metadata
    "metadata_author",
    "metadata_software",
    "metadata_dates",
    "metadata_xmp",
    "metadata_malformed",
    "exif_camera",
    "exif_timestamp",
    "exif_gps",
    "exif_thumbnail",
    "thumbnail_mismatch",
    # consistency
    "created_before_document",
    "created_long_after_document",
    "producer_unusual",
    "date_weekend",
    "date_holiday",
    "deadline_before_document",
    # edits
    "incremental_update",
    "revision_change",
    "annotation_added",
    "text_image_mismatch",
    "font_inconsistent",
    # identifying marks
    "incoming_stamp",
    "handwritten_mark",
    "executor_named",
    "tracking_dots",
    # canary traps
    "canary_difference",
    # limits reached
    "check_limited",
]


class FindingEvidence(BaseModel):
    """Where the finding was seen: a page and box when it has a place, the raw value."""

    model_config = ConfigDict(frozen=True)

    page: int | None = Field(
        default=None, ge=1, description="1-based page, None for file-level facts."
    )
    bbox: tuple[float, float, float, float] | None = None
    unit: Literal["pt", "px"] | None = Field(
        default=None, description="Unit of bbox (see pages[].unit)."
    )
    raw: str | None = Field(default=None, description="The value as found (truncated when huge).")


class Finding(BaseModel):
    """One thing the file betrays or one sign that it was altered."""

    model_config = ConfigDict(frozen=True)

    type: FindingType
    severity: Severity
    message: str
    identifies: bool = Field(
        default=False, description="True when it could identify a recipient or the source."
    )
    evidence: list[FindingEvidence] = Field(default_factory=list)
    data: dict[str, Any] = Field(default_factory=dict, description="Structured values.")


SEVERITY_ORDER: dict[str, int] = {"high": 0, "medium": 1, "low": 2, "info": 3}


def sort_findings(findings: list[Finding]) -> list[Finding]:
    """Most severe first, then by type, page: the order people should read them in."""
    return sorted(
        findings,
        key=lambda f: (
            SEVERITY_ORDER[f.severity],
            f.type,
            min((e.page or 0 for e in f.evidence), default=0),
        ),
    )


def clip(value: object, limit: int = 300) -> str:
    """Text of a value, cut to ``limit`` characters: evidence must stay readable and small."""
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[:limit] + f"… ({len(text)} characters)"
