"""Word error of an OCR text against a reference: the one definition every benchmark uses.

1 - F1 of the two word multisets. Order-free, because two readers of one page (tesseract's
layout analysis, a PDF's text layer, a person) order columns and blocks differently; words are
runs of letters and digits after NFC and case folding, so that punctuation, apostrophe code
points and quote styles do not count as errors.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

_WORD = re.compile(r"\w+")


def words(text: str) -> Counter[str]:
    """The multiset of words of ``text``."""
    return Counter(_WORD.findall(unicodedata.normalize("NFC", text).casefold()))


def word_error(reference_text: str, hypothesis_text: str) -> float:
    """1 - F1 of the word multisets: 0.0 every word right, 1.0 nothing in common.

    Two empty texts agree (0.0); an empty text against a non-empty one is 1.0.
    """
    ref, hyp = words(reference_text), words(hypothesis_text)
    if not ref and not hyp:
        return 0.0
    common = sum((ref & hyp).values())
    return 1.0 - 2.0 * common / (sum(ref.values()) + sum(hyp.values()))
