"""Page images for the HTML report, with the evidence of each finding drawn on them.

The editor must see the words a finding rests on, on the page. PDF pages are rendered
again (``verify.reading.inputs``) at a screen resolution. OCR boxes are in the pixels of
the prepared (straightened, enlarged) page, which is not stored: they are carried onto
the page as received through the exact inverse of its preparation
(``verify.reading.placement``), so on a photo a word's box is the quadrilateral the word fills
there. Pillow draws them; the PNG is embedded as base64 so the HTML file stands alone,
offline.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from verify.claims.corroborate import CheckedClaim
from verify.errors import VerifyError
from verify.options import ExtractOptions
from verify.reading.geometry import Homography, Polygon, bounds
from verify.reading.inputs import DocumentInput, open_input
from verify.record import Record

DISPLAY_WIDTH = 900  # pixels: legible on a laptop, about 150-300 kB of PNG per page
MAX_PAGES = 5  # pages drawn: page 1 and the first pages with evidence
COLOURS = {
    "supported": (26, 127, 55),
    "contradicted": (207, 34, 46),
    "not_in_document": (110, 119, 129),
    "not_checkable": (154, 103, 0),
}


@dataclass(frozen=True)
class PageView:
    """One page ready for the report: PNG (base64) and the boxes drawn on it."""

    number: int
    png_base64: str
    width: int
    height: int
    boxes: tuple[tuple[str, str, tuple[float, float, float, float]], ...]  # ids, status, box
    polygons: tuple[tuple[tuple[float, float], ...], ...] = ()  # each box on the image shown


def page_views(
    record: Record, document: Path | None, findings: list[CheckedClaim]
) -> tuple[list[PageView], str | None]:
    """Pages with boxes, and a message when no page image could be made."""
    if document is None or not document.is_file():
        return [], "the page image is not shown: the original document file is not available"
    from verify.reading.load import open_source

    try:
        source = open_source(document)
    except VerifyError as error:
        return [], f"the page image is not shown: {error}"
    if source.sha256 != record.source.sha256:
        return [], "the page image is not shown: the file has changed since it was read"
    wanted = _pages_to_draw(record, findings)
    views = []
    with open_input(source, ExtractOptions()) as pages:
        for number in wanted:
            try:
                views.append(_view(record, pages, number, findings))
            except VerifyError as error:
                return views, f"page {number} is not shown: {error}"
    return views, None


def _pages_to_draw(record: Record, findings: list[CheckedClaim]) -> list[int]:
    pages = {1} | {e.page for f in findings for e in f.evidence}
    existing = {page.number for page in record.pages}
    return sorted(pages & existing)[:MAX_PAGES]


def _view(
    record: Record, pages: DocumentInput, number: int, findings: list[CheckedClaim]
) -> PageView:
    from verify.reading.placement import place

    page = next(p for p in record.pages if p.number == number)
    if page.unit == "pt":
        dpi = max(72, min(600, round(72 * DISPLAY_WIDTH / page.width)))
        decoded = pages.page_image(number - 1, dpi)
    else:
        decoded = pages.page_image(number - 1)
    image = _to_image(decoded.pixels)
    scale = DISPLAY_WIDTH / image.width
    to_shown = place(decoded, page).to_image.then(Homography.scale(scale))
    image = image.resize((DISPLAY_WIDTH, max(1, round(image.height * scale))))
    boxes = _boxes(findings, number, 1.0)
    polygons = [to_shown.polygon(box) for _, _, box in boxes]
    _draw(image, boxes, polygons)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return PageView(
        number=number,
        png_base64=base64.b64encode(buffer.getvalue()).decode("ascii"),
        width=image.width,
        height=image.height,
        boxes=tuple(boxes),
        polygons=tuple(polygons),
    )


def _grown(polygon: Polygon, pixels: float) -> list[tuple[float, float]]:
    """The corners moved ``pixels`` away from the centre, so the frame clears the words."""
    cx = sum(p[0] for p in polygon) / len(polygon)
    cy = sum(p[1] for p in polygon) / len(polygon)
    out = []
    for x, y in polygon:
        dx, dy = x - cx, y - cy
        out.append((x + (pixels if dx > 0 else -pixels), y + (pixels if dy > 0 else -pixels)))
    return out


def _to_image(pixels: np.ndarray) -> Image.Image:
    image = Image.fromarray(pixels)
    return image.convert("RGB")


def _boxes(
    findings: list[CheckedClaim], number: int, scale: float
) -> list[tuple[str, str, tuple[float, float, float, float]]]:
    """One box per distinct evidence rectangle, labelled with every claim resting on it."""
    grouped: dict[tuple[float, ...], tuple[list[str], str]] = {}
    # green wins: a box is red only when the words it frames contradict every claim on them
    rank = {"supported": 2, "contradicted": 1, "not_in_document": 0, "not_checkable": 0}
    for finding in findings:
        for evidence in finding.evidence:
            if evidence.page != number:
                continue
            key = tuple(round(v * scale, 1) for v in evidence.bbox)
            ids, status = grouped.get(key, ([], finding.status))
            label = finding.ref or finding.claim.id
            if label not in ids:
                ids.append(label)
            if rank[finding.status] > rank[status]:
                status = finding.status
            grouped[key] = (ids, status)
    return [(", ".join(ids), status, key) for key, (ids, status) in grouped.items()]  # type: ignore[misc]


def _draw(
    image: Image.Image,
    boxes: list[tuple[str, str, tuple[float, float, float, float]]],
    polygons: list[Polygon],
) -> None:
    draw = ImageDraw.Draw(image)
    for (ids, status, _), polygon in zip(boxes, polygons, strict=True):
        colour = COLOURS[status]
        x0, y0, _, _ = bounds(polygon)
        draw.polygon(_grown(polygon, 2), outline=colour, width=2)
        text = ids if len(ids) < 40 else ids[:37] + "..."
        width = draw.textlength(text)
        top = max(0, y0 - 13)
        draw.rectangle((x0 - 2, top, x0 + width + 2, top + 11), fill=colour)
        draw.text((x0, top), text, fill=(255, 255, 255))
