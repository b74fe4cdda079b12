"""compare(): verdicts on records built from the fixture letters, real OCR for one rendition."""

from __future__ import annotations

import hashlib
import itertools

import cv2
import pytesseract
import pytest

from tests.test_fingerprint import LETTERS, ev, letter, letter_record, ocr_noise, page_pixels
from verify.compare import Comparison, compare, names_match
from verify.errors import RecordError
from verify.fingerprint import fingerprint_record
from verify.record import Record

FOUNDING = "ru_minzdrav_founding"


def fields(result: Comparison) -> dict[str, str]:
    return {row.field: row.status for row in result.fields}


def with_sha(record: Record, sha: str) -> Record:
    return record.model_copy(update={"source": record.source.model_copy(update={"sha256": sha})})


def test_same_bytes_are_identical() -> None:
    a = letter_record(FOUNDING)
    result = compare(a, a.model_dump(by_alias=True))
    assert result.verdict == "identical" and result.score == 1.0
    assert result.evidence.sha256_equal


def test_a_copy_with_ocr_noise_and_missing_fields_is_the_same_document() -> None:
    clean = letter_record(FOUNDING)
    noisy_text = ocr_noise(clean.text, 1 / 3, seed=3)
    noisy = letter_record(FOUNDING, text=noisy_text, document_number=None, signatories=[])
    result = compare(clean, noisy)
    assert result.verdict == "same_document", result.reason
    assert fields(result)["document_number"] == "missing_right"
    assert fields(result)["document_date"] == "agree"
    assert 0.45 < (result.evidence.text_jaccard or 0) < 1


def test_a_75_dpi_ocr_of_the_sheet_is_the_same_document_as_the_born_digital_text() -> None:
    """Real tesseract on a 75-dpi JPEG rendition; the record has text and a date only."""
    low = cv2.resize(
        page_pixels(FOUNDING, 300), None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA
    )
    ok, data = cv2.imencode(".jpg", low, [cv2.IMWRITE_JPEG_QUALITY, 60])
    low = cv2.imdecode(data, cv2.IMREAD_GRAYSCALE)
    text = pytesseract.image_to_string(low, lang="rus", config="--dpi 75")
    truth = letter(FOUNDING)["truth"]
    photo = letter_record(
        FOUNDING,
        text=text,
        issuer=None,
        document_number=None,
        subject=None,
        addressees=[],
        signatories=[],
        deadlines=[],
        requested_specialties=[],
        document_date={**ev("25.02.2022", 0.5), "value": truth["document_date"]},
    )
    result = compare(letter_record(FOUNDING), photo)
    assert result.verdict == "same_document", (result.reason, result.evidence)
    other = compare(letter_record("ru_minzdrav_monthly"), photo)
    assert other.verdict == "unrelated", other.reason


def test_one_act_to_another_addressee_with_a_stamp_is_a_variant() -> None:
    result = compare(letter_record(FOUNDING), letter_record("ru_minzdrav_founding_variant"))
    assert result.verdict == "variant", result.reason
    assert result.evidence.identity_key_equal and result.evidence.body_digest_equal
    assert fields(result)["addressees"] == "differ"
    assert fields(result)["stamps"] == "missing_left"
    assert "another addressee block" in result.differences
    assert any("stamp on the right copy only" in d for d in result.differences)


def test_a_doctored_copy_is_a_conflict_naming_the_fields() -> None:
    truth = letter(FOUNDING)["truth"]
    original = letter_record(FOUNDING)
    doctored = letter_record(
        FOUNDING,
        document_date={**ev("26.02.2022"), "value": "2022-02-26"},
        signatories=[{**ev("М.А. Мурашко"), "value": "М.А. Мурашко"}],
        requested_specialties=[{**ev(s), "value": s} for s in truth["requested_specialties"]]
        + [{**ev("психиатров"), "value": "psychiatrist"}],
    )
    result = compare(original, doctored)
    assert result.verdict == "conflict", result.reason
    table = fields(result)
    assert table["document_number"] == "agree"
    assert {f for f, s in table.items() if s == "differ"} == {
        "document_date",
        "signatories",
        "requested_specialties",
    }
    joined = " | ".join(result.differences)
    assert (
        "2022-02-26" in joined
        and "Мурашко" in joined
        and "added on the right: psychiatrist" in joined
    )


def test_same_number_with_another_body_is_a_conflict() -> None:
    monthly = letter_record("ru_minzdrav_monthly")
    forged = letter_record(
        "ru_minzdrav_monthly",
        document_number={**ev("30-2/И/2-2781"), "value": "30-2/И/2-2781"},
        document_date={**ev("25.02.2022"), "value": "2022-02-25"},
    )
    result = compare(letter_record(FOUNDING), forged)
    assert result.verdict == "conflict"
    assert any("another body text" in d for d in result.differences)
    assert compare(letter_record(FOUNDING), monthly).verdict == "unrelated"


