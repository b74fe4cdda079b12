"""Put back the apostrophe that OCR drops inside Ukrainian words.

Ukrainian writes an apostrophe between a labial or "р" and я, ю, є, ї: "здоров'я",
"п'ять", "м'який". On a 90-dpi photo tesseract may read the apostrophe as nothing and split
the word in two ("здоров я"), which then breaks a field's value. Two neighbouring words are
joined only when they touch (a gap under ``apostrophe_max_gap`` of the line height), the
first ends and the second starts as above, and the joined word is in pymorphy3's Ukrainian
dictionary, so real pairs of words are never joined by guess.
"""

from __future__ import annotations

from typing import Any

from verify.reading.tesseract import OcrWord, gap_on_line
from verify.text.morphology import is_known_word


def join_apostrophes(words: list[OcrWord], cfg: dict[str, Any]) -> tuple[list[OcrWord], int]:
    """The words with split apostrophe words joined, and how many were joined."""
    before, after = set(cfg["apostrophe_before"]), set(cfg["apostrophe_after"])
    out: list[OcrWord] = []
    joined = 0
    for word in words:
        previous = out[-1] if out else None
        if (
            previous is not None
            and previous["text"][-1:].lower() in before
            and word["text"][:1].lower() in after
            and (gap := gap_on_line(previous, word)) is not None
            and gap <= cfg["apostrophe_max_gap"]
        ):
            candidate = f"{previous['text']}'{word['text']}"
            if is_known_word(candidate.rstrip(".,;:)»").lower(), "uk"):
                out[-1] = _merged(previous, word, candidate)
                joined += 1
                continue
        out.append(word)
    return out, joined


def _merged(left: OcrWord, right: OcrWord, text: str) -> OcrWord:
    x0, y0 = min(left["left"], right["left"]), min(left["top"], right["top"])
    x1 = max(left["left"] + left["width"], right["left"] + right["width"])
    y1 = max(left["top"] + left["height"], right["top"] + right["height"])
    return {
        **left,
        "text": text,
        "left": x0,
        "top": y0,
        "width": x1 - x0,
        "height": y1 - y0,
        "conf": min(left["conf"], right["conf"]),
    }
