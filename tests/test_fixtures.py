"""The bundled fixtures are what the manifest and the ground truth say they are.

Every other test and the benchmark trust fixtures/documents/*/truth.json and manifest.json; these
tests make sure that trust is earned: files exist with the recorded bytes, every truth has every
field in the agreed shape, specialty ids come from the taxonomy's list, and the text layer of each
born-digital PDF really carries each ground-truth line.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import re
import sys
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pymupdf
import pytest
from PIL import Image

from verify.record import EXTRACTED_FIELDS

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
DOCUMENTS = FIXTURES / "documents"
MANIFEST = json.loads((DOCUMENTS / "manifest.json").read_text(encoding="utf-8"))
FILES = MANIFEST["files"]
LETTERS = sorted(p.stem for p in (FIXTURES / "letters").glob("*.json"))
RENDITIONS = {
    "born_digital.pdf": "born_digital",
    "scan_300dpi.png": "scan",
    "lowq.jpg": "lowq",
    "photo.jpg": "photo",
    "camera.jpg": "camera",
    "image_only.pdf": "image_only",
    "truth.json": "truth",
}
TRUTH_KEYS = {*EXTRACTED_FIELDS, "language", "text"}
SPECIALTIES = {
    "trauma_surgeon",
    "cardiovascular_surgeon",
    "maxillofacial_surgeon",
    "pediatric_surgeon",
    "general_surgeon",
    "neurosurgeon",
    "anesthesiologist",
    "radiologist",
    "nurse",
    "operating_nurse",
    "infectious_disease_specialist",
    "epidemiologist",
    "therapist",
    "emergency_physician",
    "paramedic",
    "burn_specialist",
    "psychiatrist",
    "pharmacist",
    "transfusiologist",
}
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ISO_MINUTE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$")


def truth(letter: str) -> dict:
    return json.loads((DOCUMENTS / letter / "truth.json").read_text(encoding="utf-8"))


def one_line(text: str) -> str:
    return " ".join(text.split())


def test_at_least_nine_letters_in_three_languages():
    assert len(LETTERS) >= 9
    assert {truth(x)["language"] for x in LETTERS} == {"ru", "uk", "en"}


def test_manifest_lists_every_file_on_disk_and_nothing_else():
    listed = {f["path"] for f in FILES}
    on_disk = {
        p.relative_to(FIXTURES).as_posix()
        for folder in (DOCUMENTS, FIXTURES / "formats")
        for p in folder.rglob("*")
        if p.is_file() and p.name != "manifest.json"
    }
    assert listed == on_disk
    assert len(listed) == len(FILES)


@pytest.mark.parametrize("entry", FILES, ids=[f["path"] for f in FILES])
def test_manifest_entry_matches_file(entry: dict):
    data = (FIXTURES / entry["path"]).read_bytes()
    assert len(data) == entry["bytes"]
    assert hashlib.sha256(data).hexdigest() == entry["sha256"], "stale: run fixtures/generate.py"
    assert entry["media_type"] in {
        "application/pdf",
        "application/json",
        "image/png",
        "image/jpeg",
        "image/webp",
        "image/heic",
        "image/tiff",
    }


@pytest.mark.parametrize("letter", LETTERS)
def test_each_letter_has_every_rendition(letter: str):
    entries = {f["path"]: f for f in FILES if f["path"].startswith(f"documents/{letter}/")}
    kinds = {Path(p).name: e["rendition"] for p, e in entries.items()}
    assert kinds == RENDITIONS
    assert all(e["letter"] == letter and e["pages"] == 1 for e in entries.values())


@pytest.mark.parametrize("letter", LETTERS)
def test_truth_has_every_key_in_the_agreed_shape(letter: str):
    t = truth(letter)
    assert set(t) == TRUTH_KEYS
    assert t["language"] in {"ru", "uk", "en"}
    assert t["document_kind"] in {"letter", "order"}
    assert t["issuer"] and t["document_number"] and t["subject"] and t["text"]
    assert ISO_DATE.match(t["document_date"])
    date.fromisoformat(t["document_date"])
    assert all(isinstance(a, str) and a for a in t["addressees"])
    assert (t["document_kind"] == "order") == (t["addressees"] == [])
    assert t["signatories"] and all(set(s) == {"name", "position"} for s in t["signatories"])
    for d in t["deadlines"]:
        assert set(d) == {"value", "recurring", "recurrence"}
        if d["recurring"]:
            assert d["value"] is None and d["recurrence"].startswith("FREQ=")
        else:
            assert d["recurrence"] is None
            assert ISO_DATE.match(d["value"]) or ISO_MINUTE.match(d["value"])
            datetime.fromisoformat(d["value"])
    assert t["executor"] is None or set(t["executor"]) == {"name", "phone"}
    for ref in t["references"] + t["stamps"]:
        assert set(ref) == {"number", "date"} and ISO_DATE.match(ref["date"])


@pytest.mark.parametrize("letter", LETTERS)
def test_specialty_ids_come_from_the_taxonomy_list(letter: str):
    specialties = truth(letter)["requested_specialties"]
    assert specialties, "every fixture letter names specialties"
    assert set(specialties) <= SPECIALTIES
    assert len(specialties) == len(set(specialties))


@pytest.mark.parametrize("letter", LETTERS)
def test_truth_fields_are_printed_on_the_page(letter: str):
    """What the benchmark expects to be extracted is really there to be found."""
    t = truth(letter)
    text = one_line(t["text"]).casefold()
    for value in [t["document_number"], t["subject"], *(s["name"] for s in t["signatories"])]:
        assert one_line(value).casefold() in text
    for addressee in t["addressees"]:
        assert one_line(addressee).casefold() in text
    if t["funding_source"]:
        assert one_line(t["funding_source"]).casefold() in text
    if t["executor"]:
        assert t["executor"]["name"].casefold() in text and t["executor"]["phone"] in text
    for stamp in t["stamps"]:
        assert f"№ {stamp['number']}" in t["text"]


@pytest.mark.parametrize("letter", LETTERS)
def test_born_digital_text_layer_holds_every_truth_line(letter: str):
    with pymupdf.open(DOCUMENTS / letter / "born_digital.pdf") as doc:
        assert doc.page_count == 1
        assert doc.metadata["producer"] == "verify fixtures"
        page_text = doc[0].get_text()
    printed = {one_line(line) for line in page_text.splitlines()}
    for line in truth(letter)["text"].splitlines():
        assert one_line(line) in printed, line
    # Plain hyphens, spaces and semicolons, as office software writes them (see _render.py).
    assert not set(page_text) & {"\u00ad", "\u00a0", "\u037e"}


@pytest.mark.parametrize("letter", LETTERS)
def test_image_renditions_have_the_recorded_geometry(letter: str):
    entries = {
        Path(f["path"]).name: f for f in FILES if f["path"].startswith(f"documents/{letter}/")
    }
    with Image.open(DOCUMENTS / letter / "scan_300dpi.png") as im:
        assert im.mode == "L" and im.size == (2481, 3508)
        assert round(im.info["dpi"][0]) == 300
    assert abs(entries["scan_300dpi.png"]["skew_degrees"]) <= 0.7
    assert 2 <= abs(entries["lowq.jpg"]["skew_degrees"]) <= 4
    assert 750 <= entries["photo.jpg"]["sheet_width_px"] <= 1000
    camera = entries["camera.jpg"]
    assert 105 <= camera["dpi"] <= 145 and camera["bytes"] < 400_000
    assert 85 <= camera["jpeg_quality"] <= 95
    with Image.open(DOCUMENTS / letter / "camera.jpg") as im:
        assert im.size == (1320, 1760) and im.mode == "RGB"
    assert entries["scan_300dpi.png"]["bytes"] < 1_000_000
    with pymupdf.open(DOCUMENTS / letter / "image_only.pdf") as doc:
        assert doc[0].get_text().strip() == ""
        assert len(doc[0].get_images()) == 1
        assert abs(doc[0].rect.width - 595.3) < 1 and abs(doc[0].rect.height - 841.9) < 1


def test_formats_have_the_expected_pages_and_content():
    formats = {Path(f["path"]).name: f for f in FILES if f["path"].startswith("formats/")}
    assert set(formats) == {
        "founding.webp",
        "founding.heic",
        "two_pages.tif",
        "mixed.pdf",
        "rotated_90.png",
        "rotated_180.png",
        "blank.png",
        "founding_photo_lowres.jpg",
    }
    with Image.open(FIXTURES / "formats/two_pages.tif") as im:
        assert im.n_frames == formats["two_pages.tif"]["pages"] == 2
    with pymupdf.open(FIXTURES / "formats/mixed.pdf") as doc:
        assert doc.page_count == 2
        assert "30-2/И/2-2781" in doc[0].get_text()
        assert doc[1].get_text().strip() == "" and doc[1].get_images()
    with Image.open(FIXTURES / "formats/rotated_90.png") as im:
        assert im.size == (3508, 2481)
    with Image.open(FIXTURES / "formats/blank.png") as im:
        pixels = np.asarray(im)
        assert (pixels < 128).mean() < 0.001  # no text, only a few specks
    assert 700 <= formats["founding_photo_lowres.jpg"]["sheet_width_px"] <= 740


@pytest.mark.slow
def test_camera_rendition_regenerates_to_the_same_bytes():
    """camera.jpg is seeded: the generator's camera path gives the committed bytes again."""
    sys.path.insert(0, str(FIXTURES))
    generate = importlib.import_module("generate")
    letter = "ru_minzdrav_founding"
    pdf = (DOCUMENTS / letter / "born_digital.pdf").read_bytes()
    data, figures = generate.camera_photo(pdf, letter)
    entry = next(f for f in FILES if f["path"] == f"documents/{letter}/camera.jpg")
    assert hashlib.sha256(data).hexdigest() == entry["sha256"]
    assert figures == {k: entry[k] for k in ("dpi", "sheet_width_px", "jpeg_quality")}


def test_heic_decodes():
    pillow_heif = pytest.importorskip("pillow_heif")
    heif = pillow_heif.open_heif(FIXTURES / "formats/founding.heic")
    assert heif.size == (1654, 2339)


def test_total_size_stays_commit_friendly():
    assert sum(f["bytes"] for f in FILES) < 40_000_000
