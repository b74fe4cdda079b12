"""Give every printed line of a letter its role: letterhead, registration, addressee, subject, ...

Official letters put each requisite in a fixed place (GOST R 7.0.97-2016, DSTU 4163:2020,
English business letters): the issuer's letterhead top left, the addressee in a column top
right, the registration line (date and №) under the letterhead, a short heading "О ..." before
the body, the signature (position + initials and surname) after it, the executor's name and
phone in small print at the very bottom, an incoming stamp "Вх. № ..." anywhere. Extractors
read a field from the lines of its role instead of searching the whole text, which is what
keeps the letterhead's phone from becoming the executor's, or a cited letter's date from
becoming the document date.

A printed line may hold two requisites side by side (letterhead left, addressee right; the
signatory's position left, the name right), so lines are first cut into *segments* at wide
horizontal gaps, and roles are given to segments. Positions are relative to the page, so the
same rules hold for a PDF text layer in points and an OCRed scan in pixels.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import cache
from statistics import median
from typing import Any, Literal

from rapidfuzz import fuzz

from verify.page import BBox, PageText, Word
from verify.reading.textmap import DocumentText, Line, union_boxes
from verify.resources import load_json
from verify.text.dates import find_dates

Role = Literal[
    "letterhead",  # issuer name, its abbreviation, position of the head, address, phones
    "title",  # the kind of document printed as a heading: ПРИКАЗ, НАКАЗ, ORDER
    "registration",  # date and number of this document (and place of issue of an order)
    "reply_to",  # "На № ... от ...": the letter this one answers (GOST requisite 12)
    "addressee",
    "subject",  # heading "О ...", "Про ...", "Re: ..."
    "body",
    "signature",  # closing, position, initials and surname
    "executor",  # who prepared the letter, with a phone
    "stamp",  # incoming registration mark "Вх. № ... от ..."
]
Column = Literal["left", "right", "full"]

# A segment whose left edge is right of this fraction of the page width is in the right column;
# one whose right edge is left of _LEFT_EDGE is in the left column.
_RIGHT_EDGE = 0.42
_LEFT_EDGE = 0.58
# The header (letterhead, registration, addressee, subject) sits in the top part of page 1.
_HEADER_DEPTH = 0.55
_SUBJECT_DEPTH = 0.7


@dataclass(frozen=True)
class Segment:
    """A run of words of one line, between wide gaps, with the role it plays in the letter."""

    page: int
    line: int  # index in DocumentText.lines
    start: int  # span in DocumentText.text
    end: int
    bbox: BBox
    text: str
    column: Column
    role: Role = "body"


@dataclass(frozen=True)
class Block:
    """Segments of one role standing together (one addressee, the letterhead, the signature)."""

    role: Role
    segments: tuple[Segment, ...]

    @property
    def page(self) -> int:
        """Page of the block (blocks never cross pages)."""
        return self.segments[0].page

    @property
    def bbox(self) -> BBox:
        """Union of the segments' boxes."""
        return union_boxes(segment.bbox for segment in self.segments)

    @property
    def text(self) -> str:
        """The block's lines joined by single spaces."""
        return " ".join(segment.text for segment in self.segments)


@dataclass(frozen=True)
class Layout:
    """Segments of every page in reading order, each with a role, and their blocks."""

    segments: tuple[Segment, ...]
    blocks: tuple[Block, ...]

    def with_role(self, role: Role) -> list[Segment]:
        """Segments of a role, in reading order."""
        return [segment for segment in self.segments if segment.role == role]

    def blocks_with(self, role: Role) -> list[Block]:
        """Blocks of a role, in reading order."""
        return [block for block in self.blocks if block.role == role]


@cache
def _patterns() -> dict[str, Any]:
    return load_json("header_patterns.json")


@cache
def _thresholds() -> dict[str, Any]:
    return load_json("layout.json")


@cache
def _regex(name: str) -> re.Pattern[str]:
    patterns = _patterns()
    text = patterns[name].replace("{NUMSIGN}", patterns["number_sign"])
    return re.compile(text, re.IGNORECASE)


