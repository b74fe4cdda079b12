"""Turn a page image into what tesseract reads best: the only module that imports OpenCV.

Each step is a plain function, numpy in and numpy out, that also says what it did (a short
step name such as ``deskew:-1.8``, or None when it left the page alone), so a record can
list exactly which preparation produced its words. The steps are cheap by design: a page's
preparation must cost a small fraction of its OCR (see ``models/ocr.json`` for the numbers
and ``benchmarks/_ocr_probe.py`` for the measurements behind them).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

from verify.reading.geometry import Homography

A4_ASPECT = 11.69 / 8.27
A4_WIDTH_IN = 8.27


def to_grey(pixels: np.ndarray) -> np.ndarray:
    """Return an 8-bit single-channel copy (tesseract LSTM reads greyscale as well as colour)."""
    if pixels.ndim == 2:
        return pixels if pixels.dtype == np.uint8 else pixels.astype(np.uint8)
    if pixels.shape[2] == 4:
        return cv2.cvtColor(pixels, cv2.COLOR_RGBA2GRAY)
    return cv2.cvtColor(pixels, cv2.COLOR_RGB2GRAY)


def image_sha256(pixels: np.ndarray) -> str:
    """Hash of an image's pixels and shape: the identity of what was OCRed."""
    digest = hashlib.sha256()
    digest.update(repr((pixels.shape, str(pixels.dtype))).encode())
    digest.update(np.ascontiguousarray(pixels).tobytes())
    return digest.hexdigest()


def thumbnail(pixels: np.ndarray, max_side: int = 512) -> np.ndarray:
    """A small copy for perceptual hashing.

    PDQ on a full 300-dpi page costs far more than on this copy, and it reduces every
    image to 64x64 anyway.
    """
    return _shrink(pixels, max_side)[0]


def _shrink(pixels: np.ndarray, max_side: int) -> tuple[np.ndarray, float]:
    """Downscale so the longer side is at most ``max_side``; return the image and its scale."""
    scale = min(1.0, max_side / max(pixels.shape[:2]))
    if scale >= 1.0:
        return pixels, 1.0
    size = (max(1, round(pixels.shape[1] * scale)), max(1, round(pixels.shape[0] * scale)))
    return cv2.resize(pixels, size, interpolation=cv2.INTER_AREA), scale


def ink_mask(grey: np.ndarray) -> np.ndarray:
    """Dark-on-light foreground (255 = ink) by Otsu's threshold."""
    _, mask = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    return mask


def is_blank(grey: np.ndarray, params: dict[str, Any]) -> bool:
    """True when the page carries (almost) no ink: nothing for OCR to read."""
    small, _ = _shrink(grey, 1000)
    if float(small.std()) < params["blank_max_std"]:
        return True
    mask = ink_mask(cv2.GaussianBlur(small, (3, 3), 0))
    return float(np.count_nonzero(mask)) / mask.size < float(params["blank_max_ink_fraction"])


# --- 1. the sheet in a photo -------------------------------------------------------------


def _order_corners(points: np.ndarray) -> np.ndarray:
    """Order four points as top-left, top-right, bottom-right, bottom-left."""
    points = points.reshape(4, 2).astype(np.float32)
    total = points.sum(axis=1)
    diff = np.diff(points, axis=1).ravel()
    return np.array(
        [
            points[np.argmin(total)],
            points[np.argmin(diff)],
            points[np.argmax(total)],
            points[np.argmax(diff)],
        ],
        dtype=np.float32,
    )


def _paperness(pixels: np.ndarray) -> np.ndarray:
    """How paper-like each pixel is: bright and unsaturated (a desk is darker or coloured).

    Brightness alone loses a sheet's shaded side to the desk; subtracting saturation
    keeps it, since paper stays grey in shadow while wood, cloth and skin stay coloured.
    """
    if pixels.ndim == 3:
        hsv = cv2.cvtColor(pixels[:, :, :3], cv2.COLOR_RGB2HSV)
        value, saturation = hsv[:, :, 2].astype(np.int16), hsv[:, :, 1].astype(np.int16)
        grey: np.ndarray = np.clip(value - saturation, 0, 255).astype(np.uint8)
        return grey
    return pixels


