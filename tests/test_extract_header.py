"""Header fields (issuer, kind, number, date, addressees, subject, references, stamps, executor)
on the bundled letters' real text layers, checked against their ground truth and evidence.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib.util
import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.test_layout import page_from_lines, pdf_pages
from verify.fields import extract_fields
from verify.fields.addressees import extract_addressees
from verify.fields.executor import extract_executor
from verify.fields.issuer import extract_issuer
from verify.fields.kind import extract_kind
from verify.fields.layout import analyse_layout
from verify.fields.references import extract_references
from verify.fields.registration import extract_document_date, extract_document_number
from verify.fields.stamps import extract_stamps
from verify.fields.subject import extract_subject
from verify.page import PageText
from verify.reading.textmap import DocumentText
from verify.record import EXTRACTED_FIELDS, Evidence
from verify.text.dates import find_dates, fold_digits

LETTERS = Path(__file__).resolve().parent.parent / "fixtures" / "letters"
LETTER_IDS = sorted(path.stem for path in LETTERS.glob("*.json"))
BODY_MODULES = ("signatories", "deadlines", "specialties", "funding")


def fold(value: str | None) -> str | None:
    """The benchmark's comparison: case, whitespace and quotes folded."""
    if value is None:
        return None
    return " ".join(re.sub(r"[«»\"“”'’`]", "", value).lower().split())


def letter(letter_id: str) -> dict:
    return json.loads((LETTERS / f"{letter_id}.json").read_text(encoding="utf-8"))


def header(letter_id: str) -> dict:
    """Every header field of a bundled letter, read from its born-digital text layer."""
    language = letter(letter_id)["language"]
    doc = DocumentText(pdf_pages(letter_id))
    layout = analyse_layout(doc)
    return {
        "doc": doc,
        "issuer": extract_issuer(doc, layout, language),
        "document_kind": extract_kind(doc, layout, language),
        "document_number": extract_document_number(doc, layout, language),
        "document_date": extract_document_date(doc, layout, language),
        "addressees": extract_addressees(doc, layout, language),
        "subject": extract_subject(doc, layout, language),
        "executor": extract_executor(doc, layout, language),
        "references": extract_references(doc, layout, language),
        "stamps": extract_stamps(doc, layout, language),
    }


def words_in_box(doc: DocumentText, field: Evidence) -> list[str]:
    """The words of the field's page lying inside its evidence box."""
    page = doc.pages[field.page - 1]
    x0, y0, x1, y1 = field.bbox
    return [
        word.text
        for word in page.words
        if word.bbox[0] >= x0 - 0.5
        and word.bbox[1] >= y0 - 0.5
        and word.bbox[2] <= x1 + 0.5
        and word.bbox[3] <= y1 + 0.5
    ]


@pytest.mark.parametrize("letter_id", LETTER_IDS)
def test_scalar_fields_match_truth(letter_id):
    truth = letter(letter_id)["truth"]
    found = header(letter_id)
    for name in ("issuer", "document_kind", "document_number", "document_date", "subject"):
        field = found[name]
        assert fold(field.value if field else None) == fold(truth[name]), name
        if field is not None:
            # Evidence points at exactly the words that were read.
            assert field.page == 1
            assert words_in_box(found["doc"], field) == field.raw.split(), name
            assert field.source.startswith(f"rule:{name}.")
            assert 0 < field.confidence <= 1


@pytest.mark.parametrize("letter_id", LETTER_IDS)
def test_list_fields_match_truth(letter_id):
    truth = letter(letter_id)["truth"]
    found = header(letter_id)
    assert [fold(a.value) for a in found["addressees"]] == [fold(a) for a in truth["addressees"]]
    for addressee in found["addressees"]:
        assert words_in_box(found["doc"], addressee) == addressee.raw.split()
    assert [{"number": r.number, "date": r.date} for r in found["references"]] == truth[
        "references"
    ]
    assert [{"number": s.value, "date": s.date} for s in found["stamps"]] == truth["stamps"]
    assert all(stamp.kind == "incoming" for stamp in found["stamps"])


@pytest.mark.parametrize("letter_id", LETTER_IDS)
def test_executor_matches_truth(letter_id):
    truth = letter(letter_id)["truth"]["executor"]
    executor = header(letter_id)["executor"]
    if truth is None:
        assert executor is None
        return
    assert executor is not None and executor.name is not None and executor.phone is not None
    assert executor.name.value == truth["name"]
    assert executor.phone.value == truth["phone"]
    assert executor.phone.bbox[1] > 700  # the bottom of the page, not the letterhead's phone