def number_sign_regex() -> re.Pattern[str]:
    """The number sign (№, N°, No.) and its common OCR misreadings, as one regex."""
    patterns = _patterns()
    return re.compile(
        f"{patterns['number_sign']}|(?<![^\\W\\d_]){patterns['number_sign_ocr']}(?=\\s?\\d)"
    )


def _starts_with_any(text: str, starts: Iterable[str]) -> bool:
    lowered = text.lower().lstrip(" -–—•")
    return any(lowered.startswith(start.lower()) for start in starts)


def _all_languages(key: str) -> list[str]:
    return [item for items in _patterns()[key].values() for item in items]


def is_subject_start(text: str) -> bool:
    """Tell whether a line opens a heading ("О предоставлении", "Про надання", "Re: ...")."""
    stripped = text.strip()
    for start in _all_languages("subject_starts"):
        if start.endswith(":"):
            if stripped.lower().startswith(start.lower()):
                return True
            continue
        # A preposition heading: the word itself, then a lower-case word ("О предоставлении").
        match = re.match(rf"{re.escape(start)}\s+(\w)", stripped, re.IGNORECASE)
        if match and (start[0].isupper() and stripped[0].isupper()) and match.group(1).islower():
            return True
        if match and start.lower() in ("re", "subject") and stripped[: len(start)] in ("Re", "RE"):
            return True
    return False


@cache
def _kind_titles() -> tuple[str, ...]:
    kinds = load_json("document_kinds.json")["kinds"]
    return tuple(title for kind in kinds.values() for title in kind["titles"])


def title_kind(text: str) -> tuple[str, float] | None:
    """The document kind a title line names ("ПРИКАЗ" → order), with a match score 0..1."""
    letters = re.sub(r"[^\w]", "", text).upper()
    if not 4 <= len(letters) <= 16:
        return None
    kinds = load_json("document_kinds.json")["kinds"]
    best: tuple[str, float] | None = None
    for kind, entry in kinds.items():
        for title in entry["titles"]:
            score = fuzz.ratio(letters, title.upper()) / 100
            if score >= 0.8 and (best is None or score > best[1]):
                best = (kind, score)
    return best


def _split_line(line: Line, page: PageText, doc: DocumentText) -> list[Segment]:
    """Cut a line at gaps much wider than a space: two requisites side by side."""
    words = line.words
    char_widths = [
        (w.bbox[2] - w.bbox[0]) / len(w.text) for w in words if len(w.text) > 0 and w.text.strip()
    ]
    char = median(char_widths) if char_widths else page.width / 100
    threshold = max(0.06 * page.width, 4 * char)
    groups: list[list[Word]] = [[words[0]]]
    for previous, word in zip(words, words[1:], strict=False):
        if word.bbox[0] - previous.bbox[2] > threshold:
            groups.append([])
        groups[-1].append(word)
    segments = []
    offset = line.start
    for group in groups:
        start = offset
        end = start + len(" ".join(w.text for w in group))
        offset = end + 1
        # OCR reads specks and rules as "|", "_", "°": trim them off the segment's ends.
        while group and _is_speck(group[0]):
            start += len(group.pop(0).text) + 1
        while group and _is_speck(group[-1]):
            end -= len(group.pop().text) + 1
        if not group:
            continue
        bbox = union_boxes(w.bbox for w in group)
        centre = (bbox[0] + bbox[2]) / 2
        if abs(centre - page.width / 2) < 0.06 * page.width:
            column: Column = "full"  # a centred line (letterhead, title) belongs to no column
        elif bbox[0] >= _RIGHT_EDGE * page.width:
            column = "right"
        elif bbox[2] <= _LEFT_EDGE * page.width:
            column = "left"
        else:
            column = "full"
        segments.append(
            Segment(line.page, line.index, start, end, bbox, doc.text[start:end], column)
        )
    return segments


