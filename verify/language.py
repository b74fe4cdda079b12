"""Tell Russian, Ukrainian and English apart in a page of text.

Scripts split Latin from Cyrillic; within Cyrillic, letters unique to one language
(і ї є ґ against ы э ъ ё) decide, and function words from ``models/languages.json`` settle
text too short or too damaged by OCR to show those letters.
"""

from __future__ import annotations

import re
from collections import Counter

from verify.resources import load_json

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def _is_cyrillic(char: str) -> bool:
    return "\u0400" <= char <= "\u04ff"


def detect_language(text: str) -> str | None:
    """Return "ru", "uk", "en", or None when the text has too few letters to tell."""
    letters = [char for char in text if char.isalpha()]
    if len(letters) < 20:
        return None
    cyrillic = sum(1 for char in letters if _is_cyrillic(char))
    if cyrillic < len(letters) * 0.5:
        return "en"
    cues = load_json("languages.json")
    score: Counter[str] = Counter()
    for language, alphabet in cues["unique_letters"].items():
        score[language] += 3 * sum(text.count(char) for char in alphabet)
    words = Counter(word.lower() for word in _WORD.findall(text))
    for language in ("uk", "ru"):
        vocabulary = {word.lower() for word in cues["function_words"][language]}
        score[language] += sum(count for word, count in words.items() if word in vocabulary)
    return "uk" if score["uk"] > score["ru"] else "ru"
