"""A copy safe to publish: pixels only, black and white, no metadata, marks blacked out.

Every page is rasterised (so no text layer, font, object, revision or annotation of the
original survives), reduced to black and white with Otsu's threshold (so yellow tracking
dots, pale on white, fall to white), and written into a fresh PDF with an empty Info
dictionary and no XMP. Regions flagged as identifying (incoming stamps, the executor,
handwritten marks) are blacked out when asked: each whole printed line they touch and
the lines that continue it (``verify.forensics.redaction``), carried from the straightened
page the words were read on back onto the original's pixels through the exact inverse of
the preparation (``verify.reading.placement``), so on a photo a line's box is a quadrilateral.
Then the copy is read again, harder than extraction reads, and forensics runs on it: a
redacted word still legible, or a finding still present, is reported as remaining, and
only what is verifiably gone is said to be removed. The original is opened read-only and
never written.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from verify.errors import VerifyError
from verify.forensics.examine import forensics
from verify.forensics.findings import Finding
from verify.forensics.metadata import params
from verify.forensics.redaction import Region, flagged_regions, secrets, still_readable
from verify.options import ExtractOptions, UsageError
from verify.reading.geometry import Homography, bounds
from verify.reading.inputs import DocumentInput
from verify.reading.load import PageImage
from verify.reading.tesseract import OcrWord
from verify.record import PageInfo
from verify.resources import load_json

REDACTABLE = {
    "stamps": "incoming_stamp",
    "executor": "executor_named",
    "marks": "handwritten_mark",
}
"""--redact names and the finding types whose boxes they black out."""


class Redaction(BaseModel):
    """One opaque region drawn on the copy, in the copy's pixels."""

    model_config = ConfigDict(frozen=True)

    kind: str
    page: int
    bbox_px: tuple[int, int, int, int] = Field(description="The axis box around the region.")
    polygon_px: list[tuple[float, float]] = Field(
        default_factory=list,
        description="The region's corners: a box of the straightened page, on the original.",
    )


class Readable(BaseModel):
    """A redacted word that the copy still shows."""

    model_config = ConfigDict(frozen=True)

    kind: str
    text: str


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
    readable: list[Readable] = Field(
        default_factory=list,
        description="Redacted words the copy still shows when read again: the redaction failed.",
    )
    not_found: list[str] = Field(
        default_factory=list,
        description=(
            "--redact names for which nothing was found, so nothing was blacked out: verify "
            "cannot say that none is there (an executor line it could not read stays)."
        ),
    )
    before: list[Finding] = Field(default_factory=list)

    @property
    def safe(self) -> bool:
        """Nothing identifying remains and nothing redacted can be read."""
        return not self.remaining and not self.readable


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
    from verify.reading.load import open_source

    started = time.perf_counter()
    dpi = dpi or params()["scrub"]["dpi"]
    if not 72 <= dpi <= 600:
        raise UsageError("--output-dpi must be between 72 and 600")
    parse_redact(",".join(redact))
    options = options or ExtractOptions()
    source = open_source(path)
    target = Path(out)
    if target.exists() and target.resolve() == source.path.resolve():
        raise UsageError(f"{target}: is the input file: scrub never overwrites the original")
    if target.parent and not target.parent.exists():
        raise UsageError(f"{target.parent}: the output folder does not exist: create it first")
    # only now, with the input and output checked: pymupdf's import costs more than a bad
    # command line should
    from verify.forensics import _image_meta, _pdf_meta
    from verify.pipeline import extract
    from verify.reading.inputs import open_input
    from verify.reading.read import read_pages
    from verify.reading.textmap import DocumentText

    kinds = {REDACTABLE[kind]: kind for kind in redact}
    with (
        _working_cache(options) as (options, copy_options),
        open_input(source, options) as document,
    ):
        texts = list(read_pages(document))
        record = extract(source.path, options)
        before = forensics(source.path, record=record, options=options)
        doc = DocumentText(texts)
        regions = flagged_regions(before, kinds, doc)
        hidden = secrets(regions, doc)
        pages: list[tuple[bytes, float, float]] = []
        redactions: list[Redaction] = []
        total = document.page_count()
        for index in range(total):
            bw, page_redactions = _copy_page(document, index, record.pages[index], regions, dpi)
            redactions += page_redactions
            height, width = bw.shape
            pages.append((_image_meta.encode_png(bw), width * 72 / dpi, height * 72 / dpi))
        _pdf_meta.write_image_pdf(pages, target)
        readable: list[Readable] = []
        after: list[Finding] = []
        if check:
            readable = _readable(target, hidden, dpi, copy_options)
            try:
                after = forensics(target, options=copy_options)
            except VerifyError as error:
                raise VerifyError(
                    f"{target}: the scrubbed copy cannot be checked ({error})"
                ) from error
    before_types = {f.type for f in before}
    after_types = {f.type for f in after} | {REDACTABLE[r.kind] for r in readable}
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
        readable=readable,
        not_found=[kind for kind in redact if kind not in {r.kind for r in regions}],
        before=before,
    )


