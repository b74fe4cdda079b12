"""Page preparation on images rendered here: geometry measured, then corrected."""

from __future__ import annotations

import textwrap
from pathlib import Path

import cv2
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw, ImageFont

from verify.reading import prepare
from verify.resources import load_json

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"

RU = (
    "Министерство здравоохранения Российской Федерации просит в срок не позднее 18:00 "
    "25 февраля 2022 года представить списки врачей, готовых к направлению в военные "
    "госпитали, с указанием должности, стажа работы и контактных данных работников."
)
UK = (
    "Міністерство охорони здоров'я України просить до 10:00 04.03.2022 надати інформацію "
    "щодо кількості лікарів-анестезіологів та хірургів, які можуть бути залучені до "
    "надання медичної допомоги, із зазначенням посади та контактного телефону."
)
EN = (
    "The Ministry of Health requests that all regional hospitals provide lists of available "
    "heart surgeons, anaesthetists and operating theatre nurses by 17:00 on Friday 4 March "
    "2022, with the position, experience and telephone number of every person listed."
)


def render_page(
    text: str, width: int = 2000, font_px: int = 46, margin: int = 100, wrap: int = 62
) -> np.ndarray:
    """White page with black text, greyscale uint8: a clean 'scan' of known content."""
    lines = textwrap.wrap(text, wrap)
    step = int(font_px * 1.6)
    height = margin * 2 + step * len(lines)
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, font_px)
    for i, line in enumerate(lines):
        draw.text((margin, margin + i * step), line, font=font, fill=0)
    return np.array(image)


def rotate(grey: np.ndarray, degrees: float) -> np.ndarray:
    """Rotate counter-clockwise about the centre on a larger white canvas (no clipping)."""
    h, w = grey.shape
    side = int(np.hypot(h, w)) + 4
    canvas = np.full((side, side), 255, np.uint8)
    y, x = (side - h) // 2, (side - w) // 2
    canvas[y : y + h, x : x + w] = grey
    matrix = cv2.getRotationMatrix2D((side / 2, side / 2), degrees, 1.0)
    return cv2.warpAffine(canvas, matrix, (side, side), borderValue=255)


@pytest.fixture(scope="module")
def params() -> dict:
    return load_json("ocr.json")["prepare"]


@pytest.fixture(scope="module")
def page() -> np.ndarray:
    return render_page(RU + " " + EN)  # about 11 pt at 300 dpi


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(angle=st.floats(min_value=-8.0, max_value=8.0))
def test_skew_is_measured_within_half_a_degree(page, params, angle):
    quarter, measured = prepare.orientation_and_skew(rotate(page, angle), params)
    assert quarter == 0
    assert abs(measured + angle) <= 0.5  # the correction undoes the rotation


@pytest.mark.parametrize("turn", [90, 270])
def test_quarter_turn_is_detected(page, params, turn):
    quarter, angle = prepare.orientation_and_skew(prepare.rotate_quarter(page, turn), params)
    assert quarter == 90
    assert abs(angle) <= 0.5
    # Turning by the answer gives horizontal lines again (0 or 180: the probe decides).
    upright = prepare.rotate_quarter(prepare.rotate_quarter(page, turn), quarter)
    assert upright.shape == page.shape


def test_prepare_deskews_and_records_it(page, params):
    prepared = prepare.prepare(rotate(page, 3.0), 300.0, params)
    step = [s for s in prepared.steps if s.startswith("deskew:")]
    assert step and abs(float(step[0].split(":")[1]) + 3.0) <= 0.5
    _, residual = prepare.orientation_and_skew(prepared.pixels, params)
    assert abs(residual) <= 0.5


def test_prepare_records_quarter_turn(page, params):
    prepared = prepare.prepare(prepare.rotate_quarter(page, 90), 300.0, params)
    assert "orientation:90" in prepared.steps
    assert prepared.pixels.shape[1] > prepared.pixels.shape[0]  # landscape text page again