def _find_quadrilateral(small: np.ndarray, params: dict[str, Any]) -> np.ndarray | None:
    """The paper's four corners in a small copy of the photo, or None if unconvincing.

    Convincing means: the biggest bright blob is a convex quadrilateral that fills it,
    covers a plausible share of the picture, and stands out from what surrounds it (a
    shadow across a scan splits it into two bright regions of nearly the same paper).
    """
    paper = cv2.GaussianBlur(_paperness(small), (5, 5), 0)
    _, bright = cv2.threshold(paper, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (9, 9))
    bright = cv2.morphologyEx(bright, cv2.MORPH_CLOSE, kernel)  # text must not split the sheet
    contours, _ = cv2.findContours(bright, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return None
    area_total = small.shape[0] * small.shape[1]
    contour = max(contours, key=cv2.contourArea)
    area = cv2.contourArea(contour)
    if not params["sheet_min_area"] * area_total <= area <= params["sheet_max_area"] * area_total:
        return None
    hull = cv2.convexHull(contour)
    perimeter = cv2.arcLength(hull, True)
    quad = None
    for epsilon in (0.01, 0.02, 0.03, 0.05):
        approx = cv2.approxPolyDP(hull, epsilon * perimeter, True)
        if len(approx) == 4:
            quad = approx
            break
    if quad is None or not cv2.isContourConvex(quad):
        return None
    if cv2.contourArea(quad) < params["sheet_min_fill"] * area:
        return None
    inside = np.zeros(paper.shape, np.uint8)
    cv2.fillConvexPoly(inside, quad.reshape(4, 2).astype(np.int32), 255)
    contrast = float(np.median(paper[inside > 0])) - float(np.median(paper[inside == 0]))
    if contrast < params["sheet_min_contrast"]:
        return None
    return _order_corners(quad)


def sheet_corners(pixels: np.ndarray, params: dict[str, Any]) -> np.ndarray | None:
    """Corners (tl, tr, br, bl) of a sheet photographed on a desk, in ``pixels`` coordinates.

    None unless a convincing quadrilateral is found that is not already (nearly) the
    whole image: a scan must never be cropped.
    """
    small, scale = _shrink(pixels, params["sheet_search_side"])
    corners = _find_quadrilateral(small, params)
    return None if corners is None else corners / scale


def sheet_transform(corners: np.ndarray) -> tuple[np.ndarray, tuple[int, int]]:
    """Homography taking the sheet's corners to an upright A4-shaped rectangle, and its size."""
    top = np.linalg.norm(corners[1] - corners[0])
    bottom = np.linalg.norm(corners[2] - corners[3])
    left = np.linalg.norm(corners[3] - corners[0])
    right = np.linalg.norm(corners[2] - corners[1])
    width, height = max(top, bottom), max(left, right)
    if height >= width:
        height = width * A4_ASPECT
    else:
        width = height * A4_ASPECT
    w, h = round(width), round(height)
    target = np.array([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]], dtype=np.float32)
    return cv2.getPerspectiveTransform(corners.astype(np.float32), target), (w, h)


def find_sheet(pixels: np.ndarray, params: dict[str, Any]) -> tuple[np.ndarray, str | None]:
    """Find the sheet of paper in a photo and warp it flat to an A4-shaped rectangle.

    Returns the page unchanged (and None) when no convincing sheet is found.
    """
    corners = sheet_corners(pixels, params)
    if corners is None:
        return pixels, None
    matrix, size = sheet_transform(corners)
    warped = cv2.warpPerspective(
        pixels, matrix, size, flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE
    )
    return warped, "perspective"


# --- 2-3. orientation (quarter turns) and skew -------------------------------------------


def _rotate_small(mask: np.ndarray, angle: float) -> np.ndarray:
    h, w = mask.shape
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(mask, matrix, (w, h), flags=cv2.INTER_NEAREST, borderValue=0)


def _line_score(mask: np.ndarray) -> float:
    """How strongly ink falls into horizontal lines: roughness of the row profile.

    Horizontal text alternates ink rows and gap rows, so neighbouring row sums differ a
    lot; the same text turned 90° (or skewed) gives a smooth profile.
    """
    profile = mask.sum(axis=1, dtype=np.float64)
    return float(np.square(np.diff(profile)).sum())


