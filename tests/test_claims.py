"""Claims read from news reports: the seeds, our own fixtures, relative dates, bad input."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import FIXTURES, ROOT
from verify.claims import claims_from_file, claims_from_text
from verify.claims.when import PartialDate, time_at
from verify.text.translit import fold_name

CLAIMS = FIXTURES / "claims"
TRUTH = json.loads((CLAIMS / "truth.json").read_text(encoding="utf-8"))
SEEDS = Path(os.environ.get("VERIFY_SEEDS_DIR") or ROOT.parent / "shared" / "seeds")


def report_path(entry: dict) -> Path:
    if entry["in"] == "seeds":
        path = SEEDS / entry["file"]
        if not path.is_file():
            pytest.skip(f"seed report {entry['file']} not found in {SEEDS} (set VERIFY_SEEDS_DIR)")
        return path
    return CLAIMS / entry["file"]


def key(kind: str, value: str | None) -> tuple[str, str | None]:
    if value is None:
        return kind, "relative"  # what the truth calls a claim with nothing to compare
    if kind == "signatory_name" and value:
        return kind, fold_name(value).split()[-1]
    return kind, value


@pytest.mark.parametrize("entry", TRUTH["reports"], ids=lambda e: e["file"])
def test_claims_match_truth(entry):
    claims_file = claims_from_file(report_path(entry))
    assert claims_file.status == entry["status"], claims_file.message
    got = [key(c.kind, c.value) for c in claims_file.claims]
    assert sorted(got, key=str) == sorted(
        (key(c["kind"], c["value"]) for c in entry["claims"]), key=str
    )
    if "report_date" in entry:
        assert claims_file.report_date == entry["report_date"]


@pytest.mark.parametrize("entry", TRUTH["reports"], ids=lambda e: e["file"])
def test_every_claim_keeps_its_words_and_sentence(entry):
    path = report_path(entry)
    text = path.read_text(encoding="utf-8")
    for claim in claims_from_file(path).claims:
        assert text[claim.start : claim.end] == claim.raw
        assert text[claim.sentence_start : claim.sentence_end] == claim.sentence
        assert claim.sentence_start <= claim.start < claim.end <= claim.sentence_end


def test_seed_000_coordinated_specialties_each_one_claim():
    claims = claims_from_file(report_path(TRUTH["reports"][0])).claims
    surgeons = [c for c in claims if c.raw.startswith("trauma, heart")]
    assert [c.value for c in surgeons] == [
        "trauma_surgeon",
        "cardiovascular_surgeon",
        "maxillofacial_surgeon",
        "pediatric_surgeon",
    ]


def test_a_claims_date_never_fills_in_what_the_report_does_not_state():
    """'dated today - February 25' states no year; '6pm' states no day: neither is assumed."""
    claims = claims_from_file(report_path(TRUTH["reports"][0]), dt.date(2022, 2, 26)).claims
    by_kind = {c.kind: c for c in claims}
    assert by_kind["document_date"].value == "--02-25"
    assert by_kind["deadline"].value == "T18:00"
    assert "only the time is checked" in (by_kind["deadline"].note or "")


def test_a_deadline_without_its_year_is_not_put_in_the_year_before(tmp_path):
    """A report of 1 March about 'не позднее 18 марта' means this March, never last year's."""
    path = tmp_path / "news.txt"
    path.write_text("Минздрав в письме потребовал представить списки не позднее 18 марта.", "utf-8")
    claims = claims_from_file(path, dt.date(2022, 3, 1)).claims
    deadline = next(c for c in claims if c.kind == "deadline")
    assert deadline.value == "--03-18"
    assert "only day and month" in (deadline.note or "")


def test_seed_001_dateline_is_the_report_date():
    claims_file = claims_from_file(report_path(TRUTH["reports"][1]))
    assert claims_file.report_date == "2022-02-26"
    assert "dateline" in (claims_file.report_date_source or "")


@pytest.mark.parametrize("claims_date", [None, dt.date(2022, 2, 26)])
def test_dated_today_is_never_resolved(tmp_path, claims_date):
    """'dated today' names no day: with or without a report date it is not compared."""
    path = tmp_path / "post.txt"
    path.write_text(
        "The letter, signed by Deputy Health Minister Plutnitsky, is dated today.", "utf-8"
    )
    claims = claims_from_file(path, claims_date).claims
    dated = next(c for c in claims if c.kind == "document_date")
    assert (dated.value, dated.raw) == (None, "today")
    assert "not checked" in (dated.note or "")