def test_clean_scan_is_left_alone(page, params):
    prepared = prepare.prepare(page, 300.0, params, applied=("render:300dpi",))
    assert prepared.steps == ("render:300dpi",)
    assert prepared.pixels is page or np.array_equal(prepared.pixels, page)
    assert prepared.dpi == 300.0


def test_small_text_is_enlarged(params):
    small = render_page(EN, width=700, font_px=13, margin=40)
    height = prepare.text_height(small, params)
    assert height is not None and height < 14
    prepared = prepare.prepare(small, None, params)
    upscale = [s for s in prepared.steps if s.startswith("upscale:")]
    assert upscale, prepared.steps
    factor = float(upscale[0].split(":")[1].rstrip("x"))
    assert prepared.pixels.shape[1] == pytest.approx(700 * factor, abs=2)
    assert prepared.text_height == pytest.approx(params["target_text_height"], rel=0.25)


def _photo(page: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The page placed in perspective on a brown desk, as a phone photo shows it."""
    h, w = page.shape
    desk = np.zeros((int(h * 1.5), int(w * 1.5), 3), np.uint8)
    desk[:] = (120, 72, 30)
    noise = np.random.default_rng(1).integers(0, 25, desk.shape[:2], dtype=np.uint8)
    desk[:, :, 0] = cv2.add(desk[:, :, 0], noise)
    corners = np.float32([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]])
    placed = np.float32(
        [[0.22 * w, 0.18 * h], [1.25 * w, 0.25 * h], [1.3 * w, 1.3 * h], [0.18 * w, 1.22 * h]]
    )
    matrix = cv2.getPerspectiveTransform(corners, placed)
    rgb = cv2.cvtColor(page, cv2.COLOR_GRAY2RGB)
    size = (desk.shape[1], desk.shape[0])
    warped = cv2.warpPerspective(rgb, matrix, size)
    mask = cv2.warpPerspective(np.full((h, w), 255, np.uint8), matrix, size)
    desk[mask > 0] = warped[mask > 0]
    return desk, placed


def test_sheet_is_found_and_flattened_to_a4(params):
    page = render_page(RU * 3, width=1000, font_px=24, wrap=70)
    page = cv2.resize(page, (1000, int(1000 * prepare.A4_ASPECT)))
    photo, placed = _photo(page)
    corners = prepare.sheet_corners(photo, params)
    assert corners is not None
    assert np.abs(corners - placed).max() < 0.02 * photo.shape[1]
    flat, step = prepare.find_sheet(photo, params)
    assert step == "perspective"
    assert flat.shape[0] / flat.shape[1] == pytest.approx(prepare.A4_ASPECT, rel=0.01)
    prepared = prepare.prepare(photo, None, params)
    assert prepared.steps[:2] == ("sheet_found", "perspective")
    assert prepared.dpi is not None and prepared.dpi > 0


def test_scan_and_uneven_scan_are_never_cropped(page, params):
    assert prepare.sheet_corners(page, params) is None
    # A shadow over half a scan splits the paper, but not into a "sheet on a desk".
    shaded = page.astype(np.float32)
    shaded[shaded.shape[0] // 2 :] *= 0.8
    assert prepare.sheet_corners(shaded.astype(np.uint8), params) is None


def test_uneven_illumination_is_evened(page, params):
    gradient = np.linspace(0.45, 1.0, page.shape[1], dtype=np.float32)[None, :]
    dim = (page.astype(np.float32) * gradient).astype(np.uint8)
    assert prepare.illumination_unevenness(dim, 30.0) >= params["illumination_min_spread"]
    flat = prepare.even_illumination(dim, 30.0)
    paper = flat[page > 200]
    assert np.percentile(paper, 5) > 200  # the dim side is white paper again
    assert np.median(flat[page < 60]) < 100  # and the text is still dark


@pytest.mark.parametrize("method", ["otsu", "sauvola"])
def test_binarise_gives_black_and_white(page, method):
    out = prepare.binarise(page, method, 30.0)
    assert set(np.unique(out)) <= {0, 255}
    assert np.mean(out[page < 60] == 0) > 0.9
    assert np.mean(out[page > 250] == 255) > 0.99


def test_blank_page_is_blank(params):
    blank = np.full((800, 600), 250, np.uint8)
    blank += np.random.default_rng(0).integers(0, 3, blank.shape, dtype=np.uint8)
    assert prepare.is_blank(blank, params)
    assert prepare.prepare(blank, None, params).blank
    assert not prepare.is_blank(render_page(EN), params)


def test_probe_crop_takes_whole_lines(page, params):
    crop = prepare.probe_crop(page, 2, params)
    assert crop is not None
    assert len(prepare.text_lines(crop)) == 2
    assert crop.shape[0] < page.shape[0] / 2


@pytest.mark.parametrize("tall_marks", ["border", "edge_shadow", "ruled_columns"])
def test_probe_crop_is_a_strip_of_lines_beside_rules_and_a_shadow(tall_marks, params):
    """Marks that run down the page (a border, the dark band beside a photographed sheet,
    table rules) put ink on every row; the probe still reads a line, not the whole page."""
    page = render_page(EN * 2)
    height, width = page.shape
    if tall_marks == "border":
        cv2.rectangle(page, (20, 20), (width - 20, height - 20), 0, 6)
    elif tall_marks == "edge_shadow":
        page[:, :60] = 40
    else:
        for x in range(60, width, 400):
            page[:, x : x + 4] = 0
    crop = prepare.probe_crop(page, 1, params)
    assert crop is not None
    assert 46 < crop.shape[0] < 4 * 46  # one line of 46 px letters and its margins


def test_image_hash_depends_on_pixels_and_shape():
    a = np.zeros((4, 6), np.uint8)
    assert prepare.image_sha256(a) == prepare.image_sha256(a.copy())
    assert prepare.image_sha256(a) != prepare.image_sha256(a.reshape(6, 4))
    b = a.copy()
    b[0, 0] = 1
    assert prepare.image_sha256(a) != prepare.image_sha256(b)


def _stamped_page(x: int, y: int, w: int, h: int, double: bool) -> np.ndarray:
    """The Russian page with a ruled frame (double rule if asked) and a stamp's text in it."""
    page = render_page(RU, width=2480)
    page = np.vstack([page, np.full((1400, page.shape[1]), 255, np.uint8)])
    cv2.rectangle(page, (x, y), (x + w, y + h), 0, 3)
    if double:
        cv2.rectangle(page, (x + 8, y + 8), (x + w - 8, y + h - 8), 0, 2)
    image = Image.fromarray(page)
    ImageDraw.Draw(image).text(
        (x + 30, y + 30), "Вх. № 412\nот 28.02.2022", font=ImageFont.truetype(FONT, 40), fill=0
    )
    return np.array(image)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    x=st.integers(100, 1500),
    y=st.integers(900, 1500),
    w=st.integers(450, 800),
    h=st.integers(160, 260),
    double=st.booleans(),
)
def test_a_stamp_frame_is_found_and_its_rule_left_out(params, x, y, w, h, double) -> None:
    boxes = prepare.framed_boxes(_stamped_page(x, y, w, h, double), params)
    assert len(boxes) == 1
    x0, y0, x1, y1 = boxes[0]
    assert x < x0 < x + 40 and y < y0 < y + 40  # inside the (inner) rule, not on it
    assert x + w - 40 < x1 < x + w and y + h - 40 < y1 < y + h


