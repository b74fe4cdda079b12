"""Run every forensic check on one document and collect the findings, most severe first.

The checks (``metadata``, ``revisions``, ``marks``, ``consistency``, ``canary``) each
answer with ``Finding`` objects; this module decides which apply to a file, reads the
record when none is given, and sorts what they found. It sits above the extraction
pipeline, which it calls; the pipeline never calls it: ``verify extract --forensics``
adds findings to a record it already has (``with_findings``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from verify.forensics.findings import Finding, sort_findings
from verify.options import ExtractOptions
from verify.record import Record

if TYPE_CHECKING:
    from verify.forensics.metadata import FileFacts
    from verify.reading.inputs import DocumentInput


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
    from verify.pipeline import extract
    from verify.reading.inputs import open_input
    from verify.reading.load import open_source

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
        with open_input(source, options) as document:
            file_findings, facts = _file_checks(document)(document)
            findings += file_findings
            limit = metadata.params()["limits"]["max_pages"]
            total = document.page_count()
            if total > limit:
                findings.append(
                    Finding(
                        type="check_limited",
                        severity="info",
                        message=f"only the first {limit} of {total} pages were examined for marks",
                        data={"pages": total, "examined": limit},
                    )
                )
            for view in page_views(document, limit):
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


FileChecks = Callable[["DocumentInput"], tuple[list[Finding], "FileFacts"]]


def _pdf_checks(document: DocumentInput) -> tuple[list[Finding], FileFacts]:
    """A PDF's metadata, its revisions, annotations added later and mixed fonts."""
    from verify.forensics import _pdf_meta, metadata, revisions

    source, password = document.source, document.options.password
    findings, facts = metadata.pdf_findings(source, password)
    meta = _pdf_meta.read_meta(source.path, password)
    revision = revisions.revision_findings(source, meta.linearized)
    findings += revision
    if not any(f.type == "annotation_added" for f in revision):
        findings += revisions.annotation_findings(source)
    findings += revisions.font_findings(source, password)
    return findings, facts


def _image_checks(document: DocumentInput) -> tuple[list[Finding], FileFacts]:
    """An image's EXIF and XMP, and whether its embedded thumbnail still matches it."""
    from verify.forensics import metadata

    return metadata.image_findings(document.source)


def _file_checks(document: DocumentInput) -> FileChecks:
    """The file-level checks of the document's input class."""
    from verify.reading.inputs import ImageInput, PdfInput

    checks: dict[type[DocumentInput], FileChecks] = {
        PdfInput: _pdf_checks,
        ImageInput: _image_checks,
    }
    return next(check for kind, check in checks.items() if isinstance(document, kind))


def with_findings(record: Record, path: str | os.PathLike[str], options: ExtractOptions) -> Record:
    """``record`` of the file at ``path``, with every forensic finding about it added."""
    findings = forensics(path, record=record, options=options)
    return record.model_copy(update={"forensics": findings})
