"""How two readings of a page relate line by line: recaptured in part, or one template filled.

``compare`` asks two questions of the texts that whole-text similarity cannot answer:

* Is one text a *part* of the other? A photo that read only the sheet's bottom half, or a
  frame that cut the letterhead, shares few shingles with the whole page (low Jaccard), yet
  every line it did read is a line of the other copy. ``covered_share`` is the share of a
  text's lines that occur (fuzzily) in the other text.
* Are they one *template* filled differently? A blank form and its filled copy share every
  printed word; the filled copy adds names, dates and numbers inside lines the blank also
  has, where the blank has nothing or a placeholder (``____``, ``.....``). Two fillings
  share the printed words and differ in those places. ``fill_ins`` aligns the two word
  sequences and collects the words one side has inside lines both sides read; OCR slips
  (a garbled word facing its clean reading) and the margins a frame cuts are not fill-ins.

Thresholds are data in ``models/fingerprint.json`` ("compare", "recapture" and "template").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import cache, lru_cache
from typing import Any

from rapidfuzz import fuzz, process

from verify.matching.fingerprint import parameters
from verify.matching.slips import slip_key

PLACEHOLDER = "_"
"""The token a blank to fill in (a run of underscores, dots or dashes) becomes."""

_BLANK = re.compile(r"_{3,}|\.{4,}|…{2,}|-{4,}|—{3,}")
_DIGIT = re.compile(r"\d")


@cache
def _spec(section: str) -> dict[str, Any]:
    spec: dict[str, Any] = parameters()["compare"][section]
    return spec


@dataclass(frozen=True)
class Token:
    """One word of a text (its slip key) and the line it was read on."""

    key: str
    line: int


@lru_cache(maxsize=512)
def tokens(text: str) -> tuple[Token, ...]:
    """The words of ``text`` as slip keys, line by line; blanks to fill in become ``_``."""
    out: list[Token] = []
    for number, line in enumerate(text.splitlines()):
        pieces = _BLANK.split(line)
        for index, piece in enumerate(pieces):
            if index:
                out.append(Token(PLACEHOLDER, number))
            out.extend(Token(word, number) for word in slip_key(piece).split())
    return tuple(out)


@lru_cache(maxsize=512)
def _line_keys(text: str) -> tuple[str, ...]:
    return tuple(slip_key(line) for line in text.splitlines())


def covered_share(part: str, whole: str) -> float | None:
    """The share of ``part``'s words that lie on lines found in ``whole``.

    Only lines of at least ``recapture.min_line_words`` words count (shorter ones are OCR
    crumbs or headings any text may hold); a line is found when rapidfuzz's partial ratio
    against the whole text reaches ``recapture.line_ratio``. None when ``part`` has too few
    such words to judge (``recapture.min_words``).
    """
    spec = _spec("recapture")
    haystack = " ".join(key for key in _line_keys(whole) if key)
    lines = [k for k in _line_keys(part) if len(k.split()) >= int(spec["min_line_words"])]
    total = sum(len(k.split()) for k in lines)
    if total < int(spec["min_words"]) or not haystack:
        return None
    ratio = float(spec["line_ratio"])
    found = sum(
        len(k.split())
        for k in lines
        if fuzz.partial_ratio(k, haystack, score_cutoff=ratio) >= ratio
    )
    return found / total


@dataclass(frozen=True)
class FillIns:
    """What two texts share as a template and what each fills in.

    ``left``/``right``: legible words found on that side only, inside lines both sides read
    (not in a margin one side lacks, not an OCR slip of a word on the other side).
    ``places_left``/``places_right``: how many places (runs between words both sides share)
    hold that side's fill-ins; ``places_both``: places where both sides have other words (two
    fillings). ``blanks_left``/``blanks_right``: places where that side has a blank to fill
    in (``____``) and the other side has words.
    """

    shared: int
    left: tuple[str, ...] = ()
    right: tuple[str, ...] = ()
    places_left: int = 0
    places_right: int = 0
    places_both: int = 0
    blanks_left: int = 0
    blanks_right: int = 0

    def share(self, side: str) -> float:
        """Fill-in words of one side against that side's template and fill-in words."""
        words = len(self.left if side == "left" else self.right)
        return words / (self.shared + words) if self.shared + words else 0.0


