"""The document kind, "letter" or "order", from what the header shows.

An order prints its kind as a title ("ПРИКАЗ", "НАКАЗ", "ORDER"); a letter prints none but
carries requisites only letters have: an addressee, a reply line "На № ... от ...", a
salutation. With neither there is no evidence, and no kind is reported.
"""

from __future__ import annotations

from verify.fields._header import field_from_segments, rule
from verify.fields.layout import Layout, title_kind
from verify.reading.textmap import DocumentText
from verify.record import TextField

MISSING = "no title (ПРИКАЗ, НАКАЗ, ORDER) and no letter requisite (addressee, 'На №') was found"


def extract_kind(doc: DocumentText, layout: Layout, language: str | None) -> TextField | None:
    """The kind of the document with the title or requisite that shows it."""
    for segment in layout.with_role("title"):
        found = title_kind(segment.text)
        if found is not None:
            kind, score = found
            return field_from_segments(
                TextField,
                doc,
                [segment],
                source=rule("document_kind", language, "title"),
                rule_confidence=score,
                value=kind,
            )
    for role in ("addressee", "reply_to"):
        segments = layout.with_role(role)
        if segments:
            return field_from_segments(
                TextField,
                doc,
                segments[:1],
                source=rule("document_kind", language, role),
                rule_confidence=0.9,
                value="letter",
            )
    return None
