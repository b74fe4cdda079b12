"""OCR with real tesseract on pages rendered here: language, orientation, cache, failures."""

from __future__ import annotations

import gzip
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from rapidfuzz.distance import Levenshtein

from tests.test_prepare import EN, RU, UK, render_page, rotate
from verify.errors import OcrError
from verify.options import ExtractOptions
from verify.reading import ocr_cache, prepare
from verify.reading import tesseract as _tesseract
from verify.reading.load import PageImage
from verify.reading.ocr import ocr_page

pytestmark = pytest.mark.fresh_ocr_cache  # tests of OCR itself: tesseract runs in the test


def _options(tmp_path: Path | None = None, **kw) -> ExtractOptions:
    return ExtractOptions(cache_dir=tmp_path, jobs=1, **kw)


def _text(page) -> str:
    return " ".join(w.text for w in page.words)


def _cer(text: str, truth: str) -> float:
    return Levenshtein.normalized_distance(" ".join(text.split()), " ".join(truth.split()))


@pytest.mark.parametrize(("text", "language"), [(RU, "ru"), (UK, "uk"), (EN, "en")])
def test_language_is_chosen_per_page(text, language):
    page = ocr_page(PageImage(render_page(text), 300.0), 1, _options())
    assert page.language == language
    assert page.method == "ocr" and page.unit == "px"
    assert _cer(_text(page), text) < 0.03
    assert 0.8 < page.confidence <= 1.0


def test_a_latin_page_that_the_cyrillic_models_read_confidently_is_english():
    """Latin letters read by the Cyrillic models come out as look-alikes ("Іез5 ріапіе5"):
    this line reads at 0.71 with rus+ukr, over the probe's bar, and a Latin "i" had made it
    Ukrainian. The eng reading of the same strip is surer, and the surer reading wins."""
    text = (
        "children of this land! A cheer from thousands of voices rose in the air "
        "and the band played on."
    )
    page = ocr_page(PageImage(render_page(text, font_px=30), 300.0), 1, _options())
    assert page.language == "en"
    assert _cer(_text(page), text) < 0.03


def test_words_carry_boxes_confidence_and_unique_lines():
    pixels = render_page(RU)
    page = ocr_page(PageImage(pixels, 300.0), 3, _options(languages=("ru",)))
    assert page.number == 3 and page.language == "ru"
    assert (page.width, page.height) == (pixels.shape[1], pixels.shape[0])
    assert page.image_sha256 == prepare.image_sha256(pixels)
    lines: dict[int, list[float]] = {}
    for word in page.words:
        x0, y0, x1, y1 = word.bbox
        assert 0 <= x0 < x1 <= page.width and 0 <= y0 < y1 <= page.height
        assert 0.0 <= word.confidence <= 1.0
        lines.setdefault(word.line, []).append(y0)
    # One line id per printed line: each id's words share a baseline band.
    assert len(lines) == len(textwrap.wrap(RU, 62))
    for tops in lines.values():
        assert max(tops) - min(tops) < 40
    assert page.confidence == pytest.approx(
        sum(w.confidence for w in page.words) / len(page.words), abs=1e-3
    )


def test_upside_down_page_is_turned():
    pixels = prepare.rotate_quarter(render_page(EN), 180)
    page = ocr_page(PageImage(pixels, 300.0), 1, _options())
    assert "orientation:180" in page.preparation
    assert page.language == "en"
    assert _cer(_text(page), EN) < 0.03


def test_upside_down_page_with_forced_language_is_turned():
    pixels = prepare.rotate_quarter(render_page(RU), 180)
    page = ocr_page(PageImage(pixels, 300.0), 1, _options(languages=("ru",)))
    assert "orientation:180" in page.preparation
    assert _cer(_text(page), RU) < 0.03


def test_quarter_turned_and_skewed_page_is_read():
    pixels = prepare.rotate_quarter(rotate(render_page(UK), 4.0), 90)
    page = ocr_page(PageImage(pixels, 300.0), 1, _options())
    turn = [s for s in page.preparation if s.startswith("orientation:")]
    assert turn in (["orientation:90"], ["orientation:270"])
    assert any(s.startswith("deskew:") for s in page.preparation)
    assert page.language == "uk"
    assert _cer(_text(page), UK) < 0.03


@pytest.mark.parametrize("quarter", [90, 270])
def test_a_quarter_turned_page_with_forced_language_is_read_in_one_full_pass(quarter, monkeypatch):
    """Which way a sideways page is turned is read on a strip first: either way round,
    tesseract reads the whole page once, upright."""
    pixels = prepare.rotate_quarter(render_page(RU), quarter)
    full_passes = []
    real_ocr_data = _tesseract.ocr_data

    def counting(image, *args, **kwargs):
        if image.size > pixels.size / 2:  # the whole page, not a strip of a few lines
            full_passes.append(image.shape)
        return real_ocr_data(image, *args, **kwargs)

    monkeypatch.setattr(_tesseract, "ocr_data", counting)
    page = ocr_page(PageImage(pixels, 300.0), 1, _options(languages=("ru",)))
    turn = [s for s in page.preparation if s.startswith("orientation:")]
    assert turn == [f"orientation:{(360 - quarter) % 360}"]
    assert _cer(_text(page), RU) < 0.03
    assert len(full_passes) == 1