def _best_angle(mask: np.ndarray, angles: np.ndarray) -> tuple[float, float]:
    scores = [_line_score(_rotate_small(mask, float(a))) for a in angles]
    best = int(np.argmax(scores))
    return float(angles[best]), scores[best]


def _letters_only(mask: np.ndarray, params: dict[str, Any]) -> np.ndarray:
    """The ink mask without marks far larger than a letter: sheet edges, rules, frames.

    A shadowed sheet edge running the height of a photo is one long stroke; turned a quarter
    it becomes the roughest row of all and outvotes every line of text.
    """
    _, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    limit = params["orientation_max_mark"] * min(mask.shape)
    large = np.flatnonzero(
        (stats[:, cv2.CC_STAT_WIDTH] > limit) | (stats[:, cv2.CC_STAT_HEIGHT] > limit)
    )
    large = large[large > 0]
    if large.size == 0:
        return mask
    return np.where(np.isin(labels, large), 0, mask).astype(np.uint8)


def orientation_and_skew(grey: np.ndarray, params: dict[str, Any]) -> tuple[int, float]:
    """Estimate quarter-turn orientation (0 or 90) and skew angle of the text lines.

    Returns (quarter, angle): rotate the page counter-clockwise by ``quarter`` degrees,
    then by ``angle`` degrees, to make its lines horizontal. Telling 0° from 180° needs
    reading; ``verify.reading.ocr`` does that with a cheap probe of a few lines.
    """
    small, _ = _shrink(grey, params["skew_search_side"])
    mask = _letters_only(ink_mask(small), params)
    limit = params["max_skew_degrees"]
    coarse = np.arange(-limit, limit + 0.01, params["skew_coarse_step"])
    angle0, score0 = _best_angle(mask, coarse)
    angle90, score90 = _best_angle(np.ascontiguousarray(np.rot90(mask)), coarse)
    quarter, angle = 0, angle0
    if score90 > score0 * params["quarter_turn_ratio"]:
        quarter, angle = 90, angle90
    fine_small, _ = _shrink(grey, params["skew_fine_side"])
    fine_mask = _letters_only(ink_mask(fine_small), params)
    if quarter:
        fine_mask = np.ascontiguousarray(np.rot90(fine_mask))
    step = params["skew_fine_step"]
    span = params["skew_coarse_step"]
    fine = np.arange(angle - span, angle + span + step / 2, step)
    scores = [_line_score(_rotate_small(fine_mask, float(a))) for a in fine]
    best = int(np.argmax(scores))
    angle = float(fine[best])
    if 0 < best < len(fine) - 1:
        # A parabola through the peak and its neighbours places it between the steps.
        left, mid, right = scores[best - 1], scores[best], scores[best + 1]
        denominator = left - 2 * mid + right
        if denominator < 0:
            angle += step * 0.5 * (left - right) / denominator
    return quarter, round(angle, 2)


def rotate_quarter(pixels: np.ndarray, degrees: int) -> np.ndarray:
    """Rotate counter-clockwise by a multiple of 90 degrees (lossless)."""
    turns = (degrees // 90) % 4
    return np.ascontiguousarray(np.rot90(pixels, turns)) if turns else pixels


def deskew(grey: np.ndarray, angle: float) -> np.ndarray:
    """Rotate by a small angle (degrees, counter-clockwise), filling corners with paper."""
    h, w = grey.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(
        grey, matrix, (w, h), flags=cv2.INTER_CUBIC, borderValue=(_paper_level(grey),)
    )


# --- 3b. keystone: text lines that converge ------------------------------------------------


@dataclass(frozen=True)
class TextLine:
    """A straight fit of one text line on a small upright page: y = slope * x + offset.

    Coordinates are centred on the page (x right, y down), so that ``offset`` is where the
    line crosses the page's vertical midline.
    """

    slope: float
    offset: float
    length: float


def text_line_fits(mask: np.ndarray, text_px: float, params: dict[str, Any]) -> list[TextLine]:
    """Fit a straight line to every long run of text on an ink mask of an upright page.

    Letters are smeared sideways into one blob per line; each long, thin blob gives the
    least-squares line through its column centres. Headings and stray marks are too short
    to count, so the fits follow the body text.
    """
    h, w = mask.shape
    reach = max(3, round(text_px * params["keystone_smear_letters"]))
    smeared = cv2.morphologyEx(
        mask, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (reach, 1))
    )
    count, labels, stats, _ = cv2.connectedComponentsWithStats(smeared, connectivity=8)
    lines = []
    for label in range(1, count):
        x, y, bw, bh, _ = (int(v) for v in stats[label])
        if (
            bw < params["keystone_min_line_width"] * w
            or bh > params["keystone_max_line_letters"] * text_px
        ):
            continue
        rows, cols = np.nonzero(labels[y : y + bh, x : x + bw] == label)
        if cols.size < bw:
            continue
        sums = np.bincount(cols, weights=rows.astype(np.float64), minlength=bw)
        counts = np.bincount(cols, minlength=bw)
        filled = counts > 0
        xs = np.flatnonzero(filled) + x - w / 2
        ys = sums[filled] / counts[filled] + y - h / 2
        slope, offset = np.polyfit(xs, ys, 1)
        lines.append(TextLine(float(slope), float(offset), float(bw)))
    return lines


