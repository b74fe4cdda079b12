"""Funding source: the named fund or organisation that pays."""

from __future__ import annotations

import pytest

from tests.textpages import CASES, lines_document, pdf_document
from verify.fields.funding import extract_funding


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
