"""Every archived copy of a document, and how many independent sources really hold it.

An editor reads "three sources sent us this letter" as three confirmations. They are not
when two of them passed on the same file (byte-identical: one origin) or the same capture
re-encoded (a photo resent through a messenger: page images all but equal, same text).
So copies are listed per (document, source) pair, grouped into *origins*:

* the same sha256 is one origin, whoever sent it;
* two renditions share an origin when a page image is identical (``image_sha256``), or
  when every compared page is within a PDQ Hamming distance and their text is
  near-identical (MinHash Jaccard), both thresholds in ``models/copies.json`` with their
  reasons: a re-encoded or downscaled JPEG moves PDQ by a few bits, two independent
  captures of one page, or a variant of the letter, by tens of bits;
* ``conflict`` copies (same number or body, key fields disagree) never confirm: they are
  listed and flagged, and counted nowhere.

Each origin's first receipt is its independent copy; later receipts of the same bytes or
of a shared capture are not, whoever sent them. The count of independent sources is the
number of distinct sources among those first receipts: an origin counts once however many
sources hold it, and a source counts once however many origins it sent, so neither a
forwarded file nor a prolific source inflates it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from verify.archive.archive import Archive
from verify.archive.archive_index import LINK_VERDICTS
from verify.archive.query import search_record
from verify.matching.fingerprint import fingerprints_of, parameters, pdq_distance
from verify.record import Record, read_record_json
from verify.record_fingerprints import Fingerprints
from verify.report.model import Copies, Copy
from verify.resources import load_json

SEARCH_K = 50
"""How many archived candidates the search considers (copies beyond it come from links)."""

_RANK = {"identical": 0, "same_document": 1, "variant": 2, "conflict": 3}


def copy_thresholds() -> dict[str, float]:
    """The thresholds this module used, for the report's ``thresholds`` (auditability)."""
    table = load_json("copies.json")
    return {
        "copies.capture_pdq_distance": float(table["capture_pdq_distance"]),
        "copies.capture_text_jaccard": float(table["capture_text_jaccard"]),
    }


@dataclass(frozen=True)
class _Related:
    """An archived document related to the checked one, with the compare verdict."""

    sha256: str
    verdict: str
    score: float
    reason: str


@dataclass(frozen=True)
class _Holding:
    """One source's copy of one archived document: what the report lists as a Copy."""

    related: _Related
    source_id: str
    source: str
    received: tuple[str, ...]

    @property
    def first(self) -> str:
        return self.received[0]

    @property
    def id(self) -> str:
        return f"{self.related.sha256[:12]}/{self.source_id[:8]}"


@dataclass(frozen=True)
class _Capture:
    """Why two renditions are taken for one capture, or None-equivalent when not."""

    distance: int | None
    text_jaccard: float | None
    same_image: bool


def list_copies(archive: Archive, record: Record, sha256: str) -> Copies:
    """Every archived copy of the document ``record`` describes (``sha256``), with independence.

    The checked document itself (when its bytes are archived) comes first, then every
    ``same_document`` / ``variant`` copy, then ``conflict`` copies, each once per source.
    """
    related = _related(archive, record, sha256)
    prints = _fingerprints(archive, [r.sha256 for r in related])
    holdings = _holdings(archive, related)
    confirming = [h for h in holdings if h.related.verdict != "conflict"]
    origin = _origins([r.sha256 for r in related if r.verdict != "conflict"], prints)
    matched = _match(confirming, origin)
    counted = {(origin[h.related.sha256], h.source_id): h for h in holdings if h.id in matched}
    copies = [
        _copy(h, h.id in matched, _why(h, origin, counted, prints, h.id in matched, related))
        for h in holdings
    ]
    conflicts = sum(h.related.verdict == "conflict" for h in holdings)
    sources = len({h.source_id for h in confirming})
    independent = len({h.source_id for h in holdings if h.id in matched})
    note = (
        f"{len(confirming)} confirming cop{'y' if len(confirming) == 1 else 'ies'} from "
        f"{sources} source(s) in the archive; {independent} independent"
    )
    if conflicts:
        note += f"; {conflicts} conflicting cop{'y' if conflicts == 1 else 'ies'} listed apart"
    if not holdings:
        note = "the archive holds no copy of this document"
    return Copies(
        archive=str(archive.root),
        copies=copies,
        independent_sources=independent,
        note=note,
    )


