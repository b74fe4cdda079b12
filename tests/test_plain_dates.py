"""``plain_date`` reads a full date exactly as dateparser does, so it may stand in for it.

Every month name in ``models/month_names.json``, in the cases a letter writes it, and any
valid numeric date, are parsed both ways under the settings of both callers (the written
dates of ``verify.text.dates`` and the deadlines of ``verify.fields.deadlines``).
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import dateparser
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from verify.resources import load_json
from verify.text.dates import find_dates, plain_date

WRITTEN = {"STRICT_PARSING": True, "REQUIRE_PARTS": ["day", "month", "year"]}
DEADLINE = {
    "DATE_ORDER": "DMY",
    "PREFER_DATES_FROM": "future",
    "REQUIRE_PARTS": ["day", "month"],
    "RELATIVE_BASE": dt.datetime(2022, 2, 25),
}
NAMES = [
    (language, name, month)
    for language, names in load_json("month_names.json")["names"].items()
    for name, month in names.items()
]


def _dateparser(
    phrase: str, language: str | list[str], settings: dict[str, object]
) -> dt.date | None:
    languages = [language] if isinstance(language, str) else language
    parsed = dateparser.parse(phrase, languages=languages, settings=settings)
    return parsed.date() if parsed else None


@pytest.mark.parametrize(("language", "name", "month"), NAMES)
def test_every_month_name_reads_as_dateparser_reads_it(language, name, month):
    for day, year in ((1, 2022), (9, 1999), (28, 2031), (27, 1987)):
        for form in (name, name.capitalize(), name.upper()):
            phrase = f"{day} {form} {year}"
            ours = plain_date(phrase, language)
            assert ours is not None and ours.month == month
            assert ours == _dateparser(phrase, language, WRITTEN), phrase
            assert ours == _dateparser(phrase, language, DEADLINE), phrase
            # Without a language (layout's date lines), dateparser tries all three.
            assert plain_date(phrase, None) == ours
            assert ours == _dateparser(phrase, ["ru", "uk", "en"], WRITTEN), phrase


@settings(max_examples=150, deadline=None)
@given(
    date=st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2099, 12, 31)),
    padded=st.booleans(),
    language=st.sampled_from(["ru", "uk", "en"]),
)
def test_numeric_dates_read_as_dateparser_reads_them(date, padded, language):
    day, month = (f"{date.day:02d}", f"{date.month:02d}") if padded else (date.day, date.month)
    phrase = f"{day}.{month}.{date.year}"
    assert plain_date(phrase, language) == date
    assert _dateparser(phrase, language, DEADLINE) == date


@pytest.mark.parametrize(
    "phrase",
    [
        "31 апреля 2022",
        "29 февраля 2023",
        "3 марта",
        "3 мартобря 2022",
        "марта 2022",
        "32.01.2022",
        "01.13.2022",
        "3 March, 2022",
        "March 3 2022",
        "3 марта 2022 г.",
    ],
)
def test_anything_else_is_left_to_dateparser(phrase):
    assert plain_date(phrase, "ru" if "а" in phrase else "en") is None


def test_a_letter_with_plain_dates_never_loads_dateparser():
    code = (
        "import sys; from verify.text.dates import find_dates; "
        "found = find_dates('Исх. № 12 от 25 февраля 2022 г., срок до 03.03.2022', 'ru'); "
        "print([f.iso for f in found], 'dateparser' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split("]")[1].split() == ["False"]
    assert find_dates("от 25 февраля 2022 г.", "ru")[0].iso == "2022-02-25"