@pytest.mark.parametrize(
    ("text", "raw"),
    [
        ("The letter asks hospitals to send the lists within 48 hours.", "within 48 hours"),
        (
            "The ministry wants the names by the end of the week, the letter says.",
            "by the end of the week",
        ),
        ("В письме Минздрава требуют прислать списки до конца дня.", "до конца дня"),
        ("В письме требуют представить сведения в течение суток.", "в течение суток"),
        ("У листі МОЗ вимагають подати списки протягом доби.", "протягом доби"),
        ("Лист вимагає надіслати списки до п'ятниці.", "до п'ятниці"),
    ],
)
def test_relative_deadlines_are_claims_with_nothing_to_compare(text, raw):
    deadlines = [c for c in claims_from_text(text, dt.date(2022, 2, 25)) if c.kind == "deadline"]
    assert [(c.value, c.raw) for c in deadlines] == [(None, raw)]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("The letter demands the list no later than 6pm.", "T18:00"),
        ("The letter demands the list by 6 p.m. on February 25, 2022.", "2022-02-25T18:00"),
        ("The letter demands the list by 18:00 tomorrow.", "T18:00"),
        ("The letter demands the list before noon.", "T12:00"),
        ("В письме требуют прислать списки не позднее 18.00 25 февраля 2022 года.", None),
        ("У листі вимагають надіслати списки до 18:00.", "T18:00"),
    ],
)
def test_deadlines_across_notations(text, value):
    date = dt.date(2022, 2, 25) if "tomorrow" in text else None
    claims = claims_from_text(text, claims_date=date)
    deadlines = [c.value for c in claims if c.kind == "deadline"]
    assert deadlines == [value or "2022-02-25T18:00"]


@given(st.integers(1, 12), st.sampled_from(["am", "pm", "a.m.", "p.m.", " pm", " AM"]))
def test_twelve_hour_times_become_24_hour(hour, suffix):
    clock = time_at(f"{hour}{suffix} sharp")
    assert clock is not None
    expected = hour % 12 + (12 if "p" in suffix.lower() else 0)
    assert (clock.hour, clock.minute) == (expected, 0)


@given(st.dates(dt.date(1995, 1, 1), dt.date(2090, 12, 31)), st.integers(-3, 3))
@settings(max_examples=50)
def test_partial_dates_shift_like_dates(day, days):
    partial = PartialDate(day.year, day.month, day.day).shifted(days)
    assert partial.iso() == (day + dt.timedelta(days=days)).isoformat()
    assert PartialDate.parse_iso(partial.iso()) == partial


@pytest.mark.parametrize(
    ("content", "status"),
    [
        (b"", "empty"),
        (b"   \n\n  ", "empty"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\x00\x00\x00", "not_text"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not_text"),
        (
            b"Das russische Gesundheitsministerium hat einen Brief verschickt, der von dem "
            b"stellvertretenden Minister unterzeichnet wurde und Chirurgen anfordert.",
            "unsupported_language",
        ),
        (b"12 34 56 ... !!!", "empty"),
    ],
)
def test_unusable_claims_files_say_why(tmp_path, content, status):
    path = tmp_path / "claims.txt"
    path.write_bytes(content)
    claims_file = claims_from_file(path)
    assert claims_file.status == status
    assert claims_file.claims == []
    assert claims_file.message and len(claims_file.message) > 20


def test_cp1251_text_is_read(tmp_path):
    path = tmp_path / "cp1251.txt"
    text = (CLAIMS / "ru_accurate.txt").read_text(encoding="utf-8")
    path.write_bytes(text.encode("cp1251"))
    claims_file = claims_from_file(path)
    assert claims_file.status == "ok" and len(claims_file.claims) == 16


