"""Fingerprints: normalisation, MinHash, PDQ, identity key and body digest."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import sys
import unicodedata
from functools import cache
from pathlib import Path

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from verify.matching.fingerprint import (
    Fingerprints,
    MinHashSignature,
    body_digest,
    body_text,
    fingerprint_record,
    identity_key,
    normalise_text,
    page_pdq,
    parameters,
    pdq_distance,
    text_minhash,
)
from verify.record import Record

ROOT = Path(__file__).resolve().parent.parent
LETTERS = ROOT / "fixtures" / "letters"
sys.path.insert(0, str(ROOT / "fixtures"))  # fixtures/_render.py imports _layout as top level

import _layout  # noqa: E402
import _render  # noqa: E402


@cache
def letter(name: str) -> dict:
    return json.loads((LETTERS / f"{name}.json").read_text(encoding="utf-8"))


@cache
def page_text(name: str) -> str:
    """The letter's text exactly as drawn on the page, line by line."""
    return "\n".join(run.text for run in _layout.compose(letter(name)).runs)


@cache
def page_pixels(name: str, dpi: int = 100) -> np.ndarray:
    return _render.raster(_render.born_digital(_layout.compose(letter(name))), dpi)


def ev(raw: str, confidence: float = 0.9) -> dict:
    return {"raw": raw, "page": 1, "bbox": (0, 0, 1, 1), "confidence": confidence, "source": "test"}


def letter_record(name: str, text: str | None = None, **changes: object) -> Record:
    """A Record of a fixture letter built from its ground truth (fields) and drawn text."""
    data = letter(name)
    truth, lay = data["truth"], data["layout"]
    text = page_text(name) if text is None else text
    fields: dict[str, object] = {
        "issuer": {**ev(truth["issuer"]), "value": truth["issuer"]},
        "document_kind": {**ev(truth["document_kind"]), "value": truth["document_kind"]},
        "document_number": {**ev(truth["document_number"]), "value": truth["document_number"]},
        "document_date": {**ev(truth["document_date"]), "value": truth["document_date"]},
        "addressees": [
            {**ev("\n".join(block)), "value": value}
            for block, value in zip(lay["addressees"], truth["addressees"], strict=False)
        ],
        "subject": {**ev(lay["subject"]), "value": truth["subject"]} if truth["subject"] else None,
        "signatories": [
            {**ev(s["name"]), "value": s["name"], "position": s["position"]}
            for s in truth["signatories"]
        ],
        "deadlines": [{**ev(str(d["value"])), **d} for d in truth["deadlines"]],
        "requested_specialties": [{**ev(s), "value": s} for s in truth["requested_specialties"]],
        "stamps": [
            {**ev("\n".join(lay["stamp"]["lines"])), "value": s["number"], "date": s["date"]}
            for s in truth["stamps"]
        ],
    }
    fields.update(changes)
    sha = hashlib.sha256((name + text + repr(sorted(changes.items()))).encode()).hexdigest()
    return Record.model_validate(
        {
            "schema": "verify.record/1",
            "verify_version": "test",
            "source": {
                "path": f"{name}.pdf",
                "file_name": f"{name}.pdf",
                "sha256": sha,
                "media_type": "application/pdf",
                "size": len(text),
            },
            "language": data["language"],
            "pages": [
                {
                    "number": 1,
                    "width": 595,
                    "height": 842,
                    "unit": "pt",
                    "method": "text_layer",
                    "language": data["language"],
                    "ocr_confidence": None,
                }
            ],
            "text": text,
            **fields,
        }
    )


# ----------------------------------------------------------------------------- normalise_text

