"""Render Cyrillic names in Latin the ways passports and newspapers do, and fold them to a key.

A letter says "А.Н. Плутницкий"; reports say "Plutnitsky", "Plutnitskiy" or "Plutnitskii".
Matching a report's name against a record needs every common rendering (``transliterations``)
and a key on which all renderings of one name meet whatever script they are in
(``fold_name``). The schemes, their order and the folding rewrites are data in
``models/transliteration.json`` so a newsroom can add a house style without touching code.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import Any

from verify.resources import load_json

_WORD = re.compile(r"[^\W\d_]+(?:['’ʼ][^\W\d_]+)*", re.UNICODE)


def _is_cyrillic(char: str) -> bool:
    return "\u0400" <= char <= "\u04ff"


@dataclass(frozen=True)
class _Scheme:
    """One transliteration scheme, resolved from the data file (``base_from`` expanded)."""

    name: str
    base: dict[str, str]
    initial: dict[str, str]
    after_vowel: dict[str, str]
    before: dict[str, tuple[str, str]]  # letter -> (next letters, value)
    pairs: dict[str, str]
    endings: dict[str, str]


@cache
def _data() -> dict[str, Any]:
    data: dict[str, Any] = load_json("transliteration.json")
    return data


@cache
def _scheme(name: str) -> _Scheme:
    spec = _data()["schemes"][name]
    parent = _scheme(spec["base_from"]) if "base_from" in spec else None
    before = {
        letter: (rule["letters"], rule["value"]) for letter, rule in spec.get("before", {}).items()
    }
    return _Scheme(
        name=name,
        base=dict(spec.get("base") or (parent.base if parent else {})),
        initial=dict(spec.get("initial") or (parent.initial if parent else {})),
        after_vowel=dict(spec.get("after_vowel") or (parent.after_vowel if parent else {})),
        before=before or (parent.before if parent else {}),
        pairs=dict(spec.get("pairs") or (parent.pairs if parent else {})),
        endings=dict(spec.get("endings", {})),
    )


def scheme_names(language: str) -> list[str]:
    """Schemes tried for ``language``, most common press form first."""
    order: dict[str, list[str]] = _data()["order"]
    return list(order.get(language, order["ru"]))


def _apply_case(source: str, latin: str, word: str, index: int) -> str:
    """Give ``latin`` the case of ``source``: "Щ" -> "Shch", but "ЩУКА" -> "SHCHUKA"."""
    if not source.isupper() or not latin:
        return latin
    neighbours = word[max(index - 1, 0) : index] + word[index + 1 : index + 2]
    letters = [c for c in neighbours if c.isalpha()]
    if letters and all(c.isupper() for c in letters) and len(word) > 1:
        return latin.upper()
    return latin[0].upper() + latin[1:]


def _word(word: str, scheme: _Scheme) -> str:
    """Transliterate one word (letters only) with one scheme."""
    vowels = _data()["vowels"]
    out: list[str] = []
    lower = word.lower()
    index = 0
    while index < len(word):
        pair = lower[index : index + 2]
        if pair in scheme.pairs:
            out.append(_apply_case(word[index], scheme.pairs[pair], word, index))
            index += 2
            continue
        char = lower[index]
        previous = lower[index - 1] if index else ""
        following = lower[index + 1] if index + 1 < len(lower) else ""
        if index == 0 and char in scheme.initial:
            latin = scheme.initial[char]
        elif previous and (previous in vowels or previous in "ъь") and char in scheme.after_vowel:
            latin = scheme.after_vowel[char]
        elif char in scheme.before and following and following in scheme.before[char][0]:
            latin = scheme.before[char][1]
        elif char in scheme.base:
            latin = scheme.base[char]
        else:
            latin = _ascii(char)
        out.append(_apply_case(word[index], latin, word, index))
        index += 1
    result = "".join(out)
    for ending, replacement in scheme.endings.items():
        if result.lower().endswith(ending) and len(result) > len(ending) + 1:
            tail = result[-len(ending) :]
            new_tail = replacement.upper() if tail.isupper() else replacement
            result = result[: -len(ending)] + new_tail
            break
    return result


def _ascii(text: str) -> str:
    """Strip diacritics from Latin text; drop what has no ASCII form."""
    decomposed = unicodedata.normalize("NFKD", text)
    return decomposed.encode("ascii", "ignore").decode("ascii")


def transliterate(text: str, scheme: str) -> str:
    """Render ``text`` with one named scheme (e.g. ``icao_9303``); non-letters pass through."""
    resolved = _scheme(scheme)
    rendered = _WORD.sub(lambda match: _word(match.group(0), resolved), text)
    return _ascii(rendered)


def transliterations(name: str, language: str) -> list[str]:
    """Latin renderings of a name, unique, the most common press form first.

    ``"А.Н. Плутницкий"`` gives ``["A.N. Plutnitskiy", "A.N. Plutnitsky",
    "A.N. Plutnitskii", "A.N. Plutniczkij"]``. A name already in Latin script comes back
    as the only rendering (with look-alike Cyrillic letters folded), so callers need no
    special case for English letters.
    """
    name = " ".join(name.split())
    if not name:
        return []
    if not _mostly_cyrillic(name):
        return [_ascii(fold_lookalikes(name, "latin", whole=True))]
    name = fold_lookalikes(name, "cyrillic", whole=True)
    renderings: list[str] = []
    for scheme in scheme_names(language):
        latin = transliterate(name, scheme)
        if latin not in renderings:
            renderings.append(latin)
    return renderings


def _mostly_cyrillic(text: str) -> bool:
    """True when Cyrillic letters are at least as many as Latin ones (and there are some)."""
    cyrillic = sum(1 for char in text if _is_cyrillic(char))
    latin = sum(1 for char in text if char.isascii() and char.isalpha())
    return cyrillic > 0 and cyrillic >= latin


def fold_lookalikes(text: str, script: str, *, whole: bool = False) -> str:
    """Swap look-alike letters into ``script`` ("cyrillic" or "latin") word by word.

    OCR reads the Cyrillic "А" of "А.Н." as Latin "A" and vice versa. Only words whose
    majority is already in the target script are changed, so a Latin word inside a
    Cyrillic line stays Latin; ``whole=True`` folds every word (for a name, where the
    initials "A.H." belong to the same script as the surname). The result has the same
    length as the input, so offsets into it are offsets into the original.
    """
    table, strangers = _lookalike_table(script)
    if whole:
        return text.translate(table)
    if strangers.search(text) is None:
        return text  # nothing to swap: the common case, and the cheap one

    def swap(match: re.Match[str]) -> str:
        word = match.group(0)
        if strangers.search(word) is None:
            return word
        cyrillic = sum(1 for char in word if _is_cyrillic(char))
        latin = sum(1 for char in word if char.isascii() and char.isalpha())
        target_majority = cyrillic >= latin if script == "cyrillic" else latin >= cyrillic
        return word.translate(table) if target_majority else word

    return _WORD.sub(swap, text)


_WORD = re.compile(r"[^\W\d_]+")


@cache
def _lookalike_table(script: str) -> tuple[dict[int, str], re.Pattern[str]]:
    """The translation table into ``script`` and a pattern finding letters it would swap."""
    table = _data()["lookalikes"]
    mapping: dict[str, str] = (
        table["latin_to_cyrillic"] if script == "cyrillic" else table["cyrillic_to_latin"]
    )
    letters = {key: value for key, value in mapping.items() if key.isalpha()}
    strangers = re.compile("[" + "".join(re.escape(key) for key in letters) + "]")
    return str.maketrans(letters), strangers


def fold_name(name: str) -> str:
    """A script-independent key for a person's name.

    Lower case, Latin, with the spelling differences between schemes folded away
    (y/iy/ii/ij endings, ts/cz, kh/x/h, ya/ia, ye/ie/e ...), and initials kept as
    one-letter tokens: "А.Н. Плутницкий", "A.N. Plutnitsky" and "A. N. Plutnitskii" all
    give "a n plutnitski". Compare keys with equality or a fuzzy ratio.

    Known limit: the ICAO rendering of the hard sign ("ie") is not folded away.
    """
    text = " ".join(name.split())
    if _mostly_cyrillic(text):
        text = transliterate(fold_lookalikes(text, "cyrillic", whole=True), "icao_9303")
    else:
        text = _ascii(fold_lookalikes(text, "latin", whole=True))
    fold = _data()["fold"]
    text = text.lower()
    for char in fold["remove"]:
        text = text.replace(char, "")
    tokens = [_fold_word(token, fold) for token in re.findall(r"[a-z]+", text)]
    return " ".join(tokens)


def _fold_word(word: str, fold: dict[str, Any]) -> str:
    """Run the folding steps of ``transliteration.json`` on one lower-case Latin word."""
    for step in fold["steps"]:
        if "replace" in step:
            for old, new in step["replace"]:
                word = word.replace(old, new)
        elif "replace_until_stable" in step:
            previous = None
            while previous != word:
                previous = word
                for old, new in step["replace_until_stable"]:
                    word = word.replace(old, new)
        elif step.get("collapse") == "all":
            word = re.sub(r"(.)\1+", r"\1", word)
        elif "collapse" in step:
            word = re.sub(f"([{re.escape(step['collapse'])}])\\1+", r"\1", word)
    for placeholder, letters in fold["final"].items():
        word = word.replace(placeholder, letters)
    return word
