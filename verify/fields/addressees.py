"""Addressees: one value per addressee block, its lines joined by spaces.

The layout puts the addressee column (top right in GOST letters, the inside address in
English letters) into blocks split at blank lines, so a letter to several recipients
yields one value each.
"""

from __future__ import annotations

from verify.fields._header import field_from_segments, rule
from verify.fields.layout import Layout
from verify.reading.textmap import DocumentText
from verify.record import TextField

MISSING = "no addressee block was found in the header (right column or inside address)"


def extract_addressees(doc: DocumentText, layout: Layout, language: str | None) -> list[TextField]:
    """Every addressee, in the order printed."""
    found = []
    for block in layout.blocks_with("addressee"):
        # OCR adds stray stops and colons at line ends, where addressee lines never have them
        # (a comma may run on to the next line, so it stays).
        text = " ".join(" ".join(s.text.rstrip(".:;").split()) for s in block.segments)
        field = field_from_segments(
            TextField,
            doc,
            block.segments,
            source=rule("addressee", language, "block"),
            rule_confidence=0.9,
            value=text,
        )
        if field is not None:
            found.append(field)
    return found
