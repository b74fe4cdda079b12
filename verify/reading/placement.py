"""Where a record's boxes lie on the page image as received.

A record's OCR boxes are in the pixels of the prepared page (``pages[].unit == "px"``),
which was straightened and enlarged and then, perhaps, turned upside down by the OCR
probe. That page is not stored, so to draw on the original (scrub's black boxes, the
report's frames) the preparation is run again on the same decoded image — it is
deterministic — and its transform is composed with the probe's turn, read from the
record's ``orientation:N`` step. The prepared page's hash, which the record keeps, proves
the transform is the one the words were read through; when an alternative preparation
won the OCR (``best_of_preparations``: same geometry, other pixels) the page size must
agree instead. Anything else is refused: a box drawn through a guessed transform is a
box in the wrong place.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from verify.errors import VerifyError
from verify.reading import prepare
from verify.reading.geometry import Homography
from verify.reading.load import PageImage
from verify.record import PageInfo
from verify.resources import load_json


@dataclass(frozen=True, eq=False)
class Placement:
    """The map from a record page's coordinates onto the pixels of its page image."""

    to_image: Homography
    exact: bool  # the prepared page hashed to the record's image_sha256


def _orientation(steps: tuple[str, ...] | list[str]) -> int:
    """The quarter turn an ``orientation:N`` step records (0 when none)."""
    for step in steps:
        if step.startswith("orientation:"):
            return int(step.split(":", 1)[1]) % 360
    return 0


def place(image: PageImage, page: PageInfo) -> Placement:
    """The transform from ``page``'s boxes onto ``image``, the decoded page they came from.

    ``image`` must be the page as extraction decoded it (same render resolution for PDF
    pages). Text-layer pages (points) map by the render resolution alone. Raises
    ``VerifyError`` when the preparation cannot be reproduced.
    """
    if page.unit == "pt":
        dpi = image.dpi or 72.0
        return Placement(Homography.scale(dpi / 72.0), exact=True)
    return reproduce(image, page)[1]


def reproduce(image: PageImage, page: PageInfo) -> tuple[np.ndarray, Placement]:
    """The prepared page ``page``'s OCR boxes are in (grey pixels), and its placement."""
    params = load_json("ocr.json")["prepare"]
    prepared = prepare.prepare(image.pixels, image.dpi, params, tuple(image.applied))
    turn = (_orientation(page.preparation) - _orientation(prepared.steps)) % 360
    if turn not in (0, 180):
        raise VerifyError(
            f"page {page.number}: its orientation cannot be reproduced, so its boxes cannot "
            "be placed on the original"
        )
    height, width = prepared.pixels.shape[:2]
    to_page = prepared.to_page.then(Homography.quarter_turn(turn, width, height))
    pixels = prepare.rotate_quarter(prepared.pixels, turn)
    exact = prepare.image_sha256(pixels) == page.image_sha256
    same_size = (pixels.shape[1], pixels.shape[0]) == (round(page.width), round(page.height))
    if not exact and not (same_size and "best_of_preparations" in page.preparation):
        raise VerifyError(
            f"page {page.number}: it was read through another preparation (another version "
            "of verify or of models/ocr.json), so its boxes cannot be placed on the original: "
            "read the file again"
        )
    return pixels, Placement(to_page.inverse(), exact=exact)


def page_polygons(
    placement: Placement, boxes: list[tuple[float, float, float, float]]
) -> list[np.ndarray]:
    """Each box as a 4×2 array of corners on the page image."""
    return [np.array(placement.to_image.polygon(box)) for box in boxes]
