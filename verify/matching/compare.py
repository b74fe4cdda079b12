"""Compare two records: the same file, the same letter, the same act, a clash, or nothing.

The verdicts: ``identical`` (same bytes), ``same_document`` (same content, another
rendition), ``same_template`` (one printed form, blank and filled or filled for two people),
``variant`` (same act, other addressee or stamp), ``conflict`` (presents itself as the same
act but key fields, read with confidence, legibly disagree) and ``unrelated``. The verdict
is read from the ordered rule table of ``verify.matching.verdicts``; OCR slips and cut lines
are told from disagreements by ``verify.matching.slips``, partial captures and fill-ins by
``verify.matching.textdiff``.
The decision weighs the *body* of the letters over their full text: two letters on one
ministry's blank share the letterhead, the layout and half their words, and must still be
unrelated.

Thresholds are data in ``models/fingerprint.json`` ("compare"); the measurements behind
them are in docs/fingerprints.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from functools import lru_cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from rapidfuzz import fuzz

from verify.lru import LruCache
from verify.matching.fingerprint import (
    _normalise_number,
    fingerprints_of,
    normalise_text,
    parameters,
    parameters_version,
    pdq_distance,
    words,
)
from verify.matching.slips import slip_key, slip_reason
from verify.matching.textdiff import FillIns, covered_share, fill_ins, tokens
from verify.matching.verdicts import Signals, Verdict, decide
from verify.record import EXTRACTED_FIELDS, BBox, Record, read_record
from verify.record_fingerprints import Fingerprints, MinHashSignature
from verify.text.translit import fold_name

Status = Literal["agree", "differ", "missing_left", "missing_right", "missing_both"]

# Fields whose disagreement makes two copies of "one act" a conflict rather than a variant.
KEY_FIELDS = (
    "issuer",
    "document_number",
    "document_date",
    "signatories",
    "requested_specialties",
    "deadlines",
)
# Fields that legitimately differ between copies of one act sent to different recipients.
COPY_FIELDS = ("addressees", "stamps")


class FieldComparison(BaseModel):
    """One row of the field-by-field table."""

    model_config = ConfigDict(frozen=True)

    field: str
    status: Status
    left: list[str] = Field(default_factory=list)
    right: list[str] = Field(default_factory=list)
    similarity: float | None = Field(None, description="0..1 where a fuzzy comparison applies.")
    only_left: list[str] = Field(default_factory=list, description="Values on the left only.")
    only_right: list[str] = Field(default_factory=list, description="Values on the right only.")


class PageDistance(BaseModel):
    """PDQ Hamming distance between page ``page`` of both sides."""

    model_config = ConfigDict(frozen=True)

    page: int
    distance: int | None
    note: str | None = None


class ComparisonEvidence(BaseModel):
    """Which fingerprints agreed, and by how much."""

    model_config = ConfigDict(frozen=True)

    sha256_equal: bool
    identity_key_equal: bool | None = Field(None, description="None when a side has no key.")
    body_digest_equal: bool | None = None
    text_jaccard: float | None = Field(None, description="MinHash estimate; None: no text.")
    body_jaccard: float | None = None
    covered: float | None = Field(
        None,
        description="Share of the shorter copy's lines found in the other, when it is a part.",
    )
    pdq: list[PageDistance] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)


Judgement = Literal["conflict", "disputed", "slip", "unsure", "unread"]


class ReadValue(BaseModel):
    """One side's reading of a value: what was read, where, how sure."""

    model_config = ConfigDict(frozen=True)

    value: str
    raw: str
    confidence: float
    page: int
    bbox: BBox
    source: str


class DecidingField(BaseModel):
    """A key field whose values differ, and how the difference was judged.

    ``conflict``: both sides read with confidence, and no OCR slip or cut explains it;
    ``slip``: confusable characters, a transliteration, a cut line or the other copy's text
    explain it; ``unsure``: a side read it with confidence below
    ``compare.conflict_min_confidence`` and the values are close (``unsure_min_ratio``), so the
    difference is OCR's; ``disputed``: read with low confidence but another value, neither a
    conflict nor a slip (it bars ``same_document``); ``unread``: a value on one side only,
    where the other copy did not read that part of the page.
    """

    model_config = ConfigDict(frozen=True)

    field: str
    judged: Judgement
    why: str
    left: list[ReadValue] = Field(default_factory=list)
    right: list[ReadValue] = Field(default_factory=list)


