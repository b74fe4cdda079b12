"""Redaction that holds on photos and on skewed or turned scans; boxes placed on originals."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from tests.conftest import FOUNDING, document
from verify.forensics import marks
from verify.forensics._pages import page_views
from verify.forensics.redaction import still_readable
from verify.forensics.scrub import scrub
from verify.options import ExtractOptions
from verify.pipeline import extract
from verify.reading import tesseract as _tesseract
from verify.reading.geometry import Homography, bounds
from verify.reading.inputs import open_input
from verify.reading.load import open_source
from verify.reading.placement import place

SURNAME = "Иванова"
PHONE_DIGITS = "6272944"


def _words(pixels: np.ndarray) -> str:
    grey = pixels if pixels.ndim == 2 else cv2.cvtColor(pixels, cv2.COLOR_RGB2GRAY)
    found = []
    for psm in (3, 11):
        found += [w["text"] for w in _tesseract.ocr_words(grey, "rus+eng", psm)]
    return " ".join(found)


@settings(max_examples=30, deadline=None)
@given(st.integers(5, 40), st.integers(5, 40), st.sampled_from([90, 180, 270]), st.data())
def test_quarter_turn_follows_numpy(width: int, height: int, degrees: int, data) -> None:
    x = data.draw(st.integers(0, width - 1))
    y = data.draw(st.integers(0, height - 1))
    image = np.zeros((height, width), np.uint8)
    image[y, x] = 255
    turned = np.rot90(image, degrees // 90)
    ys, xs = np.nonzero(turned)
    mapped = bounds(Homography.quarter_turn(degrees, width, height).polygon((x, y, x + 1, y + 1)))
    assert mapped == pytest.approx((xs[0], ys[0], xs[0] + 1, ys[0] + 1))


@settings(max_examples=20, deadline=None)
@given(st.floats(-20, 20), st.floats(0.5, 2.5))
def test_opencv_warp_is_mapped_exactly(angle: float, scale: float) -> None:
    image = np.zeros((120, 160), np.uint8)
    image[40:44, 70:74] = 255
    matrix = np.vstack([cv2.getRotationMatrix2D((80, 60), angle, scale), [0, 0, 1]])
    warped = cv2.warpPerspective(image, matrix, (400, 300), flags=cv2.INTER_NEAREST)
    ys, xs = np.nonzero(warped)
    centre = Homography.from_centres(matrix).points(np.array([[72.0, 42.0]]))[0]
    assert centre == pytest.approx((xs.mean() + 0.5, ys.mean() + 0.5), abs=1.0)


@pytest.mark.parametrize("name", ["photo.jpg", "camera.jpg"])
def test_a_record_box_lands_on_its_words_in_the_photo(name: str) -> None:
    path = document(FOUNDING, name)
    record = extract(path)
    assert record.executor is not None and record.executor.name is not None
    image = open_input(open_source(path), ExtractOptions()).page_image(0)
    placement = place(image, record.pages[0])
    assert placement.exact
    x0, y0, x1, y1 = bounds(placement.to_image.polygon(record.executor.name.bbox))
    pad = 6
    crop = image.pixels[int(y0) - pad : int(y1) + pad, int(x0) - pad : int(x1) + pad]
    crop = cv2.resize(crop, None, fx=3, fy=3, interpolation=cv2.INTER_CUBIC)
    assert SURNAME in _words(crop)


def _turned_scan(tmp_path: Path, degrees: float) -> Path:
    scan = Image.open(document(FOUNDING, "scan_300dpi.png"))
    turned = scan.rotate(degrees, expand=True, fillcolor=255, resample=Image.BICUBIC)
    out = tmp_path / f"turned_{degrees}.png"
    turned.save(out, dpi=(300, 300))
    return out


CASES = [
    ("photo", lambda tmp: document(FOUNDING, "photo.jpg")),
    ("camera", lambda tmp: document(FOUNDING, "camera.jpg")),
    ("skew3", lambda tmp: _turned_scan(tmp, 3.0)),
    ("turn90", lambda tmp: _turned_scan(tmp, 90)),
    ("turn180", lambda tmp: _turned_scan(tmp, 180)),
]


@pytest.mark.slow
@pytest.mark.parametrize(("label", "make"), CASES, ids=[c[0] for c in CASES])
def test_the_executor_is_gone_from_the_copy(tmp_path: Path, label: str, make) -> None:
    source = make(tmp_path)
    out = tmp_path / "safe.pdf"
    report = scrub(source, out, redact=("executor",))
    assert report.readable == []
    assert "executor_named" in report.removed
    assert report.redactions and all(r.kind == "executor" for r in report.redactions)
    copy = open_input(open_source(out), ExtractOptions(render_dpi=report.dpi)).page_image(0).pixels
    read = _words(copy)
    assert SURNAME not in read
    assert PHONE_DIGITS not in "".join(c for c in read if c.isdigit())


@pytest.mark.slow
def test_an_extension_and_a_continuation_line_are_blacked_out(tmp_path: Path) -> None:
    path = document(FOUNDING, "scan_300dpi.png")
    record = extract(path)
    assert record.executor is not None and record.executor.phone is not None
    x0, y0, x1, y1 = record.executor.phone.bbox
    image = Image.open(path).convert("L")
    from PIL import ImageDraw, ImageFont

    font = ImageFont.truetype(
        "/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf", 42
    )
    draw = ImageDraw.Draw(image)
    draw.text((x1 + 12, y0 - 4), ", доб. 1523", fill=0, font=font)
    draw.text((x0, y1 + 14), "доб. 4817 (приёмная)", fill=0, font=font)
    letter = tmp_path / "extension.png"
    image.save(letter, dpi=(300, 300))
    out = tmp_path / "safe.pdf"
    report = scrub(letter, out, redact=("executor",))
    assert report.readable == []
    copy = open_input(open_source(out), ExtractOptions(render_dpi=report.dpi)).page_image(0).pixels
    digits = "".join(c for c in _words(copy) if c.isdigit())
    assert "1523" not in digits and "4817" not in digits


def test_still_readable_finds_split_digits_and_misread_names() -> None:
    lines = [["Исп.", "Иванва", "Е.А."], ["+7", "(495)", "627-", "29-44"]]
    found = still_readable({"иванова", PHONE_DIGITS, "петрова", "1523"}, lines, 85)
    assert found == [PHONE_DIGITS, "иванова"]


@pytest.mark.parametrize(
    "name",
    [
        "en_ministry",
        "en_ngo",
        "ru_hospital",
        "ru_minzdrav_founding",
        "ru_minzdrav_monthly",
        "ru_order",
        "ru_region_health",
        "uk_moz",
    ],
)
def test_clean_typed_photos_have_no_handwriting(name: str) -> None:
    path = document(name, "photo.jpg")
    view = next(page_views(open_input(open_source(path), ExtractOptions()), 1))
    assert marks.handwriting_findings(view) == []


@pytest.mark.parametrize(
    ("name", "rendition"),
    [
        ("uk_oblast", "photo.jpg"),
        ("ru_minzdrav_founding_doctored", "scan_300dpi.png"),
        ("uk_moz", "scan_300dpi.png"),
        ("en_ngo", "camera.jpg"),
        ("ru_hospital", "camera.jpg"),
        ("ru_order", "camera.jpg"),
        ("uk_oblast", "camera.jpg"),
    ],
)
def test_print_the_page_pass_missed_is_not_handwriting(name: str, rendition: str) -> None:
    """A typed name tilted by the camera, a sheet's edge, a bent dotted rule: read again
    alone, or seen at the image's edge, they are print or paper, not a hand."""
    path = document(name, rendition)
    view = next(page_views(open_input(open_source(path), ExtractOptions()), 1))
    assert marks.handwriting_findings(view) == []


