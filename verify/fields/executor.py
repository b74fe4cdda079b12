"""The executor: who prepared the letter, named with a phone at the very bottom.

GOST puts the executor's name and phone in small print under the signature ("Иванова Елена
Александровна / +7 (495) 627-29-44", "Исп. Иванова Е.А., тел. 123-45-67"). Only lines the
layout placed below the signature are read, so the letterhead's phone is never taken.
"""

from __future__ import annotations

import re

from verify.fields._evidence import field_from_span
from verify.fields._header import patterns, regex, rule
from verify.fields.layout import Layout
from verify.reading.textmap import DocumentText
from verify.record import Executor, TextField

_OCR_PLUS = re.compile(r"^\*")  # "*7 (495)": OCR's reading of "+7"
MISSING = "no executor lines (a name with a phone) were found below the signature"


def extract_executor(doc: DocumentText, layout: Layout, language: str | None) -> Executor | None:
    """The executor's name and phone as written; None when neither is printed."""
    segments = layout.with_role("executor")
    if not segments:
        return None
    phone_re = regex("phone")
    label_re = re.compile(
        r"^\s*(?:"
        + "|".join(re.escape(label.rstrip(":.")) for label in patterns()["executor_labels"])
        + r")[.:]?\s*",
        re.IGNORECASE,
    )
    name_re = re.compile(patterns()["person_name"])
    phone: TextField | None = None
    name: TextField | None = None
    for segment in segments:
        text = segment.text
        match = phone_re.search(text)
        if match and phone is None and sum(c.isdigit() for c in match.group()) >= 6:
            phone = field_from_span(
                TextField,
                doc,
                segment.start + match.start(),
                segment.start + match.end(),
                source=rule("executor_phone", language, "bottom"),
                rule_confidence=0.9,
                value=_OCR_PLUS.sub("+", match.group().strip()),
            )
        if name is not None:
            continue
        # The name: the text after a label ("Исп.") and before the phone or its label.
        label = label_re.match(text)
        start = label.end() if label else 0
        end = match.start() if match else len(text)
        lead = re.search(patterns()["phone_label"] + r"$", text[start:end], re.IGNORECASE)
        if lead:
            end = start + lead.start()
        candidate = text[start:end].strip(" ,;:")
        if candidate and (label or name_re.match(candidate)):
            first = start + text[start:end].index(candidate)
            name = field_from_span(
                TextField,
                doc,
                segment.start + first,
                segment.start + first + len(candidate),
                source=rule("executor_name", language, "label" if label else "name_line"),
                rule_confidence=0.85,
                value=candidate,
            )
    if name is None and phone is None:
        return None
    return Executor(name=name, phone=phone)
