"""Ukrainian apostrophes that OCR dropped: joined back only into dictionary words."""

from __future__ import annotations

from pathlib import Path

from verify.reading.apostrophe import join_apostrophes
from verify.reading.ocr import _params

CFG = _params()["ocr"]
DOCUMENTS = Path(__file__).resolve().parent.parent / "fixtures" / "documents"


def _word(text: str, left: int, width: int, line: int = 3) -> dict:
    return {"text": text, "left": left, "top": 242, "width": width, "height": 40, "conf": 96.0,
            "block": 2, "par": 1, "line": line}  # fmt: skip


def test_a_split_word_is_joined_with_its_apostrophe() -> None:
    words = [_word("охорони", 1165, 138), _word("здоров", 1311, 114), _word("я", 1433, 16),
             _word("обласних", 1460, 153)]  # fmt: skip
    joined, count = join_apostrophes(words, CFG)
    assert count == 1
    assert [w["text"] for w in joined] == ["охорони", "здоров'я", "обласних"]
    assert (joined[1]["left"], joined[1]["width"]) == (1311, 1449 - 1311)  # both boxes


def test_words_apart_or_unknown_when_joined_stay_apart() -> None:
    far = [_word("здоров", 1311, 114), _word("я", 1500, 16)]  # a real gap: two words
    assert join_apostrophes(far, CFG) == (far, 0)
    other_line = [_word("здоров", 1311, 114), _word("я", 1433, 16, line=4)]
    assert join_apostrophes(other_line, CFG) == (other_line, 0)
    not_a_word = [_word("обласнив", 1311, 114), _word("я", 1433, 16)]
    assert join_apostrophes(not_a_word, CFG) == (not_a_word, 0)


def test_photo_of_a_ukrainian_letter_keeps_its_apostrophe() -> None:
    from verify import extract
    from verify.options import ExtractOptions

    record = extract(DOCUMENTS / "uk_moz" / "photo.jpg", ExtractOptions(cache_dir=None, jobs=1))
    assert record.language == "uk"
    assert any(step.startswith("apostrophes_joined:") for step in record.pages[0].preparation)
    assert "здоров'я обласних" in record.addressees[0].value