class TemplateEvidence(BaseModel):
    """What two texts share as printed words and what each fills in (``matching.textdiff``)."""

    model_config = ConfigDict(frozen=True)

    shared_words: int
    only_left: list[str] = Field(default_factory=list, description="Fill-in words, left.")
    only_right: list[str] = Field(default_factory=list, description="Fill-in words, right.")
    places_left: int = 0
    places_right: int = 0
    places_both: int = 0
    blanks_left: int = Field(0, description="Blanks on the left facing words on the right.")
    blanks_right: int = Field(0, description="Blanks on the right facing words on the left.")


class Decision(BaseModel):
    """Which rule of the verdict table decided, on which evidence."""

    model_config = ConfigDict(frozen=True)

    rule: str = Field(
        description="Id of the rule in verify.matching.verdicts.RULES, e.g. conflict.key_fields."
    )
    fields: list[DecidingField] = Field(
        default_factory=list, description="Key fields that differ, each with its judgement."
    )
    template: TemplateEvidence | None = None
    thresholds: dict[str, float] = Field(
        default_factory=dict, description="The thresholds the rules read, from models/."
    )


class Comparison(BaseModel):
    """The answer of ``compare``: verdict, score, evidence, field table and differences."""

    model_config = ConfigDict(frozen=True)

    verdict: Verdict
    score: float = Field(ge=0, le=1, description="How alike the two documents are, 0..1.")
    reason: str
    evidence: ComparisonEvidence
    fields: list[FieldComparison]
    differences: list[str] = Field(
        default_factory=list, description="For variant and conflict: what differs."
    )
    decision: Decision
    parameters_version: str


# --------------------------------------------------------------------------- loading


# --------------------------------------------------------------------------- field keys


@lru_cache(maxsize=8192)
def name_key(name: str) -> str:
    """Script-independent key of a person's name."""
    return fold_name(name)


def names_match(a: str, b: str) -> bool:
    """Same person: surnames (longest token) alike, and initials not contradicting."""
    ta, tb = name_key(a).split(), name_key(b).split()
    if not ta or not tb:
        return False
    sa, sb = max(ta, key=len), max(tb, key=len)
    if fuzz.ratio(sa, sb) < parameters()["compare"]["name_ratio"]:
        return False
    ia = [t[0] for t in ta if t != sa]
    ib = [t[0] for t in tb if t != sb]
    return not (ia and ib and ia[0] != ib[0])


@lru_cache(maxsize=8192)
def _text_key(value: str) -> str:
    return " ".join(words(normalise_text(value)))


def _values(record: Record, field: str) -> list[str]:
    value = getattr(record, field)
    if value is None:
        return []
    if field == "executor":
        return [f.value for f in (value.name, value.phone) if f is not None]
    if isinstance(value, list):
        out = []
        for item in value:
            text = item.value
            if field == "deadlines" and text is None:
                text = item.recurrence or "recurring"
            out.append(str(text))
        return out
    return [str(value.value)]


_COMPARED_FIELDS = EXTRACTED_FIELDS
"""The fields of the field-by-field table, in the record's order."""

_Values = tuple[tuple[str, ...], ...]
"""Every compared field's values of a record, in ``_COMPARED_FIELDS`` order (tuples: they
are keys of a ``Comparer``'s tables and rows)."""

_RowKey = tuple[str, tuple[str, ...], tuple[str, ...], bool]


def _field_values(record: Record) -> _Values:
    return tuple(tuple(_values(record, field)) for field in _COMPARED_FIELDS)


def _set_compare(
    left: list[str], right: list[str], match: Callable[[str, str], bool]
) -> tuple[list[str], list[str]]:
    """Values of each side without a match on the other side."""
    only_left = [a for a in left if not any(match(a, b) for b in right)]
    only_right = [b for b in right if not any(match(a, b) for a in left)]
    return only_left, only_right