def keystone_matrix(
    lines: list[TextLine], size: tuple[int, int], params: dict[str, Any]
) -> np.ndarray | None:
    """The homography that makes converging text lines parallel and level, or None.

    A sheet photographed at an angle shows its lines meeting at a vanishing point beside
    the page: their slopes then change steadily from top to bottom (slope = a + b * offset,
    with the point at x = -1/b). One global rotation cannot level them all, and tesseract
    breaks lines tilted by a few degrees into fragments. Sending that point to infinity
    and levelling the now parallel lines fixes every line at once. None when the lines are
    parallel already, too few, or do not agree on a point.
    """
    if len(lines) < params["keystone_min_lines"]:
        return None
    w, h = size
    slopes = np.array([line.slope for line in lines])
    offsets = np.array([line.offset for line in lines])
    weights = np.array([line.length for line in lines])
    if float(np.ptp(offsets)) < params["keystone_min_spread"] * h:
        return None
    b, a = np.polyfit(offsets, slopes, 1, w=np.sqrt(weights))
    residual = slopes - (a + b * offsets)
    if float(np.sqrt(np.average(residual**2, weights=weights))) > params["keystone_max_residual"]:
        return None
    # How far the lines' directions turn between the page's top and bottom, in degrees.
    turn = float(np.degrees(abs(b) * h))
    if turn < params["keystone_min_turn_degrees"] or turn > params["keystone_max_turn_degrees"]:
        return None
    vanish_x = -1.0 / b
    projective = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [-1.0 / vanish_x, 0.0, 1.0]])
    level = cv2.getRotationMatrix2D((0.0, 0.0), float(np.degrees(np.arctan(a))), 1.0)
    centre = np.array([[1.0, 0.0, -w / 2], [0.0, 1.0, -h / 2], [0.0, 0.0, 1.0]])
    back = np.array([[1.0, 0.0, w / 2], [0.0, 1.0, h / 2], [0.0, 0.0, 1.0]])
    matrix: np.ndarray = back @ np.vstack([level, [0.0, 0.0, 1.0]]) @ projective @ centre
    return matrix


def fit_within(
    matrix: np.ndarray, size: tuple[int, int], max_growth: float
) -> tuple[np.ndarray, tuple[int, int]]:
    """Shift (and, past ``max_growth``, shrink) a warp so that the whole page stays in view."""
    w, h = size
    corners = np.array([[0, 0, 1], [w, 0, 1], [w, h, 1], [0, h, 1]], dtype=np.float64).T
    moved = matrix @ corners
    xs, ys = moved[0] / moved[2], moved[1] / moved[2]
    out_w, out_h = float(xs.max() - xs.min()), float(ys.max() - ys.min())
    shrink = min(1.0, max_growth * w / out_w, max_growth * h / out_h)
    fit = np.array(
        [[shrink, 0.0, -xs.min() * shrink], [0.0, shrink, -ys.min() * shrink], [0.0, 0.0, 1.0]]
    )
    return fit @ matrix, (round(out_w * shrink), round(out_h * shrink))


# --- 4. resolution -----------------------------------------------------------------------


