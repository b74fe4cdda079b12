"""What scrub blacks out, and whether the copy still shows it.

A finding's evidence is the value a rule extracted ("Иванова Е.А.", "+7 (495) 627-29-44"),
not what the page prints around it: an extension ("доб. 1523") after the phone, or a
phone continued on the next line, outlives a box drawn around the value alone. So every
flagged box grows to the whole printed lines it touches, and to the lines that continue
them (``models/forensics.json`` ``redaction``). The words of those lines that appear
nowhere else in the document are the *secrets*; after the copy is written it is read
again, harder than extraction reads (several preparations and page segmentations, no
confidence floor), and a secret found there means the redaction failed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz

from verify.fields.layout import analyse_layout
from verify.forensics.findings import Finding
from verify.forensics.metadata import params
from verify.page import BBox
from verify.reading.textmap import DocumentText, Line

ROLES = {"incoming_stamp": "stamp", "executor_named": "executor"}
"""Finding types whose lines the layout also names: every line of that role is covered."""


@dataclass(frozen=True)
class Region:
    """One area to black out, in the record's coordinates of its page."""

    kind: str  # the --redact name
    page: int
    bbox: BBox
    text: str  # the printed line it covers; "" for a mark that is not print
    line: int | None = None  # its index in DocumentText.lines


def _overlaps(a: BBox, b: BBox, pad: float = 0.0) -> bool:
    return a[0] - pad < b[2] and b[0] - pad < a[2] and a[1] - pad < b[3] and b[1] - pad < a[3]


def _continues(line: Line, above: Line, patterns: list[re.Pattern[str]], gap: float) -> bool:
    """Whether ``line`` is printed just under ``above`` and reads as its continuation."""
    height = above.bbox[3] - above.bbox[1]
    close = 0 <= line.bbox[1] - above.bbox[3] <= gap * height
    aligned = line.bbox[0] < above.bbox[2] and above.bbox[0] < line.bbox[2]
    return close and aligned and any(p.search(line.text) for p in patterns)


def flagged_regions(
    findings: list[Finding], kinds: dict[str, str], doc: DocumentText
) -> list[Region]:
    """Regions to black out for the findings whose type ``kinds`` maps to a --redact name.

    A box that touches printed lines becomes those whole lines, plus every line the
    layout gives the same role (all executor lines, all stamp lines) and the lines that
    continue them; a box on no line (a handwritten mark) stays as it is.
    """
    settings = params()["redaction"]
    patterns = [re.compile(p, re.IGNORECASE) for p in settings["continuation_patterns"]]
    layout = analyse_layout(doc) if doc.lines else None
    chosen: dict[int, str] = {}  # line index -> kind
    regions: list[Region] = []
    for finding in findings:
        kind = kinds.get(finding.type)
        if kind is None:
            continue
        for evidence in finding.evidence:
            if evidence.page is None or evidence.bbox is None:
                continue
            touched = [
                line.index
                for line in doc.lines
                if line.page == evidence.page and _overlaps(line.bbox, evidence.bbox)
            ]
            if not touched or finding.type not in ROLES:
                regions.append(Region(kind, evidence.page, evidence.bbox, ""))
                continue
            chosen.update(dict.fromkeys(touched, kind))
        role = ROLES.get(finding.type)
        if layout is not None and role is not None:
            chosen.update(dict.fromkeys((s.line for s in layout.segments if s.role == role), kind))
    grown = True
    while grown:
        grown = False
        for line in doc.lines:
            if line.index in chosen:
                continue
            for index, kind in list(chosen.items()):
                above = doc.lines[index]
                if above.page == line.page and _continues(
                    line, above, patterns, settings["continuation_max_gap_lines"]
                ):
                    chosen[line.index] = kind
                    grown = True
                    break
    for index, kind in sorted(chosen.items()):
        line = doc.lines[index]
        regions.append(Region(kind, line.page, line.bbox, line.text, line.index))
    return regions


_TOKEN = re.compile(r"[^\W_]+(?:[-./][^\W_]+)*")


def _needles(text: str, min_letters: int, min_digits: int) -> set[str]:
    """The distinctive tokens of a text: long words (lower case) and digit runs."""
    found = set()
    for token in _TOKEN.findall(text):
        digits = re.sub(r"\D", "", token)
        letters = re.sub(r"[\W\d_]", "", token)
        if len(digits) >= min_digits and not letters:
            found.add(digits)
        elif len(letters) >= min_letters and not digits:
            found.add(letters.lower())
    return found


def secrets(regions: list[Region], doc: DocumentText) -> dict[str, set[str]]:
    """Per --redact name, the tokens of its regions that no other line of the document prints.

    A word the letter prints elsewhere (a surname also in the body, the ministry's phone
    prefix) cannot prove anything about the redaction, so it is left out.
    """
    settings = params()["redaction"]
    covered = {r.line for r in regions if r.line is not None}
    elsewhere: set[str] = set()
    for line in doc.lines:
        if line.index not in covered:
            elsewhere |= _needles(line.text, settings["min_letters"], settings["min_digits"])
    found: dict[str, set[str]] = {}
    for region in regions:
        tokens = _needles(region.text, settings["min_letters"], settings["min_digits"])
        found.setdefault(region.kind, set()).update(tokens - elsewhere)
    return found


def still_readable(
    secret_tokens: Iterable[str], lines: Iterable[list[str]], min_similarity: float
) -> list[str]:
    """The secrets that the words of ``lines`` (OCR of the copy) still show.

    Digit runs are looked for in the digits of each line joined (OCR splits "627-29-44"
    anywhere); words by similarity, since a half-legible name is still a name.
    """
    lines = [list(words) for words in lines]
    digit_lines = ["".join(re.sub(r"\D", "", w) for w in words) for words in lines]
    word_set = {re.sub(r"[\W\d_]", "", w).lower() for words in lines for w in words}
    word_set.discard("")
    readable = []
    for secret in sorted(set(secret_tokens)):
        if secret.isdigit():
            hit = any(secret in digits for digits in digit_lines)
        else:
            hit = any(
                word == secret
                or (min(len(word), len(secret)) >= 5 and fuzz.ratio(word, secret) >= min_similarity)
                for word in word_set
            )
        if hit:
            readable.append(secret)
    return readable