def _fuzzy(threshold: float) -> Callable[[str, str], bool]:
    def match(a: str, b: str) -> bool:
        return fuzz.ratio(_text_key(a), _text_key(b)) >= threshold

    return match


def _number_match(low_confidence: bool) -> Callable[[str, str], bool]:
    """Numbers must be equal once normalised; one OCR slip is forgiven on low confidence."""

    def match(a: str, b: str) -> bool:
        na, nb = _normalise_number(a), _normalise_number(b)
        if na == nb:
            return True
        if not low_confidence:
            return False
        # OCR reads "/" and "-" as "." or loses them: the same digits and letters in the
        # same order are the same number, read badly.
        if _PUNCTUATION.sub("", na) == _PUNCTUATION.sub("", nb):
            return True
        return fuzz.ratio(na, nb) >= float(parameters()["compare"]["number_ocr_ratio"])

    return match


def _low_confidence(a: Record, b: Record, field: str) -> bool:
    threshold = parameters()["compare"]["low_confidence"]
    values = [getattr(r, field) for r in (a, b)]
    return any(v is not None and v.confidence < threshold for v in values)


def _exact(x: str, y: str) -> bool:
    return x.strip() == y.strip()


def _matchers(number_low: bool) -> dict[str, Callable[[str, str], bool]]:
    """How two values of each field are judged the same."""
    text_match = _fuzzy(parameters()["compare"]["text_field_ratio"])
    return {
        "issuer": text_match,
        "document_kind": _exact,
        "document_number": _number_match(number_low),
        "document_date": _exact,
        "subject": text_match,
        "addressees": text_match,
        "signatories": names_match,
        "deadlines": _exact,
        "requested_specialties": _exact,
        "funding_source": text_match,
        "executor": text_match,
        "references": text_match,
        "stamps": _exact,
    }


def _field_row(
    field: str,
    left: tuple[str, ...],
    right: tuple[str, ...],
    match: Callable[[str, str], bool],
) -> FieldComparison:
    """One row of the table: how the two sides' values of ``field`` relate."""
    similarity = None
    only_left: list[str] = []
    only_right: list[str] = []
    if not left and not right:
        status: Status = "missing_both"
    elif not left:
        status = "missing_left"
    elif not right:
        status = "missing_right"
    else:
        if sorted(left) != sorted(right):  # equal values agree under every matcher
            only_left, only_right = _set_compare(list(left), list(right), match)
        status = "differ" if only_left or only_right else "agree"
        if field in ("issuer", "subject", "funding_source", "document_number"):
            similarity = round(fuzz.ratio(_text_key(left[0]), _text_key(right[0])) / 100, 3)
    return FieldComparison(
        field=field,
        status=status,
        left=list(left),
        right=list(right),
        similarity=similarity,
        only_left=only_left,
        only_right=only_right,
    )


# --------------------------------------------------------------------------- the verdict


def _pdq_pages(fa: Fingerprints, fb: Fingerprints) -> list[PageDistance]:
    min_quality = parameters()["pdq"]["min_quality"]
    out = []
    for pa, pb in zip(fa.pages, fb.pages, strict=False):
        if not pa.pdq or not pb.pdq:
            out.append(PageDistance(page=pa.number, distance=None, note="no page image"))
        elif min(pa.pdq_quality or 0, pb.pdq_quality or 0) < min_quality:
            out.append(PageDistance(page=pa.number, distance=None, note="low PDQ quality"))
        else:
            out.append(PageDistance(page=pa.number, distance=pdq_distance(pa.pdq, pb.pdq)))
    return out


def _jaccard(x: MinHashSignature | None, y: MinHashSignature | None) -> float | None:
    if x is None or y is None:
        return None
    return x.jaccard(y)