def test_blank_page_gives_no_words_and_a_warning():
    blank = np.full((900, 700), 252, np.uint8)
    page = ocr_page(PageImage(blank, None), 2, _options())
    assert page.words == ()
    assert page.language is None and page.confidence is None
    assert page.method == "ocr"
    assert page.warnings and "page 2" in page.warnings[0]


def test_cache_avoids_a_second_tesseract_run(tmp_path, monkeypatch):
    calls: list[str] = []
    real = _tesseract.ocr_data  # every tesseract reading goes through it

    def counting(pixels, langs, *args, **kwargs):
        calls.append(langs)
        return real(pixels, langs, *args, **kwargs)

    monkeypatch.setattr(_tesseract, "ocr_data", counting)
    image = PageImage(render_page(UK), 300.0)
    first = ocr_page(image, 1, _options(tmp_path))
    assert calls, "the first reading must run tesseract"
    runs = len(calls)
    second = ocr_page(image, 1, _options(tmp_path))
    assert len(calls) == runs  # everything came from the cache
    assert second == first
    entries = list(tmp_path.rglob("*.json.gz"))
    assert len(entries) == runs
    # A corrupt entry is ignored, recomputed and rewritten whole.
    for entry in entries:
        entry.write_bytes(b"\x1f\x8b broken")
    third = ocr_page(image, 1, _options(tmp_path))
    assert third == first and len(calls) == 2 * runs
    for entry in entries:
        assert gzip.decompress(entry.read_bytes()).startswith(b"{")
    assert not list(tmp_path.rglob(".tmp-*"))


def test_cache_key_changes_with_request_and_version():
    key = ocr_cache.cache_key("ab" * 32, "words|rus|psm=3|", "5.3.0")
    assert key != ocr_cache.cache_key("ab" * 32, "words|ukr|psm=3|", "5.3.0")
    assert key != ocr_cache.cache_key("ab" * 32, "words|rus|psm=3|", "5.4.0")
    assert key != ocr_cache.cache_key("cd" * 32, "words|rus|psm=3|", "5.3.0")


def test_disabled_cache_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    ocr_page(PageImage(render_page(EN), 300.0), 1, _options(None, languages=("en",)))
    assert list(tmp_path.iterdir()) == []


def test_missing_language_data_is_an_ocr_error(tmp_path, monkeypatch):
    monkeypatch.setenv("TESSDATA_PREFIX", str(tmp_path))
    with pytest.raises(OcrError, match="tesseract-ocr-rus|language data"):
        ocr_page(PageImage(render_page(RU), 300.0), 1, _options(languages=("ru",)))


def test_missing_binding_is_an_ocr_error(monkeypatch):
    # A None entry in sys.modules makes the import fail, as on a machine without tesserocr.
    monkeypatch.setitem(sys.modules, "tesserocr", None)
    monkeypatch.setattr(_tesseract, "_handles", _tesseract._Handles())
    with pytest.raises(OcrError, match="tesserocr.*apt-get install tesseract-ocr"):
        _tesseract.ocr_words(render_page(EN), "eng")


def test_timeout_is_an_ocr_error():
    with pytest.raises(OcrError, match="time limit"):
        _tesseract.ocr_words(render_page(EN * 3), "eng", timeout=0.01)


def test_tesseract_version_is_4_or_5():
    assert _tesseract.tesseract_version().startswith(("4", "5"))


FORMATS = Path(__file__).resolve().parent.parent / "fixtures" / "formats"


@pytest.mark.parametrize(("name", "turn"), [("rotated_90.png", 90), ("rotated_180.png", 180)])
def test_turned_fixture_pages_are_read_upright(name, turn):
    from verify.reading.inputs import open_input
    from verify.reading.load import open_source

    path = FORMATS / name
    if not path.exists():
        pytest.skip(f"fixture {name} not generated")
    options = _options()
    page = ocr_page(open_input(open_source(path), options).page_image(0), 1, options)
    turns = [s for s in page.preparation if s.startswith("orientation:")]
    assert turns and int(turns[0].split(":")[1]) in ({90, 270} if turn == 90 else {180})
    assert page.language == "ru" and page.confidence > 0.85


def test_blank_fixture_gives_a_warning():
    from verify.reading.inputs import open_input
    from verify.reading.load import open_source

    path = FORMATS / "blank.png"
    if not path.exists():
        pytest.skip("fixture blank.png not generated")
    options = _options()
    page = ocr_page(open_input(open_source(path), options).page_image(0), 1, options)
    assert page.words == () and page.warnings