CYRILLIC_WORDS = ["Минздрав", "Москва", "Министерство", "врачей", "хирургов", "сестер", "Россия"]
TO_LATIN = {
    "а": "a",
    "о": "o",
    "е": "e",
    "р": "p",
    "с": "c",
    "х": "x",
    "у": "y",
    "М": "M",
    "Т": "T",
    "Р": "P",
    "С": "C",
    "О": "O",
    "А": "A",
    "Е": "E",
    "Н": "H",
    "К": "K",
}


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=80))
def test_normalise_is_idempotent_on_any_text(text: str) -> None:
    once = normalise_text(text)
    assert normalise_text(once) == once


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(CYRILLIC_WORDS + ["Plutnitsky", "2022", "30-2/И/2-2781", "—", "«"]),
        max_size=12,
    ),
    st.sampled_from([" ", "\n", "  \t"]),
)
def test_normalise_is_idempotent_on_letter_like_text(tokens: list[str], sep: str) -> None:
    once = normalise_text(sep.join(tokens))
    assert normalise_text(once) == once


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(CYRILLIC_WORDS), st.data())
def test_latin_lookalikes_inside_cyrillic_words_are_folded(word: str, data: st.DataObject) -> None:
    positions = [i for i, c in enumerate(word) if c in TO_LATIN]
    chosen = data.draw(st.sets(st.sampled_from(positions), max_size=len(positions) // 2))
    mixed = "".join(TO_LATIN[c] if i in chosen else c for i, c in enumerate(word))
    assert normalise_text(mixed) == normalise_text(word)


def _plain_normalise(text: str) -> str:
    """normalise_text as its docstring reads, one character and one word at a time.

    The reference the fast version must agree with: it folds only the words that can
    change, counts scripts with regular expressions and skips NFKC on text already in it.
    """
    spec = parameters()["normalise"]
    fold = {ord(q): '"' for q in spec["quotes"]}
    fold.update({ord(d): "-" for d in spec["dashes"]})
    fold.update({ord(c): "" for c in "\u00ad\u200b\u200c\u200d\u2060\ufeff"})
    fold[ord("ё")] = "е"
    lookalikes = spec["lookalikes_to_cyrillic"]
    digits = set(spec["digits_folded_only_inside_words"])

    def cyrillic(c: str) -> bool:
        return "\u0400" <= c <= "\u04ff"

    def latin(c: str) -> bool:
        return c.isascii() and c.isalpha()

    def fold_word(word: str, cyrillic_document: bool) -> str:
        cyr = sum(1 for c in word if cyrillic(c))
        lat = sum(1 for c in word if latin(c))
        all_lookalike = lat > 0 and all(c in lookalikes for c in word if latin(c) or cyrillic(c))
        if not (cyr and cyr >= lat) and not (cyrillic_document and all_lookalike and cyr == 0):
            return word
        if cyr == 0 and not any(c.isalpha() for c in word):
            return word
        padded = f" {word} "  # neighbours of the first and last character are blanks

        def folded(i: int, char: str) -> str:
            if char not in digits:
                return lookalikes.get(char, char)
            near = padded[i] + padded[i + 2]  # the characters before and after
            letter_near = any(c.isalpha() for c in near)
            return lookalikes[char] if letter_near and not any(c.isdigit() for c in near) else char

        return "".join(folded(i, char) for i, char in enumerate(word))

    text = unicodedata.normalize("NFKC", text).casefold()
    text = unicodedata.normalize("NFKC", text).translate(fold)
    text = re.sub(r"(?<=[^\W\d_])-[ \t]*(?:\r\n|\r|\n)\s*(?=[^\W\d_])", "", text)
    text = " ".join(text.split())
    document = sum(1 for c in text if cyrillic(c)) > sum(1 for c in text if latin(c))
    return re.sub(r"\S+", lambda m: fold_word(m.group(0), document), text)


LETTER_LIKE = st.text(
    alphabet=st.sampled_from(
        list("МинздравРОСІЇєёЁ") + list("MinzdravPEKAcoxy") + list("0123-/.,«»—–\u00ad\n\t ")
    ),
    max_size=60,
)


@settings(max_examples=400, deadline=None)
@given(st.one_of(LETTER_LIKE, st.text(alphabet=st.characters(codec="utf-8"), max_size=40)))
def test_normalise_agrees_with_its_plain_reading(text: str) -> None:
    assert normalise_text(text) == _plain_normalise(text)


def test_normalise_agrees_with_its_plain_reading_on_every_fixture_letter() -> None:
    for truth in sorted((ROOT / "fixtures" / "documents").glob("*/truth.json")):
        text = json.loads(truth.read_text(encoding="utf-8"))["text"]
        assert normalise_text(text) == _plain_normalise(text), truth.parent.name


def test_minzdrav_typed_with_latin_a_and_o() -> None:
    assert (
        normalise_text("Mинздрaв Рoссии") == normalise_text("Минздрав России") == "минздрав россии"
    )


def test_latin_words_and_numbers_stay_as_they_are() -> None:
    assert normalise_text("Plutnitsky, No. 2022 30-2") == "plutnitsky, no. 2022 30-2"
    assert (
        normalise_text("PEKA протекла") == "река протекла"
    )  # all-look-alike word in Cyrillic text
    assert normalise_text("в 3oне") == "в зоне"  # digit 3 between letters of a Cyrillic word


def test_normalise_folds_renditions_of_one_line() -> None:
    a = "Министерство здраво-\nохранения  «Ёлка» — 18:00"
    b = 'министерство здраво\u00adохранения "Елка" - 18:00'
    assert normalise_text(a) == normalise_text(b) == 'министерство здравоохранения "елка" - 18:00'


# ----------------------------------------------------------------------------- MinHash


def test_minhash_of_identical_text_is_equal_and_of_near_empty_text_absent() -> None:
    text = page_text("ru_minzdrav_founding")
    a, b = text_minhash(text), text_minhash(" ".join(text.split()))
    assert a is not None and a == b and a.jaccard(b) == 1.0
    assert text_minhash("") is None
    assert text_minhash("   \n ") is None
    assert text_minhash("Вх. № 12") is None  # fewer than min_words


@settings(max_examples=30, deadline=None)
@given(st.lists(st.sampled_from(CYRILLIC_WORDS), min_size=6, max_size=30))
def test_minhash_is_deterministic(tokens: list[str]) -> None:
    text = " ".join(tokens)
    assert text_minhash(text) == text_minhash(text)


def test_minhash_serialisation_layout_is_little_endian_uint32() -> None:
    sig = text_minhash(page_text("en_ministry"))
    assert sig is not None
    raw = base64.b64decode(sig.values)
    spec = parameters()["minhash"]
    assert len(raw) == 4 * spec["num_perm"] and sig.seed == spec["seed"]
    assert np.array_equal(np.frombuffer(raw, "<u4"), sig.array())
    again = MinHashSignature.model_validate_json(sig.model_dump_json())
    assert again.jaccard(sig) == 1.0
    assert sig.minhash().jaccard(again.minhash()) == 1.0  # datasketch agrees


def test_minhash_separates_two_letters_of_one_ministry_and_keeps_a_noisy_copy() -> None:
    founding = text_minhash(page_text("ru_minzdrav_founding"))
    monthly = text_minhash(page_text("ru_minzdrav_monthly"))
    noisy = text_minhash(ocr_noise(page_text("ru_minzdrav_founding"), 1 / 3, seed=1))
    assert founding and monthly and noisy
    assert founding.jaccard(monthly) < parameters()["compare"]["text_same"]
    assert founding.jaccard(noisy) > parameters()["compare"]["text_same"]


def ocr_noise(text: str, share: float, seed: int) -> str:
    """Change one character in ``share`` of the words (a crude stand-in for OCR slips)."""
    rng = np.random.default_rng(seed)
    confusions = "ноиаеслтрв1l.,"
    out = []
    for word in text.split(" "):
        if len(word) > 1 and rng.random() < share:
            i = int(rng.integers(len(word)))
            word = word[:i] + confusions[int(rng.integers(len(confusions)))] + word[i + 1 :]
        out.append(word)
    return " ".join(out)


# ----------------------------------------------------------------------------- PDQ


def rotate(img: np.ndarray, degrees: float) -> np.ndarray:
    h, w = img.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    return cv2.warpAffine(img, m, (w, h), borderMode=cv2.BORDER_REPLICATE)


def jpeg(img: np.ndarray, quality: int) -> np.ndarray:
    ok, data = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return cv2.imdecode(data, cv2.IMREAD_UNCHANGED)


def photo_like(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    img = cv2.GaussianBlur(rng.random((480, 640)).astype(np.float32), (0, 0), 20)
    img = (img - img.min()) / (img.max() - img.min()) * 255
    cv2.circle(img, (200, 240), 70, 255, -1)
    cv2.rectangle(img, (400, 80), (600, 300), 20, -1)
    return img.astype(np.uint8)


THRESHOLD = parameters()["pdq"]["same_page_distance"]


@settings(max_examples=5, deadline=None)
@given(st.integers(0, 1000), st.integers(30, 90), st.sampled_from([-1.0, 1.0]))
def test_pdq_of_an_image_survives_jpeg_and_one_degree(seed: int, quality: int, deg: float) -> None:
    img = photo_like(seed)
    base, q = page_pdq(img)
    assert len(base) == 64 and q >= parameters()["pdq"]["min_quality"]
    assert pdq_distance(base, page_pdq(jpeg(img, quality))[0]) <= THRESHOLD
    assert pdq_distance(base, page_pdq(rotate(img, deg))[0]) <= THRESHOLD


def test_pdq_of_a_text_page_survives_jpeg_downscale_and_residual_skew() -> None:
    page = page_pixels("ru_minzdrav_founding")
    base, _ = page_pdq(page)
    rgb = np.stack([page] * 3, axis=-1)
    assert page_pdq(rgb)[0] == base  # grey and RGB hash alike
    assert pdq_distance(base, page_pdq(jpeg(page, 50))[0]) <= 8
    small = cv2.resize(page, None, fx=0.75, fy=0.75, interpolation=cv2.INTER_AREA)
    assert pdq_distance(base, page_pdq(small)[0]) <= 16
    # Text pages are skew-sensitive (docs/fingerprints.md): deskew first; 0.25° stays close.
    assert pdq_distance(base, page_pdq(rotate(page, 0.25))[0]) <= THRESHOLD


def test_pdq_keeps_two_letters_of_one_ministry_apart() -> None:
    a = page_pdq(page_pixels("ru_minzdrav_founding"))[0]
    b = page_pdq(page_pixels("ru_minzdrav_monthly"))[0]
    assert pdq_distance(a, b) > THRESHOLD


def test_pdq_of_a_blank_page_has_low_quality() -> None:
    _, quality = page_pdq(np.full((300, 200), 240, np.uint8))
    assert quality < parameters()["pdq"]["min_quality"]


# ----------------------------------------------------------------------------- identity, body


def test_identity_key_folds_spacing_and_needs_number_and_date() -> None:
    a = identity_key("Минздрав России", "№ 30-2/И/2-2781", "2022-02-25")
    b = identity_key("МИНЗДРАВ  РОССИИ", "30-2/И/2-2781", "2022-02-25T00:00")
    assert a == b and len(a or "") == 64
    assert identity_key("Минздрав России", "30-2/И/2-2781", "2022-02-26") != a
    assert identity_key("Минздрав России", None, "2022-02-25") is None
    assert identity_key("Минздрав России", "30-2/И/2-2781", None) is None


def test_body_digest_is_shared_by_copies_to_different_recipients() -> None:
    founding = letter_record("ru_minzdrav_founding")
    variant = letter_record("ru_minzdrav_founding_variant")
    assert founding.text != variant.text
    assert body_digest(founding) == body_digest(variant)
    body = body_text(founding)
    assert "Руководителям" not in body and "МИНИСТЕРСТВО" not in body
    assert "медицинских специалистов" in body
    assert body_digest(founding) != body_digest(letter_record("ru_minzdrav_monthly"))


def test_fingerprint_record_with_and_without_pixels() -> None:
    record = letter_record("ru_minzdrav_founding")
    fp = fingerprint_record(record, [page_pixels("ru_minzdrav_founding")])
    assert fp.sha256 == record.source.sha256 and fp.parameters_version == parameters()["version"]
    assert fp.pages[0].pdq and fp.pages[0].pdq_quality == 100
    assert fp.text_minhash and fp.body_minhash and fp.identity_key and fp.body_digest
    assert Fingerprints.model_validate_json(fp.model_dump_json()) == fp
    bare = fingerprint_record(record)
    assert bare.pages[0].pdq is None and bare.text_minhash == fp.text_minhash


def test_fingerprint_of_an_empty_page_has_no_text_fingerprint() -> None:
    record = letter_record("ru_minzdrav_founding", text="")
    fp = fingerprint_record(record)
    assert fp.text_minhash is None and fp.body_minhash is None and fp.body_digest is None
    assert fp.identity_key is not None  # the fields still identify the act


def test_page_pdq_rejects_a_wrong_shape() -> None:
    from verify.errors import VerifyError

    with pytest.raises(VerifyError, match="grey"):
        page_pdq(np.zeros((4, 4, 2), np.uint8))
