"""Identifying marks: what on the page points at the copy's recipient or its printer.

An incoming registration stamp ("Вх. № 412 от 28.02.2022") names the organisation that
received this copy; an executor's name and phone, a handwritten resolution, and the
yellow tracking-dot grid a colour laser printer adds to every page (serial number, date
and time of printing) all narrow down who held the paper. Stamps and executors come from
the record; handwriting and dots are found in the pixels.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from verify.forensics._pages import ForensicPage
from verify.forensics.findings import Finding, FindingEvidence
from verify.forensics.metadata import params
from verify.page import Word
from verify.reading.geometry import bounds
from verify.reading.tesseract import ocr_words
from verify.record import Record
from verify.text.morphology import is_known_word

A4_WIDTH_IN = 8.27
"""Assumed page width when an image has no dpi (phone photos): letters are A4."""


# --------------------------------------------------------------------------- from the record


def record_findings(record: Record) -> list[Finding]:
    """Incoming stamps and the executor named in the record: both identify the copy."""
    findings = []
    unit = {page.number: page.unit for page in record.pages}
    for stamp in record.stamps:
        findings.append(
            Finding(
                type="incoming_stamp",
                severity="high",
                identifies=True,
                message=f"incoming registration stamp № {stamp.value}"
                + (f" of {stamp.date}" if stamp.date else "")
                + ": it names the organisation that received this copy",
                evidence=[
                    FindingEvidence(
                        page=stamp.page, bbox=stamp.bbox, unit=unit.get(stamp.page), raw=stamp.raw
                    )
                ],
                data={"number": stamp.value, "date": stamp.date, "kind": stamp.kind},
            )
        )
    executor = record.executor
    if executor is not None and (executor.name or executor.phone):
        parts = [f for f in (executor.name, executor.phone) if f is not None]
        findings.append(
            Finding(
                type="executor_named",
                severity="medium",
                identifies=True,
                message="the executor is named: "
                + ", ".join(p.value for p in parts)
                + " (a person on the sender's side; a phone number is traceable)",
                evidence=[
                    FindingEvidence(page=p.page, bbox=p.bbox, unit=unit.get(p.page), raw=p.raw)
                    for p in parts
                ],
                data={
                    "name": executor.name.value if executor.name else None,
                    "phone": executor.phone.value if executor.phone else None,
                },
            )
        )
    return findings


# --------------------------------------------------------------------------- handwriting


def _dpi(grey: np.ndarray, dpi: float | None) -> float:
    return dpi or grey.shape[1] / A4_WIDTH_IN


def _print_words(words: list[Word], min_confidence: float) -> list[Word]:
    """Words read as print: confident ones, and doubtful ones of a confident line.

    A doubtful word on a line with a confident word of about its height is a smudged
    print word, not a scribble beside the text.
    """
    sure = [w for w in words if w.confidence >= min_confidence]
    heights: dict[int, list[float]] = {}
    for w in sure:
        heights.setdefault(w.line, []).append(w.bbox[3] - w.bbox[1])
    out = list(sure)
    typical = float(np.median([w.bbox[3] - w.bbox[1] for w in sure])) if sure else None
    for w in words:
        if w.confidence >= min_confidence:
            continue
        height = w.bbox[3] - w.bbox[1]
        if w.line in heights and any(0.7 * h <= height <= 1.4 * h for h in heights[w.line]):
            out.append(w)
        elif typical and 0.7 * typical <= height <= 1.4 * typical and _wordlike(w.text):
            out.append(w)
    return out


def _wordlike(text: str) -> bool:
    """Four letters or digits or more, hardly any other sign: print read poorly, not a scrawl.

    OCR of a degraded photo (a black-and-white copy at 200 dpi) reads whole lines of print
    with confidence near 0 but still as words of letters; pen strokes come out as short
    runs of signs.
    """
    alnum = sum(c.isalnum() for c in text)
    return alnum >= 4 and alnum >= 0.8 * len(text)


def handwriting_regions(view: ForensicPage) -> list[tuple[float, float, float, float]]:
    """Boxes of ink that no word read as print explains, in the record's coordinates.

    A text-layer page is examined as rendered, against its layer's words (boxes in the
    render's pixels, see ``_evidence``). An image page is examined as extraction read it,
    straightened and enlarged, against the words OCR read there (boxes in the prepared
    page's pixels, as every OCR box of a record): OCR of a raw photo misses lines of print
    that would count as handwriting.
    """
    if view.layer_words is not None:
        return ink_regions(view.grey(), list(view.layer_words), view.dpi)
    read = view.read()
    return ink_regions(read.pixels, list(read.words), read.dpi)


def ink_regions(
    grey: np.ndarray, words: list[Word], page_dpi: float | None
) -> list[tuple[float, float, float, float]]:
    """Boxes (in ``grey``'s pixels) of ink that none of ``words`` read as print explains."""
    settings = params()["handwriting"]
    dpi = _dpi(grey, page_dpi)
    factor = min(1.0, settings["dpi"] / dpi)
    small = cv2.resize(grey, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    work_dpi = dpi * factor
    ink = (small < settings["ink_threshold"]).astype(np.uint8)
    length = max(3, int(settings["line_kernel_in"] * work_dpi))
    rules: np.ndarray = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((1, length), np.uint8))
    rules |= cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((length, 1), np.uint8))
    solid = max(3, int(settings["solid_in"] * work_dpi))
    rules |= cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((solid, solid), np.uint8))
    ink &= 1 - cv2.dilate(rules, np.ones((3, 3), np.uint8))
    printed = np.zeros_like(ink)
    pad = 2
    for word in _print_words(words, settings["min_word_confidence"]):
        x0, y0, x1, y1 = (int(round(v * factor)) for v in word.bbox)
        printed[max(0, y0 - pad) : y1 + pad, max(0, x0 - pad) : x1 + pad] = 1
    loose = ink & (1 - printed)
    join = max(1, int(settings["join_in"] * work_dpi))
    grown = cv2.dilate(loose, np.ones((join, join), np.uint8))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(grown, connectivity=8)
    min_area = settings["min_region_area_in2"] * work_dpi * work_dpi
    min_span = settings["min_stroke_span_in"] * work_dpi
    border = settings["border_in"] * work_dpi
    line = _line_height(words, settings["min_word_confidence"])
    max_line = settings["print_line_max_heights"] * line * factor + join if line else 0.0
    regions = []
    for i in range(1, count):
        x, y, w, h, _area = stats[i]
        if w * h < min_area:
            continue
        if min(w, h) < min_span:
            continue  # one thin curve: a sheet's edge or a rule bent by the camera
        if min(x, y) <= border or x + w >= ink.shape[1] - border or y + h >= ink.shape[0] - border:
            continue  # touches the image's edge: the table or shadow around a photographed sheet
        if h <= max_line:
            continue  # one line high: print that OCR did not read, not a pen's mark
        strokes = loose[y : y + h, x : x + w] & (labels[y : y + h, x : x + w] == i)
        if _curve_spread(strokes) <= settings["one_curve_max_spread_in"] * work_dpi:
            continue  # one smooth curve: a sheet's edge or its shadow, not writing
        region_ink = int(ink[y : y + h, x : x + w].sum())
        if region_ink == 0:
            continue
        if region_ink > settings["max_fill"] * w * h:
            continue  # a filled block (a redaction box, a photo), not pen strokes
        if region_ink < settings["min_fill"] * w * h:
            continue  # a few thin dashes across a wide box: a bent dotted rule, not writing
        covered = int((ink[y : y + h, x : x + w] & printed[y : y + h, x : x + w]).sum())
        if covered / region_ink > settings["max_word_cover"]:
            continue
        box = (x / factor, y / factor, (x + w) / factor, (y + h) / factor)
        if _reads_as_print(grey, box, settings):
            continue
        regions.append(box)
    return regions


