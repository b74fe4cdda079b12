"""A copy safe to publish: pixels only, black and white, no metadata, marks blacked out.

Every page is rasterised (so no text layer, font, object, revision or annotation of the
original survives), reduced to black and white with Otsu's threshold (so yellow tracking
dots, pale on white, fall to white), and written into a fresh PDF with an empty Info
dictionary and no XMP. Regions flagged as identifying (incoming stamps, the executor,
handwritten marks) are covered by opaque boxes when asked. Then forensics runs on the
copy and the report says what was removed and what, if anything, remains. The original
is opened read-only and never written.
"""

from __future__ import annotations

import os
import time
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from verify.errors import VerifyError
from verify.forensics.findings import Finding, forensics
from verify.forensics.metadata import params
from verify.options import ExtractOptions, UsageError

REDACTABLE = {
    "stamps": "incoming_stamp",
    "executor": "executor_named",
    "marks": "handwritten_mark",
}
"""--redact names and the finding types whose boxes they black out."""


class Redaction(BaseModel):
    """One opaque box drawn on the copy, in the copy's pixels."""

    model_config = ConfigDict(frozen=True)

    kind: str
    page: int
    bbox_px: tuple[int, int, int, int]


class ScrubReport(BaseModel):
    """What scrub did and what its own check of the copy found."""

    model_config = ConfigDict(frozen=True)

    source: str
    output: str
    pages: int
    dpi: int
    seconds: float
    redactions: list[Redaction] = Field(default_factory=list)
    removed: list[str] = Field(description="Finding types of the original absent from the copy.")
    remaining: list[Finding] = Field(
        default_factory=list, description="Findings of the copy that could still identify."
    )
    before: list[Finding] = Field(default_factory=list)


def parse_redact(value: str | None) -> tuple[str, ...]:
    """--redact "stamps,executor,marks" as a checked tuple."""
    if not value:
        return ()
    names = tuple(part.strip() for part in value.split(",") if part.strip())
    unknown = [n for n in names if n not in REDACTABLE]
    if unknown:
        raise UsageError(
            f"unknown --redact value {', '.join(unknown)}: use any of {', '.join(REDACTABLE)}"
        )
    return names


def scrub(
    path: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    redact: tuple[str, ...] = (),
    dpi: int | None = None,
    options: ExtractOptions | None = None,
    check: bool = True,
) -> ScrubReport:
    """Write a publishable copy of ``path`` to ``out`` and check it (see module doc)."""
    from verify.forensics import _image_meta, _pdf_meta
    from verify.load import PDF, open_source, page_count, page_image
    from verify.pipeline import extract

    started = time.perf_counter()
    dpi = dpi or params()["scrub"]["dpi"]
    if not 72 <= dpi <= 600:
        raise UsageError("--dpi must be between 72 and 600")
    parse_redact(",".join(redact))
    options = options or ExtractOptions()
    source = open_source(path)
    target = Path(out)
    if target.exists() and target.resolve() == source.path.resolve():
        raise UsageError(f"{target}: is the input file: scrub never overwrites the original")
    if target.parent and not target.parent.exists():
        raise UsageError(f"{target.parent}: the output folder does not exist: create it first")
    record = extract(source.path, options)
    before = forensics(source.path, record=record, options=options)
    render = replace(options, render_dpi=dpi)
    margin = params()["scrub"]["redact_margin_px"]
    pages: list[tuple[bytes, float, float]] = []
    redactions: list[Redaction] = []
    total = page_count(source, options)
    for index in range(total):
        image = page_image(source, index, render)
        grey = _grey(image.pixels)
        px_factor = 1.0  # copy pixels per pixel of the input image (record boxes in px)
        if source.media_type != PDF:
            px_factor = dpi / (image.dpi or _a4_dpi(grey))
            grey = cv2.resize(
                grey,
                None,
                fx=px_factor,
                fy=px_factor,
                interpolation=cv2.INTER_AREA if px_factor < 1 else cv2.INTER_CUBIC,
            )
        scale_pt = dpi / 72  # copy pixels per point
        _, bw = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
        for kind in redact:
            for finding in before:
                if finding.type != REDACTABLE[kind]:
                    continue
                for evidence in finding.evidence:
                    if evidence.page != index + 1 or evidence.bbox is None:
                        continue
                    factor = scale_pt if evidence.unit == "pt" else px_factor
                    x0, y0, x1, y1 = (v * factor for v in evidence.bbox)
                    box = (
                        max(0, int(x0) - margin),
                        max(0, int(y0) - margin),
                        min(bw.shape[1], int(np.ceil(x1)) + margin),
                        min(bw.shape[0], int(np.ceil(y1)) + margin),
                    )
                    bw[box[1] : box[3], box[0] : box[2]] = 0
                    redactions.append(Redaction(kind=kind, page=index + 1, bbox_px=box))
        height, width = bw.shape
        pages.append((_image_meta.encode_png(bw), width / scale_pt, height / scale_pt))
    _pdf_meta.write_image_pdf(pages, target)
    after: list[Finding] = []
    if check:
        try:
            after = forensics(target, options=replace(options, cache_dir=None))
        except VerifyError as error:
            raise VerifyError(f"{target}: the scrubbed copy cannot be checked ({error})") from error
    before_types = {f.type for f in before}
    after_types = {f.type for f in after}
    remaining = [f for f in after if f.identifies and f.severity != "info"]
    return ScrubReport(
        source=str(path),
        output=str(target),
        pages=total,
        dpi=dpi,
        seconds=round(time.perf_counter() - started, 2),
        redactions=redactions,
        removed=sorted(before_types - after_types),
        remaining=remaining,
        before=before,
    )


def _grey(pixels: np.ndarray) -> np.ndarray:
    if pixels.ndim == 2:
        return pixels
    return cv2.cvtColor(pixels, cv2.COLOR_RGB2GRAY)


def _a4_dpi(grey: np.ndarray) -> float:
    """Resolution of a photo without dpi, taking the page for A4."""
    return grey.shape[1] / 8.27