def test_text_without_frames_and_a_page_border_give_no_frames(params, page) -> None:
    assert prepare.framed_boxes(page, params) == []
    bordered = page.copy()
    cv2.rectangle(bordered, (10, 10), (page.shape[1] - 10, page.shape[0] - 10), 0, 3)
    assert prepare.framed_boxes(bordered, params) == []  # far larger than a stamp


def test_the_empty_cells_of_a_table_are_not_taken_for_stamps(params) -> None:
    page = np.full((3508, 2481), 255, np.uint8)
    for row in range(6):  # a 6 x 3 form of cells the size of a stamp
        for col in range(3):
            x, y = 200 + col * 700, 1200 + row * 250
            cv2.rectangle(page, (x, y), (x + 650, y + 200), 0, 3)
    assert prepare.framed_boxes(page, params) == []
    one = np.full((3508, 2481), 255, np.uint8)
    cv2.rectangle(one, (1600, 3000), (2250, 3200), 0, 3)
    assert len(prepare.framed_boxes(one, params)) == 1


def _keystoned(page: np.ndarray, squeeze: float) -> np.ndarray:
    """``page`` as a camera sees it from the side: its right edge ``squeeze`` times shorter."""
    h, w = page.shape
    inset = h * (1 - squeeze) / 2
    source = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    target = np.float32([[0, 0], [w, inset], [w, h - inset], [0, h]])
    matrix = cv2.getPerspectiveTransform(source, target)
    return cv2.warpPerspective(page, matrix, (w, h), borderValue=255)