def _curve_spread(strokes: np.ndarray) -> float:
    """How far (pixels) the strokes stray from one smooth curve along the region's length.

    The edge of a photographed sheet, its shadow or a rule the camera bent is one curve:
    nine tenths of its ink lies within a stroke's width of a parabola. Writing turns back
    on itself and strays far from any one curve.
    """
    ys, xs = np.nonzero(strokes)
    if len(xs) < 10:
        return float("inf")
    height, width = strokes.shape
    along, across = (xs, ys) if width >= height else (ys, xs)
    fitted = np.polyval(np.polyfit(along.astype(float), across.astype(float), 2), along)
    return float(np.quantile(np.abs(fitted - across), 0.9))


def _reads_as_print(
    grey: np.ndarray, box: tuple[float, float, float, float], settings: dict[str, Any]
) -> bool:
    """Whether OCR reads the region alone as words of a dictionary: print the page pass missed.

    A photographed letter's blurred or tilted lines (a signature block's typed name, two
    lines of a paragraph) escape the page's OCR but read when cut out; handwriting does not.
    """
    x0, y0, x1, y1 = (int(round(v)) for v in box)
    pad = int(settings["reread_pad"] * max(x1 - x0, y1 - y0))  # whole words, not cut ones
    for lines in settings["reread_side_lines"]:  # a line of print runs on sideways
        wide = max(pad, int(lines * (y1 - y0)))
        left, top = max(0, x0 - wide), max(0, y0 - pad)
        crop = np.ascontiguousarray(grey[top : y1 + pad, left : x1 + wide])
        if crop.size == 0:
            return False
        inside = (x0 - left, y0 - top, x1 - left, y1 - top)  # the region, in the crop
        for image, back in (crop, None), _levelled(crop, inside, settings):
            for psm in (6, 7):  # a block of lines, or the one tilted line of a typed name
                words = ocr_words(image, "rus+ukr+eng", psm=psm)
                # only words on the region itself: print beside a pen mark does not explain it
                if _enough_print([w for w in words if _centre_in(w, back, inside)], settings):
                    return True
    return False