def _describe(row: FieldComparison) -> str:
    """A difference in words, e.g. "another document_date: 2022-02-25 vs 2022-02-26"."""
    if row.field == "stamps" and row.status in ("missing_left", "missing_right"):
        side = "right" if row.status == "missing_left" else "left"
        return f"a stamp on the {side} copy only ({', '.join(row.left or row.right)})"
    if row.field == "requested_specialties":
        parts = []
        if row.only_right:
            parts.append("added on the right: " + ", ".join(row.only_right))
        if row.only_left:
            parts.append("removed on the right: " + ", ".join(row.only_left))
        return "specialties " + "; ".join(parts)
    if row.field == "signatories":
        return f"another signatory: {', '.join(row.left)} vs {', '.join(row.right)}"
    if row.field == "addressees":
        return "another addressee block"
    if row.status in ("missing_left", "missing_right"):
        side = "right" if row.status == "missing_left" else "left"
        return f"{row.field} on the {side} copy only"
    return f"another {row.field}: {'; '.join(row.left)} vs {'; '.join(row.right)}"


class Comparer:
    """Compares records for one batch, keeping what it works out from them along the way.

    A batch compares each record with many others: an archive's new copy with about ten
    archived copies of its letter, an index folder's query with its candidates. Copies of
    one letter carry the same field values, so the field table's rows are worked out once
    per pair of values and whole tables are looked up at once when two letters meet again;
    each record's field values are read from it once. The caller makes one for a batch and
    drops it with the batch (an archive's matcher keeps one between its batches);
    ``compare(a, b)`` makes a fresh one. Records are frozen, so what is derived from one
    stays true for it; each entry keeps its record, so the ``id`` it is found by names that
    record as long as the entry lives.
    """

    def __init__(self, kept: int = 4096) -> None:
        self._values: LruCache[int, tuple[Record, _Values]] = LruCache(kept)
        self._rows: LruCache[_RowKey, FieldComparison] = LruCache(2 * kept)
        self._tables: LruCache[tuple[_Values, _Values, bool], tuple[FieldComparison, ...]] = (
            LruCache(kept)
        )

    def compare(self, a: Record | dict[str, Any], b: Record | dict[str, Any]) -> Comparison:
        """Compare two records: measure, then let the first rule of ``verdicts.RULES`` decide."""
        return self._compare(read_record(a), read_record(b))

    def _record_values(self, record: Record) -> _Values:
        """Every compared field's values of ``record``, read once."""
        entry = self._values.get(id(record))
        if entry is None or entry[0] is not record:
            entry = (record, _field_values(record))
            self._values.put(id(record), entry)
        return entry[1]

    def compare_fields(self, a: Record, b: Record) -> list[FieldComparison]:
        """The field-by-field table: agree / differ / missing on one side or both."""
        number_low = _low_confidence(a, b, "document_number")
        values_a, values_b = self._record_values(a), self._record_values(b)
        table = self._tables.get((values_a, values_b, number_low))
        if table is not None:
            return list(table)
        matchers = _matchers(number_low)
        rows = []
        for field, left, right in zip(_COMPARED_FIELDS, values_a, values_b, strict=True):
            key = (field, left, right, number_low and field == "document_number")
            row = self._rows.get(key)
            if row is None:
                row = _field_row(field, left, right, matchers[field])
                self._rows.put(key, row)
            rows.append(row)
        self._tables.put((values_a, values_b, number_low), tuple(rows))
        return rows

    def _compare(self, left: Record, right: Record) -> Comparison:
        spec = parameters()["compare"]
        fa, fb = fingerprints_of(left), fingerprints_of(right)
        rows = self.compare_fields(left, right)
        by_field = {row.field: row for row in rows}
        pages = _pdq_pages(fa, fb)
        text_j = _jaccard(fa.text_minhash, fb.text_minhash)
        body_j = _jaccard(fa.body_minhash, fb.body_minhash)
        notes = []
        if text_j is None:
            notes.append("no usable text on at least one side: relied on hashes, images and fields")
        judged = [
            _judge(by_field[f], left, right) for f in KEY_FIELDS if by_field[f].status == "differ"
        ]
        conflicting = [d for d in judged if d.judged == "conflict"]
        notes += [
            f"{d.field} differs only as read: {d.why}"
            for d in judged
            if d.judged not in ("conflict", "disputed")
        ]
        copy_differs = []
        for field in COPY_FIELDS:
            row = by_field[field]
            one_sided_stamp = field == "stamps" and row.status in ("missing_left", "missing_right")
            if row.status != "differ" and not one_sided_stamp:
                continue
            if _misread(row, left, right):
                notes.append(f"{field} differs only as read: the same text is in both copies")
            else:
                copy_differs.append(row)
        identity_equal = (
            None
            if not fa.identity_key or not fb.identity_key
            else fa.identity_key == fb.identity_key
        )
        digest_equal = (
            None if not fa.body_digest or not fb.body_digest else fa.body_digest == fb.body_digest
        )
        covered = _covered(left.text, right.text)
        evidence = ComparisonEvidence(
            sha256_equal=fa.sha256 == fb.sha256,
            identity_key_equal=identity_equal,
            body_digest_equal=digest_equal,
            text_jaccard=text_j,
            body_jaccard=body_j,
            covered=covered,
            pdq=pages,
            notes=notes,
        )
        distances = [p.distance for p in pages if p.distance is not None]
        signals = Signals(
            spec=spec,
            sha256_equal=evidence.sha256_equal,
            text_j=text_j,
            body_j=body_j,
            covered=covered,
            pdq_close=bool(distances)
            and max(distances) <= parameters()["pdq"]["same_page_distance"],
            digest_equal=digest_equal,
            same_number=by_field["document_number"].status == "agree",
            conflicts=tuple(_describe(by_field[d.field]) for d in conflicting),
            conflict_fields=tuple(d.field for d in conflicting),
            disputed=tuple(d.field for d in judged if d.judged == "disputed"),
            copy_differences=tuple(_describe(r) for r in copy_differs),
        )
        if signals.related and not signals.sha256_equal:  # only related texts can share a template
            signals = replace(signals, fills=fill_ins(left.text, right.text))
        rule, reason, differences = decide(signals)
        compared = [r for r in rows if r.status in ("agree", "differ")]
        field_agreement = (
            sum(r.status == "agree" for r in compared) / len(compared) if compared else None
        )
        score = _score(body_j, text_j, distances, field_agreement, spec["score_weights"])
        return Comparison(
            verdict=rule.verdict,
            score=1.0 if rule.verdict == "identical" else score,
            reason=reason,
            evidence=evidence,
            fields=rows,
            differences=differences,
            decision=Decision(
                rule=rule.id,
                fields=judged,
                template=_template_evidence(signals.fills)
                if rule.verdict == "same_template"
                else None,
                thresholds=dict(_thresholds()),
            ),
            parameters_version=parameters_version(),
        )


