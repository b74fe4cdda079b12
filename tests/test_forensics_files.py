"""Forensics on file metadata and PDF revisions, on the generated fixtures (no OCR)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from verify.forensics import metadata, revisions
from verify.forensics.findings import Finding
from verify.reading.load import open_source

FORENSICS = Path(__file__).resolve().parent.parent / "fixtures" / "forensics"
TRUTH = json.loads((FORENSICS / "truth.json").read_text(encoding="utf-8"))


def file_findings(name: str) -> tuple[list[Finding], metadata.FileFacts]:
    """The metadata findings of fixture ``name``, by the checks of its type."""
    source = open_source(FORENSICS / name)
    if source.media_type == "application/pdf":
        return metadata.pdf_findings(source)
    return metadata.image_findings(source)


def types(findings: list[Finding]) -> set[str]:
    return {f.type for f in findings}


def test_pdf_metadata_names_author_software_and_dates() -> None:
    findings, facts = file_findings("edited.pdf")
    by_type = {f.type: f for f in findings}
    assert by_type["metadata_author"].data["author"] == "Иванова Е.А."
    assert by_type["metadata_author"].identifies
    assert "PDF-XChange Editor 9.0" in by_type["metadata_software"].message
    assert by_type["metadata_dates"].data["created"] == "2022-02-25T09:12:00+03:00"
    assert by_type["metadata_dates"].severity == "low"  # modified after creation
    assert facts.created is not None and facts.created.day == 25


def test_jpeg_exif_camera_time_gps_and_thumbnail() -> None:
    findings, facts = file_findings("photo_exif.jpg")
    by_type = {f.type: f for f in findings}
    assert by_type["exif_camera"].data["Model"] == "iPhone 12"
    assert by_type["exif_camera"].data["BodySerialNumber"] == "F17ZK3P1N7"
    assert by_type["exif_timestamp"].data["DateTimeOriginal"] == "2022:02:27 14:03:11"
    lat, lon = TRUTH["photo_exif.jpg"]["gps"]
    assert by_type["exif_gps"].data["latitude"] == pytest.approx(lat, abs=1e-4)
    assert by_type["exif_gps"].data["longitude"] == pytest.approx(lon, abs=1e-4)
    assert by_type["thumbnail_mismatch"].data["difference"] > 20
    assert facts.created is not None and facts.created.year == 2022


@pytest.mark.parametrize("name", ["clean.pdf", "clean_scan.png", "dots_scan.png"])
def test_clean_files_raise_no_metadata_alarm(name: str) -> None:
    findings, _ = file_findings(name)
    assert all(f.severity == "info" for f in findings), findings


@pytest.mark.parametrize(
    "name", ["bad/malformed_metadata.pdf", "bad/huge_exif.png", "bad/broken_exif.jpg"]
)
def test_malformed_metadata_is_a_finding_not_a_crash(name: str) -> None:
    started = time.perf_counter()
    findings, _ = file_findings(name)
    assert "metadata_malformed" in types(findings)
    assert time.perf_counter() - started < 5
    assert all(len(f.message) < 600 for f in findings)  # a 20 000-char author is clipped


def test_incremental_update_shows_the_changed_date() -> None:
    source = open_source(FORENSICS / "edited.pdf")
    findings = revisions.revision_findings(source, linearized=False)
    assert types(findings) >= {"incremental_update", "revision_change", "annotation_added"}
    change = next(f for f in findings if f.type == "revision_change")
    assert change.severity == "high"
    assert "26.02.2022" in change.data["added"]
    assert change.data["metadata"]["producer"][1] == "PDF-XChange Editor 9.0"
    note = next(f for f in findings if f.type == "annotation_added")
    assert "дата исправлена" in note.message


def test_single_revision_pdf_has_no_revision_findings() -> None:
    assert revisions.revision_findings(open_source(FORENSICS / "clean.pdf"), False) == []


def test_thousands_of_revisions_are_counted_in_bounded_time() -> None:
    source = open_source(FORENSICS / "bad" / "many_revisions.pdf")
    started = time.perf_counter()
    findings = revisions.revision_findings(source, linearized=False)
    assert time.perf_counter() - started < 15
    update = next(f for f in findings if f.type == "incremental_update")
    assert update.data["revisions"] == TRUTH["bad/many_revisions.pdf"]["revisions"]
    assert "check_limited" in types(findings)
    assert sum(f.type == "revision_change" for f in findings) <= revisions.MAX_CHANGE_FINDINGS + 1


def test_eof_offsets_across_chunk_borders(tmp_path: Path) -> None:
    data = b"%PDF-1.4\n" + b"x" * ((1 << 20) - 12) + b"%%EOF\n" + b"y" * 100 + b"%%EOF\r\n"
    path = tmp_path / "two.pdf"
    path.write_bytes(data)
    first = data.index(b"%%EOF") + 6
    assert revisions.eof_offsets(path, 1 << 30) == [first, len(data)]


def test_pasted_date_in_another_font() -> None:
    findings = revisions.font_findings(open_source(FORENSICS / "edited.pdf"))
    assert len(findings) == 1
    assert findings[0].evidence[0].raw == "26.02.2022"
    assert findings[0].data["font"] == "Helvetica"
    assert revisions.font_findings(open_source(FORENSICS / "clean.pdf")) == []


@given(st.text(max_size=60))
def test_pdf_date_parser_never_raises(value: str) -> None:
    parsed = metadata.parse_pdf_date(value)
    assert parsed is None or parsed.tzinfo is not None


def test_pdf_date_parser_reads_offsets() -> None:
    parsed = metadata.parse_pdf_date("D:20220225091200+03'00'")
    assert parsed is not None and parsed.isoformat() == "2022-02-25T09:12:00+03:00"
    assert metadata.parse_pdf_date("D:2022XX99") is None
