"""Tell Russian, Ukrainian and English apart in a page of text.

Scripts split Latin from Cyrillic; within Cyrillic, letters unique to one language
(і ї є ґ against ы э ъ ё) decide, and function words from ``models/languages.json`` settle
text too short or too damaged by OCR to show those letters.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import cache

from verify.resources import load_json

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_CYRILLIC_BLOCK = re.compile("[\u0400-\u04ff]+")


@cache
def _function_words(language: str) -> frozenset[str]:
    return frozenset(
        word.lower() for word in load_json("languages.json")["function_words"][language]
    )


def detect_language(text: str) -> str | None:
    """Return "ru", "uk", "en", or None when the text has too few letters to tell.

    Runs on every page: about 0.2 ms on a full one, most of it counting letters (with
    ``map`` and a regex, a little faster than a per-character generator).
    """
    letters = sum(map(str.isalpha, text))
    if letters < 20:
        return None
    cyrillic = sum(map(str.isalpha, "".join(_CYRILLIC_BLOCK.findall(text))))
    if cyrillic < letters * 0.5:
        return "en"
    cues = load_json("languages.json")
    score: Counter[str] = Counter()
    for language, alphabet in cues["unique_letters"].items():
        score[language] += 3 * sum(text.count(char) for char in alphabet)
    words = Counter(word.lower() for word in _WORD.findall(text))
    for language in ("uk", "ru"):
        vocabulary = _function_words(language)
        score[language] += sum(count for word, count in words.items() if word in vocabulary)
    return "uk" if score["uk"] > score["ru"] else "ru"
