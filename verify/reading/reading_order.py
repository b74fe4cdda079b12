"""Put a page's words into reading order: lines, then columns, top to bottom.

OCR engines often merge the letterhead (left) and the addressee block (right) of an
official letter into single lines, interleaving two texts. We split lines at wide gaps into
segments and order them with a recursive XY-cut: cut a region at wide empty horizontal
bands, else at empty vertical bands (columns of more than one line), else read it row by
row. Horizontal cuts need a gap of ``cut_gap`` line heights so that the rows of a
two-column header, separated only by normal line spacing, stay together and are then
split into their columns.
"""

from __future__ import annotations

from collections.abc import Sequence
from statistics import median

from verify.page import Word
from verify.resources import load_json

Segment = list[Word]


def _box(segment: Segment) -> tuple[float, float, float, float]:
    return (
        min(w.bbox[0] for w in segment),
        min(w.bbox[1] for w in segment),
        max(w.bbox[2] for w in segment),
        max(w.bbox[3] for w in segment),
    )


def _split_line(words: Sequence[Word], split_gap: float) -> list[Segment]:
    """Split one line's words (left to right) wherever the gap is wider than a column gap."""
    ordered = sorted(words, key=lambda w: w.bbox[0])
    height = median(w.bbox[3] - w.bbox[1] for w in ordered) or 1.0
    segments: list[Segment] = [[ordered[0]]]
    for previous, word in zip(ordered, ordered[1:], strict=False):
        if word.bbox[0] - previous.bbox[2] > split_gap * height:
            segments.append([word])
        else:
            segments[-1].append(word)
    return segments


def _bands(intervals: list[tuple[float, float, int]], min_gap: float) -> list[list[int]]:
    """Group items whose [start, end) intervals overlap or lie closer than ``min_gap``."""
    groups: list[list[int]] = []
    reach = float("-inf")
    for start, end, index in sorted(intervals):
        if groups and start - reach < min_gap:
            groups[-1].append(index)
            reach = max(reach, end)
        else:
            groups.append([index])
            reach = end
    return groups


def _xy_cut(
    segments: list[Segment],
    cut_gap: float,
    line_height: float,
    box_of: dict[int, tuple[float, float, float, float]],
) -> list[Segment]:
    """Order ``segments`` by cutting at empty bands, recursively.

    ``box_of`` maps id(segment) to its box, computed once: each level of the recursion
    looks at the same segments again.
    """
    if len(segments) <= 1:
        return segments
    boxes = [box_of[id(s)] for s in segments]
    rows = _bands([(b[1], b[3], i) for i, b in enumerate(boxes)], cut_gap * line_height)
    if len(rows) > 1:
        return [
            segment
            for row in rows
            for segment in _xy_cut([segments[i] for i in row], cut_gap, line_height, box_of)
        ]
    columns = _bands([(b[0], b[2], i) for i, b in enumerate(boxes)], 0.0)
    # A column needs more than one line: three single words side by side ("date  place  №")
    # are a row to read left to right, not three columns.
    if len(columns) > 1 and any(len(column) > 1 for column in columns):
        return [
            segment
            for column in columns
            for segment in _xy_cut([segments[i] for i in column], cut_gap, line_height, box_of)
        ]
    centre = [((b[1] + b[3]) / 2, b[0]) for b in boxes]
    # Rows: segments whose vertical centres lie within half a line height read left to right.
    order = sorted(range(len(segments)), key=lambda i: centre[i])
    result: list[Segment] = []
    row: list[int] = []
    for index in order:
        if row and centre[index][0] - centre[row[0]][0] > line_height / 2:
            result.extend(segments[i] for i in sorted(row, key=lambda i: centre[i][1]))
            row = []
        row.append(index)
    result.extend(segments[i] for i in sorted(row, key=lambda i: centre[i][1]))
    return result


def reading_order(words: Sequence[Word], ocr: bool = False) -> list[Segment]:
    """Group words into printed line segments, in reading order.

    Input line ids (tesseract's, or pymupdf's block/line) say which words share a line;
    this function decides the order and splits lines that span two columns. ``ocr`` says
    the boxes are tesseract's, hugging the letters, where a text layer's boxes include the
    line spacing: the same gap between two lines is more line heights in OCR boxes, so
    OCRed pages are cut at a wider gap (``cut_gap`` in models/reading_order.json).
    """
    if not words:
        return []
    settings = load_json("reading_order.json")
    lines: dict[tuple[int, int], list[Word]] = {}
    for word in words:
        lines.setdefault((word.block, word.line), []).append(word)
    segments = [
        segment
        for line in lines.values()
        for segment in _split_line(line, float(settings["split_gap"]))
    ]
    box_of = {id(s): _box(s) for s in segments}
    line_height = median(b[3] - b[1] for b in box_of.values()) or 1.0
    cut_gap = settings["cut_gap"]["ocr" if ocr else "text_layer"]
    return _xy_cut(segments, float(cut_gap), line_height, box_of)