def _related(archive: Archive, record: Record, sha256: str) -> list[_Related]:
    """The document itself, search hits with a linking verdict, then stored links."""
    out: dict[str, _Related] = {}
    if archive.store.document(sha256) is not None:
        out[sha256] = _Related(sha256, "identical", 1.0, "the checked document's own bytes")
    for found in search_record(archive, record, k=SEARCH_K):
        verdict = found.comparison.verdict
        if found.sha256 not in out and verdict in LINK_VERDICTS:
            out[found.sha256] = _Related(
                found.sha256, verdict, found.comparison.score, found.comparison.reason
            )
    for link in archive.store.links(sha256):
        other = link.other if link.sha256 == sha256 else link.sha256
        if other not in out:
            reason = f"linked at ingest (custody log entry {link.seq})"
            out[other] = _Related(other, link.verdict, link.score, reason)
    return sorted(out.values(), key=lambda r: _RANK.get(r.verdict, 9))


def _fingerprints(archive: Archive, sha256s: list[str]) -> dict[str, Fingerprints]:
    records = archive.store.records_json(sha256s)
    return {sha: fingerprints_of(read_record_json(text)) for sha, text in records.items()}


def _holdings(archive: Archive, related: list[_Related]) -> list[_Holding]:
    """One holding per (document, source), receipts oldest first; listed in verdict order."""
    cipher = archive.cipher()
    out: list[_Holding] = []
    for item in related:
        by_source: dict[str, tuple[str, list[str]]] = {}
        for receipt in archive.store.receipts(item.sha256):
            decrypted = cipher.decrypt(receipt.source_name, "source")
            source_id = cipher.grouping_id(receipt.source_id, decrypted)
            name = decrypted or receipt.source_id[:12]
            by_source.setdefault(source_id, (name, []))[1].append(receipt.received_at)
        out += [
            _Holding(item, source_id, name, tuple(sorted(times)))
            for source_id, (name, times) in by_source.items()
        ]
    return sorted(out, key=lambda h: (_RANK.get(h.related.verdict, 9), h.first))


def capture_evidence(a: Fingerprints, b: Fingerprints) -> _Capture | None:
    """Evidence that two renditions are one capture re-encoded; None when they are not."""
    images = {p.image_sha256 for p in a.pages if p.image_sha256}
    if images & {p.image_sha256 for p in b.pages if p.image_sha256}:
        return _Capture(None, None, same_image=True)
    min_quality = parameters()["pdq"]["min_quality"]
    distances = [
        pdq_distance(pa.pdq, pb.pdq)
        for pa, pb in zip(a.pages, b.pages, strict=False)
        if pa.pdq and pb.pdq and min(pa.pdq_quality or 0, pb.pdq_quality or 0) >= min_quality
    ]
    limits = copy_thresholds()
    too_far = limits["copies.capture_pdq_distance"]
    if not distances or len(a.pages) != len(b.pages) or max(distances) > too_far:
        return None
    text = a.text_minhash.jaccard(b.text_minhash) if a.text_minhash and b.text_minhash else None
    if text is not None and text < limits["copies.capture_text_jaccard"]:
        return None
    return _Capture(max(distances), text, same_image=False)


def _origins(sha256s: list[str], prints: dict[str, Fingerprints]) -> dict[str, str]:
    """Map each document to its origin (the first document of its shared-capture group)."""
    origin = {sha: sha for sha in sha256s}

    def find(sha: str) -> str:
        while origin[sha] != sha:
            sha = origin[sha]
        return sha

    for i, a in enumerate(sha256s):
        for b in sha256s[i + 1 :]:
            if a in prints and b in prints and capture_evidence(prints[a], prints[b]):
                origin[find(b)] = find(a)
    return {sha: find(sha) for sha in sha256s}