def test_distinct_letters_are_unrelated_even_on_one_ministrys_blank() -> None:
    names = sorted(p.stem for p in LETTERS.glob("*.json"))
    records = {n: letter_record(n) for n in names}
    # The founding letter, its variant and its doctored copy all claim to be one act.
    same_act = {FOUNDING, "ru_minzdrav_founding_variant", "ru_minzdrav_founding_doctored"}
    for a, b in itertools.combinations(names, 2):
        if {a, b} <= same_act:
            continue
        result = compare(records[a], records[b])
        assert result.verdict == "unrelated", (a, b, result.reason)
    ministry = compare(records[FOUNDING], records["ru_minzdrav_monthly"])
    assert (ministry.evidence.body_jaccard or 1) < (ministry.evidence.text_jaccard or 0)


def test_doctored_copy_is_a_conflict_naming_the_fields() -> None:
    founding, doctored = letter_record(FOUNDING), letter_record("ru_minzdrav_founding_doctored")
    result = compare(founding, doctored)
    assert result.verdict == "conflict"
    differing = {row.field for row in result.fields if row.status == "differ"}
    assert {"document_date", "signatories", "requested_specialties"} <= differing
    variant = compare(letter_record("ru_minzdrav_founding_variant"), doctored)
    assert variant.verdict == "conflict"


def test_names_match_across_scripts_and_transliterations() -> None:
    for other in ("A. N. Plutnitsky", "Plutnitskiy", "А. Н. ПЛУТНИЦКИЙ", "A.N. Plutnitskii"):
        assert names_match("А.Н. Плутницкий", other), other
    assert not names_match("А.Н. Плутницкий", "Е.Г. Камкин")
    assert not names_match("А.Н. Плутницкий", "В.Н. Плутницкий")
    latin = letter_record(
        FOUNDING, signatories=[{**ev("A. N. Plutnitsky"), "value": "A. N. Plutnitsky"}]
    )
    assert fields(compare(letter_record(FOUNDING), latin))["signatories"] == "agree"


def test_an_empty_page_relies_on_the_rest() -> None:
    empty = letter_record(FOUNDING, text="")
    result = compare(letter_record(FOUNDING), empty)
    assert result.evidence.text_jaccard is None
    assert any("relied on" in note for note in result.evidence.notes)
    assert result.verdict == "same_document"  # number, date, signatory... all agree


def test_a_record_of_another_schema_is_refused() -> None:
    data = letter_record(FOUNDING).model_dump(by_alias=True)
    with pytest.raises(RecordError, match="verify.record/0.*re-extract"):
        compare({**data, "schema": "verify.record/0"}, data)
    with pytest.raises(RecordError, match="malformed"):
        compare(data, {**data, "pages": "one"})
    with pytest.raises(RecordError):
        compare(data, ["not", "a", "record"])  # type: ignore[arg-type]


def test_compare_of_two_loaded_records_is_fast() -> None:
    def stored(name: str) -> dict:
        record = letter_record(name)
        fp = fingerprint_record(record, [page_pixels(name)])
        return {**record.model_dump(by_alias=True), "fingerprints": fp.model_dump()}

    a, b = stored(FOUNDING), stored("ru_minzdrav_founding_variant")
    result = compare(a, b)  # its latency is measured in benchmarks/matching.py
    assert result.verdict == "variant"
    assert result.evidence.pdq and result.evidence.pdq[0].distance is not None


def test_fallback_sha_differs_from_identical() -> None:
    a = letter_record(FOUNDING)
    b = with_sha(a, hashlib.sha256(b"another file").hexdigest())
    result = compare(a, b)
    assert result.verdict == "same_document" and result.score > 0.9


@pytest.mark.parametrize("confident_first", [True, False])
def test_a_number_slip_is_forgiven_only_when_read_with_low_confidence(confident_first) -> None:
    """Field rows are reused between comparisons: the confidence must still decide."""
    truth = letter(FOUNDING)["truth"]["document_number"]
    slipped = truth.replace("/", ".", 1)
    clean = letter_record(FOUNDING)

    def copy(confidence: float) -> Record:
        number = {**ev(slipped, confidence), "value": slipped}
        return with_sha(letter_record(FOUNDING, document_number=number), "b" * 64)

    confident, unsure = copy(0.95), copy(0.5)
    order = [confident, unsure] if confident_first else [unsure, confident]
    statuses = {id(other): fields(compare(clean, other))["document_number"] for other in order}
    assert statuses[id(confident)] == "differ"
    assert statuses[id(unsure)] == "agree"
