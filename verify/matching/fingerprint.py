"""Fingerprints of a record: what lets verify recognise one letter across files and sources.

Four kinds, from strict to forgiving (docs/fingerprints.md says why each exists):

* ``sha256`` of the original bytes and of each prepared page image: the same file.
* PDQ of each prepared page (Meta's perceptual hash, via ``pdqhash``): the same sheet re-scanned,
  re-compressed or photographed.
* MinHash of the normalised text (``text_minhash``) and of the body alone (``body_minhash``):
  the same words read by different OCR runs, where an exact digest would differ in every copy.
* ``identity_key`` (issuer + number + date) and ``body_digest`` (the body without addressee
  and stamps): the same act sent to different recipients.

Every parameter is data in ``models/fingerprint.json``; its ``version`` is stored with the
fingerprints so fingerprints made with other parameters are never compared with these.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from functools import cache, lru_cache
from typing import Any

import numpy as np

from verify.reading.pdq import page_pdq
from verify.record import Record
from verify.record_fingerprints import Fingerprints, MinHashSignature, PageFingerprint
from verify.resources import load_json

PARAMETERS_FILE = "fingerprint.json"


@cache
def parameters() -> dict[str, Any]:
    """The parameters in ``models/fingerprint.json`` (cached, read-only)."""
    spec: dict[str, Any] = load_json(PARAMETERS_FILE)
    return spec


def parameters_version() -> str:
    """The ``version`` of the fingerprint parameters, stored with every fingerprint."""
    return str(parameters()["version"])


# --------------------------------------------------------------------------- normalisation

_SOFT = "\u00ad\u200b\u200c\u200d\u2060\ufeff"  # soft hyphen and zero-width characters
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_CYRILLIC_LETTERS = frozenset(map(chr, range(0x0400, 0x0500)))
_LATIN_LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
_CYRILLIC_RUN = re.compile("[\u0400-\u04ff]+")
_LATIN_RUN = re.compile("[A-Za-z]+")
_LINE_END_HYPHEN = re.compile(r"-(?<=[^\W\d_]-)[ \t]*(?:\r\n|\r|\n)\s*(?=[^\W\d_])")
"""A hyphen after a letter, then a line break, then a letter. The hyphen comes first in the
pattern so the engine jumps from hyphen to hyphen instead of testing every position."""
_FOLDABLE = re.compile(r"(?<!\S)\S*[A-Za-z03]\S*")
"""A whole whitespace-delimited word holding a Latin letter or a digit that may be folded:
the only words ``_fold_word`` can change (look-alikes map Latin letters, 3 and 0). Most
words of a Cyrillic letter have none, so only these pay for a Python call: one call per
word, or a Python test per character, made normalising a page a noticeable cost."""


def _count(run: re.Pattern[str], text: str) -> int:
    """Characters of ``text`` in ``run``'s class, counted in C (runs, not characters)."""
    return sum(map(len, run.findall(text)))


@cache
def _tables() -> tuple[dict[str, str], dict[str, str], frozenset[str]]:
    spec = parameters()["normalise"]
    fold = {q: '"' for q in spec["quotes"]}
    fold.update({d: "-" for d in spec["dashes"]})
    fold.update({c: "" for c in _SOFT})
    fold["ё"] = "е"
    lookalikes: dict[str, str] = dict(spec["lookalikes_to_cyrillic"])
    return fold, lookalikes, frozenset(spec["digits_folded_only_inside_words"])


@cache
def _folded() -> re.Pattern[str]:
    """Any one character that the fold table replaces.

    A page holds a few dozen of them: replacing only those is ten times quicker than
    ``str.translate``, which looks every character of a Cyrillic page up in a dict.
    """
    fold, _, _ = _tables()
    return re.compile("[" + "".join(re.escape(c) for c in fold) + "]")


def _nfkc(text: str) -> str:
    """NFKC, skipped when the text is already in it (a quick check, most pages are)."""
    return text if unicodedata.is_normalized("NFKC", text) else unicodedata.normalize("NFKC", text)


