"""What forensics says about one file: every check run, its findings most severe first.

The findings' models (``Finding``, ``FindingEvidence``) are the record's, in
``verify.record_findings``; they are named here too, for the checks. ``identifies`` marks
findings that could lead back to a recipient or source: those are what ``verify scrub``
must remove.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from verify.options import ExtractOptions
from verify.record import Record
from verify.record_findings import Finding, FindingEvidence, FindingType, Severity

__all__ = [
    "SEVERITY_ORDER",
    "Finding",
    "FindingEvidence",
    "FindingType",
    "Severity",
    "clip",
    "forensics",
    "sort_findings",
]

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
