"""Names of bodies (issuers, funders) in every language, mapped to one id.

A report writes "Russian Ministry of Health" or "Federal Centre of Medical Disasters";
the letter says "Министерство здравоохранения Российской Федерации" and "ФГБУ «Федеральный
центр медицины катастроф»". Neither transliteration nor fuzzy matching bridges a
translation, so the aliases are data (``organisations`` in ``models/claims_patterns.json``,
plus the names in ``models/issuers.json``), and both sides are mapped to an id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from rapidfuzz import fuzz

from verify.claims.patterns import cues, patterns
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


@dataclass(frozen=True)
class MinistryMention:
    """A ministry of health named in a report, and which one the words say it is."""

    start: int
    end: int
    value: str
    label: str


UNSTATED_MINISTRY = "health_ministry"
"""The value of a ministry of health whose place the report does not state."""
REGIONAL_MINISTRY = "health_ministry:regional"
"""The value of a regional ministry of health whose region the report does not state."""


def health_ministries(text: str, language: str) -> list[MinistryMention]:
    """Every ministry of health named in ``text``, with its place folded to a key.

    "Minzdrav" with no place, or "the regional health ministry", say less than the
    document does; they are kept as what they are (``UNSTATED_MINISTRY``,
    ``REGIONAL_MINISTRY``), never widened to a guess, except where a language's bare
    word has one meaning (a Russian report's "Минздрав" is Russia's ministry).
    """
    config = patterns()["health_ministries"]
    found: list[MinistryMention] = []
    for regex in cues("health_ministries", language, "phrases"):
        for match in regex.finditer(text):
            value = _ministry_value(match, language, config)
            start, end = match.span()
            words = text[start:end]
            leading = len(words) - len(words.lstrip())
            found.append(MinistryMention(start + leading, end, value, ministry_label(value)))
    return found


def _ministry_value(match: re.Match[str], language: str, config: dict[str, Any]) -> str:
    from verify.text.translit import fold_name

    groups = match.groupdict()
    head = (groups.get("head") or match.group(0)).casefold()
    words = " ".join(filter(None, [groups.get("place"), groups.get("after")])).split()
    ignore = {word.casefold() for word in config["ignore"]}
    stem = int(config["stem"])
    regional = any(head.startswith(word) for word in config["regional_heads"]) or bool(
        re.search(r"\bregional\b", match.group(0), re.IGNORECASE)
    )
    place = country = None
    for word in words:
        if word.casefold() in ignore or (language == "en" and not word[:1].isupper()):
            continue
        folded = fold_name(word).replace(" ", "")
        nationals = [
            str(national)
            for national, stems in config["national"].items()
            if any(folded.startswith(s) for s in stems)
        ]
        if nationals:
            country = country or nationals[0]
        elif any(folded.startswith(s) for s in config["regional"]):
            regional = True
        elif place is None and len(folded) >= stem:
            place = folded[:stem]
    if place is not None:  # "Belgorod region, RF": the region's ministry, not the country's
        return f"{UNSTATED_MINISTRY}:{place}"
    if country is not None:
        return country
    if regional:
        return REGIONAL_MINISTRY
    by_head = config["default_heads"].get(language, {})
    for word, national in by_head.items():
        if head.startswith(word):
            return str(national)
    return str(config["default"].get(language) or UNSTATED_MINISTRY)


def ministry_label(value: str) -> str:
    """'ministry of health (moldo…)', the national ministries by their label."""
    if value == UNSTATED_MINISTRY:
        return "a ministry of health (place not stated)"
    if value == REGIONAL_MINISTRY:
        return "a regional ministry of health (region not stated)"
    if value.startswith(UNSTATED_MINISTRY + ":"):
        return f"a ministry of health ({value.split(':', 1)[1]}…)"
    return label(value)


def ministry_agrees(claimed: str, theirs: str) -> bool | None:
    """Whether a claimed ministry is the document's: True, False, or None (cannot tell).

    Both are values of ``health_ministries``. A place the report does not state agrees
    with any ministry of health; a regional one with any ministry that is not national.
    """
    national = set(patterns()["health_ministries"]["national"])
    if claimed == theirs:
        return True
    if claimed == UNSTATED_MINISTRY:
        return True
    if claimed == REGIONAL_MINISTRY:
        return theirs not in national
    if theirs in (UNSTATED_MINISTRY, REGIONAL_MINISTRY):
        return None
    if claimed in national or theirs in national:
        return False
    prefix = UNSTATED_MINISTRY + ":"
    if claimed.startswith(prefix) and theirs.startswith(prefix):
        ratio = fuzz.ratio(claimed[len(prefix) :], theirs[len(prefix) :])
        if ratio >= float(patterns()["health_ministries"]["same_place_ratio"]):
            return True
    return None  # two places verify cannot relate ("Chisinau", "Moldova"): check by hand
