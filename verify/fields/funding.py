"""Funding source: who pays, as the document names it.

"за счет средств ФГБУ «Федеральный центр медицины катастроф»" gives the organisation as
written; a report's "from funds of the Federal Centre of Medical Disasters" is matched
against it later. Cues are data (``models/funding.json``). Only a *named* source counts:
"за счет внутренних резервов" says how, not who, so it is not a funding source.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from verify.fields._evidence import field_from_span
from verify.reading.textmap import DocumentText
from verify.record import TextField
from verify.resources import load_json

_QUOTES = {"«": "»", "“": "”", '"': '"', "„": "“"}


@dataclass(frozen=True)
class _Cue:
    rule: str
    pattern: re.Pattern[str]
    confidence: float


@cache
def _config() -> dict[str, Any]:
    data: dict[str, Any] = load_json("funding.json")
    return data


@cache
def _cues(language: str) -> list[_Cue]:
    specs = _config()["cues"].get(language, [])
    return [
        _Cue(
            s["rule"],
            re.compile(r"(?<!\w)" + s["regex"] + r"(?!\w)", re.IGNORECASE),
            s["confidence"],
        )
        for s in specs
    ]


def _sentence_end(text: str, start: int) -> int:
    """End of the sentence from ``start``: a period, semicolon or blank line outside quotes."""
    closing: list[str] = []
    limit = min(len(text), start + int(_config()["max_length"]))
    index = start
    while index < limit:
        char = text[index]
        if closing and char == closing[-1]:
            closing.pop()
        elif char in _QUOTES and not (char == '"' and closing and closing[-1] == '"'):
            closing.append(_QUOTES[char])
        elif not closing:
            if char == ";" or text.startswith("\n\n", index):
                return index
            if char == "." and (index + 1 >= len(text) or text[index + 1].isspace()):
                return index
        index += 1
    return index


def _named_start(text: str, start: int, end: int) -> int | None:
    """Skip leading spaces and articles; the source must then look like a name."""
    index = start
    while index < end and text[index].isspace():
        index += 1
    for word in _config()["leading_words"]:
        if re.match(rf"{word}\s", text[index:end], re.IGNORECASE):
            index += len(word) + 1
            while index < end and text[index].isspace():
                index += 1
            break
    if index >= end:
        return None
    first = text[index]
    return index if first.isupper() or first in _QUOTES else None


def _trim_clause(text: str, start: int, end: int) -> int:
    """Cut a trailing clause (", on the basis of ...") off the source."""
    lowered = text[start:end].lower().replace("\n", " ")
    cuts = [lowered.find(b) for b in _config()["clause_breaks"] if b in lowered]
    return start + min(cuts) if cuts else end


def extract_funding(doc: DocumentText, language: str) -> TextField | None:
    """The first named funding source, or None."""
    text = doc.text
    found: list[tuple[int, int, int, _Cue]] = []  # (cue start, value start, value end, cue)
    for cue in _cues(language):
        for match in cue.pattern.finditer(text):
            value_start = _named_start(text, match.end(), len(text))
            if value_start is None:
                continue
            end = _sentence_end(text, value_start)
            end = _trim_clause(text, value_start, end)
            while end > value_start and text[end - 1] in " \n,:":
                end -= 1
            if end > value_start:
                found.append((match.start(), value_start, end, cue))
    if not found:
        return None
    found.sort(key=lambda item: (item[0], -item[3].confidence))
    _, start, end, cue = found[0]
    value = " ".join(text[start:end].split())
    return field_from_span(
        TextField,
        doc,
        start,
        end,
        source=f"rule:funding.{language}.{cue.rule}",
        rule_confidence=cue.confidence,
        value=value,
    )
