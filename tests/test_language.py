"""Language detection on page text: scripts, and the letters and words of ru and uk."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from verify.language import detect_language

RU = "Министерство здравоохранения Российской Федерации просит представить сведения"
UK = "Міністерство охорони здоров'я України просить надати інформацію щодо працівників"
EN = "The Ministry of Health asks to provide information about medical workers"


def test_each_language_is_told() -> None:
    assert (detect_language(RU), detect_language(UK), detect_language(EN)) == ("ru", "uk", "en")


def test_too_few_letters_give_none() -> None:
    assert detect_language("№ 30-2/И/2-2757 от 25.02.2022") is None


def _script_by_definition(text: str) -> str | None:
    """detect_language's letter and script counts, character by character."""
    letters = [c for c in text if c.isalpha()]
    if len(letters) < 20:
        return None
    cyrillic = sum(1 for c in letters if "\u0400" <= c <= "\u04ff")
    return "en" if cyrillic < len(letters) * 0.5 else "cyrillic"


@given(st.lists(st.sampled_from(list("абвгыэіїє Latin 123 ҂҃ ѐӿ ½ ,.")), max_size=120).map("".join))
@settings(max_examples=300, deadline=None)
def test_script_counts_match_their_definition(text: str) -> None:
    # The letter and Cyrillic counts that split Latin from Cyrillic text, written out.
    expected = _script_by_definition(text)
    detected = detect_language(text)
    assert (detected if detected in (None, "en") else "cyrillic") == expected