DOCUMENTS = Path(__file__).resolve().parent.parent / "fixtures" / "documents"


@pytest.mark.parametrize(
    ("letter", "rendition", "number"),
    [("ru_region_health", "lowq.jpg", "412"), ("uk_oblast", "photo.jpg", "87")],
)
def test_a_stamp_lost_by_the_full_page_pass_is_read_in_its_frame(letter, rendition, number):
    from verify import extract

    # Tesseract's page segmentation takes these ruled frames for pictures and reads
    # nothing inside; the frame pass reads them alone.
    record = extract(DOCUMENTS / letter / rendition, _options())
    assert any(s.startswith("framed_boxes:") for s in record.pages[0].preparation)
    [stamp] = record.stamps
    assert stamp.value == number and stamp.page == 1


def _word(text: str, conf: float, left: int, line: int = 1) -> dict:
    return {"text": text, "left": left, "top": 100, "width": 14 * len(text), "height": 24,
            "conf": conf, "block": 1, "par": 1, "line": line}  # fmt: skip


def test_a_low_confidence_digit_before_a_clear_word_is_kept_and_speckle_is_not() -> None:
    from verify.reading.ocr import _params, _without_specks

    cfg = _params()["ocr"]
    phone = [_word("7", 0, 215), _word("(495)", 82, 250), _word("627-29-44", 96, 330)]
    assert [w["text"] for w in _without_specks(phone, cfg)] == ["7", "(495)", "627-29-44"]
    far = [_word("7", 0, 10), _word("(495)", 82, 250)]  # alone at the margin: a speck
    assert [w["text"] for w in _without_specks(far, cfg)] == ["(495)"]
    letters = [_word("ых", 0, 215), _word("Министерство", 90, 250)]  # no digit: a speck
    assert [w["text"] for w in _without_specks(letters, cfg)] == ["Министерство"]
    other_line = [_word("7", 0, 215, line=1), _word("(495)", 82, 250, line=2)]
    assert [w["text"] for w in _without_specks(other_line, cfg)] == ["(495)"]


def test_a_letterhead_lost_by_the_full_page_pass_is_read_in_its_empty_block() -> None:
    from verify import extract

    # On this photo tesseract's layout takes the bold letterhead beside the sheet's
    # shadowed corner for a picture: an empty block, and the issuer was lost.
    record = extract(DOCUMENTS / "uk_oblast" / "photo.jpg", _options())
    assert "unread_blocks:1" in record.pages[0].preparation
    assert record.text.startswith("ДЕПАРТАМЕНТ ОХОРОНИ ЗДОРОВ'Я\nЛЬВІВСЬКОЇ ОБЛАСНОЇ")
    assert record.issuer is not None
    assert record.issuer.value.lower().startswith("департамент охорони здоров")


def _reading_with_empty_block(words: list, block: tuple[int, int, int, int]):
    from verify.reading.ocr import _Reading

    pixels = render_page(RU)
    return _Reading(pixels, prepare.image_sha256(pixels), words, (), (block,))


def test_an_empty_block_is_read_alone_and_only_new_words_are_kept() -> None:
    from verify.reading.ocr import _unread_block_words

    # The start of a clean page's first line, as if the page pass had left it unread.
    block = (90, 90, 1300, 160)
    steps: list[str] = []
    found = _unread_block_words(
        _reading_with_empty_block([], block), [], ("ru",), 30.0, _options(), steps
    )
    assert " ".join(w["text"] for w in found).startswith("Министерство здравоохранения")
    assert steps == ["unread_blocks:1"] and {w["block"] for w in found} == {1}
    assert all(block[0] <= w["left"] and w["top"] + w["height"] <= block[3] for w in found)
    # Lines the page pass did read are not read twice.
    again: list[str] = []
    assert _unread_block_words(
        _reading_with_empty_block(found, block), [], ("ru",), 30.0, _options(), again
    ) == [] and again == []  # fmt: skip


def test_rules_and_stamp_frames_already_read_are_not_read_again(monkeypatch) -> None:
    from verify.reading import ocr

    calls: list[str] = []
    real = ocr._ocr

    def counting(*args, **kwargs):
        calls.append("ocr")
        return real(*args, **kwargs)

    monkeypatch.setattr(ocr, "_ocr", counting)
    rule = (80, 200, 1900, 206)  # a ruled line: thinner than a letter
    assert ocr._unread_block_words(
        _reading_with_empty_block([], rule), [], ("ru",), 30.0, _options(), []
    ) == []  # fmt: skip
    stamp_word = {"text": "Вх.", "left": 200, "top": 120, "width": 60, "height": 30,
                  "conf": 90.0, "block": 9, "par": 1, "line": 1}  # fmt: skip
    block = (90, 90, 1300, 160)
    assert ocr._unread_block_words(
        _reading_with_empty_block([], block), [stamp_word], ("ru",), 30.0, _options(), []
    ) == []  # fmt: skip
    assert calls == []
