"""Deadlines: cues, resolution against the document date, recurring deadlines."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.textpages import CASES, lines_document, pdf_document
from verify.fields.deadlines import extract_deadlines

DOC_DATE = datetime.date(2022, 2, 25)


def values(text: str, language: str, date: datetime.date | None = DOC_DATE) -> list:
    doc = lines_document(text.split("\n"))
    return [(d.value, d.recurrence) for d in extract_deadlines(doc, language, date)]


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        (
            "просит в срок не позднее 18:00 25 февраля\n2022 г. представить",
            "ru",
            "2022-02-25T18:00",
        ),
        ("просить до 10:00 04.03.2022 надати інформацію", "uk", "2022-03-04T10:00"),
        ("в срок до 15.03.2022 сформировать списки", "ru", "2022-03-15"),
        ("by 17:00 on Friday 4 March 2022.", "en", "2022-03-04T17:00"),
        ("Directors are asked to report, by 3 March 2022, the number", "en", "2022-03-03"),
        ("send a list no later than 6pm today", "en", "2022-02-25T18:00"),
        ("представить до 18:00 списки", "ru", "2022-02-25T18:00"),
        ("представить в течение 3 дней", "ru", "2022-02-28"),
        ("представить в течение трех рабочих дней", "ru", "2022-03-02"),
        ("у термін до 01.03.2022 включно", "uk", "2022-03-01"),
        ("not later than 2 March", "en", "2022-03-02"),
        ("до 1O:00 O4.03.2022", "ru", "2022-03-04T10:00"),  # OCR: letter O for zero
    ],
)
def test_deadline_values(text: str, language: str, expected: str) -> None:
    assert values(text, language) == [(expected, None)]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("представлять ежемесячно до 5 числа месяца, следующего за отчетным", "ru"),
        ("просить щомісяця до 5 числа подавати інформацію", "uk"),
        ("Please report by the 5th of each month.", "en"),
    ],
)
def test_monthly_recurring(text: str, language: str) -> None:
    doc = lines_document([text])
    [deadline] = extract_deadlines(doc, language, DOC_DATE)
    assert deadline.value is None and deadline.recurring
    assert deadline.recurrence == "FREQ=MONTHLY;BYMONTHDAY=5"


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("25.02.2022 № 30-2/И/2-2781", "ru"),
        ("Во исполнение письма Минздрава России от 25.02.2022 № 30-2/И/2-2757", "ru"),
        ("Вх. № 87 від 05.03.2022", "uk"),
        ("в течение трех рабочих дней со дня таких изменений", "ru"),
        ("к выезду в течение 24 часов с момента получения распоряжения", "ru"),
        ("довести настоящее письмо до руководителей организаций", "ru"),
        ("1 March 2022", "en"),
        ("can be reached by telephone at all times", "en"),
        ("действовавшие до 01.01.2020 правила", "ru"),  # before the document: not a deadline
    ],
)
def test_not_deadlines(text: str, language: str) -> None:
    assert values(text, language) == []


def test_evidence_and_confidence() -> None:
    doc = lines_document(["просит в срок не позднее 18:00 25 февраля 2022 г. представить"])
    [deadline] = extract_deadlines(doc, "ru", DOC_DATE)
    assert deadline.raw == "в срок не позднее 18:00 25 февраля 2022 г."
    assert deadline.source == "rule:deadline.ru.cue_time_date"
    [today] = extract_deadlines(lines_document(["представить до 18:00"]), "ru", DOC_DATE)
    assert today.confidence < deadline.confidence


def test_without_document_date_only_full_dates_resolve() -> None:
    assert values("до 18:00 представить", "ru", None) == []
    assert values("до 04.03.2022 представить", "ru", None) == [("2022-03-04", None)]


@pytest.mark.parametrize("case", CASES)
def test_fixture_letters(case: str) -> None:
    doc, truth = pdf_document(case)
    date = datetime.date.fromisoformat(truth["document_date"])
    found = extract_deadlines(doc, truth["language"], date)
    assert [(d.value, d.recurring, d.recurrence) for d in found] == [
        (d["value"], d["recurring"], d["recurrence"]) for d in truth["deadlines"]
    ]


@settings(max_examples=60, deadline=None)
@given(
    document_date=st.dates(datetime.date(2015, 1, 1), datetime.date(2030, 12, 31)),
    day=st.integers(1, 28),
    month=st.integers(1, 12),
    year=st.integers(2014, 2031),
    cue=st.sampled_from(["до", "не позднее", "в срок до"]),
)
def test_deadline_before_document_date_only_after_an_explicit_cue(
    document_date: datetime.date, day: int, month: int, year: int, cue: str
) -> None:
    text = f"представить {cue} {day:02d}.{month:02d}.{year} сведения"
    found = extract_deadlines(lines_document([text]), "ru", document_date)
    for deadline in found:
        assert deadline.value == f"{year}-{month:02d}-{day:02d}"
        if datetime.date.fromisoformat(deadline.value) < document_date:
            # kept only as an explicit deadline ("не позднее", "в срок до"), less certain
            assert cue != "до"
            assert deadline.confidence <= 0.6


@settings(max_examples=30, deadline=None)
@given(
    document_date=st.dates(datetime.date(2015, 1, 1), datetime.date(2030, 12, 31)),
    day=st.integers(1, 28),
    month=st.sampled_from(["January", "March", "June", "September", "December"]),
)
def test_english_date_without_year_is_not_before_document(
    document_date: datetime.date, day: int, month: str
) -> None:
    for value, _ in values(f"Please reply by {day} {month}.", "en", document_date):
        assert datetime.date.fromisoformat(value) >= document_date