def _is_speck(word: Word) -> bool:
    """A word with no letter or digit (and not the number sign): OCR noise, not text."""
    return not any(char.isalnum() or char == "№" for char in word.text)


def _is_registration(text: str) -> bool:
    """Date and number of this document: "25.02.2022 № 30-2/И/2-2781", "від 02.03.2022 № 24"."""
    if _regex("reply_to").search(text):
        return False
    has_number = bool(number_sign_regex().search(text)) or _own_ref(text)
    return has_number and bool(find_dates(text, None))


def _own_ref(text: str) -> bool:
    labels = _all_languages("own_ref_labels")
    return any(re.match(rf"\s*{re.escape(label)}\b\.?\s*[:№.]", text, re.I) for label in labels)


def _is_date_only(text: str) -> bool:
    """A line that is nothing but a date (English letters, or "Date: 1 March 2022")."""
    dates = find_dates(text, None)
    if len(dates) != 1:
        return False
    rest = (text[: dates[0].start] + text[dates[0].end :]).strip(" .,:")
    rest = re.sub(r"^(?:date|дата|від|от)\s*:?", "", rest, flags=re.I).strip()
    return len(re.sub(r"\W", "", rest)) <= 10 and not re.search(r"\d", rest)


def _line_height(segments: list[Segment]) -> float:
    heights = [s.bbox[3] - s.bbox[1] for s in segments]
    return median(heights) if heights else 1.0


def analyse_layout(doc: DocumentText) -> Layout:
    """Split the document's lines into segments and give each a role from its place on the page."""
    pages = {page.number: page for page in doc.pages}
    segments: list[Segment] = []
    for line in doc.lines:
        if line.words:
            segments.extend(_split_line(line, pages[line.page], doc))
    if not segments:
        return Layout((), ())
    roles: dict[int, Role] = {}
    first_page = segments[0].page
    last_page = segments[-1].page
    height = _line_height(segments)

    _mark_stamps(segments, roles)
    # Geometry, not the engine's block order, decides what is above what.
    order = sorted(range(len(segments)), key=lambda i: _reading_key(segments[i]))
    header = [i for i in order if segments[i].page == first_page]
    page_height = pages[first_page].height
    header_bottom = _mark_registration(segments, header, roles, page_height)
    _mark_titles(segments, header, roles, page_height)
    subject_top = _mark_subject(segments, header, roles, page_height, header_bottom, height)
    _mark_letterhead_and_addressees(segments, header, roles, header_bottom, subject_top, height)
    _mark_signature_and_executor(segments, order, roles, last_page, pages[last_page].height, height)

    final = tuple(replace(s, role=roles.get(i, "body")) for i, s in enumerate(segments))
    return Layout(final, _blocks(final, height))


def _reading_key(segment: Segment) -> tuple[int, float, float]:
    return (segment.page, round(segment.bbox[1]), segment.bbox[0])


_LINE_OVERLAP = 0.25
"""How far (share of a line's height) the boxes of two successive lines may overlap."""


def _mark_stamps(segments: list[Segment], roles: dict[int, Role]) -> None:
    stamp = _regex("stamp_starts")
    for index, segment in enumerate(segments):
        if not stamp.search(segment.text):
            continue
        roles[index] = "stamp"
        # The stamp names the receiving organisation on the lines just above the number.
        top = segment
        for other in range(index - 1, max(index - 4, -1), -1):
            candidate = segments[other]
            overlaps = candidate.bbox[0] < top.bbox[2] and top.bbox[0] < candidate.bbox[2]
            gap = top.bbox[1] - candidate.bbox[3]
            height = top.bbox[3] - top.bbox[1]
            # Boxes of an upscaled photo's lines may touch or overlap by a few pixels.
            if not (overlaps and -_LINE_OVERLAP * height <= gap < 0.8 * height):
                break
            if candidate.column != segment.column or find_dates(candidate.text, None):
                break
            roles[other] = "stamp"
            top = candidate
        # A stamp box often puts its date on the next line, under the number.
        for other in range(index + 1, min(index + 4, len(segments))):
            candidate = segments[other]
            overlaps = candidate.bbox[0] < segment.bbox[2] and segment.bbox[0] < candidate.bbox[2]
            height = segment.bbox[3] - segment.bbox[1]
            near = -_LINE_OVERLAP * height <= candidate.bbox[1] - segment.bbox[3] < 2 * height
            if (
                overlaps
                and near
                and _is_date_only(candidate.text)
                and not find_dates(segment.text, None)
            ):
                roles[other] = "stamp"
                break