def _legible(token: Token) -> bool:
    """A word a filling could hold: a number, or letters long enough not to be OCR crumbs."""
    if token.key == PLACEHOLDER:
        return False
    return bool(_DIGIT.search(token.key)) or len(token.key) >= int(_spec("template")["min_chars"])


def _anchored(seq: tuple[Token, ...], matched: set[int]) -> set[int]:
    """Lines holding at least one word the other text has too."""
    return {seq[i].line for i in matched}


def _place(
    seg_a: tuple[Token, ...], seg_b: tuple[Token, ...], lines_a: set[int], lines_b: set[int]
) -> tuple[tuple[Token, ...], tuple[Token, ...]]:
    """The words of one place that can be fill-ins.

    Words facing a blank, or a short run facing another short run (a name for a name), are
    kept whatever their line; otherwise only words on lines both texts read, so that a
    line one side missed or read in another order is not taken for a filling.
    """
    longest = int(_spec("template")["max_place_words"])
    blank = any(t.key == PLACEHOLDER for t in seg_a + seg_b)
    if blank or (seg_a and seg_b and max(len(seg_a), len(seg_b)) <= longest):
        return seg_a, seg_b
    return (
        tuple(t for t in seg_a if t.line in lines_a),
        tuple(t for t in seg_b if t.line in lines_b),
    )


@lru_cache(maxsize=512)
def _vocabulary(text: str) -> frozenset[str]:
    return frozenset(t.key for t in tokens(text))


def _absent(word: str, vocabulary: frozenset[str]) -> bool:
    """Not read anywhere on the other side, not even as a slip.

    A number must be absent exactly, a word within ``template.slip_ratio``; a line read in
    another order is then not a fill-in.
    """
    if word in vocabulary:
        return False
    if _DIGIT.search(word):
        return True
    ratio = float(_spec("template")["slip_ratio"])
    return process.extractOne(word, vocabulary, scorer=fuzz.ratio, score_cutoff=ratio) is None


@lru_cache(maxsize=1024)
def fill_ins(left: str, right: str) -> FillIns:
    """Align the word sequences of two texts and collect each side's fill-ins."""
    a, b = tokens(left), tokens(right)
    matcher = SequenceMatcher(None, [t.key for t in a], [t.key for t in b], autojunk=False)
    opcodes = matcher.get_opcodes()
    equal_a = {i for tag, i1, i2, _, _ in opcodes if tag == "equal" for i in range(i1, i2)}
    equal_b = {j for tag, _, _, j1, j2 in opcodes if tag == "equal" for j in range(j1, j2)}
    shared = sum(1 for i in equal_a if a[i].key != PLACEHOLDER)
    if not equal_a:
        return FillIns(shared)
    lines_a, lines_b = _anchored(a, equal_a), _anchored(b, equal_b)
    first_a, last_a = min(equal_a), max(equal_a)
    first_b, last_b = min(equal_b), max(equal_b)
    noise = float(_spec("template")["slip_ratio"])
    vocab_a, vocab_b = _vocabulary(left), _vocabulary(right)
    only_a: list[str] = []
    only_b: list[str] = []
    places_a = places_b = both = blanks_a = blanks_b = 0
    for tag, i1, i2, j1, j2 in opcodes:
        if tag == "equal":
            continue
        if (i2 <= first_a and j2 <= first_b) or (i1 > last_a and j1 > last_b):
            continue  # a margin: what a frame cut or a page edge left on one side only
        seg_a, seg_b = _place(a[i1:i2], b[j1:j2], lines_a, lines_b)
        words_a = [t.key for t in seg_a if _legible(t) and _absent(t.key, vocab_b)]
        words_b = [t.key for t in seg_b if _legible(t) and _absent(t.key, vocab_a)]
        if words_a and words_b and fuzz.ratio(" ".join(words_a), " ".join(words_b)) >= noise:
            continue  # the same words, read badly on one side
        blanks_a += bool(words_b) and any(t.key == PLACEHOLDER for t in seg_a)
        blanks_b += bool(words_a) and any(t.key == PLACEHOLDER for t in seg_b)
        places_a += bool(words_a)
        places_b += bool(words_b)
        both += bool(words_a) and bool(words_b)
        only_a.extend(words_a)
        only_b.extend(words_b)
    return FillIns(
        shared, tuple(only_a), tuple(only_b), places_a, places_b, both, blanks_a, blanks_b
    )
