"""The pymorphy3 dictionaries of Russian and Ukrainian, without spaCy.

Kept apart from ``verify.text.nlp`` so that OCR workers, which only need to ask whether a word
exists, do not import spaCy.
"""

from __future__ import annotations

from functools import cache, lru_cache
from typing import Any


@cache
def analyser(language: str) -> Any:
    """pymorphy3's analyser for "ru" or "uk" (dictionaries from PyPI, loaded once)."""
    import pymorphy3

    return pymorphy3.MorphAnalyzer(lang=language)


@lru_cache(maxsize=50_000)
def is_known_word(word: str, language: str) -> bool:
    """Whether ``word`` is in the language's dictionary (not guessed from its ending)."""
    return bool(analyser(language).word_is_known(word))


@lru_cache(maxsize=4096)
def is_plural(word: str, language: str) -> bool:
    """True when ``word`` reads as a plural ('хирургов', 'хірургів', 'surgeons').

    A report asks for groups ("хирургов", "nurses"); a single person's job ("an operating
    nurse from Kursk said") is a bystander, not a request. Russian and Ukrainian ask
    pymorphy3 whether any likely reading is plural; English looks at the ending.
    """
    if language == "en":
        lowered = word.lower()
        return lowered.endswith(("s", "ae", "men", "wives")) and not lowered.endswith("ss")
    parses = analyser(language).parse(word.lower())
    return any("plur" in parse.tag for parse in parses[:3])
