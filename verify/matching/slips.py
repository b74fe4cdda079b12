"""Whether two readings of one value differ only as OCR and framing make them differ.

A phone photo and a flatbed scan of one sheet give "на получение товора" and "Доверенность
на получение товара": the frame cut the line's start and the camera turned an "а" into an
"о". Neither is a different document. ``is_slip`` says when a difference is explained by

* the characters OCR confuses (а/о, и/н, е/с, rn/m, 0/O, 1/l/I, Latin and Cyrillic
  look-alikes, accents), folded by ``slip_key``;
* transliteration (the same name in another script);
* a cut: one reading is a contiguous part of the other (a truncated line, a cropped word).

The confusion table is data (``models/fingerprint.json``, ``compare.slip``); a value that
one side did not read at all never reaches this module (the field is missing, not differing).
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache
from typing import Any

from verify.matching.fingerprint import parameters

try:  # the shared name folding; without it names compare by their slip key only
    from verify.text.translit import fold_name
except ImportError:  # pragma: no cover - only when translit is absent
    fold_name = None  # type: ignore[assignment]

_NOT_WORD = re.compile(r"[\W_]+")


@cache
def _spec() -> dict[str, Any]:
    spec: dict[str, Any] = parameters()["compare"]["slip"]
    return spec


@cache
def _tables() -> tuple[tuple[tuple[str, str], ...], dict[int, str]]:
    """Multi-character rewrites (rn -> m) and the one-character folding table."""
    spec = _spec()
    rewrites = tuple((old, new) for old, new in spec["rewrites"])
    single: dict[str, str] = dict(parameters()["normalise"]["lookalikes_to_cyrillic"])
    for group in spec["confusions"]:
        for member in group[1:]:
            single[member] = group[0]
    # A look-alike folded to a letter of a group lands on that group's representative.
    representative = {m: g[0] for g in spec["confusions"] for m in g[1:]}
    table = {ord(k): representative.get(v, v) for k, v in single.items()}
    return rewrites, table


@lru_cache(maxsize=8192)
def slip_key(value: str) -> str:
    """``value`` with every difference OCR makes by confusion folded away.

    Case, accents, punctuation and spacing go; look-alike Latin letters become Cyrillic;
    each confusion group becomes its first member. Two values with one key read the same
    letters as far as OCR can tell.
    """
    text = unicodedata.normalize("NFKD", value.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    rewrites, table = _tables()
    for old, new in rewrites:
        text = text.replace(old, new)
    text = text.translate(table)
    return " ".join(_NOT_WORD.sub(" ", text).split())


def _names_fold(a: str, b: str) -> bool:
    if fold_name is None:
        return False
    ka, kb = fold_name(a), fold_name(b)
    return bool(ka) and ka == kb


def is_cut(a: str, b: str) -> bool:
    """One reading is a contiguous part of the other, long enough to mean something."""
    ka, kb = slip_key(a), slip_key(b)
    short, long_ = (ka, kb) if len(ka) <= len(kb) else (kb, ka)
    return len(short) >= int(_spec()["min_cut_chars"]) and short in long_


def slip_reason(a: str, b: str) -> str | None:
    """Which explanation holds ("confusion", "transliteration", "cut"), None if none."""
    if slip_key(a) == slip_key(b):
        return "confusion"
    if _names_fold(a, b):
        return "transliteration"
    if is_cut(a, b):
        return "cut"
    return None


def is_slip(a: str, b: str) -> bool:
    """``a`` and ``b`` are one value read twice, by confusion, script or a cut line."""
    return slip_reason(a, b) is not None