def text_height(grey: np.ndarray, params: dict[str, Any]) -> float | None:
    """Median height in pixels of letter-sized ink blobs, or None with too few letters.

    The median over a page's characters sits near the x-height; it tells the effective
    resolution of a photo whose dpi tag (often 72) means nothing.
    """
    mask = ink_mask(grey)
    count, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if count < 2:
        return None
    widths = stats[1:, cv2.CC_STAT_WIDTH]
    heights = stats[1:, cv2.CC_STAT_HEIGHT]
    areas = stats[1:, cv2.CC_STAT_AREA]
    limit = grey.shape[0] / 10
    letter = (heights >= 2) & (heights <= limit) & (widths <= 3 * heights) & (areas >= 6)
    if int(letter.sum()) < params["min_letters_for_height"]:
        return None
    return float(np.median(heights[letter]))


def upscale_factor(height: float | None, params: dict[str, Any]) -> float:
    """How much to enlarge a page whose letters are too small for tesseract (1.0 = leave)."""
    if height is None or height <= 0:
        return 1.0
    factor = params["target_text_height"] / height
    if factor < params["min_upscale"]:
        return 1.0
    # Rounded so the recorded step ("upscale:2.5x") is exactly what was applied.
    return round(float(min(factor, params["max_upscale"])), 1)


def resize(grey: np.ndarray, factor: float) -> np.ndarray:
    """Scale by ``factor`` with bicubic interpolation (smooth edges read better than blocks)."""
    size = (round(grey.shape[1] * factor), round(grey.shape[0] * factor))
    return cv2.resize(grey, size, interpolation=cv2.INTER_CUBIC)


# --- 5-7. denoise, illumination, binarisation --------------------------------------------