def _fold_word(word: str, cyrillic_document: bool) -> str:
    """Fold Latin look-alikes (and 3/0) of a word to Cyrillic when the word is Cyrillic.

    A word is Cyrillic when it has at least as many Cyrillic letters as Latin ones, or, in a
    mostly Cyrillic document, when every letter is a look-alike (OCR reading "РЕКА" as
    "PEKA"). A digit is folded only beside a letter and not beside another digit, so
    "3оне" becomes "зоне" while "30-2" and "2022" stay numbers.
    """
    _, lookalikes, digits = _tables()
    cyrillic = sum(map(_CYRILLIC_LETTERS.__contains__, word))
    if not cyrillic and not cyrillic_document:
        return word  # a Latin word in a Latin document: nothing to fold
    latin = sum(map(_LATIN_LETTERS.__contains__, word))
    if cyrillic:
        folds = cyrillic >= latin
    else:  # every letter a look-alike, in a mostly Cyrillic document ("PEKA")
        folds = latin > 0 and _LATIN_LETTERS.intersection(word) <= lookalikes.keys()
    if not folds:
        return word
    out = []
    for i, char in enumerate(word):
        if char in digits:
            before = word[i - 1] if i else ""
            after = word[i + 1] if i + 1 < len(word) else ""
            inside = (before.isalpha() or after.isalpha()) and not (
                before.isdigit() or after.isdigit()
            )
            out.append(lookalikes[char] if inside else char)
        else:
            out.append(lookalikes.get(char, char))
    return "".join(out)


@lru_cache(maxsize=4096)
def normalise_text(text: str) -> str:
    """Fold away what differs between two readings of one page but not between two pages.

    NFKC, case folding, ё→е, soft hyphens and zero-width characters removed, a word broken
    by a hyphen at a line end joined, quotes and dashes folded to ``"`` and ``-``, any run of
    whitespace to one space, and Latin look-alike letters inside Cyrillic words folded to
    Cyrillic (table in ``models/fingerprint.json``). Idempotent: normalising twice changes
    nothing, so normalised text can be stored and normalised again safely.
    """
    fold, _, _ = _tables()
    text = _nfkc(_nfkc(text).casefold())
    text = _folded().sub(lambda m: fold[m.group(0)], text)
    # "здраво-\nохранения" -> "здравоохранения": a line-end hyphen in one rendition only.
    text = _LINE_END_HYPHEN.sub("", text)
    text = " ".join(text.split())
    cyrillic_document = _count(_CYRILLIC_RUN, text) > _count(_LATIN_RUN, text)
    return _FOLDABLE.sub(lambda m: _fold_word(m.group(0), cyrillic_document), text)


def words(normalised: str) -> list[str]:
    """Word tokens of normalised text: letters and digits, punctuation dropped.

    Punctuation is the part of a page OCR gets wrong most often (a comma read as a period),
    and carries little identity, so shingles are built from words only.
    """
    return _WORD.findall(normalised)


# --------------------------------------------------------------------------- MinHash


def _shingle_name() -> str:
    spec = parameters()["minhash"]
    parts = [f"w{n}" for n in spec["word_ngrams"]] + [f"c{n}" for n in spec["char_ngrams"]]
    return "+".join(parts)


