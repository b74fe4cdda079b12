"""Shared helpers of the header extractors: their patterns file and multi-segment evidence.

A header value often spans several lines of one column (a letterhead, an addressee) while
the other column's words sit between them in the document text; evidence must then be the
union of those segments only, not of the whole text span between the first and the last.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from typing import Any

from verify.fields._evidence import FieldT, field_from_span
from verify.fields.layout import Segment
from verify.reading.textmap import DocumentText, union_boxes
from verify.resources import load_json

PATTERNS_FILE = "header_patterns.json"


@cache
def patterns() -> dict[str, Any]:
    """The header patterns from ``models/header_patterns.json``."""
    return load_json(PATTERNS_FILE)


@cache
def regex(name: str) -> re.Pattern[str]:
    """A compiled, case-insensitive regex from the patterns file, {NUMSIGN} filled in."""
    data = patterns()
    return re.compile(data[name].replace("{NUMSIGN}", data["number_sign"]), re.IGNORECASE)


def rule(family: str, language: str | None, name: str) -> str:
    """The ``source`` name of a rule, e.g. ``rule:document_date.ru.registration``."""
    return f"rule:{family}.{language or 'any'}.{name}"


def field_from_segments(
    model: type[FieldT],
    doc: DocumentText,
    segments: Sequence[Segment],
    *,
    source: str,
    rule_confidence: float = 1.0,
    **values: Any,
) -> FieldT | None:
    """A field whose evidence is the words of ``segments`` only (raw text joined by newlines)."""
    parts = [field_from_span(model, doc, s.start, s.end, source=source, **values) for s in segments]
    found = [part for part in parts if part is not None]
    if not found:
        return None
    if len(found) == 1 and rule_confidence == 1.0:
        return found[0]
    page = found[0].page
    on_page = [part for part in found if part.page == page]
    confidence = sum(part.confidence for part in on_page) / len(on_page)
    x0, y0, x1, y1 = union_boxes(part.bbox for part in on_page)
    return model(
        raw="\n".join(part.raw for part in found),
        page=page,
        bbox=(round(x0, 1), round(y0, 1), round(x1, 1), round(y1, 1)),
        confidence=round(min(1.0, confidence * rule_confidence), 4),
        source=source,
        **values,
    )
