"""Signatories: the position and name in the signature block, with Latin renderings.

A Russian or Ukrainian signature is a position ("Заместитель Министра", sometimes run over
two or three lines with the office it belongs to) followed, on the same line or the next, by
initials and surname ("А.Н. Плутницкий") or a first name and capitalised surname ("Олег
МЕЛЬНИЧУК"). An English one puts the name first ("Dr Sarah Whitfield") and the position
under it. Positions and name shapes are data (``models/positions.json``); a position must
start its line, and the name must fill its line (or the rest of the position's line), so
body sentences and letterhead lines ("ЗАМЕСТИТЕЛЬ МИНИСТРА" over an address) are not taken
for signatures. OCR look-alike letters are folded before matching and lower the confidence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from rapidfuzz import fuzz

from verify.fields._evidence import field_from_span
from verify.reading.textmap import DocumentText, Line
from verify.record import Signatory
from verify.resources import load_json
from verify.text.translit import fold_lookalikes, transliterations

_FUZZY_POSITION = 90.0  # rapidfuzz ratio a damaged position line must reach
_LOOKALIKE_CONFIDENCE = 0.9
_SPECKS = " _|‘’'`°~-—–.,"  # OCR marks of a handwritten signature beside the name


@dataclass(frozen=True)
class _Position:
    id: str
    form: str
    length: int  # characters of the line the form covers
    confidence: float


@dataclass(frozen=True)
class _Found:
    name_start: int
    name_end: int
    name: str
    position: str
    position_id: str
    block_start: int  # span of the whole signature block (position and name)
    block_end: int
    confidence: float
    rule: str


@cache
def _positions(language: str) -> list[tuple[str, str]]:
    """(form, id) pairs for ``language``, longest form first."""
    data = load_json("positions.json")["positions"]
    languages = [language] if language in ("ru", "uk", "en") else ["ru", "uk", "en"]
    pairs = [
        (form.lower(), position_id)
        for position_id, spec in data.items()
        for lang in languages
        for form in spec["forms"].get(lang, [])
    ]
    return sorted(set(pairs), key=lambda pair: -len(pair[0]))


@cache
def _name_patterns(language: str) -> list[tuple[str, re.Pattern[str], float]]:
    specs: list[dict[str, Any]] = load_json("positions.json")["name_patterns"].get(language, [])
    return [(s["rule"], re.compile(s["regex"]), float(s["confidence"])) for s in specs]


_DIGIT_FOR_LETTER = re.compile(r"(?<!\w)[30](?=[а-яёіїєґ])")


def _fold(text: str, language: str) -> str:
    """Same-length copy with look-alike letters in the document's script.

    In Cyrillic text a word-initial "3" or "0" before lower-case letters is OCR's "З"/"О".
    """
    if language == "en":
        return fold_lookalikes(text, "latin")
    text = _DIGIT_FOR_LETTER.sub(lambda m: "З" if m.group(0) == "3" else "О", text)
    return fold_lookalikes(text, "cyrillic")


def _fold_name(text: str, language: str) -> str:
    """Fold a whole name (initials included) into the document's script."""
    return fold_lookalikes(text, "latin" if language == "en" else "cyrillic", whole=True)


def _match_position(text: str, language: str, fuzzy: bool = True) -> _Position | None:
    """The position that starts ``text`` (a line), exact or fuzzy; longest form wins.

    ``fuzzy`` False for a line from a text layer: it has no OCR damage to forgive, and the
    fuzzy pass is most of the time spent on a long born-digital document.
    """
    lowered = _fold(text, language).lower().replace("ё", "е")
    for form, position_id in _positions(language):
        if lowered.startswith(form) and _boundary(lowered, len(form)):
            return _Position(position_id, form, len(form), 1.0)
    if not fuzzy:
        return None
    first_word = lowered.split(" ", 1)[0] if lowered else ""
    for form, position_id in _positions(language):
        if len(form) < 8 or len(lowered) < len(form) - 1:
            continue
        if len(first_word) > len(form.split(" ", 1)[0]):
            continue  # a longer first word is an inflection ("Начальнику"), not OCR damage
        for length in (len(form) - 1, len(form), len(form) + 1):
            prefix = lowered[:length]
            if _boundary(lowered, length) and fuzz.ratio(prefix, form) >= _FUZZY_POSITION:
                return _Position(position_id, form, length, 0.85)
    return None


def _boundary(text: str, index: int) -> bool:
    return index >= len(text) or not text[index].isalpha()


def _match_name(text: str, language: str, anchored_start: bool) -> tuple[int, int, str, float]:
    """(start, end, rule, confidence) of a name ending ``text``; start -1 when none.

    With ``anchored_start`` the name must fill the whole text.
    """
    folded = _fold_name(text, language) if language != "en" else text
    stripped_end = len(folded.rstrip(" ,."))
    for rule, pattern, confidence in _name_patterns(language):
        for match in pattern.finditer(folded):
            if match.end() != stripped_end:
                continue
            if anchored_start and folded[: match.start()].strip(_SPECKS):
                continue
            if not anchored_start and folded[: match.start()].strip() == "":
                continue
            return match.start(), match.end(), rule, confidence
    return -1, -1, "", 0.0