def test_founding_letter_evidence_points_at_the_registration_line():
    found = header("ru_minzdrav_founding")
    number, date = found["document_number"], found["document_date"]
    assert (number.raw, date.raw) == ("30-2/И/2-2781", "25.02.2022")
    assert number.bbox[1] == pytest.approx(date.bbox[1], abs=1)  # same printed line
    assert date.bbox[2] < number.bbox[0]
    # The letterhead reads in two lines; the issuer's box covers both and nothing else.
    assert found["issuer"].raw == "МИНИСТЕРСТВО ЗДРАВООХРАНЕНИЯ\nРОССИЙСКОЙ ФЕДЕРАЦИИ"
    # The unfilled "На № ____ от ____" and the own number are not references.
    assert found["references"] == []


def test_reference_value_and_evidence():
    references = header("ru_minzdrav_monthly")["references"]
    assert [r.value for r in references] == ["№ 30-2/И/2-2757 от 2022-02-25"]
    assert "30-2/И/2-2757" in references[0].raw and "25.02.2022" in references[0].raw
    stamp = header("uk_oblast")["stamps"][0]
    assert (stamp.value, stamp.date, stamp.kind) == ("87", "2022-03-05", "incoming")
    assert "Вх." in stamp.raw


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("не позднее 18:00 25 февраля 2022 г. представить", "ru", "2022-02-25"),
        ("до 10:00 02 березня 2022 року", "uk", "2022-03-02"),
        ("by 17:00 on Friday 4 March 2022", "en", "2022-03-04"),
        ("dated March 1, 2022", "en", "2022-03-01"),
        ("от 25.02.2022 № 1", "ru", "2022-02-25"),
        ("25 фквраля 2022 г.", "ru", "2022-02-25"),  # OCR-damaged month name
    ],
)
def test_find_dates(text, language, expected):
    assert [found.iso for found in find_dates(text, language)] == [expected]


def test_digit_folding_keeps_offsets_and_words():
    text = "от 2S.O2.2O22 № З0-2"
    folded = fold_digits(text)
    assert len(folded) == len(text)
    assert folded.startswith("от 25.02.2022")
    assert find_dates(text, "ru")[0].repaired


FOUNDING_HEADER = [
    "МИНИСТЕРСТВО ЗДРАВООХРАНЕНИЯ || Руководителям органов",
    "РОССИЙСКОЙ ФЕДЕРАЦИИ || исполнительной власти",
    "(МИНЗДРАВ РОССИИ)",
    "ЗАМЕСТИТЕЛЬ МИНИСТРА",
    "тел.: (495) 628-44-53, факс: (495) 628-50-58",
    None,  # the registration line, varied by the test
    "На № ________ от ________",
    "О предоставлении информации",
    "",
    "Министерство просит в срок не позднее 18:00 26 февраля 2022 г. представить списки.",
]
_LOOKALIKES = {"0": "OОo", "1": "lI|", "2": "Z", "3": "З", "5": "S", "8": "B", ".": ",", "№": "№"}


@settings(max_examples=60, deadline=None)
@given(
    noise=st.lists(st.integers(min_value=0, max_value=3), min_size=26, max_size=26),
    drop_spaces=st.lists(st.booleans(), min_size=2, max_size=2),
)
def test_document_date_survives_ocr_noise(noise, drop_spaces):
    """Look-alike letters and lost spaces in the number line still give the right date."""
    line = "25.02.2022 № 30-2/И/2-2781"
    chars = []
    for char, pick in zip(line, noise, strict=True):
        options = _LOOKALIKES.get(char, "")
        # Spare the first digit of the day so a look-alike can never start the line as a word.
        chars.append(options[pick % len(options)] if options and pick and chars else char)
    noisy = "".join(chars)
    if drop_spaces[0]:
        noisy = noisy.replace(" №", "№", 1)
    if drop_spaces[1]:
        noisy = noisy.replace("№ ", "№", 1)
    lines = [noisy if line is None else line for line in FOUNDING_HEADER]
    doc = DocumentText([page_from_lines(lines)])
    layout = analyse_layout(doc)
    date = extract_document_date(doc, layout, "ru")
    assert date is not None and date.value == "2022-02-25", noisy
    assert date.raw in noisy
    if noisy != line:
        assert date.confidence <= 0.97


