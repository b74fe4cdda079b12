"""Transliteration of signatories' names and the script-independent name key."""

from __future__ import annotations

import re

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from verify.resources import load_json
from verify.text.translit import fold_lookalikes, fold_name, transliterate, transliterations


def test_founding_letter_signatory_press_forms_first() -> None:
    assert transliterations("А.Н. Плутницкий", "ru") == [
        "A.N. Plutnitskiy",
        "A.N. Plutnitsky",
        "A.N. Plutnitskii",
        "A.N. Plutniczkij",
    ]


@pytest.mark.parametrize(
    ("name", "scheme", "expected"),
    [
        ("Плутницкий", "icao_9303", "Plutnitskii"),
        ("Плутницкий", "bgn_pcgn", "Plutnitskiy"),
        ("Плутницкий", "press_y", "Plutnitsky"),
        ("Плутницкий", "gost_7_79_b", "Plutniczkij"),
        ("Юлия Щукина", "icao_9303", "Iuliia Shchukina"),
        ("Юлия Щукина", "bgn_pcgn", "Yuliya Shchukina"),
        ("Юлия Щукина", "gost_7_79_b", "Yuliya Shhukina"),
        ("Андреев", "bgn_pcgn", "Andreyev"),
        ("Ёлкин", "bgn_pcgn", "Yolkin"),
        ("Лінчевський", "ua_national_2010", "Linchevskyi"),
        ("Згурський", "ua_national_2010", "Zghurskyi"),
        ("Юрій Євген Їжакевич", "ua_national_2010", "Yurii Yevhen Yizhakevych"),
        ("Соловйов", "ua_national_2010", "Soloviov"),
        ("ЩУКИНА", "icao_9303", "SHCHUKINA"),
    ],
)
def test_schemes(name: str, scheme: str, expected: str) -> None:
    assert transliterate(name, scheme) == expected


def test_ukrainian_name_uses_national_scheme_first() -> None:
    forms = transliterations("О. В. Лінчевський", "uk")
    assert forms[0] == "O. V. Linchevskyi"
    assert "O. V. Linchevsky" in forms
    assert "O. V. Linchevskiy" in forms


def test_latin_name_is_returned_as_is() -> None:
    assert transliterations("John A. Smith", "en") == ["John A. Smith"]
    assert transliterations("  ", "ru") == []


def test_ocr_lookalikes_in_initials_are_folded() -> None:
    # "A" and "H" are Latin here, as OCR often reads them.
    assert transliterations("A.H. Плутницкий", "ru")[0] == "A.N. Plutnitskiy"
    assert fold_name("A.H.Плутницкий") == fold_name("А.Н. Плутницкий") == "a n plutnitski"


def test_fold_name_meets_press_spellings() -> None:
    key = fold_name("А.Н. Плутницкий")
    for spelling in (
        "A.N. Plutnitsky",
        "A. N. Plutnitskii",
        "a.n. plutnitskiy",
        "A.N. Plutnitskij",
    ):
        assert fold_name(spelling) == key
    assert fold_name("Plutnitsky") == "plutnitski"
    assert fold_name("Ivanov") != fold_name("Ivanova")


def test_fold_lookalikes_keeps_length_and_latin_words() -> None:
    text = "3аместитель Mинистра (MRI)"
    folded = fold_lookalikes(text, "cyrillic")
    assert len(folded) == len(text)
    assert folded.endswith("Министра (MRI)")


def test_schemes_are_versioned_data() -> None:
    data = load_json("transliteration.json")
    assert data["version"]
    for language in ("ru", "uk"):
        for name in data["order"][language]:
            assert name in data["schemes"]


_RU = "абвгдеёжзийклмнопрстуфхцчшщыьэюя"
_UK = "абвгґдеєжзиіїйклмнопрстуфхцчшщьюя"


def _names(alphabet: str) -> st.SearchStrategy[str]:
    word = st.text(alphabet=alphabet, min_size=2, max_size=12).map(str.capitalize)
    initial = st.sampled_from(alphabet.replace("ь", "")).map(lambda c: c.upper() + ".")
    return st.tuples(st.lists(initial, max_size=2), word).map(
        lambda parts: "".join(parts[0]) + (" " if parts[0] else "") + parts[1]
    )


@settings(max_examples=300, deadline=None)
@given(name=_names(_RU))
def test_russian_transliterations_are_ascii_and_fold_together(name: str) -> None:
    forms = transliterations(name, "ru")
    assert forms and len(forms) == len(set(forms))
    key = fold_name(name)
    for form in forms:
        assert form.isascii()
        assert fold_name(form) == key, (name, form)


@settings(max_examples=300, deadline=None)
@given(name=_names(_UK))
def test_ukrainian_transliterations_are_ascii_and_fold_together(name: str) -> None:
    # Known limit (see transliteration.json "fold"): the national scheme writes сг as "sh",
    # and зьг as "zh" (its "zgh" rule needs з and г side by side).
    assume(not re.search("[сцкшщ]ь?г|зьг", name.lower()))
    key = fold_name(name)
    for form in transliterations(name, "uk"):
        assert form.isascii()
        assert fold_name(form) == key, (name, form)
