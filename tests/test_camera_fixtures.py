"""The camera rendition (camera.jpg) looks like real phone photos and still reads.

fixtures/camera_calibration.json holds the statistics measured on real phone photos of printed
pages and the ranges the fixtures' camera model is held to; these tests measure the committed
camera.jpg files and fresh camera() draws with benchmarks/_camera_stats.py and check them against
those ranges, check the statistics' own building blocks, and run the real pipeline on one
camera.jpg.
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = ROOT / "fixtures" / "documents"
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "fixtures"))

import _camera_stats  # noqa: E402
import _degrade  # noqa: E402

CALIBRATION = json.loads((ROOT / "fixtures" / "camera_calibration.json").read_text("utf-8"))
ACCEPT = CALIBRATION["accept"]
LETTERS = sorted(p.parent.name for p in DOCUMENTS.glob("*/camera.jpg"))


def outside(stats: _camera_stats.CameraStats) -> dict[str, tuple[float, list[float]]]:
    """The statistics that fall outside their calibrated range, with the range."""
    bad = {}
    for name, (lo, hi) in ACCEPT.items():
        value = getattr(stats, name)
        if value is None or not lo <= value <= hi:
            bad[name] = (value, [lo, hi])
    return bad


def test_every_letter_has_a_camera_photo():
    letters = sorted(p.stem for p in (ROOT / "fixtures" / "letters").glob("*.json"))
    assert LETTERS == letters


@pytest.mark.parametrize("letter", LETTERS)
def test_committed_camera_photo_sits_in_the_calibrated_ranges(letter: str):
    stats = _camera_stats.camera_statistics(DOCUMENTS / letter / "camera.jpg")
    assert not stats.text_rotated
    assert outside(stats) == {}


@pytest.fixture(scope="module")
def founding_page() -> np.ndarray:
    import pymupdf

    with pymupdf.open(DOCUMENTS / "ru_minzdrav_founding" / "born_digital.pdf") as doc:
        pix = doc[0].get_pixmap(dpi=300, colorspace=pymupdf.csRGB, alpha=False)
        return np.frombuffer(pix.samples, np.uint8).reshape(pix.height, pix.width, 3).copy()


@settings(
    max_examples=3, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(0, 2**32 - 1))
def test_other_seeds_stay_in_the_calibrated_ranges(founding_page, tmp_path, seed: int):
    shot, drawn = _degrade.camera(founding_page, np.random.default_rng(seed), 300)
    again, _ = _degrade.camera(founding_page, np.random.default_rng(seed), 300)
    assert np.array_equal(shot, again)  # seeded: same draw, same pixels
    path = tmp_path / f"camera_{seed}.jpg"
    path.write_bytes(_degrade.encode(shot, "JPEG", quality=int(drawn["jpeg_quality"])))
    stats = _camera_stats.camera_statistics(path)
    assert outside(stats) == {}
    assert 105 <= drawn["dpi"] <= 145


@pytest.mark.parametrize("quality", [50, 75, 90, 95])
def test_jpeg_quality_is_read_back_from_the_tables(quality: int):
    buf = io.BytesIO()
    Image.fromarray(np.full((16, 16, 3), 128, np.uint8)).save(buf, "JPEG", quality=quality)
    buf.seek(0)
    with Image.open(buf) as im:
        assert _camera_stats.jpeg_quality(im.quantization) == quality


def test_word_error_counts_words_not_punctuation_case_or_order():
    assert _camera_stats.word_error("Письмо от 25.02.2022.", "письмо «от» 25.02.2022") == 0.0
    assert _camera_stats.word_error("a b c d", "d c b a") == 0.0
    assert _camera_stats.word_error("a b c d", "a b x y") == pytest.approx(0.5)
    assert _camera_stats.word_error("a a b", "a b") == pytest.approx(1 - 2 * 2 / 5)
    assert _camera_stats.word_error("", "") == 0.0
    assert _camera_stats.word_error("слово", "") == 1.0


@given(st.text(max_size=60), st.text(max_size=60))
def test_word_error_is_a_symmetric_fraction(a: str, b: str):
    err = _camera_stats.word_error(a, b)
    assert 0.0 <= err <= 1.0
    assert err == pytest.approx(_camera_stats.word_error(b, a))
    assert _camera_stats.word_error(a, a) == 0.0


def test_an_image_without_text_is_a_clear_error(tmp_path):
    path = tmp_path / "blank.jpg"
    Image.fromarray(np.full((400, 300, 3), 230, np.uint8)).save(path)
    with pytest.raises(_camera_stats.CameraStatsError, match="no printed text"):
        _camera_stats.camera_statistics(path)
    bad = tmp_path / "not_an_image.jpg"
    bad.write_bytes(b"not a jpeg")
    with pytest.raises(_camera_stats.CameraStatsError, match="not a readable image"):
        _camera_stats.camera_statistics(bad)


@pytest.mark.slow
def test_the_founding_camera_photo_gives_its_date_or_says_why_not():
    from verify import extract
    from verify.options import ExtractOptions

    record = extract(
        DOCUMENTS / "ru_minzdrav_founding" / "camera.jpg", ExtractOptions(cache_dir=None, jobs=1)
    )
    if record.document_date is None:
        assert any(w.field == "document_date" for w in record.warnings)
    else:
        assert record.document_date.value == "2022-02-25"
