"""Identifying marks: tracking dots (decoded), handwriting, stamps and executors."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from verify.forensics import marks
from verify.forensics._pages import page_views
from verify.options import ExtractOptions
from verify.reading.inputs import open_input
from verify.reading.load import open_source

FORENSICS = Path(__file__).resolve().parent.parent / "fixtures" / "forensics"
TRUTH = json.loads((FORENSICS / "truth.json").read_text(encoding="utf-8"))


def _generator():
    spec = importlib.util.spec_from_file_location("forensics_generate", FORENSICS / "generate.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


GENERATOR = _generator()


def view(name: str):
    return next(
        page_views(open_input(open_source(FORENSICS / name), ExtractOptions(cache_dir=None)), 1)
    )


def test_dot_grid_of_the_scan_decodes_to_serial_and_date() -> None:
    findings = marks.dot_findings(view("dots_scan.png"))
    assert len(findings) == 1
    data = findings[0].data
    assert data["serial"] == TRUTH["dots_scan.png"]["dots"]["serial"]
    assert data["printed"] == TRUTH["dots_scan.png"]["dots"]["printed"]
    assert data["agreeing_grids"] >= 10
    assert findings[0].identifies and findings[0].severity == "high"


@pytest.mark.parametrize("name", ["clean_scan.png", "stamp_handwritten.png"])
def test_no_dots_without_a_dot_grid(name: str) -> None:
    assert marks.dot_findings(view(name)) == []


def _page_with(grid: np.ndarray, pitch: int, offset: tuple[int, int]) -> np.ndarray:
    page = np.full((700, 900, 3), 255, np.uint8)
    for by in range(offset[1], 700 - 9 * pitch, 12 * pitch):
        for bx in range(offset[0], 900 - 16 * pitch, 20 * pitch):
            for r, c in np.argwhere(grid):
                cv2.circle(page, (bx + int(c) * pitch, by + int(r) * pitch), 1, (250, 240, 90), -1)
    return page


@settings(max_examples=15, deadline=None)
@given(
    serial=st.integers(0, 99_999_999),
    minute=st.integers(0, 59),
    hour=st.integers(0, 23),
    day=st.integers(1, 28),
    month=st.integers(1, 12),
    year=st.integers(2000, 2099),
    pitch=st.integers(9, 14),
    offset=st.tuples(st.integers(5, 40), st.integers(5, 40)),
)
def test_any_docucolor_grid_round_trips(
    serial, minute, hour, day, month, year, pitch, offset
) -> None:
    printed = f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}"
    grid = GENERATOR.docucolor_grid(f"{serial:08d}", printed)
    pattern = marks.find_dot_pattern(_page_with(grid, pitch, offset))
    assert pattern is not None and pattern.decoded is not None
    assert pattern.decoded["serial"] == f"{serial:08d}"
    assert pattern.decoded["printed"] == printed


def test_scattered_yellow_noise_is_not_a_pattern() -> None:
    rng = np.random.default_rng(1)
    page = np.full((800, 600, 3), 255, np.uint8)
    for x, y in rng.integers(0, 600, (30, 2)):
        cv2.circle(page, (int(x), int(y)), 1, (250, 240, 90), -1)
    assert marks.find_dot_pattern(page) is None


@pytest.mark.slow
def test_handwritten_note_found_where_it_was_drawn() -> None:
    findings = marks.handwriting_findings(view("stamp_handwritten.png"))
    assert len(findings) == 1
    x0, y0, x1, y1 = TRUTH["stamp_handwritten.png"]["handwriting_px"]
    for evidence in findings[0].evidence:
        bx0, by0, bx1, by1 = evidence.bbox
        assert x0 - 40 <= bx0 and bx1 <= x1 + 40 and y0 - 60 <= by0 and by1 <= y1 + 60


@pytest.mark.parametrize("name", ["clean_scan.png", "clean.pdf", "dots_scan.png"])
def test_no_handwriting_on_printed_pages(name: str) -> None:
    assert marks.handwriting_findings(view(name)) == []


def _blank_page_with(draw) -> np.ndarray:
    """A blank 100-dpi page with one mark drawn well inside it."""
    page = np.full((1100, 850), 245, np.uint8)
    draw(page)
    return page


def _curve(page: np.ndarray) -> None:
    xs = np.arange(150, 700)
    ys = 400 + ((xs - 150) / 550.0) ** 2 * 60  # a sheet's curled edge: 60 px of sag
    cv2.polylines(page, [np.column_stack([xs, ys]).astype(np.int32)], False, 40, 2)


def _scribble(page: np.ndarray) -> None:
    t = np.linspace(0, 6 * np.pi, 400)
    xs = 250 + 20 * t + 25 * np.cos(3 * t)
    ys = 600 + 30 * np.sin(3 * t) + 10 * np.sin(7 * t)
    cv2.polylines(page, [np.column_stack([xs, ys]).astype(np.int32)], False, 40, 2)


def test_one_smooth_curve_is_a_sheet_edge_not_handwriting() -> None:
    assert marks.ink_regions(_blank_page_with(_curve), [], 100.0) == []
    (region,) = marks.ink_regions(_blank_page_with(_scribble), [], 100.0)
    assert region[0] < 260 and region[2] > 600


@pytest.mark.slow
def test_a_photographed_letter_s_edge_and_tilted_typed_name_are_not_handwriting() -> None:
    """The camera fixture's sheet edge and its typed signatory, leaning a few degrees."""
    photo = Path(__file__).resolve().parent.parent / "fixtures/documents"
    page = next(
        page_views(
            open_input(
                open_source(photo / "ru_minzdrav_founding_variant" / "camera.jpg"),
                ExtractOptions(cache_dir=None),
            ),
            1,
        )
    )
    assert marks.handwriting_findings(page) == []
