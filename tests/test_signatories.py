"""Signatories: position and name in the signature block, with Latin renderings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from verify.fields.signatories import extract_signatories, signature_spans
from verify.page import PageText, Word
from verify.resources import load_json
from verify.textmap import DocumentText

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "documents"
CASES = sorted(p.name for p in FIXTURES.glob("*") if (p / "born_digital.pdf").is_file())


def lines_document(lines: list[str], confidence: float = 0.95) -> DocumentText:
    """A one-page DocumentText from text lines: one Word per token, synthetic boxes."""
    words = []
    for number, line in enumerate(lines):
        x = 50.0
        for token in line.split():
            width = 6.0 * len(token)
            words.append(
                Word(
                    token,
                    (x, 40.0 + 14 * number, x + width, 52.0 + 14 * number),
                    confidence,
                    0,
                    number,
                )
            )
            x += width + 4
    page = PageText(1, 595.0, 842.0, "pt", "text_layer", tuple(words), None, confidence)
    return DocumentText([page])


def pdf_document(case: str) -> tuple[DocumentText, dict]:
    """Real words of a fixture's born-digital PDF (pymupdf), and its truth.json."""
    pymupdf = pytest.importorskip("pymupdf")
    pages = []
    with pymupdf.open(FIXTURES / case / "born_digital.pdf") as pdf:
        for number, page in enumerate(pdf, 1):
            words = tuple(
                Word(w[4], (w[0], w[1], w[2], w[3]), 1.0, w[5], w[5] * 1000 + w[6])
                for w in page.get_text("words")
            )
            pages.append(
                PageText(
                    number, page.rect.width, page.rect.height, "pt", "text_layer", words, None, 1.0
                )
            )
    truth = json.loads((FIXTURES / case / "truth.json").read_text(encoding="utf-8"))
    return DocumentText(pages), truth


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
