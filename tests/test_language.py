"""Language per page: scripts, the letters only ru or uk writes, and the OCR fallback.

The end-to-end tests render Russian letters here (pymupdf and Liberation fonts, as
fixtures/_render.py does) whose probe line has none of ы э ъ ё: before letters needed a
margin, one read as Ukrainian on the shared word "до", the other on one stray "і".
"""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from PIL import Image

import verify
from verify.options import ExtractOptions
from verify.reading.language import (
    LanguageReading,
    decide_by_letters,
    detect_language,
    letter_evidence,
    prefer_reading,
)
from verify.record import Record
from verify.resources import load_json

from .conftest import document

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "fixtures"))  # fixtures/_render.py imports _layout as top level

import _layout  # noqa: E402
import _render  # noqa: E402

RU = "Министерство здравоохранения Российской Федерации просит представить сведения"
UK = "Міністерство охорони здоров'я України просить надати інформацію щодо працівників"
EN = "The Ministry of Health asks to provide information about medical workers"
# What tesseract's rus+ukr model read on the probe lines of the two pages rendered below.
RU_WITH_DO = "министерство здравоохранения Белгородской области поручает до 10:00 01.03.2022"
RU_STRAY_I = "ІНИСТЕРСТВО ЗДРАВООХРАНЕНИЯ РОССИЙСКОЙ ФЕДЕРАЦИИ"
NUMBER = "25-4/И/2-4011"

SHARED = "абвгдежзийклмнопрстуфхцчшщьюяАБВГДЕЖЗИЙКЛМНОПРСТУФХЦЧШЩЬЮЯ"
RU_ONLY = "ыэъёЫЭЪЁ"
UK_ONLY = "іїєґІЇЄҐ"


def test_each_language_is_told() -> None:
    assert (detect_language(RU), detect_language(UK), detect_language(EN)) == ("ru", "uk", "en")


def test_too_few_letters_give_none() -> None:
    assert detect_language("№ 30-2/И/2-2757 от 25.02.2022") is None


def test_a_word_both_languages_use_does_not_make_russian_ukrainian() -> None:
    # "до" is Russian as much as Ukrainian: as a Ukrainian function word it decided this line.
    assert detect_language(RU_WITH_DO) == "ru"


def test_one_stray_letter_does_not_decide() -> None:
    evidence = letter_evidence(RU_STRAY_I)
    assert (evidence.ru, evidence.uk) == (0, 1)
    assert decide_by_letters(evidence) is None
    assert detect_language(RU_STRAY_I) == "ru"


def test_latin_i_in_a_cyrillic_word_is_ukrainian_evidence() -> None:
    evidence = letter_evidence("Мiнiстерство охорони здоров'я та Medical Director")
    assert evidence.uk == 2  # the two in "Мiнiстерство"; not the i's of the English words
    assert decide_by_letters(evidence) == "uk"


def test_the_more_confident_reading_names_the_language() -> None:
    ru = LanguageReading("ru", 0.957, "министерство здравоохранения Белгородской области")
    uk = LanguageReading("uk", 0.901, "міністерство здравоохранения Белгородской області")
    assert prefer_reading([ru, uk]) == prefer_reading([uk, ru]) == "ru"


def test_a_near_tie_goes_to_the_reading_without_foreign_letters() -> None:
    ru = LanguageReading("ru", 0.900, "здравоохранения и")
    uk = LanguageReading("uk", 0.902, "здравоохранения ы")
    assert prefer_reading([uk, ru]) == "ru"


def _script_by_definition(text: str) -> str | None:
    """detect_language's letter and script counts, character by character."""
    letters = [c for c in text if c.isalpha()]
    if len(letters) < 20:
        return None
    cyrillic = sum(1 for c in letters if "\u0400" <= c <= "\u04ff")
    return "en" if cyrillic < len(letters) * 0.5 else "cyrillic"


@given(st.lists(st.sampled_from(list("абвгыэіїє Latin 123 ҂҃ ѐӿ ½ ,.")), max_size=120).map("".join))
@settings(max_examples=300, deadline=None)
def test_script_counts_match_their_definition(text: str) -> None:
    # The letter and Cyrillic counts that split Latin from Cyrillic text, written out.
    expected = _script_by_definition(text)
    detected = detect_language(text)
    assert (detected if detected in (None, "en") else "cyrillic") == expected


_words = st.lists(
    st.text(alphabet=SHARED + RU_ONLY + UK_ONLY + "i", min_size=1, max_size=12),
    min_size=3,
    max_size=30,
)


@given(_words, st.lists(st.text(alphabet=RU_ONLY, min_size=1, max_size=3), max_size=8), st.data())
@settings(max_examples=300, deadline=None)
def test_russian_letters_never_make_a_text_ukrainian(
    words: list[str], added: list[str], data: st.DataObject
) -> None:
    before = " ".join(words)
    assume(letter_evidence(before).script == "cyrillic")
    for word in added:
        words.insert(data.draw(st.integers(0, len(words))), word)
    after = " ".join(words)
    if detect_language(before) != "uk":
        assert detect_language(after) != "uk"
    if decide_by_letters(letter_evidence(before)) != "uk":
        assert decide_by_letters(letter_evidence(after)) != "uk"


@given(
    st.text(alphabet=SHARED + " ", min_size=20, max_size=200).filter(
        lambda t: sum(c.isalpha() for c in t) >= 20
    ),
    st.sampled_from(UK_ONLY + "i"),
    st.data(),
)
@settings(max_examples=300, deadline=None)
def test_one_stray_ukrainian_letter_in_shared_letters_is_left_to_the_fallback(
    text: str, stray: str, data: st.DataObject
) -> None:
    at = data.draw(st.integers(0, len(text)))
    evidence = letter_evidence(text[:at] + stray + text[at:])
    assert evidence.script == "cyrillic"
    assert decide_by_letters(evidence) is None