def noise_level(grey: np.ndarray) -> float:
    """Robust estimate of pixel noise (median absolute Laplacian), in grey levels.

    Measured on a central crop at full resolution: noise is a property of pixels, and
    a crop costs nothing next to a resize of the whole page.
    """
    h, w = grey.shape[:2]
    crop = grey[max(0, h // 2 - 256) : h // 2 + 256, max(0, w // 2 - 256) : w // 2 + 256]
    lap = cv2.Laplacian(crop, cv2.CV_16S, ksize=1)
    return float(np.median(np.abs(lap)))


def denoise(grey: np.ndarray) -> np.ndarray:
    """Remove sensor and JPEG speckle while keeping stroke edges (3×3 median)."""
    return cv2.medianBlur(grey, 3)


def background(grey: np.ndarray, text_px: float) -> np.ndarray:
    """Estimate the paper's brightness everywhere by closing away the (dark, thin) text."""
    small, scale = _shrink(grey, 600)
    size = max(3, int(text_px * scale * 3) | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (size, size))
    closed = cv2.morphologyEx(small, cv2.MORPH_CLOSE, kernel)
    closed = cv2.medianBlur(closed, 5)
    return cv2.resize(closed, (grey.shape[1], grey.shape[0]), interpolation=cv2.INTER_LINEAR)


def illumination_unevenness(grey: np.ndarray, text_px: float) -> float:
    """Spread of the paper's brightness (90th minus 10th percentile of the background)."""
    bg = background(grey, text_px)[::8, ::8]
    return float(np.percentile(bg, 90) - np.percentile(bg, 10))


def even_illumination(grey: np.ndarray, text_px: float) -> np.ndarray:
    """Divide by the background so shadows and vignetting become white paper."""
    bg = background(grey, text_px).astype(np.float32)
    flat = grey.astype(np.float32) / np.maximum(bg, 1.0) * 255.0
    return np.clip(flat, 0, 255).astype(np.uint8)


def binarise(grey: np.ndarray, method: str, text_px: float = 20.0) -> np.ndarray:
    """Hard black/white by Otsu (global) or Sauvola (local, for uneven pages)."""
    if method == "otsu":
        _, out = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
        return out
    if method != "sauvola":
        raise ValueError(f"unknown binarisation {method!r}")
    window = max(15, int(text_px * 2) | 1)
    image = grey.astype(np.float32)
    mean = cv2.boxFilter(image, cv2.CV_32F, (window, window))
    sq_mean = cv2.sqrBoxFilter(image, cv2.CV_32F, (window, window))
    variance = cv2.subtract(sq_mean, cv2.multiply(mean, mean))
    np.maximum(variance, 0, out=variance)
    # threshold = mean * (1 + k * (std / R - 1)) with k = 0.2, R = 128, computed in place:
    # an upscaled photo is ~8 megapixels, and each temporary array costs a pass over it.
    factor = np.asarray(cv2.sqrt(variance), dtype=np.float32)
    factor *= np.float32(0.2 / 128.0)
    factor += np.float32(0.8)
    return cv2.compare(image, cv2.multiply(mean, factor), cv2.CMP_GT)


# --- framed boxes (incoming stamps) ------------------------------------------------------


def framed_boxes(grey: np.ndarray, params: dict[str, Any]) -> list[tuple[int, int, int, int]]:
    """Interiors (x0, y0, x1, y1) of ruled rectangles the size of a stamp, innermost first.

    A registry's incoming stamp is printed or stamped inside a ruled frame, and tesseract's
    page segmentation often takes the frame for a picture and reads nothing inside it (a
    lost stamp made two copies of one sheet look like two recipients' copies). Only
    rectangles whose area is within ``frame_min_area``..``frame_max_area`` of the page and
    whose outline is close to a rectangle are kept; of nested frames (a double rule) the
    inner one. The interior excludes a margin of ``frame_margin`` times the frame's height,
    so the rule itself is not read as letters. More than ``frame_max_count`` frames on a
    page are a table's cells, not stamps: none is returned.
    """
    small, scale = _shrink(grey, params["frame_search_side"])  # rules survive shrinking
    height, width = small.shape[:2]
    page_area = float(height * width)
    _, ink = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    # Keep only long straight strokes (the rules), so letters touching a blurred rule do
    # not bend its outline: opening with a line kernel erases everything shorter.
    across = max(8, round(params["frame_rule_length"] * width))
    down = max(8, round(params["frame_rule_length"] * height / 2))
    rules = cv2.bitwise_or(
        cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((1, across), np.uint8)),
        cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((down, 1), np.uint8)),
    )
    rules = cv2.dilate(rules, np.ones((3, 3), np.uint8))
    contours, _ = cv2.findContours(rules, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    boxes: list[tuple[int, int, int, int]] = []
    for contour in contours:
        x, y, w, h = cv2.boundingRect(contour)
        area = w * h
        if not params["frame_min_area"] * page_area <= area <= params["frame_max_area"] * page_area:
            continue
        if not 1.0 <= w / h <= params["frame_max_aspect"]:
            continue
        outline = cv2.approxPolyDP(contour, 0.02 * cv2.arcLength(contour, True), True)
        if len(outline) != 4 or cv2.contourArea(outline) < params["frame_min_fill"] * area:
            continue
        boxes.append(
            (round(x / scale), round(y / scale), round((x + w) / scale), round((y + h) / scale))
        )
    inner = [
        box for box in boxes if not any(other != box and _inside(other, box) for other in boxes)
    ]
    interiors = set()
    for x0, y0, x1, y1 in inner:
        margin = max(2, round(params["frame_margin"] * (y1 - y0)))
        interiors.add((x0 + margin, y0 + margin, x1 - margin, y1 - margin))
    found = sorted(box for box in interiors if box[2] > box[0] and box[3] > box[1])
    # A page has a stamp or two; many frames are the cells of a table (a form to fill in),
    # and reading each empty cell alone would cost a tesseract run apiece.
    return found if len(found) <= params["frame_max_count"] else []


def _inside(small: tuple[int, int, int, int], big: tuple[int, int, int, int]) -> bool:
    return big[0] <= small[0] and big[1] <= small[1] and small[2] <= big[2] and small[3] <= big[3]


# --- helpers for the language/orientation probe ------------------------------------------


def text_lines(
    grey: np.ndarray, min_height: int = 3, mask: np.ndarray | None = None
) -> list[tuple[int, int]]:
    """Row bands (y0, y1) that hold a line of text, top to bottom."""
    mask = ink_mask(grey) if mask is None else mask
    profile = mask.sum(axis=1, dtype=np.float64) / 255.0
    threshold = max(2.0, 0.02 * mask.shape[1])
    rows = np.concatenate([[False], profile > threshold, [False]]).astype(np.int8)
    edges = np.diff(rows)
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    return [(int(a), int(b)) for a, b in zip(starts, ends, strict=True) if b - a >= min_height]


def _without_tall_marks(mask: np.ndarray, params: dict[str, Any]) -> np.ndarray:
    """The ink mask without marks that run down a good part of the page.

    No letter is that high (``tall_mark_divisor``: a run of the page's height divided by
    it, at least ``tall_mark_min_px``), but rules, table borders, a sheet's edge and the
    shadow beside it are: they put ink on every row, and the rows of a ruled sheet then
    made one band as high as the page, so that the "strip" the probe reads was the whole
    page, twice over with its margins.
    """
    run = max(params["tall_mark_min_px"], mask.shape[0] // params["tall_mark_divisor"])
    tall = cv2.morphologyEx(
        mask, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, run))
    )
    return cv2.subtract(mask, tall)