def _centre_in(word: Any, back: np.ndarray | None, box: tuple[int, int, int, int]) -> bool:
    """Whether the word's centre, carried back into the crop when it was turned, is in ``box``."""
    x = word["left"] + word["width"] / 2
    y = word["top"] + word["height"] / 2
    if back is not None:
        x, y = back @ np.array([x, y, 1.0])
    return bool(box[0] <= x <= box[2] and box[1] <= y <= box[3])


def _enough_print(words: list[Any], settings: dict[str, Any]) -> bool:
    """Enough confident words of print, or one long word of print read surely.

    Print is dictionary words, typed names or initials, numbers; handwriting never reads
    as one long dictionary word or typed name at a high confidence.
    """
    floor = settings["reread_min_confidence"]
    known = [
        word
        for word in words
        if word["conf"] >= floor
        and (
            _dictionary_word(word["text"])
            or _NAME_OR_INITIALS.fullmatch(word["text"])
            or sum(char.isdigit() for char in word["text"]) >= 4  # a date, a number
        )
    ]
    long_and_sure = any(
        word["conf"] >= settings["reread_sure_confidence"]
        and sum(char.isalpha() for char in word["text"]) >= settings["reread_long_word"]
        for word in known
    )
    return len(known) >= settings["reread_min_words"] or long_and_sure


