"""What forensics says about one file: typed findings, each with severity and evidence.

Two questions come before publishing a leaked letter: was the file altered, and would
publishing it expose whoever gave it? Every check (metadata, consistency, revisions,
identifying marks, canary traps) answers with ``Finding`` objects of one shape, so the
CLI, the record's ``forensics`` list, the scrub self-check and the benchmark all read the
same thing. ``identifies`` marks findings that could lead back to a recipient or source:
those are what ``verify scrub`` must remove.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from verify.options import ExtractOptions
from verify.record import Record

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


def forensics(
    target: str | os.PathLike[str] | Record,
    *,
    record: Record | None = None,
    options: ExtractOptions | None = None,
    copies: Sequence[str | os.PathLike[str] | Record] = (),
    ocr_checks: bool = True,
) -> list[Finding]:
    """Every forensic finding about one document, most severe first.

    ``target`` is a file, or a record whose source file is still where it was read
    (when it is gone or changed, only the record's own checks run). ``record`` saves
    re-extracting a file already read. ``copies`` are other copies of the same act, for
    canary-trap detection. ``ocr_checks`` False skips the checks that OCR pages (text
    layer against image; handwriting on scans), which cost about a second a page.
    Raises ``VerifyError`` for files verify cannot read, never anything else.
    """
    import warnings

    with warnings.catch_warnings():
        # Pillow warns on stderr about the corrupt EXIF that metadata reports as a finding
        warnings.simplefilter("ignore", UserWarning)
        return _forensics(target, record, options, copies, ocr_checks)


def _forensics(
    target: str | os.PathLike[str] | Record,
    record: Record | None,
    options: ExtractOptions | None,
    copies: Sequence[str | os.PathLike[str] | Record],
    ocr_checks: bool,
) -> list[Finding]:
    from verify.forensics import canary, consistency, marks, metadata, revisions
    from verify.forensics._pages import page_views
    from verify.load import PDF, open_source, page_count
    from verify.pipeline import extract

    options = options or ExtractOptions()
    source = None
    if isinstance(target, Record):
        record = target
        path = Path(record.source.path)
        if path.is_file():
            candidate = open_source(path)
            source = candidate if candidate.sha256 == record.source.sha256 else None
    else:
        source = open_source(target)
        if record is None:
            record = extract(source.path, options)
    findings: list[Finding] = []
    facts = None
    if source is not None:
        file_findings, facts = metadata.file_findings(source, options.password)
        findings += file_findings
        limit = metadata.params()["limits"]["max_pages"]
        if source.media_type == PDF:
            from verify.forensics import _pdf_meta

            meta = _pdf_meta.read_meta(source.path, options.password)
            revision = revisions.revision_findings(source, meta.linearized)
            findings += revision
            if not any(f.type == "annotation_added" for f in revision):
                findings += revisions.annotation_findings(source)
            findings += revisions.font_findings(source, options.password)
        total = page_count(source, options)
        if total > limit:
            findings.append(
                Finding(
                    type="check_limited",
                    severity="info",
                    message=f"only the first {limit} of {total} pages were examined for marks",
                    data={"pages": total, "examined": limit},
                )
            )
        for view in page_views(source, options, limit):
            findings += marks.dot_findings(view)
            if view.layer_words is not None or ocr_checks:
                findings += marks.handwriting_findings(view)
            if view.layer_words and ocr_checks:
                findings += revisions.text_image_findings(view)
    findings += consistency.consistency_findings(record, facts)
    findings += marks.record_findings(record)
    if copies:
        others = [c if isinstance(c, Record) else extract(c, options) for c in copies]
        findings += canary.canary_findings([record, *others])
    return sort_findings(findings)