def probe_crop(grey: np.ndarray, lines: int, params: dict[str, Any]) -> np.ndarray | None:
    """The ``lines`` fullest text lines of the page stacked into one small image, or None.

    Lines of typical height are preferred to headings, stamps and folds, and the fullest
    of them carry the most letters per tesseract call — the probe must be cheap and still
    show enough letters to tell languages apart. Each line keeps its own paper margin.
    """
    mask = _without_tall_marks(ink_mask(grey), params)
    bands = text_lines(grey, mask=mask)
    if not bands:
        return None
    heights = np.array([b - a for a, b in bands])
    typical = float(np.median(heights))
    candidates = []
    for y0, y1 in bands:
        if not 0.6 * typical <= y1 - y0 <= 1.8 * typical:
            continue
        cols = np.flatnonzero(mask[y0:y1].any(axis=0))
        if cols.size:
            candidates.append((int(np.count_nonzero(mask[y0:y1])), y0, y1, cols[0], cols[-1]))
    if not candidates:
        return None
    chosen = sorted(sorted(candidates, reverse=True)[:lines], key=lambda c: c[1])
    pad = max(4, int(typical * 0.6))
    x0 = max(0, min(c[3] for c in chosen) - pad)
    x1 = min(grey.shape[1], max(c[4] for c in chosen) + pad)
    paper = _paper_level(grey)
    strips = []
    for _, y0, y1, _, _ in chosen:
        strip = grey[max(0, y0 - pad // 2) : min(grey.shape[0], y1 + pad // 2), x0:x1]
        strips.append(strip)
        strips.append(np.full((pad, x1 - x0), paper, np.uint8))
    top = np.full((pad, x1 - x0), paper, np.uint8)
    return np.ascontiguousarray(np.vstack([top, *strips]))


@dataclass(frozen=True)
class Prepared:
    """A prepared page: greyscale pixels, the steps that made them, and their resolution."""

    pixels: np.ndarray
    steps: tuple[str, ...]
    dpi: float | None
    text_height: float | None
    blank: bool = False
    to_page: Homography = field(default_factory=Homography.identity)
    """Where each point of the input image lands on ``pixels`` (edge coordinates)."""


def _paper_level(grey: np.ndarray) -> int:
    """Brightness of the paper (90th percentile of a sample): the fill for new corners."""
    h, w = grey.shape[:2]
    return int(np.percentile(grey[:: max(1, h // 200), :: max(1, w // 200)], 90))


def page_transform(
    sheet: np.ndarray | None, size: tuple[int, int], quarter: int, angle: float, factor: float
) -> tuple[np.ndarray, tuple[int, int]]:
    """Compose sheet flattening, rotation and enlargement into one 3×3 matrix.

    One resampling of the original pixels instead of three keeps a low-resolution
    photo sharp: each interpolation blurs, and blurred small letters are what tesseract
    misreads. ``size`` is (width, height) after the sheet step.
    """
    w, h = size
    out_w, out_h = (h, w) if quarter % 180 else (w, h)
    out_size = (round(out_w * factor), round(out_h * factor))
    rotation = cv2.getRotationMatrix2D((w / 2, h / 2), quarter + angle, factor)
    rotation[0, 2] += out_size[0] / 2 - w / 2
    rotation[1, 2] += out_size[1] / 2 - h / 2
    matrix = np.vstack([rotation, [0.0, 0.0, 1.0]])
    if sheet is not None:
        matrix = matrix @ sheet
    return matrix, out_size


def prepare(
    pixels: np.ndarray, dpi: float | None, params: dict[str, Any], applied: tuple[str, ...] = ()
) -> Prepared:
    """Run the preparation chain: sheet, orientation, skew, size, noise, illumination.

    Everything is *measured* on a small working copy, then the geometry (sheet warp,
    quarter turn, deskew, enlargement) is applied to the original in a single resampling.
    Telling 0° from 180° needs reading, and binarisation is tried only on demand: both
    are left to ``verify.reading.ocr``.
    """
    steps = list(applied)
    grey = to_grey(pixels)
    # One small copy serves every measurement: resizing a whole 300-dpi page is the
    # costliest thing preparation does, so it is done once.
    small, scale = _shrink(pixels, params["measure_side"])
    corners = sheet_corners(small, params)
    sheet: np.ndarray | None = None
    size = (grey.shape[1], grey.shape[0])
    work = to_grey(small)
    if corners is not None:
        sheet, size = sheet_transform(corners / scale)
        steps += ["sheet_found", "perspective"]
        dpi = size[0] / A4_WIDTH_IN if size[1] >= size[0] else size[1] / A4_WIDTH_IN
        scale = min(1.0, params["measure_side"] / max(size))
        work_size = (max(1, round(size[0] * scale)), max(1, round(size[1] * scale)))
        shrink = np.diag([scale, scale, 1.0]) @ sheet
        work = cv2.warpPerspective(grey, shrink, work_size, flags=cv2.INTER_LINEAR)
    if is_blank(work, params):
        to_page = Homography.identity()
        if sheet is not None:
            grey = cv2.warpPerspective(grey, sheet, size, flags=cv2.INTER_CUBIC)
            to_page = Homography.from_centres(sheet)
        return Prepared(grey, tuple(steps), dpi, None, blank=True, to_page=to_page)
    # Shadows and vignetting fool every ink threshold below: measure on evened paper.
    uneven = illumination_unevenness(work, 10.0) >= params["illumination_min_spread"]
    if uneven:
        work = even_illumination(work, 10.0)
    quarter, angle = orientation_and_skew(work, params)
    if abs(angle) < params["min_skew_degrees"]:
        angle = 0.0
    upright = rotate_quarter(work, quarter)
    if angle:
        upright = deskew(upright, angle)
    small_height = text_height(upright, params)
    height = small_height / scale if small_height else None
    factor = upscale_factor(height, params)
    keystone = None
    if small_height:
        lines = text_line_fits(ink_mask(upright), small_height, params)
        keystone = keystone_matrix(lines, (upright.shape[1], upright.shape[0]), params)
    if quarter:
        steps.append(f"orientation:{quarter}")
    if angle:
        steps.append(f"deskew:{angle:.1f}")
    if keystone is not None:
        steps.append("keystone")
    if factor > 1.0:
        steps.append(f"upscale:{factor:.1f}x")
        dpi = dpi * factor if dpi else None
        height = height * factor if height else None
    if sheet is None and not angle and factor == 1.0 and keystone is None:
        to_page = Homography.quarter_turn(quarter, grey.shape[1], grey.shape[0])
        grey = rotate_quarter(grey, quarter)  # lossless, or nothing at all
    else:
        matrix, out_size = page_transform(sheet, size, quarter, angle, factor)
        if keystone is not None:
            # Estimated on the small upright copy: carried to full size, then applied.
            to_full = np.diag([factor / scale, factor / scale, 1.0])
            matrix = to_full @ keystone @ np.linalg.inv(to_full) @ matrix
            matrix, out_size = fit_within(matrix, out_size, params["keystone_max_growth"])
        grey = cv2.warpPerspective(
            grey, matrix, out_size, flags=cv2.INTER_CUBIC, borderValue=(_paper_level(work),)
        )
        to_page = Homography.from_centres(matrix)
    text_px = height or params["target_text_height"]
    if noise_level(grey) >= params["denoise_min_noise"]:
        grey = denoise(grey)
        steps.append("denoise")
    if uneven:
        grey = even_illumination(grey, text_px)
        steps.append("illumination")
        # Measured on the phone photos of fixtures/: after evening out, Sauvola's local
        # threshold reads them far better than grey (CER 7% against 13%), while on
        # clean scans grey is as good or better, so only uneven pages are binarised.
        if params["binarise_uneven"]:
            grey = binarise(grey, params["binarise_uneven"], text_px)
            steps.append(f"binarise:{params['binarise_uneven']}")
    return Prepared(grey, tuple(steps), dpi, height, to_page=to_page)
