"""Build record fields from text spans, so every value carries its evidence.

Every extractor finds a span in ``DocumentText.text`` and calls ``field_from_span``; the
page, box, raw text and confidence come from the words under the span, never retyped by
hand. A span that covers no word yields None: no evidence, no value.
"""

from __future__ import annotations

from typing import Any, TypeVar

from verify.reading.textmap import DocumentText
from verify.record import Evidence

FieldT = TypeVar("FieldT", bound=Evidence)


def field_from_span(
    model: type[FieldT],
    doc: DocumentText,
    start: int,
    end: int,
    *,
    source: str,
    rule_confidence: float = 1.0,
    **values: Any,
) -> FieldT | None:
    """Make a ``model`` (TextField, Deadline, ...) for the span [start, end).

    ``source`` names the rule, e.g. ``rule:document_date.ru.numeric``; the confidence is
    the words' OCR confidence times ``rule_confidence`` (how sure the rule itself is).
    """
    evidence = doc.evidence(start, end)
    if evidence is None:
        return None
    return model(
        raw=evidence.raw,
        page=evidence.page,
        bbox=(
            round(evidence.bbox[0], 1),
            round(evidence.bbox[1], 1),
            round(evidence.bbox[2], 1),
            round(evidence.bbox[3], 1),
        ),
        confidence=round(min(1.0, evidence.confidence * rule_confidence), 4),
        source=source,
        **values,
    )
