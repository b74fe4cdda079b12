"""compare(): verdicts on records built from the fixture letters, real OCR for one rendition."""

from __future__ import annotations

import hashlib
import itertools

import cv2
import pytesseract
import pytest

from tests.test_fingerprint import LETTERS, ev, letter, letter_record, ocr_noise, page_pixels
from verify.errors import RecordError
from verify.matching.compare import Comparer, Comparison, compare, names_match
from verify.matching.fingerprint import fingerprint_record
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


# --------------------------------------------------------------------------- recaptures and forms

import copy  # noqa: E402
import json  # noqa: E402
from functools import cache  # noqa: E402
from pathlib import Path  # noqa: E402

import _degrade  # noqa: E402  (fixtures/ is on sys.path through tests.test_fingerprint)
import numpy as np  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from tests.test_fingerprint import ROOT, _layout, _render  # noqa: E402
from verify import extract  # noqa: E402
from verify.matching.slips import is_slip, slip_reason  # noqa: E402
from verify.options import ExtractOptions  # noqa: E402
from verify.schema import comparison_schema_json  # noqa: E402

RU = ExtractOptions(jobs=1, cache_dir=None, languages=("ru",))
BLANK = "__________"


def _extract(tmp: Path, name: str, pdf: bytes, *, scan: bool = False, top: float = 0) -> Record:
    """The real pipeline on a rendered letter: its PDF, or a 300-dpi scan cut at ``top``."""
    if not scan:
        path = tmp / f"{name}.pdf"
        path.write_bytes(pdf)
        return extract(path, RU)
    grey, _ = _degrade.scan(_render.raster(pdf, 300), np.random.default_rng(7))
    grey = grey[int(grey.shape[0] * top) :]  # the frame cut the page's head
    path = tmp / f"{name}.png"
    path.write_bytes(_degrade.encode(grey, "PNG", dpi=300))
    return extract(path, RU)


def _form(values: dict) -> dict:
    """ru_hospital as a form: number, date, addressee, counts, signatory, executor filled in."""
    data = copy.deepcopy(letter("ru_hospital"))
    lay = data["layout"]
    lay["registration"] = f"{values['date']} № {values['number']}"
    lay["addressees"][0][-1] = values["addressee"]
    for i, line in enumerate(lay["body"][2:7]):
        head, _, tail = line.partition(" – ")
        lay["body"][2 + i] = f"{head} – {values['counts'][i]} {tail.partition(' ')[2]}"
    lay["signature"]["name"] = values["signatory"]
    lay["executor"] = [values["executor"], values["phone"]]
    return data


BLANK_FORM = _form(
    {
        "date": BLANK,
        "number": BLANK,
        "addressee": BLANK * 2,
        "counts": ["___"] * 5,
        "signatory": BLANK * 2,
        "executor": BLANK * 3,
        "phone": BLANK * 2,
    }
)
FILLED_ONE = _form(
    {
        "date": "02.03.2022",
        "number": "214/01-15",
        "addressee": "Н.В. Смирновой",
        "counts": [6, 4, 3, 5, 12],
        "signatory": "Д.С. Морозов",
        "executor": "Лебедева Татьяна Игоревна",
        "phone": "8 (4822) 55-31-07",
    }
)
FILLED_TWO = _form(
    {
        "date": "15.04.2022",
        "number": "377/02-11",
        "addressee": "П.А. Кузнецовой",
        "counts": [2, 7, 1, 9, 4],
        "signatory": "И.П. Соколов",
        "executor": "Волкова Анна Сергеевна",
        "phone": "8 (4822) 55-44-12",
    }
)


@cache
def form_records() -> dict[str, Record]:
    """The blank form and its first filling as PDFs, the second filling as a scan (OCR)."""
    import tempfile

    tmp = Path(tempfile.mkdtemp(prefix="verify-forms-"))
    pdfs = {
        name: _render.born_digital(_layout.compose(data))
        for name, data in (("blank", BLANK_FORM), ("one", FILLED_ONE), ("two", FILLED_TWO))
    }
    return {
        "blank": _extract(tmp, "blank", pdfs["blank"]),
        "one": _extract(tmp, "one", pdfs["one"]),
        "two": _extract(tmp, "two", pdfs["two"], scan=True),
        "one_scan": _extract(tmp, "one_scan", pdfs["one"], scan=True),
    }


@pytest.mark.slow
@pytest.mark.parametrize(
    ("left", "right", "rule"),
    [
        ("blank", "one", "same_template.blank"),
        ("blank", "two", "same_template.blank"),
        ("one", "two", "same_template.fillings"),
    ],
)
def test_a_blank_form_and_its_fillings_share_a_template_both_ways(
    left: str, right: str, rule: str
) -> None:
    records = form_records()
    for a, b in ((left, right), (right, left)):
        result = compare(records[a], records[b])
        assert result.verdict == "same_template", (a, b, result.reason)
        assert result.decision.rule == rule
        template = result.decision.template
        assert template is not None and template.shared_words > 150
        filled = template.only_left + template.only_right
        if rule == "same_template.blank":
            side = "right" if a == "blank" else "left"
            assert (template.blanks_left if side == "right" else template.blanks_right) >= 2
            assert any(ch.isdigit() for word in filled for ch in word)  # counts, the number


def test_a_filled_form_and_its_scan_are_one_document_not_a_template() -> None:
    records = form_records()
    result = compare(records["one"], records["one_scan"])
    assert result.verdict == "same_document", result.reason
    assert result.decision.template is None


