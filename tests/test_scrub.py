"""verify scrub: the safe copy carries none of the findings of the original."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pymupdf
import pytest

from verify.forensics import marks
from verify.forensics.scrub import REDACTABLE, parse_redact, scrub
from verify.options import UsageError
from verify.reading import tesseract as _tesseract

FORENSICS = Path(__file__).resolve().parent.parent / "fixtures" / "forensics"


def render(pdf: Path, dpi: int = 200) -> np.ndarray:
    """The copy's page at its own resolution (scrub writes pages at --output-dpi)."""
    with pymupdf.open(pdf) as doc:
        pix = doc[0].get_pixmap(dpi=dpi, colorspace=pymupdf.csRGB, alpha=False)
        return np.frombuffer(pix.samples, np.uint8).reshape(pix.height, pix.width, 3).copy()


@pytest.fixture(scope="module")
def stamped(tmp_path_factory: pytest.TempPathFactory):
    original = FORENSICS / "stamp_handwritten.png"
    digest = hashlib.sha256(original.read_bytes()).hexdigest()
    out = tmp_path_factory.mktemp("scrub") / "safe.pdf"
    report = scrub(original, out, redact=("stamps", "executor", "marks"))
    assert hashlib.sha256(original.read_bytes()).hexdigest() == digest  # never touched
    return report, out


@pytest.mark.slow
def test_redacted_copy_has_no_text_layer_and_no_metadata(stamped) -> None:
    _, out = stamped
    with pymupdf.open(out) as doc:
        assert doc[0].get_text().strip() == ""
        assert not any(v for k, v in doc.metadata.items() if k != "format")
        assert doc.get_xml_metadata() == ""
        assert doc.xref_length() < 12  # a fresh file: pages, images, nothing else


def test_redacted_regions_are_opaque_and_unreadable(stamped) -> None:
    report, out = stamped
    kinds = {r.kind for r in report.redactions}
    assert kinds == {"stamps", "executor", "marks"}
    pixels = render(out, dpi=report.dpi).mean(axis=2)
    for box in report.redactions:
        x0, y0, x1, y1 = box.bbox_px
        assert pixels[y0 + 1 : y1 - 1, x0 + 1 : x1 - 1].max() < 10, box
    words = " ".join(w["text"] for w in _tesseract.ocr_words(pixels.astype(np.uint8), "rus"))
    assert "1032" not in words and "Иванова" not in words and "627-29-44" not in words


def test_scrub_reports_what_it_removed(stamped) -> None:
    report, _ = stamped
    assert {"incoming_stamp", "executor_named", "handwritten_mark"} <= set(report.removed)
    assert report.remaining == [] and report.not_found == []


@pytest.mark.slow
def test_tracking_dots_do_not_survive(tmp_path: Path) -> None:
    out = tmp_path / "dots.pdf"
    report = scrub(FORENSICS / "dots_scan.png", out, dpi=300)
    assert "tracking_dots" in report.removed
    pixels = render(out, dpi=300)
    assert len(marks.yellow_dots(pixels)) == 0
    assert set(np.unique(pixels)) <= {0, 255}  # black and white only


@pytest.mark.slow
def test_exif_and_edits_are_gone(tmp_path: Path) -> None:
    out = tmp_path / "photo.pdf"
    report = scrub(FORENSICS / "photo_exif.jpg", out)
    assert {"exif_camera", "exif_gps", "exif_timestamp", "thumbnail_mismatch"} <= set(
        report.removed
    )
    assert report.remaining == []
    assert b"iPhone" not in out.read_bytes() and b"Exif" not in out.read_bytes()


def test_scrub_refuses_to_overwrite_the_original(tmp_path: Path) -> None:
    copy = tmp_path / "letter.pdf"
    copy.write_bytes((FORENSICS / "clean.pdf").read_bytes())
    with pytest.raises(UsageError, match="never overwrites"):
        scrub(copy, copy)


def test_a_resolution_out_of_range_names_scrubs_own_option(tmp_path: Path) -> None:
    """scrub has no --dpi: its error names --output-dpi, the option the user typed."""
    with pytest.raises(UsageError, match=r"^--output-dpi must be between 72 and 600$"):
        scrub(FORENSICS / "clean.pdf", tmp_path / "safe.pdf", dpi=10)


def test_redact_values_are_checked() -> None:
    assert parse_redact("stamps, marks") == ("stamps", "marks")
    assert set(REDACTABLE) == {"stamps", "executor", "marks"}
    with pytest.raises(UsageError, match="unknown --redact"):
        parse_redact("stamps,faces")
