"""Look for a report's words in a document's full text, across scripts and case endings.

Field extraction reads what a letter's layout makes findable (the signature block, the
registration line, the list of specialties). A report may name something the letter
says elsewhere, or that extraction missed; before calling a claim ``not_in_document``,
the document's whole text is searched. Words are compared folded to one Latin spelling
(``verify.text.translit.fold_name``: "Плутницкий", "Плутницького" and "Plutnitsky" meet) and on
a stem, so a Russian letter's "педиатров" answers an English report's "paediatricians".
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field

from verify.record import Record
from verify.text.translit import fold_name

_WORD = re.compile(r"[^\W\d_]+(?:['’ʼ-][^\W\d_]+)*")
_MIN_STEM = 5  # shorter stems meet unrelated words ("хир" in "хирургия", "хиромант")
_WINDOW = 3  # words of a phrase may sit this far apart ("врачей - детских хирургов")


class TextHit(BaseModel):
    """Where the document's text names the words: the words as printed, and the page."""

    model_config = ConfigDict(frozen=True)

    raw: str
    start: int = Field(ge=0, description="Offset in the record's text.")
    end: int = Field(ge=0)
    page: int | None = Field(
        description="1-based page when the document has one page; None when the record "
        "keeps no page boundaries for its text."
    )


def _stem(folded: str) -> str:
    return folded[: max(_MIN_STEM, len(folded) - 3)]


def _folded_words(text: str) -> list[tuple[int, int, str]]:
    return [
        (match.start(), match.end(), fold_name(match.group(0)).replace(" ", ""))
        for match in _WORD.finditer(text)
    ]


def find_words(record: Record, phrase: str) -> TextHit | None:
    """The first place the document's text names every word of ``phrase`` (in order, near).

    Words of three letters or fewer are skipped ('of', 'и'); a phrase left empty is never
    found.
    """
    wanted = [_stem(w) for _, _, w in _folded_words(phrase) if len(w) > 3]
    if not wanted:
        return None
    words = _folded_words(record.text)
    for index, (start, _, folded) in enumerate(words):
        if not folded.startswith(wanted[0]):
            continue
        end = _rest_of_phrase(words, index, wanted[1:])
        if end is not None:
            page = 1 if len(record.pages) == 1 else None
            return TextHit(raw=record.text[start:end], start=start, end=end, page=page)
    return None


def _rest_of_phrase(words: list[tuple[int, int, str]], index: int, wanted: list[str]) -> int | None:
    """End offset when the remaining stems follow within the window, else None."""
    end = words[index][1]
    position = index
    for stem in wanted:
        for step in range(1, _WINDOW + 1):
            if position + step < len(words) and words[position + step][2].startswith(stem):
                position += step
                end = words[position][1]
                break
        else:
            return None
    return end