def compare(a: Record | dict[str, Any], b: Record | dict[str, Any]) -> Comparison:
    """Compare two records: measure, then let the first rule of ``verify.matching.verdicts`` decide.

    One comparison on its own; a caller comparing many records makes one ``Comparer``.
    """
    return Comparer().compare(a, b)


def compare_fields(a: Record, b: Record) -> list[FieldComparison]:
    """The field-by-field table: agree / differ / missing on one side or both."""
    return Comparer().compare_fields(a, b)


@lru_cache(maxsize=4096)
def _covered(left: str, right: str) -> float | None:
    """The share of the shorter text's lines found in the longer one.

    None when the shorter text is not a part (more than ``recapture.part_max_size`` of the
    longer one's words: two full letters sharing paragraphs are not one read in part) or
    has too little text to judge.
    """
    part, whole = sorted((left, right), key=lambda text: len(tokens(text)))
    if len(tokens(part)) > float(parameters()["compare"]["recapture"]["part_max_size"]) * len(
        tokens(whole)
    ):
        return None
    share = covered_share(part, whole)
    return None if share is None else round(share, 4)


def _template_evidence(fills: FillIns | None) -> TemplateEvidence | None:
    if fills is None:
        return None
    most = int(parameters()["compare"]["template"]["evidence_words"])
    return TemplateEvidence(
        shared_words=fills.shared,
        only_left=list(fills.left[:most]),
        only_right=list(fills.right[:most]),
        places_left=fills.places_left,
        places_right=fills.places_right,
        places_both=fills.places_both,
        blanks_left=fills.blanks_left,
        blanks_right=fills.blanks_right,
    )