def test_a_recapture_with_its_head_cut_and_a_letter_misread_is_the_same_document() -> None:
    """Real OCR of a scan whose frame cut the letterhead's first lines, plus an а/о slip."""
    import tempfile

    tmp = Path(tempfile.mkdtemp(prefix="verify-recapture-"))
    pdf = _render.born_digital(_layout.compose(letter(FOUNDING)))
    original = _extract(tmp, "original", pdf)
    cut = _extract(tmp, "cut", pdf, scan=True, top=0.076)
    assert cut.text.lstrip().upper().startswith("РОССИЙСКОЙ")  # the first line is gone
    issuer = original.issuer
    assert issuer is not None
    misread = issuer.value.split(" ", 1)[1].replace("а", "о", 1)  # cut head, one slip
    slipped = cut.model_copy(
        update={"issuer": issuer.model_copy(update={"value": misread, "raw": misread})}
    )
    for a, b in ((original, slipped), (slipped, original)):
        result = compare(a, b)
        assert result.verdict == "same_document", (result.reason, result.decision)
        judged = {d.field: d.judged for d in result.decision.fields}
        assert "conflict" not in judged.values()
        assert judged.get("issuer") == "slip"


def test_cut_title_and_a_misread_letter_are_a_slip_not_a_conflict() -> None:
    """The issue's case: the frame cut "Доверенность" and the camera turned а into о."""
    full, cut = "Доверенность на получение товара", "на получение товора"
    assert slip_reason(full, cut) == "cut"
    clean = letter_record(FOUNDING)
    text = "\n".join(clean.text.splitlines()[1:])  # the head line lost
    photo = letter_record(FOUNDING, text=text, issuer={**ev(cut, 0.95), "value": cut})
    scan = letter_record(FOUNDING, issuer={**ev(full, 0.95), "value": full})
    result = compare(scan, photo)
    assert result.verdict == "same_document", result.reason
    issuer = next(d for d in result.decision.fields if d.field == "issuer")
    assert issuer.judged == "slip" and "cut" in issuer.why
    assert issuer.left[0].raw == full and issuer.right[0].raw == cut
    assert issuer.left[0].confidence == 0.95


def test_a_conflict_says_which_evidence_decided() -> None:
    result = compare(letter_record(FOUNDING), letter_record("ru_minzdrav_founding_doctored"))
    assert result.verdict == "conflict" and result.decision.rule == "conflict.key_fields"
    date = next(d for d in result.decision.fields if d.field == "document_date")
    assert date.judged == "conflict"
    assert date.left[0].value == "2022-02-25" and date.right[0].value == "2022-02-26"
    assert date.left[0].confidence >= 0.6 and date.right[0].page == 1
    assert result.decision.thresholds["conflict_min_confidence"] == 0.6


def test_a_date_read_with_low_confidence_never_makes_a_conflict() -> None:
    unsure = letter_record(FOUNDING, document_date={**ev("26.02.2022", 0.3), "value": "2022-02-26"})
    result = compare(letter_record(FOUNDING), unsure)
    assert result.verdict == "same_document", result.reason
    assert [d.judged for d in result.decision.fields] == ["unsure"]
    sure = letter_record(FOUNDING, document_date={**ev("26.02.2022", 0.95), "value": "2022-02-26"})
    assert compare(letter_record(FOUNDING), sure).verdict == "conflict"


CYRILLIC = "абвгдежзиклмнопрстуфхцчшщыэюя"
CONFUSED = [("а", "о"), ("о", "а"), ("и", "н"), ("н", "и"), ("е", "с"), ("с", "е")]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.text(alphabet=CYRILLIC, min_size=3, max_size=12), min_size=1, max_size=5),
    st.sampled_from(CONFUSED),
    st.integers(min_value=0, max_value=60),
)
def test_a_confusable_letter_or_a_cut_is_always_a_slip(words, swap, where) -> None:
    value = " ".join(words)
    positions = [i for i, ch in enumerate(value) if ch == swap[0]]
    misread = value
    if positions:
        i = positions[where % len(positions)]
        misread = value[:i] + swap[1] + value[i + 1 :]
    assert is_slip(value, misread)
    assert is_slip(value.upper(), misread)  # case and the slip together
    if len(value) > 8:
        assert is_slip(value, value[3:])  # the frame cut the start of the line


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=1, max_value=28), st.integers(min_value=1, max_value=28))
def test_different_dates_are_never_a_slip(day_a, day_b) -> None:
    a, b = f"2022-02-{day_a:02d}", f"2022-02-{day_b:02d}"
    assert is_slip(a, b) == (day_a == day_b)


def test_the_published_comparison_schema_is_the_models() -> None:
    published = (ROOT / "docs" / "comparison.schema.json").read_text(encoding="utf-8")
    assert published == comparison_schema_json()
    assert "same_template" in json.loads(published)["properties"]["verdict"]["enum"]


def test_one_comparer_for_a_batch_answers_as_single_comparisons_do() -> None:
    names = (FOUNDING, f"{FOUNDING}_variant", f"{FOUNDING}_doctored", "ru_order")
    records = [letter_record(name) for name in names]
    founding = records[0]
    low = founding.document_number.model_copy(update={"confidence": 0.3})  # type: ignore[union-attr]
    records.append(founding.model_copy(update={"document_number": low}))  # same values
    records.append(letter_record(FOUNDING, text=ocr_noise(founding.text, 1 / 3, seed=5)))
    records = [r.model_copy(update={"fingerprints": fingerprint_record(r)}) for r in records]
    comparer = Comparer()
    for _ in range(2):  # the second round finds every record's values, row and table kept
        for a, b in itertools.permutations(records, 2):
            assert comparer.compare(a, b) == compare(a, b)