def _levelled(
    crop: np.ndarray, inside: tuple[int, int, int, int], settings: dict[str, Any]
) -> tuple[np.ndarray, np.ndarray | None]:
    """The crop turned so that the region's ink lies level, and the turn back (None: not turned).

    A camera tilts a typed name a few degrees. The angle is the region's own (``inside``,
    in the crop): the level lines of print the crop takes in around it would say 0.
    """
    x0, y0, x1, y1 = inside
    ys, xs = np.nonzero(crop[y0:y1, x0:x1] < settings["ink_threshold"])
    if len(xs) < 10:
        return crop, None
    angle = cv2.minAreaRect(np.column_stack([xs, ys]).astype(np.float32))[2]
    angle = angle - 90 if angle > 45 else angle + 90 if angle < -45 else angle
    if not 1.0 <= abs(angle) <= settings["reread_max_tilt_degrees"]:
        return crop, None
    height, width = crop.shape[:2]
    turn = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
    turned = cv2.warpAffine(crop, turn, (width, height), borderValue=255)
    return turned, cv2.invertAffineTransform(turn)


_NAME_OR_INITIALS = re.compile(
    r"(?:[A-ZА-ЯЁІЇЄҐ]\.){1,2}|[A-ZА-ЯЁІЇЄҐ][a-zа-яёіїєґ'’]{3,}[.,]?|[A-ZА-ЯЁІЇЄҐ'’]{4,}[.,]?"
)
"""A typed signatory's initials ('Е.Г.') or name ('Камкин', 'ЛЕВИЦЬКА'): print, not a hand."""


def _dictionary_word(text: str) -> bool:
    """A word of three letters or more that Russian, Ukrainian or English spelling knows."""
    letters = "".join(char for char in text if char.isalpha())
    if len(letters) < 3:
        return False
    if letters.isascii():
        return letters.isalpha() and (letters.islower() or letters.istitle() or letters.isupper())
    return any(is_known_word(letters.lower(), language) for language in ("ru", "uk"))


def _line_height(words: list[Word], min_confidence: float) -> float | None:
    """Median height of the confidently read words: the page's line of print."""
    heights = [w.bbox[3] - w.bbox[1] for w in words if w.confidence >= min_confidence]
    return float(np.median(heights)) if heights else None


def handwriting_findings(view: ForensicPage) -> list[Finding]:
    """Handwritten marks: regions of ink the OCR cannot read as print."""
    regions = handwriting_regions(view)
    if not regions:
        return []
    return [
        Finding(
            type="handwritten_mark",
            severity="medium",
            identifies=True,
            message=f"page {view.number}: {len(regions)} handwritten mark(s) or drawing(s) "
            "that do not read as print (a resolution, a signature, initials: handwriting "
            "identifies whoever wrote it)",
            evidence=[_evidence(view, box) for box in regions],
            data={"regions": len(regions)},
        )
    ]


def _evidence(view: ForensicPage, box: tuple[float, float, float, float]) -> FindingEvidence:
    """A box in the page's record unit: points for text-layer pages, else prepared pixels.

    ``box`` is in the pixels the check examined: the render for a text-layer page, the
    prepared page otherwise (``handwriting_regions``).
    """
    if view.layer_words is not None:
        x0, y0, x1, y1 = (v / view.layer_scale for v in box)
        return FindingEvidence(page=view.number, bbox=(x0, y0, x1, y1), unit="pt")
    return FindingEvidence(page=view.number, bbox=box, unit="px")


def _onto_read_page(view: ForensicPage, box: tuple[float, float, float, float]) -> FindingEvidence:
    """A box found on the decoded image, in the record's coordinates."""
    if view.layer_words is not None:
        return _evidence(view, box)
    to_page = view.read().placement.to_image.inverse()
    return FindingEvidence(page=view.number, bbox=bounds(to_page.polygon(box)), unit="px")


# --------------------------------------------------------------------------- tracking dots


@dataclass(frozen=True)
class DotPattern:
    """Yellow dots found on a page and, when a DocuColor grid decodes, what it says."""

    dots: int
    pitch_px: float | None
    grids: int  # 15x8 windows whose parity checks out
    decoded: dict[str, Any] | None
    centroids: np.ndarray