@lru_cache(maxsize=1)
def _thresholds() -> tuple[tuple[str, float], ...]:
    """The thresholds the rules read, flat, for the decision's record of them."""
    spec = parameters()["compare"]
    flat = {
        key: float(spec[key])
        for key in ("body_same", "text_same", "body_unrelated_max", "conflict_min_confidence")
    }
    flat["recapture.covered_same"] = float(spec["recapture"]["covered_same"])
    for key in ("blank_min_places", "fillings_min_places", "fillings_min_words"):
        flat[f"template.{key}"] = float(spec["template"][key])
    flat["pdq.same_page_distance"] = float(parameters()["pdq"]["same_page_distance"])
    return tuple(flat.items())


# --------------------------------------------------------------------------- key fields judged


def _readings(record: Record, field: str, values: list[str]) -> list[ReadValue]:
    """The evidence each value was read from (value, raw, confidence, page, box, rule)."""
    items = getattr(record, field)
    items = items if isinstance(items, list) else [items]
    out = []
    for item in items:
        if item is None:
            continue
        value = item.value
        if field == "deadlines" and value is None:
            value = item.recurrence or "recurring"
        if str(value) in values:
            out.append(
                ReadValue(
                    value=str(value),
                    raw=item.raw,
                    confidence=item.confidence,
                    page=item.page,
                    bbox=item.bbox,
                    source=item.source,
                )
            )
    return out


def _judge(row: FieldComparison, a: Record, b: Record) -> DecidingField:
    """How a key field's difference is judged: a disagreement, or which reading explains it."""
    left = _readings(a, row.field, row.only_left)
    right = _readings(b, row.field, row.only_right)
    judged, why = _judgement(row, a, b, left, right)
    return DecidingField(field=row.field, judged=judged, why=why, left=left, right=right)


def _judgement(
    row: FieldComparison, a: Record, b: Record, left: list[ReadValue], right: list[ReadValue]
) -> tuple[Judgement, str]:
    """The judgement of a key field's difference, and why.

    Each differing value is explained (an OCR slip, read on the other copy, or in lines the
    other copy lacks) or not; a conflict needs an unexplained value read with confidence
    that faces, when the other side read values too, a confident one.
    """
    if _misread(row, a, b):
        return "slip", "each side's value is in the other copy's text (an extraction slip)"
    spec = parameters()["compare"]
    exact = row.field in spec["misread_exact_fields"]
    why: dict[str, list[str]] = {}
    unexplained: list[tuple[ReadValue, list[ReadValue]]] = []
    for one, others, own, other in ((left, right, a, b), (right, left, b, a)):
        for reading in one:
            reason = _explained(reading, others, own.text, other.text, exact)
            if reason is None:
                unexplained.append((reading, others))
            else:
                why.setdefault(reason, []).append(reading.raw)
    if not unexplained:
        judged: Judgement = "unread" if set(why) == {"unread"} else "slip"
        return judged, "; ".join(f"{k}: {', '.join(map(repr, v))}" for k, v in why.items())
    least = float(spec["conflict_min_confidence"])
    close = float(spec["unsure_min_ratio"])
    for reading, others in unexplained:
        facing = [o for o in others if o.confidence >= least]
        if reading.confidence < least or (others and not facing):
            unsure = reading if reading.confidence < least else others[0]
            low = f"{unsure.raw!r} read with confidence {unsure.confidence:.2f}"
            near = any(
                fuzz.ratio(slip_key(reading.value), slip_key(o.value)) >= close for o in others
            )
            # Low confidence explains a few wrong characters, not another value.
            return ("unsure", low) if near else ("disputed", low + ", and the values differ")
    return "conflict", "read with confidence on both copies, and no OCR slip explains it"


def _explained(
    reading: ReadValue, others: list[ReadValue], own: str, other: str, exact: bool
) -> str | None:
    """Why one differing value is not a disagreement, or None."""
    for o in others:
        reason = slip_reason(reading.value, o.value) or slip_reason(reading.raw, o.raw)
        if reason is not None:
            return f"an OCR slip ({reason})"
    spec = parameters()["compare"]
    length = None if exact else int(spec["misread_min_length"])
    lines = [line for line in reading.raw.splitlines() if line.strip()]
    if lines and all(_in_text(line, other, length, float(spec["misread_ratio"])) for line in lines):
        return "read on the other copy"
    if _cut_off(reading.raw, own, other):
        return "unread"
    return None


