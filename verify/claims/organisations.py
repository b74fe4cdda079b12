"""Names of bodies (issuers, funders) in every language, mapped to one id.

A report writes "Russian Ministry of Health" or "Federal Centre of Medical Disasters";
the letter says "Министерство здравоохранения Российской Федерации" and "ФГБУ «Федеральный
центр медицины катастроф»". Neither transliteration nor fuzzy matching bridges a
translation, so the aliases are data (``organisations`` in ``models/claims_patterns.json``,
plus the names in ``models/issuers.json``), and both sides are mapped to an id.
"""

from __future__ import annotations

import re
from functools import cache

from verify.claims.patterns import patterns
from verify.resources import load_json

_QUOTES = str.maketrans({c: " " for c in '«»"“”„()'})


def normalise(text: str) -> str:
    """Case-folded, quotes dropped, ё as е, one apostrophe, single spaces."""
    text = text.translate(_QUOTES).replace("’", "'").replace("ʼ", "'")
    return " ".join(text.casefold().replace("ё", "е").split())


@cache
def _aliases() -> tuple[tuple[str, str], ...]:
    """(normalised alias, id), longest first, over every language."""
    pairs: set[tuple[str, str]] = set()
    for key, spec in patterns()["organisations"].items():
        for language in patterns()["languages"]:
            pairs.update((normalise(alias), key) for alias in spec.get(language, []))
    for issuer in load_json("issuers.json")["issuers"]:
        for name in [issuer["canonical"], *issuer["names"], *issuer.get("abbreviations", [])]:
            pairs.add((normalise(name), issuer["id"]))
    return tuple(sorted(pairs, key=lambda pair: -len(pair[0])))


def label(organisation: str) -> str:
    """English label of an organisation id (the id itself when unknown)."""
    spec = patterns()["organisations"].get(organisation)
    return str(spec["label"]) if spec else organisation


def organisation_in(text: str) -> str | None:
    """Id of the longest known name contained in ``text`` (word-bounded), or None."""
    folded = normalise(text)
    for alias, key in _aliases():
        if re.search(rf"(?<!\w){re.escape(alias)}(?!\w)", folded):
            return key
    return None


def organisation_at(text: str, start: int) -> tuple[str, int] | None:
    """(id, end offset) of a known name starting exactly at ``start``, longest first."""
    for alias, key in _aliases():
        end = _match_at(text, start, alias)
        if end is not None:
            return key, end
    return None


def organisations_in(text: str) -> list[tuple[str, int, int]]:
    """(id, start, end) of every known name in ``text``, longest names winning overlaps."""
    found: list[tuple[str, int, int]] = []
    for match in re.finditer(r"(?<!\w)\w", text):
        if any(start <= match.start() < end for _, start, end in found):
            continue
        hit = organisation_at(text, match.start())
        if hit:
            found.append((hit[0], match.start(), hit[1]))
    return found


def _match_at(text: str, start: int, alias: str) -> int | None:
    """End offset when ``text`` at ``start`` reads ``alias`` (spaces and quotes loosely)."""
    position = start
    for word in alias.split(" "):
        while position < len(text) and (text[position].isspace() or text[position] in '«»"“”'):
            position += 1
        piece = text[position : position + len(word)]
        if normalise(piece) != word:
            return None
        position += len(word)
    if position < len(text) and (text[position].isalnum()):
        return None
    return position
