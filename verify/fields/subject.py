"""The subject: the short heading before the body ("О предоставлении информации").

English headings often carry a label ("Re:", "Subject:"), which is not part of the subject.
"""

from __future__ import annotations

import re

from verify.fields._header import field_from_segments, rule
from verify.fields.layout import Layout
from verify.reading.textmap import DocumentText
from verify.record import TextField

MISSING = (
    "no heading ('О ...', 'Про ...', 'Re:', 'Subject:') was found between the header and the body"
)
_LABEL = re.compile(r"^\s*(?:re|subject)\s*:\s*", re.IGNORECASE)


def extract_subject(doc: DocumentText, layout: Layout, language: str | None) -> TextField | None:
    """The heading's text, its lines joined by spaces."""
    blocks = layout.blocks_with("subject")
    if not blocks:
        return None
    block = blocks[0]
    text = _LABEL.sub("", " ".join(block.text.split()))
    return field_from_segments(
        TextField,
        doc,
        block.segments,
        source=rule("subject", language, "heading"),
        rule_confidence=0.95,
        value=text,
    )