def _mark_registration(
    segments: list[Segment], header: list[int], roles: dict[int, Role], page_height: float
) -> float | None:
    """Mark the registration line(s); return the top of the first one (end of the letterhead)."""
    by_line: dict[int, list[int]] = {}  # header is in top-to-bottom order, so these are too
    for index in header:
        if index not in roles and segments[index].bbox[1] < _HEADER_DEPTH * page_height:
            by_line.setdefault(segments[index].line, []).append(index)
    reply = _regex("reply_to")
    top: float | None = None
    bottom = 0.0
    found_numbered = False
    height = _line_height(segments)
    for indices in by_line.values():
        text = " ".join(segments[i].text for i in indices)
        line_top = min(segments[i].bbox[1] for i in indices)
        if top is not None and line_top > bottom + 2.5 * height:
            break  # the registration requisites stand together; later dates are the body's
        if reply.search(text):
            for i in indices:
                roles[i] = "reply_to"
            bottom = max(bottom, max(segments[i].bbox[3] for i in indices))
            continue
        number_only = bool(_regex("number_only").search(text))
        if (
            (not found_numbered and _is_registration(text))
            or _own_ref(text)
            or _is_date_only(text)
            or number_only
        ):
            if _is_date_only(text) and found_numbered:
                continue
            found_numbered = found_numbered or _is_registration(text)
            for i in indices:
                roles[i] = "registration"
            top = line_top if top is None else min(top, line_top)
            bottom = max(bottom, max(segments[i].bbox[3] for i in indices))
    # Orders name their place of issue right by the registration line ("г. Москва").
    cities = {c.lower() for c in _patterns()["city_words"]}
    place = _regex("place_of_issue")
    for index in header:
        text = segments[index].text.strip()
        if index not in roles and (text.lower() in cities or place.search(text)):
            if top is not None and segments[index].bbox[1] < top + 6 * _line_height(segments):
                roles[index] = "registration"
    return top


def _mark_titles(
    segments: list[Segment], header: list[int], roles: dict[int, Role], page_height: float
) -> None:
    for index in header:
        segment = segments[index]
        if index in roles or segment.bbox[1] > _HEADER_DEPTH * page_height:
            continue
        if title_kind(segment.text):
            roles[index] = "title"


def _mark_subject(
    segments: list[Segment],
    header: list[int],
    roles: dict[int, Role],
    page_height: float,
    header_bottom: float | None,
    height: float,
) -> float | None:
    """Mark the heading and its continuation lines; return its top."""
    for position, index in enumerate(header):
        segment = segments[index]
        if index in roles or segment.column == "right":
            continue
        if segment.bbox[1] > _SUBJECT_DEPTH * page_height:
            break
        if header_bottom is not None and segment.bbox[1] < header_bottom:
            continue
        if not is_subject_start(segment.text):
            continue
        roles[index] = "subject"
        previous = segment
        for other in header[position + 1 :]:
            candidate = segments[other]
            if other in roles or candidate.column == "right":
                continue
            gap = candidate.bbox[1] - previous.bbox[3]
            starts_body = _starts_with_any(candidate.text, _all_languages("salutations"))
            if gap > 0.75 * height or starts_body or candidate.column == "full":
                break
            roles[other] = "subject"
            previous = candidate
        return segment.bbox[1]
    if header_bottom is None:
        return None
    return _mark_subject_by_shape(segments, header, roles, page_height, header_bottom, height)