def shingles(
    normalised: str,
    word_ngrams: Sequence[int] | None = None,
    char_ngrams: Sequence[int] | None = None,
) -> set[str]:
    """The shingle set of normalised text: word n-grams and character n-grams of the words.

    Word and character shingles carry a prefix so a one-word shingle never equals a
    character shingle. Character n-grams run over the words joined by one space, so they
    span word boundaries (and survive a word split or joined by OCR).
    """
    spec = parameters()["minhash"]
    word_ngrams = spec["word_ngrams"] if word_ngrams is None else word_ngrams
    char_ngrams = spec["char_ngrams"] if char_ngrams is None else char_ngrams
    tokens = words(normalised)
    out: set[str] = set()
    for n in word_ngrams:
        out.update("w:" + " ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
    joined = " ".join(tokens)
    for n in char_ngrams:
        out.update("c:" + joined[i : i + n] for i in range(len(joined) - n + 1))
    return out


def text_minhash(text: str, *, normalised: bool = False) -> MinHashSignature | None:
    """MinHash of a text's shingles, or None when there is too little text to mean anything.

    Returns None for fewer than ``min_words`` words: an empty or near-empty page would
    otherwise match every other empty page.
    """
    spec = parameters()["minhash"]
    norm = text if normalised else normalise_text(text)
    if len(words(norm)) < spec["min_words"]:
        return None
    values = minhash_values(
        [s.encode("utf-8") for s in sorted(shingles(norm))],
        num_perm=spec["num_perm"],
        seed=spec["seed"],
        scheme=spec["scheme"],
    )
    return MinHashSignature.from_array(values, spec["seed"], _shingle_name(), spec["scheme"])


_AFFINE32 = "affine32"
_FMIX32 = (16, 0x85EBCA6B, 13, 0xC2B2AE35, 16)
"""MurmurHash3's 32-bit finalizer: (shift, multiplier, shift, multiplier, shift)."""


@lru_cache(maxsize=8)
def _affine32_permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Datasketch's ``affine32`` permutation parameters (odd ``a``, any ``b``) for a seed.

    Drawn from numpy's ``RandomState(seed)`` in datasketch's order, so the values are the
    ones ``datasketch.MinHash(num_perm, seed, scheme="affine32")`` uses.
    """
    generator = np.random.RandomState(seed)
    a = generator.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = generator.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return a, b


def minhash_values(items: Sequence[bytes], *, num_perm: int, seed: int, scheme: str) -> np.ndarray:
    """The MinHash values of ``items`` as datasketch (2.0+) computes them, as ``uint32``.

    The ``affine32`` scheme (SHA-1's first four bytes, little-endian, mixed by MurmurHash3's
    finalizer, then ``a * h + b`` modulo 2**32 per permutation) is a few lines of numpy;
    computing it here keeps datasketch, whose package import loads scipy, off the path of
    every extraction. Any other scheme is left to datasketch itself.
    """
    if scheme != _AFFINE32:
        from datasketch import MinHash  # other schemes: datasketch's own code

        minhash = MinHash(num_perm=num_perm, seed=seed, scheme=scheme)
        minhash.update_batch(list(items))
        return np.asarray(minhash.hashvalues)
    a, b = _affine32_permutations(num_perm, seed)
    if not items:
        return np.full(num_perm, 0xFFFFFFFF, dtype=np.uint32)
    digests = b"".join(hashlib.sha1(item).digest()[:4] for item in items)
    hashes = np.frombuffer(digests, dtype="<u4").astype(np.uint32).reshape(-1, 1)
    shift1, multiplier1, shift2, multiplier2, shift3 = _FMIX32
    hashes = hashes ^ (hashes >> np.uint32(shift1))
    hashes = hashes * np.uint32(multiplier1)
    hashes = hashes ^ (hashes >> np.uint32(shift2))
    hashes = hashes * np.uint32(multiplier2)
    hashes = hashes ^ (hashes >> np.uint32(shift3))
    result: np.ndarray = (hashes * a + b).min(axis=0)
    return result


# --------------------------------------------------------------------------- PDQ


def pdq_distance(a: str, b: str) -> int:
    """Hamming distance between two PDQ hashes in hex (0..256)."""
    return (int(a, 16) ^ int(b, 16)).bit_count()


# --------------------------------------------------------------------------- identity


def _normalise_number(number: str) -> str:
    """A registration number without spaces and with "N"/"№" prefixes dropped."""
    text = normalise_text(number)
    text = re.sub(r"^(?:№|n°|no\.?|nr\.?|н)\s*", "", text)
    return re.sub(r"\s+", "", text)


def identity_key(issuer: str | None, number: str | None, date: str | None) -> str | None:
    """sha256 of issuer + number + date, normalised; None when number or date is missing.

    The act's identity in the registry of its issuer: every copy of one act carries the same
    number and date whoever received it. The issuer is only a qualifier (it is often read
    as the letterhead with OCR errors), so an absent issuer still gives a key.
    """
    if not number or not date:
        return None
    parts = [
        " ".join(words(normalise_text(issuer or ""))),
        _normalise_number(number),
        date.strip()[:10],
    ]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def _find_loose(needle: str, haystack: str, start: int = 0) -> tuple[int, int] | None:
    """Find ``needle`` in ``haystack`` allowing any whitespace between its words."""
    parts = [re.escape(p) for p in needle.split()]
    if not parts:
        return None
    match = re.compile(r"\s+".join(parts)).search(haystack, start)
    return (match.start(), match.end()) if match else None


def body_text(record: Record) -> str:
    """The body of the letter: after the heading requisites, before the signature.

    Addressee blocks and stamps are cut out, so copies of one act sent to different
    recipients share it; the letterhead is cut off, so two letters on one ministry's blank
    do not share it. The cut points are the extracted fields' raw text found in the
    record's text; when none is found (bad OCR) the whole text minus addressees and stamps
    is used, which still excludes what differs between recipients.
    """
    text = record.text
    heads = [f.raw for f in (record.subject, record.document_number, record.document_date) if f] + [
        a.raw for a in record.addressees
    ]
    start = 0
    if record.subject and (span := _find_loose(record.subject.raw, text)):
        start = span[1]
    else:
        ends = [span[1] for raw in heads if (span := _find_loose(raw, text))]
        start = max(ends, default=0)
    tails = [s.raw for s in record.signatories]
    if record.executor and record.executor.name:
        tails.append(record.executor.name.raw)
    starts = [span[0] for raw in tails if (span := _find_loose(raw, text, start))]
    end = min(starts, default=len(text))
    body = text[start:end]
    if len(words(normalise_text(body))) < parameters()["minhash"]["min_words"]:
        body = text
    for raw in [a.raw for a in record.addressees] + [s.raw for s in record.stamps]:
        while span := _find_loose(raw, body):
            body = body[: span[0]] + " " + body[span[1] :]
    return body


def body_digest(record: Record) -> str:
    """sha256 of the normalised body words: equal for copies of one act in one rendition.

    Exact, so it only joins copies whose body text was read identically (born-digital PDFs,
    the same scan); OCR'd copies meet on ``body_minhash`` instead.
    """
    body = " ".join(words(normalise_text(body_text(record))))
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def fingerprint_record(
    record: Record,
    page_pixels: Iterable[np.ndarray | None] | None = None,
    *,
    page_hashes: Sequence[tuple[str | None, int | None]] | None = None,
) -> Fingerprints:
    """Fingerprint a record, with each page's PDQ from ``page_hashes`` or ``page_pixels``.

    Extraction passes ``page_hashes`` (PDQ computed where the prepared image lived, in the
    OCR worker); ``page_pixels`` are prepared page images, in page order. With neither,
    the pages keep their ``image_sha256`` but get no PDQ.
    """
    pixels = list(page_pixels) if page_pixels is not None else []
    hashes = list(page_hashes) if page_hashes is not None else []
    pages = []
    for index, page in enumerate(record.pages):
        image = pixels[index] if index < len(pixels) else None
        if index < len(hashes):
            pdq, quality = hashes[index]
        else:
            pdq, quality = page_pdq(image) if image is not None else (None, None)
        pages.append(
            PageFingerprint(
                number=page.number, image_sha256=page.image_sha256, pdq=pdq, pdq_quality=quality
            )
        )
    body = body_text(record)
    body_hash = text_minhash(body)
    return Fingerprints(
        parameters_version=parameters_version(),
        sha256=record.source.sha256,
        pages=pages,
        text_minhash=text_minhash(record.text),
        body_minhash=body_hash,
        identity_key=identity_key(
            record.issuer.value if record.issuer else None,
            record.document_number.value if record.document_number else None,
            record.document_date.value if record.document_date else None,
        ),
        body_digest=body_digest(record) if body_hash is not None else None,
    )


def fingerprints_of(record: Record) -> Fingerprints:
    """The record's stored fingerprints if made with these parameters, else fresh ones.

    Fresh fingerprints of a saved record lack PDQ (no pixels): compare then relies on
    text, fields and hashes.
    """
    stored = record.fingerprints
    if stored is not None and stored.parameters_version == parameters_version():
        return stored
    return fingerprint_record(record)
