"""Layout roles on the bundled letters' real text layers, and on small hand-built pages."""

from __future__ import annotations

from pathlib import Path

import pymupdf
import pytest

from verify.fields.layout import analyse_layout
from verify.page import PageText, Word
from verify.reading.textmap import DocumentText

DOCUMENTS = Path(__file__).resolve().parent.parent / "fixtures" / "documents"


def pdf_pages(letter: str) -> list[PageText]:
    """Words of a bundled born-digital PDF, as the text-layer reader gives them."""
    path = DOCUMENTS / letter / "born_digital.pdf"
    if not path.exists():
        pytest.fail(f"fixture missing: {path} (run python fixtures/generate.py)")
    pages = []
    with pymupdf.open(path) as pdf:
        for number, page in enumerate(pdf, start=1):
            words = tuple(
                Word(w[4], (w[0], w[1], w[2], w[3]), 1.0, w[5], w[5] * 1000 + w[6])
                for w in page.get_text("words")
            )
            pages.append(
                PageText(
                    number,
                    page.rect.width,
                    page.rect.height,
                    "pt",
                    "text_layer",
                    words,
                    None,
                    1.0 if words else None,
                )
            )
    return pages


def page_from_lines(lines: list[str], *, char: float = 5.5, pitch: float = 14.0) -> PageText:
    """An A4 page from text lines; " || " puts the rest of a line in the right column.

    Left parts are one block and right parts another, as tesseract and pymupdf usually
    separate a letterhead from an addressee column. An empty string is a blank line.
    """
    words = []
    y = 50.0
    for row, line in enumerate(lines):
        for block, part in enumerate(line.split(" || ") if line.strip() else []):
            x = 57.0 if block == 0 else 595.0 * 0.55
            for token in part.split():
                width = len(token) * char
                words.append(Word(token, (x, y, x + width, y + 11.0), 0.9, block, row))
                x += width + char
        y += pitch
    return PageText(1, 595.0, 842.0, "pt", "text_layer", tuple(words), None, 0.9)


def roles(letter: str) -> dict[str, list[str]]:
    layout = analyse_layout(DocumentText(pdf_pages(letter)))
    found: dict[str, list[str]] = {}
    for segment in layout.segments:
        found.setdefault(segment.role, []).append(segment.text)
    return found


def test_gost_letter_roles():
    found = roles("ru_minzdrav_founding")
    assert found["letterhead"][:4] == [
        "МИНИСТЕРСТВО ЗДРАВООХРАНЕНИЯ",
        "РОССИЙСКОЙ ФЕДЕРАЦИИ",
        "(МИНЗДРАВ РОССИИ)",
        "ЗАМЕСТИТЕЛЬ МИНИСТРА",
    ]
    assert found["registration"] == ["25.02.2022 № 30-2/И/2-2781"]
    assert found["addressee"] == [
        "Руководителям органов",
        "исполнительной власти",
        "субъектов Российской Федерации",
        "в сфере охраны здоровья",
    ]
    assert found["subject"] == ["О предоставлении информации"]
    assert found["signature"] == ["Заместитель Министра", "А.Н. Плутницкий"]
    assert found["executor"] == ["Иванова Елена Александровна", "+7 (495) 627-29-44"]
    assert "stamp" not in found


def test_reply_line_and_stamp_roles():
    found = roles("ru_region_health")
    assert found["reply_to"] == ["На № 01-12/345 от 20.02.2022"]
    assert found["stamp"] == ["ОГБУЗ «Городская больница № 2»", "Вх. № 412", "от 28.02.2022"]
    assert found["registration"] == ["27.02.2022 № 9-09/1187"]


def test_order_roles():
    found = roles("ru_order")
    assert found["title"] == ["ПРИКАЗ"]
    assert found["registration"] == ["01.03.2022", "№ 276", "г. Калуга"]
    assert found["subject"] == ["О создании резерва медицинских кадров"]
    assert "addressee" not in found
    assert "executor" not in found