def test_empty_page_gives_no_fields_and_says_why():
    empty = PageText(1, 595.0, 842.0, "pt", "empty", (), None, None)
    extraction = extract_fields([empty])
    assert extraction.language is None
    scalars = ("issuer", "document_kind", "document_number", "document_date", "subject")
    for name in (*scalars, "executor", "funding_source"):
        assert extraction.fields[name] is None
    for name in ("addressees", "signatories", "deadlines", "requested_specialties", "stamps"):
        assert extraction.fields[name] == []
    warned = {w.field for w in extraction.warnings if w.code == "field_not_found"}
    assert warned >= {*scalars, "executor", "addressees", "signatories", "funding_source"}
    assert all("no text" in w.message for w in extraction.warnings)


def test_orchestrator_fills_every_record_field():
    missing = [
        name for name in BODY_MODULES if importlib.util.find_spec(f"verify.fields.{name}") is None
    ]
    if missing:
        pytest.skip(f"body extractors not written yet: {', '.join(missing)}")
    from verify.record import Record

    extraction = extract_fields(pdf_pages("ru_minzdrav_founding"))
    assert extraction.language == "ru"
    assert set(extraction.fields) == set(EXTRACTED_FIELDS)
    assert set(extraction.fields) <= set(Record.model_fields)
    assert extraction.fields["document_date"].value == "2022-02-25"
    # The deadline is resolved against the document date the orchestrator passes on.
    assert any(d.value == "2022-02-25T18:00" for d in extraction.fields["deadlines"])
    warned = {w.field for w in extraction.warnings}
    assert "document_date" not in warned and "issuer" not in warned
    assert dt.date.fromisoformat(extraction.fields["document_date"].value).year == 2022


def test_executor_phone_read_with_an_asterisk_for_plus() -> None:
    [page] = pdf_pages("ru_minzdrav_founding")
    words = tuple(
        dataclasses.replace(w, text="*7") if w.text == "+7" and w.bbox[1] > 600 else w
        for w in page.words
    )  # the executor's "+7" as OCR misreads it
    doc = DocumentText([dataclasses.replace(page, words=words)])
    executor = extract_executor(doc, analyse_layout(doc), "ru")
    assert executor is not None and executor.phone is not None
    assert executor.phone.value == "+7 (495) 627-29-44"
    assert executor.phone.raw == "*7 (495) 627-29-44"  # the evidence as read


ENGLISH_HEADER = [
    "NATIONAL REFERRAL MEDICAL CENTRE",
    "1 Hospital Road, Kampala",
    "",
    None,  # the reference line, varied by the test
    "1 March 2022",
    "",
    "The Directors of Regional Hospitals",
    "",
    "Dear Colleagues,",
    "Request for surgical staff",
    "We ask you to nominate surgeons for deployment.",
]


@pytest.mark.parametrize(
    "line",
    [
        "№ Ref: NRMC/2022/031",
        "№ Ref. NRMC/2022/031",
        "№Ref: NRMC/2022/031",
        "No. Reference: NRMC/2022/031",
        "Ref: NRMC/2022/031",
        "Ref. No. NRMC/2022/031",
        "Reference: NRMC/2022/031",
        "Our ref: NRMC/2022/031",
    ],
)
def test_english_reference_labels_give_the_number(line):
    lines = [line if text is None else text for text in ENGLISH_HEADER]
    doc = DocumentText([page_from_lines(lines)])
    number = extract_document_number(doc, analyse_layout(doc), "en")
    assert number is not None
    assert (number.value, number.raw) == ("NRMC/2022/031", "NRMC/2022/031")
    assert words_in_box(doc, number) == ["NRMC/2022/031"]  # the number alone, not its label


def test_soft_hyphens_in_a_replayed_text_layer_read_as_hyphens():
    """Words as an office PDF's text layer gives them: U+00AD for every printed hyphen."""
    [page] = pdf_pages("ru_minzdrav_founding")
    soft = tuple(dataclasses.replace(w, text=w.text.replace("-", "\u00ad")) for w in page.words)
    doc = DocumentText([dataclasses.replace(page, words=soft)])
    number = extract_document_number(doc, analyse_layout(doc), "ru")
    assert number is not None
    assert (number.value, number.raw) == ("30-2/И/2-2781", "30-2/И/2-2781")
    assert words_in_box(doc, number) == ["30-2/И/2-2781"]
    assert "\u00ad" not in doc.text