def _cut_off(raw: str, own: str, other: str) -> bool:
    """The nearest full line before or after ``raw`` on its copy is missing from the other.

    A photo that cut the top or bottom of the page lacks the value and the lines around it;
    a copy with a value changed or added mid-page has the lines on both sides of it.
    """
    key = slip_key(raw.splitlines()[0]) if raw.strip() else ""
    lines = [k for k in (slip_key(line) for line in own.splitlines()) if k]
    where = next((i for i, line in enumerate(lines) if key and key in line), None)
    if where is None:
        return False
    spec = parameters()["compare"]["recapture"]
    full = int(spec["min_line_words"])
    before = next((x for x in reversed(lines[:where]) if len(x.split()) >= full), None)
    after = next((x for x in lines[where + 1 :] if len(x.split()) >= full), None)
    haystack = " ".join(slip_key(line) for line in other.splitlines())
    ratio = float(spec["line_ratio"])
    return any(
        fuzz.partial_ratio(line, haystack, score_cutoff=ratio) < ratio
        for line in (before, after)
        if line is not None
    )


def _raws(record: Record, field: str, values: list[str]) -> list[str]:
    """The raw text each differing value was read from (the value itself if none)."""
    items = getattr(record, field)
    items = items if isinstance(items, list) else [items]
    raws = []
    for value in values:
        found = [
            item.raw
            for item in items
            if item is not None and str(getattr(item, "value", None) or "") == value
        ]
        raws.extend(found or [value])
    return raws


@lru_cache(maxsize=8192)
def _letters_only(text: str) -> str:
    """Normalised text without punctuation: OCR adds and drops commas, quotes, dots."""
    return " ".join(_PUNCTUATION.sub(" ", normalise_text(text)).split())


_PUNCTUATION = re.compile(r"[^\w\s]")


def _in_text(raw: str, text: str, min_fuzzy_length: int | None, ratio: float) -> bool:
    """Whether ``raw`` occurs in ``text``.

    Exactly for short values, where one character is another date or name; fuzzily (OCR
    noise) for long ones.
    """
    needle, haystack = _letters_only(raw), _letters_only(text)
    if not needle:
        return True
    if needle in haystack:
        return True
    if min_fuzzy_length is None or len(needle) < min_fuzzy_length:
        return False
    return fuzz.partial_ratio(needle, haystack, score_cutoff=ratio) >= ratio


def _misread(row: FieldComparison, a: Record, b: Record) -> bool:
    """A key field that differs only because one side misread it.

    When every value found on one side only was read from text that the other copy also
    contains (and vice versa), both copies say the same thing and an extractor slipped
    on one of them: a 75-dpi photo read "ых" as the issuer while its body names the
    ministry. A doctored date or signatory is absent from the other copy's text.
    """
    spec = parameters()["compare"]
    ratio = float(spec["misread_ratio"])
    exact = row.field in spec["misread_exact_fields"]
    length = None if exact else int(spec["misread_min_length"])
    left = _raws(a, row.field, row.only_left or (row.left if row.status == "missing_right" else []))
    right = _raws(
        b, row.field, row.only_right or (row.right if row.status == "missing_left" else [])
    )
    return all(_in_text(raw, b.text, length, ratio) for raw in left) and all(
        _in_text(raw, a.text, length, ratio) for raw in right
    )


def _score(
    body_j: float | None,
    text_j: float | None,
    distances: list[int],
    field_agreement: float | None,
    weights: dict[str, float],
) -> float:
    """Weighted mean of the similarities available (weights in models/fingerprint.json)."""
    pdq = max(0.0, 1 - max(distances) / 128) if distances else None
    used = 0
    total = weighted = 0.0
    for name, value in (
        ("body", body_j),
        ("text", text_j),
        ("pdq", pdq),
        ("fields", field_agreement),
    ):
        if value is not None:
            used += 1
            total += weights[name]
            weighted += weights[name] * value
    return round(weighted / total, 4) if used else 0.0