@contextmanager
def _working_cache(options: ExtractOptions) -> Iterator[tuple[ExtractOptions, ExtractOptions]]:
    """Options for the original and for the copy whose OCR cache serves repeated reads.

    A page is read for its words, for the record and by forensics, and the copy by
    extraction and forensics; without a cache each would OCR anew. With the user's cache
    off, a private one lives for this call only; the copy's reads always go to it, so the
    user's cache never holds what a scrubbed copy shows.
    """
    with tempfile.TemporaryDirectory(prefix="verify-scrub-") as folder:
        private = replace(options, cache_dir=Path(folder))
        yield (options if options.cache_dir is not None else private), private


def _copy_page(
    document: DocumentInput,
    index: int,
    page: PageInfo,
    regions: list[Region],
    dpi: int,
) -> tuple[np.ndarray, list[Redaction]]:
    """Page ``index`` in black and white at ``dpi``, its regions blacked out."""
    image = document.page_image(index, dpi)
    grey = _grey(image.pixels)
    factor = 1.0  # copy pixels per pixel of the decoded page
    if not document.renders:  # decoded at the file's own resolution: scaled to ``dpi``
        factor = dpi / (image.dpi or _a4_dpi(grey))
        grey = cv2.resize(
            grey,
            None,
            fx=factor,
            fy=factor,
            interpolation=cv2.INTER_AREA if factor < 1 else cv2.INTER_CUBIC,
        )
    _, bw = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    mine = [r for r in regions if r.page == index + 1]
    if not mine:
        return bw, []
    to_copy = _onto_copy(document, index, page, image, factor, dpi)
    margin = params()["scrub"]["redact_margin_px"]
    mask: np.ndarray = np.zeros(bw.shape, np.uint8)
    redactions = []
    for region in mine:
        polygon = to_copy.polygon(region.bbox)
        corners = np.round(np.array(polygon)).astype(np.int32)
        cv2.fillPoly(mask, [corners], 255)
        x0, y0, x1, y1 = bounds(polygon)
        box = (
            max(0, int(np.floor(x0)) - margin),
            max(0, int(np.floor(y0)) - margin),
            min(bw.shape[1], int(np.ceil(x1)) + margin),
            min(bw.shape[0], int(np.ceil(y1)) + margin),
        )
        redactions.append(
            Redaction(
                kind=region.kind,
                page=index + 1,
                bbox_px=box,
                polygon_px=[(round(x, 1), round(y, 1)) for x, y in polygon],
            )
        )
    if margin:
        mask = cv2.dilate(mask, np.ones((2 * margin + 1, 2 * margin + 1), np.uint8))
    bw[mask > 0] = 0
    return bw, redactions


def _onto_copy(
    document: DocumentInput,
    index: int,
    page: PageInfo,
    image: PageImage,
    factor: float,
    dpi: int,
) -> Homography:
    """The map from the record's coordinates of a page onto the copy's pixels."""
    from verify.reading.placement import place

    if page.unit == "pt":
        return Homography.scale(dpi / 72)
    # the words were read on the page as extraction decoded it
    read_image = document.as_extracted(index, image)
    if document.renders:  # drawn at extraction's resolution, the copy at ``dpi``
        factor = dpi / float(document.options.render_dpi)
    return place(read_image, page).to_image.then(Homography.scale(factor))


def _readable(
    target: Path, hidden: dict[str, set[str]], dpi: int, options: ExtractOptions
) -> list[Readable]:
    """The redacted words the written copy still shows, read every way ``check_passes`` lists."""
    from verify.reading import prepare
    from verify.reading import tesseract as _tesseract
    from verify.reading.inputs import open_input
    from verify.reading.load import open_source

    if not any(hidden.values()):
        return []
    settings = params()["scrub"]
    prepare_params = load_json("ocr.json")["prepare"]
    lines: list[list[str]] = []
    with open_input(open_source(target), options) as copy:
        for index in range(copy.page_count()):
            grey = _grey(copy.page_image(index, dpi).pixels)
            prepared = prepare.prepare(grey, float(dpi), prepare_params).pixels
            for check in settings["check_passes"]:
                pixels = prepared if check["prepare"] else grey
                if check["scale"] != 1.0:
                    pixels = prepare.resize(pixels, check["scale"])
                words = _tesseract.ocr_words(pixels, settings["check_languages"], check["psm"])
                lines += _lines(words)
    return [
        Readable(kind=kind, text=text)
        for kind, tokens in sorted(hidden.items())
        for text in still_readable(tokens, lines, settings["check_min_similarity"])
    ]


def _lines(words: list[OcrWord]) -> list[list[str]]:
    """Tesseract's words grouped into its lines."""
    grouped: dict[tuple[int, int, int], list[str]] = {}
    for word in words:
        grouped.setdefault((word["block"], word["par"], word["line"]), []).append(word["text"])
    return list(grouped.values())


def _grey(pixels: np.ndarray) -> np.ndarray:
    if pixels.ndim == 2:
        return pixels
    return cv2.cvtColor(pixels, cv2.COLOR_RGB2GRAY)


def _a4_dpi(grey: np.ndarray) -> float:
    """Resolution of a photo without dpi, taking the page for A4."""
    return float(grey.shape[1]) / 8.27