def yellow_dots(pixels: np.ndarray) -> np.ndarray:
    """Centroids (x, y) of small isolated yellow dots on an RGB page."""
    settings = params()["dots"]
    if pixels.ndim != 3:
        return np.zeros((0, 2))
    red = pixels[..., 0].astype(np.int16)
    green = pixels[..., 1].astype(np.int16)
    blue = pixels[..., 2].astype(np.int16)
    margin = settings["min_yellow_margin"]
    mask = (
        (red >= settings["min_rgb"])
        & (green >= settings["min_rgb"])
        & (blue + margin <= red)
        & (blue + margin <= green)
    ).astype(np.uint8)
    count, _labels, stats, centroids = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if count <= 1:
        return np.zeros((0, 2))
    areas = stats[1:, cv2.CC_STAT_AREA]
    keep = (areas >= settings["min_dot_area_px"]) & (areas <= settings["max_dot_area_px"])
    dots: np.ndarray = centroids[1:][keep][: settings["max_dots"]]
    return dots


def _nearest_distances(points: np.ndarray, cell: float) -> np.ndarray:
    """Distance from each point to its nearest neighbour (grid hashing: no O(n²))."""
    buckets: dict[tuple[int, int], list[int]] = {}
    keys = np.floor(points / cell).astype(int)
    for i, (bx, by) in enumerate(keys):
        buckets.setdefault((bx, by), []).append(i)
    out = np.full(len(points), np.inf)
    for i, (bx, by) in enumerate(keys):
        near = [
            j
            for dx in (-1, 0, 1)
            for dy in (-1, 0, 1)
            for j in buckets.get((bx + dx, by + dy), ())
            if j != i
        ]
        if near:
            out[i] = float(np.min(np.hypot(*(points[near] - points[i]).T)))
    return out


def _lattice(values: np.ndarray, rough: float) -> tuple[float, float]:
    """Pitch and phase of points on a regular lattice along one axis (max coherence)."""
    best = (0.0, rough, 0.0)
    for pitch in np.arange(rough * 0.9, rough * 1.1, rough / 2000):
        phase = np.exp(2j * np.pi * values / pitch).mean()
        if abs(phase) > best[0]:
            best = (abs(phase), pitch, float(np.angle(phase)))
    _, pitch, angle = best
    return float(pitch), float(angle / (2 * np.pi) * pitch)


def find_dot_pattern(pixels: np.ndarray) -> DotPattern | None:
    """Detect a yellow dot grid; decode DocuColor 15x8 windows where parity checks out."""
    settings = params()["dots"]
    points = yellow_dots(pixels)
    if len(points) < settings["min_dots"]:
        return None
    near = _nearest_distances(points, cell=40.0)
    finite = near[np.isfinite(near)]
    if finite.size < settings["min_dots"] // 2:
        return DotPattern(len(points), None, 0, None, points)
    rough = float(np.percentile(finite, 10))
    rough = float(np.median(finite[(finite > 0.8 * rough) & (finite < 1.25 * rough)]))
    pitch_x, origin_x = _lattice(points[:, 0], rough)
    pitch_y, origin_y = _lattice(points[:, 1], rough)
    gx = np.round((points[:, 0] - origin_x) / pitch_x).astype(int)
    gy = np.round((points[:, 1] - origin_y) / pitch_y).astype(int)
    gx -= gx.min() - 1
    gy -= gy.min() - 1
    grid = np.zeros((gy.max() + 2, gx.max() + 2), dtype=np.int32)
    grid[gy, gx] = 1
    windows = _parity_windows(grid, settings["grid_rows"], settings["grid_columns"])
    decoded_all = [_decode(grid[r : r + 8, c : c + 15], settings) for r, c in windows]
    votes = Counter(tuple(sorted(d.items())) for d in decoded_all if d)
    decoded = dict(votes.most_common(1)[0][0]) if votes else None
    if decoded is not None:
        decoded["agreeing_grids"] = votes.most_common(1)[0][1]
    return DotPattern(len(points), round((pitch_x + pitch_y) / 2, 2), len(windows), decoded, points)