def _is_name_line(line: Line, language: str) -> tuple[int, int, str, float]:
    """A line that is only a name (and not itself a position)."""
    text = line.text
    if _match_position(text, language, line.ocr) is not None:
        return -1, -1, "", 0.0
    return _match_name(text, language, anchored_start=True)


@lru_cache(maxsize=8)
def _find(doc: DocumentText, language: str) -> tuple[_Found, ...]:
    """Signature blocks of ``doc``.

    Cached per document (a tuple, so no caller can change it): both the signatory and
    the specialty extractors ask for them.
    """
    max_lines = int(load_json("positions.json")["max_position_lines"])
    lines = doc.lines
    found: list[_Found] = []
    for index, line in enumerate(lines):
        position = _match_position(line.text, language, line.ocr)
        if position is None:
            continue
        hit = _name_after(doc, lines, index, position, language, max_lines)
        if hit is None and language == "en" and index > 0:
            hit = _name_before(doc, lines, index, position, language)
        if hit is not None and all(h.name_start != hit.name_start for h in found):
            found.append(hit)
    return tuple(found)


def _name_after(
    doc: DocumentText,
    lines: list[Line],
    index: int,
    position: _Position,
    language: str,
    max_lines: int,
) -> _Found | None:
    """The name on the position's line (after it) or on one of the next lines."""
    first = lines[index]
    parts: list[str] = []
    for offset in range(max_lines + 1):
        if index + offset >= len(lines):
            return None
        line = lines[index + offset]
        if line.page != first.page:
            return None
        text = line.text
        if offset == 0:
            start, end, rule, confidence = _match_name(text, language, anchored_start=False)
            if start >= 0 and start < position.length:
                start = -1  # the name may not eat into the position itself
        else:
            start, end, rule, confidence = _is_name_line(line, language)
        if start >= 0:
            parts.append(text[:start])
            return _build(doc, line, start, end, parts, position, first, rule, confidence)
        if offset and (
            _match_position(text, language, line.ocr)
            or len(text) > 80
            or any(c.isdigit() for c in text)
        ):
            return None  # another position, body text or an address: not a continuation
        parts.append(text)
    return None


def _name_before(
    doc: DocumentText, lines: list[Line], index: int, position: _Position, language: str
) -> _Found | None:
    """English style: the name on the line above the position."""
    line = lines[index - 1]
    start, end, rule, confidence = _is_name_line(line, language)
    if start < 0 or line.page != lines[index].page:
        return None
    position_line = lines[index]
    return _Found(
        name_start=line.start + start,
        name_end=line.start + end,
        name=_clean_name(line.text[start:end], language),
        position=_clean_position(position_line.text),
        position_id=position.id,
        block_start=line.start,
        block_end=position_line.end,
        confidence=confidence * position.confidence,
        rule=rule,
    )


def _build(
    doc: DocumentText,
    line: Line,
    start: int,
    end: int,
    parts: list[str],
    position: _Position,
    first: Line,
    rule: str,
    confidence: float,
) -> _Found:
    raw_name = line.text[start:end]
    name = _clean_name(raw_name, "")
    return _Found(
        name_start=line.start + start,
        name_end=line.start + end,
        name=name,
        position=_clean_position(" ".join(parts)),
        position_id=position.id,
        block_start=first.start,
        block_end=line.end,
        confidence=confidence * position.confidence,
        rule=rule,
    )


def _clean_position(text: str) -> str:
    """The position as written, without OCR specks from the signature ("Министр.‘ _")."""
    tokens = text.split()
    while tokens and sum(char.isalpha() for char in tokens[-1]) < 2:
        tokens.pop()
    return " ".join(tokens).rstrip(_SPECKS + ";:")


def _clean_name(text: str, language: str) -> str:
    return " ".join(text.split()).strip(" ,")


def extract_signatories(doc: DocumentText, language: str) -> list[Signatory]:
    """Signatories in document order: name as written, position as written, Latin forms."""
    results: list[Signatory] = []
    for hit in _find(doc, language):
        raw = doc.text[hit.name_start : hit.name_end]
        name = _fold_name(hit.name, language) if language != "en" else hit.name
        confidence = hit.confidence * (_LOOKALIKE_CONFIDENCE if name != raw else 1.0)
        built = field_from_span(
            Signatory,
            doc,
            hit.name_start,
            hit.name_end,
            source=f"rule:signatory.{language}.{hit.rule}",
            rule_confidence=confidence,
            value=name,
            position=_fold(hit.position, language) or None,
            position_id=hit.position_id,
            latin=transliterations(name, language),
        )
        if built is not None:
            results.append(built)
    return results


def signature_spans(doc: DocumentText, language: str) -> list[tuple[int, int]]:
    """Character spans of the signature blocks, for extractors that must skip them."""
    return [(hit.block_start, hit.block_end) for hit in _find(doc, language)]