def test_english_letter_roles():
    found = roles("en_ngo")
    assert found["registration"] == ["Our ref: MRI/2022/031", "28 February 2022"]
    assert found["addressee"] == ["Heads of Surgical Departments", "Partner Hospitals Network"]
    # No cue word: the short line standing alone before the first paragraph is the heading.
    assert found["subject"] == ["Call for volunteer surgical teams"]
    assert found["signature"][0] == "Yours faithfully,"
    assert found["executor"] == ["Contact: James Okafor", "Tel: +44 20 7946 0457"]


def test_two_requisites_on_one_line_are_split():
    page = page_from_lines(
        [
            "МИНИСТЕРСТВО ЗДРАВООХРАНЕНИЯ || Руководителям органов",
            "РОССИЙСКОЙ ФЕДЕРАЦИИ || исполнительной власти",
            "25.02.2022 № 30-2/И/2-2781",
            "О предоставлении информации",
        ]
    )
    # One line id for both columns: the split must come from the gap, not from the blocks.
    merged = tuple(Word(w.text, w.bbox, w.confidence, 0, w.line) for w in page.words)
    page = PageText(1, 595.0, 842.0, "pt", "text_layer", merged, None, 0.9)
    layout = analyse_layout(DocumentText([page]))
    addressee = layout.blocks_with("addressee")
    assert [block.text for block in addressee] == ["Руководителям органов исполнительной власти"]
    assert layout.blocks_with("letterhead")[0].text == (
        "МИНИСТЕРСТВО ЗДРАВООХРАНЕНИЯ РОССИЙСКОЙ ФЕДЕРАЦИИ"
    )
    assert all(segment.column == "right" for segment in addressee[0].segments)


def test_addressees_split_at_blank_lines():
    layout = analyse_layout(DocumentText(pdf_pages("ru_minzdrav_monthly")))
    assert len(layout.blocks_with("addressee")) == 2


def test_empty_document_has_no_segments():
    empty = PageText(1, 595.0, 842.0, "pt", "empty", (), None, None)
    layout = analyse_layout(DocumentText([empty]))
    assert layout.segments == ()
    assert layout.blocks == ()


def _ocr_line(text: str, x: float, top: float, line: int, height: float = 44.0) -> list[Word]:
    """Words of one OCRed line: tesseract's boxes hug the letters (no line spacing)."""
    words, left = [], x
    for token in text.split():
        words.append(Word(token, (left, top, left + 18 * len(token), top + height), 0.9, 1, line))
        left += 18 * len(token) + 14
    return words


def test_ocr_header_keeps_the_registration_line_in_its_column() -> None:
    # The founding letter's 300-dpi scan: the letterhead (left) ends 47 px above the
    # registration line, the addressee block (right) ends higher. In tight OCR boxes that
    # gap is about one line height: not a cut between two parts of the page.
    left = ["МИНИСТЕРСТВО ЗДРАВООХРАНЕНИЯ", "РОССИЙСКОЙ ФЕДЕРАЦИИ", "Москва, 127994",
            "тел.: (495) 628-44-53"]  # fmt: skip
    right = ["Руководителям органов", "исполнительной власти", "в сфере охраны здоровья"]
    words = []
    for i, text in enumerate(left):
        words += _ocr_line(text, 300, 381 + 53 * i, i)  # the last ends at 584
    for i, text in enumerate(right):
        words += _ocr_line(text, 1430, 330 + 60 * i, 10 + i)
    words += _ocr_line("25.02.2022 № 30-2/И/2-2781", 460, 631, 20)
    words += _ocr_line("О предоставлении информации", 300, 750, 21)
    page = PageText(1, 2481.0, 3508.0, "px", "ocr", tuple(words), "ru", 0.9)
    lines = DocumentText([page]).text.splitlines()
    assert lines == [*left, "25.02.2022 № 30-2/И/2-2781", *right, "О предоставлении информации"]
