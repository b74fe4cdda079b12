"""Signatories: position and name in the signature block, with Latin renderings."""

from __future__ import annotations

import pytest

from tests.textpages import CASES, lines_document, pdf_document
from verify.fields.signatories import extract_signatories, signature_spans
from verify.resources import load_json


def test_founding_letter_signature() -> None:
    doc = lines_document(
        ["ЗАМЕСТИТЕЛЬ МИНИСТРА", "Рахмановский пер., д. 3/25, стр. 1, 2, 3, 4,",
         "ФГБУ «Федеральный центр медицины катастроф».",
         "Заместитель Министра А.Н. Плутницкий", "Иванова Елена Александровна",
         "+7 (495) 627-29-44"]
    )  # fmt: skip
    [signatory] = extract_signatories(doc, "ru")
    assert signatory.value == "А.Н. Плутницкий"
    assert signatory.raw == "А.Н. Плутницкий"
    assert signatory.position == "Заместитель Министра"
    assert signatory.position_id == "deputy_minister"
    assert signatory.latin[:3] == ["A.N. Plutnitskiy", "A.N. Plutnitsky", "A.N. Plutnitskii"]
    assert signatory.source == "rule:signatory.ru.initials_surname"
    assert signatory.page == 1 and signatory.bbox[1] == 82.0


def test_position_over_two_lines_and_name_on_next_line() -> None:
    doc = lines_document(
        ["Текст письма.", "Заместитель директора", "Департамента организации медицинской помощи",
         "И. И. Иванов"]
    )  # fmt: skip
    [signatory] = extract_signatories(doc, "ru")
    assert signatory.value == "И. И. Иванов"
    assert signatory.position == "Заместитель директора Департамента организации медицинской помощи"
    assert signatory.position_id == "deputy_director"


def test_ocr_lookalikes_and_missing_space() -> None:
    # Latin "A" and "H" in the initials, and no space after the second dot.
    doc = lines_document(["3аместитель Министра", "A.H.Плутницкий"], confidence=0.9)
    [signatory] = extract_signatories(doc, "ru")
    assert signatory.value == "А.Н.Плутницкий"
    assert signatory.raw == "A.H.Плутницкий"
    assert signatory.position == "Заместитель Министра"
    assert signatory.confidence < 0.9
    assert signatory.latin[0] == "A.N.Plutnitskiy"


def test_fuzzy_position_with_dropped_letter() -> None:
    doc = lines_document(["Заместитель Минисра", "Е.Г. Камкин"])
    [signatory] = extract_signatories(doc, "ru")
    assert signatory.position_id == "deputy_minister"
    assert signatory.confidence == pytest.approx(0.85 * 0.95)


def test_text_layer_position_is_matched_exactly() -> None:
    # A text layer has no OCR damage: "Минисра" there is what the letter says, not a misreading.
    doc = lines_document(["Заместитель Минисра", "Е.Г. Камкин"], confidence=1.0)
    assert extract_signatories(doc, "ru") == []
    exact = lines_document(["Заместитель Министра", "Е.Г. Камкин"], confidence=1.0)
    assert [s.position_id for s in extract_signatories(exact, "ru")] == ["deputy_minister"]


def test_ukrainian_first_name_and_capitalised_surname() -> None:
    doc = lines_document(["Заступник Міністра", "Олег МЕЛЬНИЧУК", "Ірина Бондаренко"])
    [signatory] = extract_signatories(doc, "uk")
    assert (signatory.value, signatory.position_id) == ("Олег МЕЛЬНИЧУК", "deputy_minister")
    assert signatory.latin[0] == "Oleh MELNYCHUK"


def test_english_name_above_position() -> None:
    doc = lines_document(
        [
            "Yours faithfully,",
            "Dr Sarah Whitfield",
            "Director of Operations",
            "Contact: James Okafor",
        ]
    )
    [signatory] = extract_signatories(doc, "en")
    assert signatory.value == "Dr Sarah Whitfield"
    assert signatory.position == "Director of Operations"
    assert signatory.latin == ["Dr Sarah Whitfield"]


def test_letterhead_position_and_addressee_are_not_signatures() -> None:
    doc = lines_document(
        ["ЗАМЕСТИТЕЛЬ МИНИСТРА", "Москва, ГСП-4, 127994", "Начальнику управления здравоохранения",
         "Н.В. Смирновой", "Министерство просит представить списки."]
    )  # fmt: skip
    assert extract_signatories(doc, "ru") == []
    assert signature_spans(doc, "ru") == []


def test_deputy_health_minister_is_deputy_minister() -> None:
    positions = load_json("positions.json")["positions"]
    assert "deputy health minister" in positions["deputy_minister"]["forms"]["en"]
    assert positions["deputy_minister"]["labels"] == {
        "en": "Deputy Minister", "ru": "заместитель министра", "uk": "заступник міністра",
    }  # fmt: skip


@pytest.mark.parametrize("case", CASES)
def test_fixture_letters(case: str) -> None:
    doc, truth = pdf_document(case)
    found = extract_signatories(doc, truth["language"])
    assert [(s.value, s.position) for s in found] == [
        (s["name"], s["position"]) for s in truth["signatories"]
    ]


def test_signature_specks_from_ocr_are_dropped() -> None:
    # Tesseract on the ru_order scan: the handwritten signature leaves "‘" and "_".
    doc = lines_document(["Министр.‘", "_ К.С. Бережной"], confidence=0.5)
    [signatory] = extract_signatories(doc, "ru")
    assert (signatory.value, signatory.position) == ("К.С. Бережной", "Министр")
