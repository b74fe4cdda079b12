"""Funding source: the named fund or organisation that pays."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from verify.fields.funding import extract_funding
from verify.page import PageText, Word
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


@pytest.mark.parametrize(
    ("lines", "language", "expected"),
    [
        (
            ["Возмещение расходов на проезд и проживание, а также оплата труда предполагается",
             "за счет средств ФГБУ «Федеральный центр медицины катастроф».",
             "Заместитель Министра"],
            "ru",
            "ФГБУ «Федеральный центр медицины катастроф»",
        ),
        (["Оплата здійснюється за рахунок коштів ДП «Медичні закупівлі України»."], "uk",
         "ДП «Медичні закупівлі України»"),
        (["Travel will be covered by the MRI Emergency Response Fund. Employers will"], "en",
         "MRI Emergency Response Fund"),
        (["Costs shall be covered from the Government Reserve Fund, on the basis of reports."],
         "en", "Government Reserve Fund"),
        (["Salaries will be paid from funds of the Federal Centre of Medical Disasters."], "en",
         "Federal Centre of Medical Disasters"),
        (["The deployment is funded by UNICEF; details follow."], "en", "UNICEF"),
    ],
)  # fmt: skip
def test_funding_values(lines: list[str], language: str, expected: str) -> None:
    field = extract_funding(lines_document(lines), language)
    assert field is not None and field.value == expected
    assert field.source.startswith(f"rule:funding.{language}.")


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Замещение будет обеспечено за счет внутренних резервов без снижения объемов.", "ru"),
        ("Работники могут быть привлечены за счет сокращения плановой помощи.", "ru"),
        ("The staff can be reached by telephone at all times.", "en"),
        ("Просим представить списки.", "ru"),
    ],
)
def test_unnamed_or_absent_source_is_none(text: str, language: str) -> None:
    assert extract_funding(lines_document([text]), language) is None


def test_evidence_spans_the_source_over_two_lines() -> None:
    doc = lines_document(["оплата труда предполагается за счет средств ФГБУ «Федеральный центр",
                          "медицины катастроф»."])  # fmt: skip
    field = extract_funding(doc, "ru")
    assert field is not None
    assert field.value == "ФГБУ «Федеральный центр медицины катастроф»"
    assert field.bbox[1] == 40.0 and field.bbox[3] == 66.0


@pytest.mark.parametrize("case", CASES)
def test_fixture_letters(case: str) -> None:
    doc, truth = pdf_document(case)
    field = extract_funding(doc, truth["language"])
    assert (field.value if field else None) == truth["funding_source"]