# The reports the issue gave as read wrongly: each now yields the claims a reader sees.
ISSUE_EXAMPLES = [
    (
        "Об этом следует из письма замминистра Андрея Плутницкого. Нужны хирурги всех "
        "направлений, травматологи, рентгенологи, анестезиологи, врачи скорой помощи и медсёстры.",
        {
            ("signatory_position", "deputy_minister"),
            ("signatory_name", "Андрей Плутницкий"),
            ("specialty", "surgeon"),
            ("specialty", "trauma_surgeon"),
            ("specialty", "radiologist"),
            ("specialty", "anesthesiologist"),
            ("specialty", "emergency_physician"),
            ("specialty", "nurse"),
        },
    ),
    (
        "The ministry asked for trauma surgeons, anaesthetists and psychiatrists. Costs would "
        "be covered by the Federal Centre of Medical Disasters.",
        {
            ("specialty", "trauma_surgeon"),
            ("specialty", "anesthesiologist"),
            ("specialty", "psychiatrist"),
            ("funding_source", "ru.fcmk"),
        },
    ),
    (
        "The ministry demanded lists of surgeons and paediatricians by 20 March.",
        {("specialty", "surgeon"), ("specialty", "other:paediatrician"), ("deadline", "--03-20")},
    ),
    (
        "Лист МОЗ України № MOH/2023/0412 підписала заступниця міністра Олена Коваленко.",
        {
            ("issuer", "ua.moz"),
            ("document_number", "MOH/2023/0412"),
            ("signatory_position", "deputy_minister"),
            ("signatory_name", "Олена Коваленко"),
        },
    ),
    (
        "Лист за підписом заступниці міністра Олени Коваленко надіслали всім областям.",
        {("signatory_position", "deputy_minister"), ("signatory_name", "Олена Коваленко")},
    ),
    (
        "Минздрав запросил у регионов списки хирургов.",
        {("issuer", "ru.minzdrav"), ("specialty", "surgeon")},
    ),
    (
        "Document from Ministry of Health shows hospitals must list staff.",
        {("issuer", "health_ministry")},
    ),
]


@pytest.mark.parametrize(
    ("text", "expected"), ISSUE_EXAMPLES, ids=[f"example{i}" for i in range(len(ISSUE_EXAMPLES))]
)
def test_claims_are_found_whatever_the_phrasing(text, expected):
    assert {(c.kind, c.value) for c in claims_from_text(text)} == expected


def test_a_witness_is_not_a_request():
    """A quoted nurse's own job is no claim; the same word in the letter's request is."""
    text = (
        "The letter asks for trauma surgeons. 'We were told nothing,' said an operating nurse "
        "from Kursk."
    )
    assert {(c.kind, c.value) for c in claims_from_text(text)} == {("specialty", "trauma_surgeon")}


@pytest.mark.parametrize(
    ("text", "language", "value"),
    [
        ("Минздрав республики", "ru", "health_ministry:regional"),
        ("Министерство здравоохранения Республики Молдова", "ru", "health_ministry:moldo"),
        ("The Ministry of Health of the Republic of Moldova", "en", "health_ministry:moldo"),
        ("Министерство здравоохранения Российской Федерации", "ru", "ru.minzdrav"),
        ("Міністерство охорони здоров'я Бєлгородської області РФ", "uk", "health_ministry:belkh"),
        ("Russia's Health Ministry", "en", "ru.minzdrav"),
        ("МОЗ", "uk", "ua.moz"),
        ("the Health Ministry", "en", "health_ministry"),
    ],
)
def test_a_ministry_is_the_one_its_place_names(text, language, value):
    """A republic or region never falls back to the country's ministry (a true claim
    about Moldova's 'Минздрав республики' was once contradicted as Russia's)."""
    from verify.claims.organisations import health_ministries

    assert [m.value for m in health_ministries(text, language)] == [value]


def test_the_same_region_in_two_spellings_agrees():
    from verify.claims.organisations import ministry_agrees

    assert ministry_agrees("health_ministry:bilkh", "health_ministry:belkh")
    assert ministry_agrees("health_ministry:chisi", "health_ministry:moldo") is None
    assert ministry_agrees("ru.minzdrav", "health_ministry:moldo") is False


def test_a_retraction_claims_nothing_but_the_correction_does():
    """'We wrongly reported that Murashko signed it' is not a claim that he did."""
    text = (
        "В заметке мы ошибочно указали, что письмо подписал министр здравоохранения Михаил "
        "Мурашко. На самом деле документ подписан заместителем министра Андреем Плутницким."
    )
    claims = {(c.kind, c.value) for c in claims_from_text(text)}
    assert ("signatory_name", "Андрей Плутницкий") in claims
    assert not any(
        kind == "signatory_name" and "Мурашко" in (value or "") for kind, value in claims
    )
    assert ("signatory_position", "minister") not in claims