def _line_slopes(grey: np.ndarray, params: dict) -> list[float]:
    small, _ = prepare._shrink(grey, params["measure_side"])
    height = prepare.text_height(small, params)
    assert height
    fits = prepare.text_line_fits(prepare.ink_mask(small), height, params)
    return [float(np.degrees(np.arctan(fit.slope))) for fit in fits]


@pytest.fixture(scope="module")
def long_page() -> np.ndarray:
    return render_page(" ".join([RU] * 4), width=2000, font_px=40, wrap=70)


@pytest.mark.parametrize("squeeze", [0.75, 0.85])
def test_converging_lines_are_made_level(long_page, params, squeeze):
    """A sheet shot at an angle: one rotation cannot level lines whose slopes differ."""
    before = _line_slopes(_keystoned(long_page, squeeze), params)
    assert max(before) - min(before) > 1.5  # the test page really converges
    result = prepare.prepare(_keystoned(long_page, squeeze), 300.0, params)
    assert "keystone" in result.steps
    after = _line_slopes(result.pixels, params)
    assert len(after) >= len(before) - 1
    assert max(abs(slope) for slope in after) < 0.6


def test_parallel_lines_get_no_keystone(long_page, params):
    """A straight scan, skewed or not, keeps its plain rotation: no projective warp."""
    for page in (long_page, rotate(long_page, 3.0)):
        assert "keystone" not in prepare.prepare(page, 300.0, params).steps


def test_keystone_needs_lines_that_agree_on_a_point(params):
    lines = [
        prepare.TextLine(slope, offset, 500.0)
        for slope, offset in [(0.05, -600), (-0.04, -300), (0.06, 0), (-0.05, 300), (0.04, 600)]
    ]
    assert prepare.keystone_matrix(lines, (1200, 1600), params) is None
    converging = [
        prepare.TextLine(-offset / 8000, offset, 500.0) for offset in (-600, -300, 0, 300, 600)
    ]
    matrix = prepare.keystone_matrix(converging, (1200, 1600), params)
    assert matrix is not None
    # Every line is level after the warp: its two ends land at the same height.
    for offset in (-600, -300, 0, 300, 600):
        ends = np.array([[x + 600, -offset / 8000 * x + offset + 800, 1.0] for x in (-500, 500)]).T
        moved = matrix @ ends
        ys = moved[1] / moved[2]
        assert abs(ys[0] - ys[1]) < 0.5


def test_a_sheet_edge_does_not_turn_the_page(params):
    """The fixture photo whose shadowed sheet edge runs the frame's height stays upright.

    Turned a quarter, that one long stroke made the roughest row profile of all, and the
    page was read sideways (its English letter came out as Cyrillic noise).
    """
    path = Path(__file__).resolve().parent.parent / "fixtures/documents/en_ngo/camera.jpg"
    pixels = np.asarray(Image.open(path).convert("L"))
    result = prepare.prepare(pixels, None, params)
    assert not any(step.startswith("orientation") for step in result.steps)