def _parity_windows(grid: np.ndarray, rows: int, cols: int) -> list[tuple[int, int]]:
    """Top-left corners of rows x cols windows with odd data rows/columns and empty borders."""
    height, width = grid.shape
    if height < rows + 2 or width < cols + 2:
        return []
    padded = np.pad(grid, 1)
    c = np.cumsum(np.cumsum(padded, 0), 1)
    c = np.pad(c, ((1, 0), (1, 0)))

    def box(r0: np.ndarray, c0: np.ndarray, h: int, w: int) -> np.ndarray:
        sums: np.ndarray = c[r0 + h, c0 + w] - c[r0, c0 + w] - c[r0 + h, c0] + c[r0, c0]
        return sums

    rr, cc = np.mgrid[0 : height - rows + 1, 0 : width - cols + 1]
    rr, cc = rr + 1, cc + 1  # into padded coordinates
    ok = np.ones(rr.shape, dtype=bool)
    for i in range(1, rows):  # data rows: odd across the full width (parity column included)
        ok &= box(rr + i, cc, 1, cols) % 2 == 1
    for j in range(1, cols):  # data columns: odd down the full height (parity row included)
        ok &= box(rr, cc + j, rows, 1) % 2 == 1
    ok &= box(rr - 1, cc - 1, 1, cols + 2) == 0  # empty border all round
    ok &= box(rr + rows, cc - 1, 1, cols + 2) == 0
    ok &= box(rr, cc - 1, rows, 1) == 0
    ok &= box(rr, cc + cols, rows, 1) == 0
    found = np.argwhere(ok)
    return [(int(r), int(c_)) for r, c_ in found]


def column_value(window: np.ndarray, column: int) -> int:
    """7-bit value of a 1-based column: rows 2..8, the bottom row weighs 1, row 2 weighs 64."""
    bits = window[1:8, column - 1]
    return int(sum(int(bit) << (6 - i) for i, bit in enumerate(bits)))


def _decode(window: np.ndarray, settings: dict[str, Any]) -> dict[str, Any] | None:
    columns = settings["columns"]
    values = {
        name: column_value(window, col) for name, col in columns.items() if name not in ("serial",)
    }
    serial_parts = [column_value(window, col) for col in columns["serial"]]
    if any(v > 99 for v in serial_parts):
        return None
    minute, hour, day, month, year = (values[k] for k in ("minute", "hour", "day", "month", "year"))
    if not (minute < 60 and hour < 24 and 1 <= day <= 31 and 1 <= month <= 12):
        return None
    return {
        "serial": "".join(f"{v:02d}" for v in serial_parts),
        "printed": f"{settings['year_base'] + year:04d}-{month:02d}-{day:02d}"
        f"T{hour:02d}:{minute:02d}",
    }


def dot_findings(view: ForensicPage) -> list[Finding]:
    """Tracking dots on one colour page, with the decoded serial and date when possible."""
    if view.pixels.ndim != 3:
        return []
    pattern = find_dot_pattern(view.pixels)
    if pattern is None:
        return []
    xs, ys = pattern.centroids[:, 0], pattern.centroids[:, 1]
    bbox = (float(xs.min()), float(ys.min()), float(xs.max()), float(ys.max()))
    if pattern.decoded:
        message = (
            f"page {view.number}: printer tracking dots ({pattern.dots} yellow dots); the "
            f"DocuColor grid decodes to printer serial {pattern.decoded['serial']}, printed "
            f"{pattern.decoded['printed']}: this identifies the printer, and so who printed it"
        )
    else:
        message = (
            f"page {view.number}: a pattern of {pattern.dots} small yellow dots, likely printer "
            "tracking dots (not decodable as a DocuColor 15x8 grid): they can identify the printer"
        )
    return [
        Finding(
            type="tracking_dots",
            severity="high",
            identifies=True,
            message=message,
            evidence=[_onto_read_page(view, bbox)],
            data={
                "dots": pattern.dots,
                "pitch_px": pattern.pitch_px,
                "grids": pattern.grids,
                **(pattern.decoded or {}),
            },
        )
    ]