@given(
    st.text(alphabet=SHARED + " ", min_size=20, max_size=200),
    st.lists(st.sampled_from(UK_ONLY), min_size=2, max_size=10),
)
@settings(max_examples=200, deadline=None)
def test_ukrainian_letters_without_russian_ones_decide(text: str, letters: list[str]) -> None:
    evidence = letter_evidence(text + " " + "".join(letters))
    if evidence.script == "cyrillic":
        assert decide_by_letters(evidence) == "uk"


@given(
    st.floats(0.0, 1.0),
    st.floats(0.0, 1.0),
    st.text(alphabet=SHARED + RU_ONLY + UK_ONLY + " ", max_size=40),
    st.text(alphabet=SHARED + RU_ONLY + UK_ONLY + " ", max_size=40),
)
@settings(max_examples=200, deadline=None)
def test_a_clearly_more_confident_reading_always_wins(
    ru_conf: float, uk_conf: float, ru_text: str, uk_text: str
) -> None:
    tie = load_json("languages.json")["fallback_tie"]
    readings = [LanguageReading("ru", ru_conf, ru_text), LanguageReading("uk", uk_conf, uk_text)]
    if abs(ru_conf - uk_conf) > tie:
        assert prefer_reading(readings) == ("ru" if ru_conf > uk_conf else "uk")


# --- real pages through the real pipeline ------------------------------------------------


SANS = {
    "serif": Path("/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf"),
    "serif-bold": Path("/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf"),
}


def _letter(name: str) -> dict:
    return json.loads((ROOT / "fixtures" / "letters" / f"{name}.json").read_text("utf-8"))


def _save(pdf: bytes, dpi: int, path: Path, turn: float = 0.0) -> Path:
    """A page of the PDF as a greyscale PNG scan, turned ``turn`` degrees if asked."""
    image = Image.fromarray(_render.raster(pdf, dpi))
    if turn:
        image = image.rotate(turn, resample=Image.Resampling.BICUBIC, fillcolor=255)
    image.save(path, dpi=(dpi, dpi))
    return path


def _number(record: Record) -> str | None:
    return record.document_number.value if record.document_number else None


@pytest.fixture
def sans_letter(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A clean 200 dpi scan of a regional Russian letter set in Liberation Sans.

    Its fullest line, the probe's, is "министерство здравоохранения Белгородской области
    поручает до 10:00 01.03.2022": no ы э ъ ё, and "до", a word Ukrainian uses too.
    """
    for key, path in SANS.items():
        monkeypatch.setitem(_layout.FONT_FILES, key, path)
    monkeypatch.setattr(_layout, "_FONTS", {})
    letter = copy.deepcopy(_letter("ru_region_health"))
    letter["layout"]["registration"] = f"28.02.2022 № {NUMBER}"
    return _save(_render.born_digital(_layout.compose(letter)), 200, tmp_path / "sans.png")


@pytest.fixture
def clipped_letterhead(tmp_path: Path) -> Path:
    """A 300 dpi scan, turned 0.7°, of the founding letter with a one-line letterhead.

    "МИНИСТЕРСТВО ЗДРАВООХРАНЕНИЯ РОССИЙСКОЙ ФЕДЕРАЦИИ" is wider than the letterhead's
    column, so it runs to the sheet's left edge, which cuts its "М" in half: rus+ukr reads
    the fullest line as "ІНИСТЕРСТВО ...", one Ukrainian letter and no Russian one. The
    number stands on a line of its own.
    """
    letter = copy.deepcopy(_letter("ru_minzdrav_founding"))
    layout = letter["layout"]
    layout["letterhead"] = [
        "МИНИСТЕРСТВО ЗДРАВООХРАНЕНИЯ РОССИЙСКОЙ ФЕДЕРАЦИИ",
        *layout["letterhead"][2:],
    ]
    layout["registration"] = f"№ {NUMBER}"
    layout["in_reply_to"] = "от 25.02.2022"
    return _save(_render.born_digital(_layout.compose(letter)), 300, tmp_path / "clip.png", 0.7)


def test_russian_page_with_a_shared_word_on_its_probe_line_is_read_as_russian(
    sans_letter: Path,
) -> None:
    record = verify.extract(sans_letter, ExtractOptions(cache_dir=None))
    assert record.pages[0].language == "ru"
    assert _number(record) == NUMBER
    assert [s.value for s in record.signatories] == ["С.В. Гордеева"]


def test_russian_page_with_a_stray_ukrainian_letter_is_read_as_russian(
    clipped_letterhead: Path,
) -> None:
    record = verify.extract(clipped_letterhead, ExtractOptions(cache_dir=None))
    page = record.pages[0]
    assert page.language == "ru"
    assert "language_by_confidence" in page.preparation
    assert _number(record) == NUMBER
    assert [s.value for s in record.signatories] == ["А.Н. Плутницкий"]
    assert [d.value for d in record.deadlines] == ["2022-02-25T18:00"]


@pytest.mark.parametrize(
    ("letter", "rendition", "language"),
    [
        ("uk_moz", "scan_300dpi.png", "uk"),
        ("uk_oblast", "lowq.jpg", "uk"),
        ("en_ministry", "lowq.jpg", "en"),
    ],
)
def test_ukrainian_and_english_pages_keep_their_language(
    letter: str, rendition: str, language: str
) -> None:
    record = verify.extract(document(letter, rendition), ExtractOptions(cache_dir=None))
    assert [page.language for page in record.pages] == [language]
    assert "language_by_confidence" not in record.pages[0].preparation
