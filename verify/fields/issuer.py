"""The issuer: the organisation's full name from the letterhead.

The letterhead also carries the abbreviation ("(МИНЗДРАВ РОССИИ)"), the head's position
("ЗАМЕСТИТЕЛЬ МИНИСТРА"), the address and phones; the name is the first lines before any
of those. A name close to one in ``models/issuers.json`` is reported in its canonical
spelling, which repairs OCR noise; any other name is reported as written.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from typing import Any

from rapidfuzz import fuzz

from verify.fields._header import field_from_segments, patterns, regex, rule
from verify.fields.layout import Layout, Segment, title_kind
from verify.reading.textmap import DocumentText
from verify.record import TextField
from verify.resources import load_json

MISSING = "no letterhead with an organisation name was found at the top of page 1"
_MATCH_THRESHOLD = 88  # rapidfuzz ratio, 0..100, on case-folded names


@cache
def _issuers() -> list[dict[str, Any]]:
    issuers: list[dict[str, Any]] = load_json("issuers.json")["issuers"]
    return issuers


def _fold(text: str) -> str:
    text = text.lower().replace("ё", "е").replace("’", "'").replace("`", "'")
    return re.sub(r"\s+", " ", re.sub(r"[«»\"]", "", text)).strip()


def _is_name_line(segment: Segment) -> bool:
    text = segment.text.strip()
    if text.startswith("(") or text.endswith(")"):
        return False  # "(МИНЗДРАВ РОССИИ)", also when OCR dropped one of the brackets
    if regex("letterhead_noise").search(text) or title_kind(text):
        return False
    first = re.match(r"[^\W\d_]+", text)
    if first and first.group().lower() in patterns()["position_words"]:
        return False
    cities = {city.lower() for city in patterns()["city_words"]}
    return text.lower().strip(" ,.") not in cities


def _canonical(name: str) -> tuple[str, float] | None:
    """The known issuer this name is, with the match score 0..1."""
    folded = _fold(name)
    best: tuple[str, float] | None = None
    for issuer in _issuers():
        for known in issuer["names"]:
            score = fuzz.ratio(folded, _fold(known))
            if score >= _MATCH_THRESHOLD and (best is None or score > best[1] * 100):
                best = (issuer["canonical"], score / 100)
    return best


def extract_issuer(doc: DocumentText, layout: Layout, language: str | None) -> TextField | None:
    """The issuing organisation's name, or None when the letterhead shows none."""
    blocks = layout.blocks_with("letterhead")
    if not blocks:
        return None
    name_lines: list[Segment] = []
    for segment in blocks[0].segments:
        if _is_name_line(segment):
            name_lines.append(segment)
        elif name_lines and not segment.text.strip().startswith("("):
            break
    if not name_lines:
        return _from_abbreviation(doc, blocks[0].segments, language)
    # Letterhead lines never end in a stop; OCR specks read as "." or "," are dropped.
    written = " ".join(segment.text.rstrip(".,;:") for segment in name_lines)
    known = _canonical(written)
    if known is not None:
        value, score = known
        source = rule("issuer", language, "known" if score == 1.0 else "known_fuzzy")
        return field_from_segments(
            TextField, doc, name_lines, source=source, rule_confidence=score, value=value
        )
    by_abbreviation = _from_abbreviation(doc, blocks[0].segments, language)
    if by_abbreviation is not None:
        # The name lines are no known name (OCR lost a line), but the letterhead's
        # abbreviation ("(МИНЗДРАВ РОССИИ)") names a known issuer: that is the evidence.
        return by_abbreviation
    return field_from_segments(
        TextField,
        doc,
        name_lines,
        source=rule("issuer", language, "letterhead"),
        rule_confidence=0.85,
        value=written,
    )


def _from_abbreviation(
    doc: DocumentText, segments: Sequence[Segment], language: str | None
) -> TextField | None:
    """A known issuer named by its abbreviation line in the letterhead, if any."""
    for segment in segments:
        folded = _fold(segment.text.strip(" ()"))
        for issuer in _issuers():
            for abbreviation in issuer.get("abbreviations", []):
                score = fuzz.ratio(folded, _fold(abbreviation))
                if score >= _MATCH_THRESHOLD:
                    return field_from_segments(
                        TextField,
                        doc,
                        [segment],
                        source=rule("issuer", language, "known_abbreviation"),
                        rule_confidence=0.8 * score / 100,
                        value=issuer["canonical"],
                    )
    return None