def _mark_subject_by_shape(
    segments: list[Segment],
    header: list[int],
    roles: dict[int, Role],
    page_height: float,
    header_bottom: float,
    height: float,
) -> float | None:
    """Mark a heading without a cue word (English letters print it in bold).

    It is the short block standing alone right before the first paragraph of the body.
    """
    pool = [
        i
        for i in header
        if i not in roles
        and segments[i].column != "right"
        and header_bottom <= segments[i].bbox[1] < _SUBJECT_DEPTH * page_height
    ]
    if not pool:
        return None
    # Blocks by line pitch (top to top), which OCR boxes keep even when their heights vary.
    tops = sorted({round(segments[i].bbox[1], 1) for i in header})
    steps = [b - a for a, b in zip(tops, tops[1:], strict=False) if b - a > 0.5 * height]
    # Lower quartile: single-spaced lines dominate it even where paragraphs are spaced apart.
    pitch = sorted(steps)[len(steps) // 4] if steps else 1.2 * height
    groups: list[list[int]] = []
    for index in pool:
        if groups and segments[index].bbox[1] - segments[groups[-1][-1]].bbox[1] <= 1.3 * pitch:
            groups[-1].append(index)
        else:
            groups.append([index])
    left = min(segments[i].bbox[0] for i in header)
    right = max(segments[i].bbox[2] for i in header)
    salutations = _all_languages("salutations")
    for position, group in enumerate(groups):
        widths = [segments[i].bbox[2] - segments[i].bbox[0] for i in group]
        wide = max(widths) >= 0.75 * (right - left)
        sentence = segments[group[-1]].text.rstrip().endswith((".", "!", "?", ":"))
        if not ((wide and len(group) >= 2) or sentence or len(group) >= 3):
            continue  # not yet the body
        if position == 0:
            return None
        candidate = groups[position - 1]
        texts = [segments[i].text.strip() for i in candidate]
        if (
            len(candidate) > 2
            or _starts_with_any(texts[0], salutations)
            or any(text.endswith((",", ":", ";")) for text in texts)
        ):
            return None
        for index in candidate:
            roles[index] = "subject"
        return segments[candidate[0]].bbox[1]
    return None


def _mark_letterhead_and_addressees(
    segments: list[Segment],
    header: list[int],
    roles: dict[int, Role],
    header_bottom: float | None,
    subject_top: float | None,
    height: float,
) -> None:
    """Above the registration line: letterhead on the left, addressee on the right.

    Between the registration line and the heading (or the salutation), lines that belong to no
    other requisite are the addressee (English letters put the inside address there).
    """
    salutations = _all_languages("salutations")
    limit = subject_top
    if limit is None:
        for index in header:
            if index not in roles and _starts_with_any(segments[index].text, salutations):
                limit = segments[index].bbox[1]
                break
    if header_bottom is None and limit is None:
        # No registration line and no heading: only the top block can be told apart.
        first = segments[header[0]]
        limit = first.bbox[1] + 8 * height
    for index in header:
        segment = segments[index]
        if index in roles or _starts_with_any(segment.text, salutations):
            continue
        above_registration = (
            header_bottom is not None and segment.bbox[3] <= header_bottom + 0.2 * height
        )
        above_limit = limit is not None and segment.bbox[3] <= limit + 0.2 * height
        if segment.column == "right" and (above_limit or above_registration):
            roles[index] = "addressee"
        elif above_registration or (header_bottom is None and above_limit):
            roles[index] = "letterhead"
        elif header_bottom is not None and above_limit and limit is not None:
            roles[index] = "addressee"


def _mark_signature_and_executor(
    segments: list[Segment],
    order: list[int],
    roles: dict[int, Role],
    last_page: int,
    page_height: float,
    height: float,
) -> None:
    """Mark the signature after the body, then the executor lines (with a phone) below it.

    Lengths and gaps are ``models/layout.json``'s: characters, line heights (``height``) and
    shares of the page's height.
    """
    signature = _thresholds()["signature"]
    max_chars = int(signature["max_chars"])
    position_gap = float(signature["position_max_gap"]) * height
    executor_top = float(_thresholds()["executor"]["min_top"]) * page_height
    phone = re.compile(_patterns()["phone"])
    signature_name = re.compile(_patterns()["signature_name"])
    closings = _all_languages("closings")
    labels = _patterns()["executor_labels"]
    candidates = [i for i in order if roles.get(i) in (None, "body")]
    signature_bottom: float | None = None
    signature_page: int | None = None
    # The signature: the last name-shaped segment, or the lines after a closing formula.
    for index in reversed(candidates):
        segment = segments[index]
        if _starts_with_any(segment.text, closings):
            roles[index] = "signature"
            position = candidates.index(index)
            following = [i for i in candidates[position + 1 :] if segments[i].page == segment.page]
            for other in following[: int(signature["lines_after_closing"])]:
                text = segments[other].text
                if phone.search(text) or _starts_with_any(text, labels):
                    break
                roles[other] = "signature"
                signature_bottom = segments[other].bbox[3]
            signature_page = segment.page
            signature_bottom = signature_bottom or segment.bbox[3]
            break
    if signature_page is None:
        for index in reversed(candidates):
            segment = segments[index]
            if phone.search(segment.text) or _starts_with_any(segment.text, labels):
                continue
            if not signature_name.search(segment.text.strip()):
                continue
            if len(segment.text) > max_chars:
                continue
            roles[index] = "signature"
            # The position: segments of the same line, and short lines just above.
            for other in candidates:
                if segments[other].line == segment.line and other != index:
                    roles[other] = "signature"
            top = min(s.bbox[1] for s in segments if s.line == segment.line)
            position = candidates.index(index)
            above_line = [i for i in candidates[:position] if segments[i].line != segment.line]
            for other in reversed(above_line):
                above = segments[other]
                if above.page != segment.page or top - above.bbox[3] > position_gap:
                    break
                if len(above.text) > max_chars or not _has_position_word(above.text):
                    break
                roles[other] = "signature"
                top = above.bbox[1]
            signature_page = segment.page
            signature_bottom = segment.bbox[3]
            break
    # The executor: phone lines at the bottom of the last page, below the signature.
    for index in reversed(candidates):
        segment = segments[index]
        if roles.get(index) is not None and roles[index] != "body":
            continue
        if segment.page != last_page:
            break
        if signature_page == last_page and signature_bottom is not None:
            if segment.bbox[1] < signature_bottom:
                break
        elif segment.bbox[1] < executor_top:
            break
        if phone.search(segment.text) or _starts_with_any(segment.text, labels):
            roles[index] = "executor"
        elif any(role == "executor" for role in roles.values()):
            if re.match(_patterns()["person_name"], segment.text.strip()):
                roles[index] = "executor"
            break


def _has_position_word(text: str) -> bool:
    words = {w.lower() for w in re.findall(r"[^\W\d_]+", text)}
    return bool(words & set(_patterns()["position_words"]))


def _blocks(segments: tuple[Segment, ...], height: float) -> tuple[Block, ...]:
    """Chain segments of one role, page and column that are vertically close into blocks."""
    blocks: list[list[Segment]] = []
    open_blocks: dict[tuple[str, int, str], list[Segment]] = {}
    for segment in segments:
        # Letterhead and addressee share lines in two columns; other roles span the page.
        column = segment.column if segment.role in ("letterhead", "addressee") else ""
        key = (segment.role, segment.page, column)
        current = open_blocks.get(key)
        if current is not None:
            previous = current[-1]
            gap = segment.bbox[1] - previous.bbox[3]
            if gap <= 0.75 * height and segment.line >= previous.line:
                current.append(segment)
                continue
        current = [segment]
        open_blocks[key] = current
        blocks.append(current)
    return tuple(Block(group[0].role, tuple(group)) for group in blocks)