@pytest.mark.slow
def test_a_pen_mark_beside_print_is_still_handwriting(tmp_path: Path) -> None:
    """Print read near a mark does not explain the mark: only words on the region count."""
    from PIL import ImageDraw

    scan = Image.open(document(FOUNDING, "scan_300dpi.png")).convert("L")
    draw = ImageDraw.Draw(scan)
    x, y = 1500, 1250  # right of the body's first lines, where a resolution is written
    points = [(x + 14 * i, y + (55 if i % 2 else 0) + 3 * i) for i in range(24)]
    draw.line(points, fill=0, width=5)
    draw.line([(x, y + 130), (x + 320, y + 95), (x + 180, y + 170)], fill=0, width=5)
    path = tmp_path / "resolution.png"
    scan.save(path, dpi=(300, 300))
    view = next(page_views(open_input(open_source(path), ExtractOptions()), 1))
    assert marks.handwriting_findings(view)


@pytest.mark.slow
def test_report_frames_on_a_photo_surround_their_words() -> None:
    """The HTML report's page image of a photo: each frame, carried back, holds its words.

    Checked on the frames' coordinates in the embedded page image (no browser: the
    browser shows that PNG pixel for pixel, ``width``/``height`` as drawn).
    """
    from tests.conftest import FIXTURES
    from verify.report import corroborate_files
    from verify.report.pages import page_views as report_pages

    photo = document(FOUNDING, "photo.jpg")
    report, record = corroborate_files(photo, [FIXTURES / "claims" / "ru_accurate.txt"])
    views, message = report_pages(record, photo, report.findings)
    assert message is None and views
    view = views[0]
    pixels = open_input(open_source(photo), ExtractOptions()).page_image(0).pixels
    shown_per_px = view.width / pixels.shape[1]
    raws = {
        tuple(round(v, 1) for v in e.bbox): e.raw
        for f in report.findings
        for e in f.evidence
        if e.page == 1
    }
    checked = 0
    for (_, _, box), polygon in zip(view.boxes, view.polygons, strict=True):
        raw = raws.get(tuple(round(v, 1) for v in box))
        word = max((w for w in (raw or "").split() if w.isalpha()), key=len, default="")
        if len(word) < 6:
            continue
        x0, y0, x1, y1 = (v / shown_per_px for v in bounds(polygon))
        crop = pixels[int(y0) - 6 : int(y1) + 6, int(x0) - 6 : int(x1) + 6]
        crop = cv2.resize(crop, None, fx=3, fy=3, interpolation=cv2.INTER_CUBIC)
        assert word.lower() in _words(crop).lower(), (word, polygon)
        checked += 1
    assert checked >= 2