def _match(holdings: list[_Holding], origin: dict[str, str]) -> set[str]:
    """Ids of the holdings counted: for each origin, the copy that reached the newsroom first.

    Later receipts of the same bytes or of a shared capture are passed-on copies, whoever
    sent them; ties in time go to the source name, so the choice never depends on the
    order rows come back in.
    """
    first: dict[str, _Holding] = {}
    for holding in sorted(holdings, key=lambda h: (h.first, h.source, h.related.sha256)):
        first.setdefault(origin[holding.related.sha256], holding)
    return {holding.id for holding in first.values()}


def _why(
    holding: _Holding,
    origin: dict[str, str],
    counted: dict[tuple[str, str], _Holding],
    prints: dict[str, Fingerprints],
    independent: bool,
    related: Iterable[_Related],
) -> str:
    """The sentence the editor reads: why this copy is, or is not, a confirmation."""
    item = holding.related
    if item.verdict == "conflict":
        return (
            f"conflict with the checked document ({item.reason}; score {item.score:.2f}): "
            "it contradicts rather than confirms; establish which copy is genuine"
        )
    what = (
        "the checked document's own bytes"
        if item.verdict == "identical"
        else f"{item.verdict.replace('_', ' ')} ({item.reason}; score {item.score:.2f})"
    )
    mine = origin[item.sha256]
    if independent:
        others = [
            r.sha256
            for r in related
            if r.verdict != "conflict" and origin.get(r.sha256) not in (None, mine)
        ]
        detail = _distinct_detail(item.sha256, others, prints)
        return f"{what}; first copy of its origin from {holding.source}{detail}: independent"
    peer = next(
        (h for (o, _), h in counted.items() if o == mine and h.source_id != holding.source_id),
        None,
    )
    if peer is not None and peer.related.sha256 == item.sha256:
        return (
            f"{what}; byte-identical (same sha256) to the copy from {peer.source}, received "
            f"{peer.first}: one file passed on, not a second confirmation"
        )
    if peer is not None:
        evidence = capture_evidence(prints[item.sha256], prints[peer.related.sha256])
        how = "a page image is identical"
        if evidence is not None and not evidence.same_image:
            how = f"page images within PDQ distance {evidence.distance}" + (
                f", text similarity {evidence.text_jaccard:.2f}"
                if evidence.text_jaccard is not None
                else ""
            )
        return (
            f"{what}; shares a capture with the copy from {peer.source} ({how}): likely the "
            "same photo or file re-encoded, one origin, not a second confirmation"
        )
    counted_for = next(
        (h for h in counted.values() if h.source_id == holding.source_id and h is not holding),
        None,
    )
    where = f" for copy {counted_for.id}" if counted_for is not None else ""
    return f"{what}; {holding.source} is already counted{where}: one source is one confirmation"


def _distinct_detail(sha256: str, others: list[str], prints: dict[str, Fingerprints]) -> str:
    """How far this rendition is from the other origins' (PDQ), when that was measured."""
    mine = prints.get(sha256)
    if mine is None:
        return ""
    distances = []
    for other in others:
        theirs = prints.get(other)
        if theirs is None:
            continue
        distances += [
            pdq_distance(a.pdq, b.pdq)
            for a, b in zip(mine.pages, theirs.pages, strict=False)
            if a.pdq and b.pdq
        ]
    if not distances:
        return ""
    return f" (nearest other rendition: PDQ distance {min(distances)})"


def _copy(holding: _Holding, independent: bool, reason: str) -> Copy:
    return Copy(
        id=holding.id,
        verdict=holding.related.verdict,
        sha256=holding.related.sha256,
        sources=[holding.source],
        received=list(holding.received),
        independent=independent,
        reason=reason,
    )
