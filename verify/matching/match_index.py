"""A file-backed match index: the known documents that may be the same as this one.

Comparing a new document against every known one costs a full scan per query; the index
answers from lookups instead:

* exact tables for ``sha256``, ``identity_key`` and ``body_digest``: sorted 64-bit
  digests of the keys with their rows (a dict for documents added since the last save);
* multi-index hashing (Norouzi et al.) for 256-bit PDQ hashes: the hash is cut into
  ``pdq_chunks`` chunks of 16 bits, each chunk has a table from value to rows, and a query
  looks up every value within ``pdq_chunk_radius`` bits of each of its chunks. By the
  pigeonhole principle a hash within ``chunks * (radius + 1) - 1`` bits (31 for 16 chunks,
  radius 1) shares at least one chunk within the radius, so no near-duplicate is missed;
  candidates are then verified by popcount on ``uint64`` words;
* MinHash LSH banding for the text signatures: ``lsh_bands`` bands of ``lsh_rows`` values;
  a document becomes a candidate when one band is equal, then its Jaccard similarity is
  estimated from the full signature.

The tables are numpy arrays sorted once (``argsort``) rather than Python dicts of lists,
so a million documents take hundreds of megabytes, not gigabytes. Documents added after
the last build are merged by a rebuild on the next query or save: add in batches.

On-disk layout (a directory, ``FORMAT``), every array a ``.npy`` file in little-endian
byte order, whatever the machine:

* ``header.json``: format, parameters (num_perm, seed, shingles, chunks, radius, bands,
  rows), counts;
* ``doc_ids.json``: the document ids, row ``i`` is ``doc_ids[i]``;
* ``exact_<kind>_keys.npy`` ``<u8`` and ``exact_<kind>_rows.npy`` ``<i4`` for each exact
  kind: the keys' 64-bit BLAKE2b digests, sorted, and their rows (two documents whose keys
  differ but share a digest, about one chance in 10^19 a pair, would only be compared);
* ``pdq.npy`` ``<u8`` (pages, 4): each PDQ hash as four 64-bit words, word 0 holding the
  first 16 hex digits (ThreatExchange order); ``pdq_doc.npy`` ``<i4`` (pages,): its row;
* ``sig.npy`` ``<u4`` (docs with text, num_perm): MinHash values; ``sig_doc.npy`` ``<i4``;
* arrays are memory-mapped when loaded, so loading costs the ids, not the tables;
* derived, rebuilt if absent: ``mih_order.npy`` ``<i4`` (chunks, pages) rows sorted by
  chunk value, ``mih_offsets.npy`` ``<i8`` (chunks, 65537) where value ``v``'s rows are
  ``order[off[v]:off[v+1]]``; ``band_keys.npy`` ``<u4`` (bands, sigs) sorted band hashes,
  ``band_order.npy`` ``<i4`` (bands, sigs).
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict

from verify.errors import RecordError, VerifyError
from verify.matching.fingerprint import parameters, parameters_version
from verify.record_fingerprints import Fingerprints

FORMAT = "verify.match_index/2"
_EXACT_KINDS = ("sha256", "identity_key", "body_digest")
_NO_PDQ = np.iinfo(np.int64).max
"""Distance of a row no page of the query came near (never a real distance: at most 256)."""
_NO_ROWS = np.empty(0, np.int64)
_NO_ROWS.flags.writeable = False
_MIX = np.uint64(0x9E3779B97F4A7C15)


def _key64(key: str) -> int:
    """The 64-bit digest an exact key is stored under."""
    return int.from_bytes(hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest(), "little")


class Candidate(BaseModel):
    """One known document that may match the query, with the evidence that found it."""

    model_config = ConfigDict(frozen=True)

    doc_id: str
    score: float
    sha256_equal: bool = False
    identity_key_equal: bool = False
    body_digest_equal: bool = False
    pdq_distance: int | None = None
    text_jaccard: float | None = None


def pdq_words(hex_hashes: Sequence[str]) -> np.ndarray:
    """PDQ hashes in hex as an (n, 4) ``uint64`` array (word 0 = first 16 hex digits)."""
    raw = b"".join(bytes.fromhex(h) for h in hex_hashes)
    if len(raw) != 32 * len(hex_hashes):
        raise VerifyError("a PDQ hash is not 64 hex digits: re-fingerprint the document")
    return np.frombuffer(raw, dtype=">u8").astype(np.uint64).reshape(-1, 4)


def popcount_distance(words: np.ndarray, query: np.ndarray) -> np.ndarray:
    """Hamming distances between rows of ``words`` (n, 4) and one hash ``query`` (4,)."""
    distances: np.ndarray = np.bitwise_count(words ^ query).sum(axis=1, dtype=np.int32)
    return distances


def _chunks(words: np.ndarray, count: int) -> np.ndarray:
    """(n, 4) uint64 words -> (count, n) chunk values, chunk 0 = the most significant bits."""
    bits = 256 // count
    per_word = 64 // bits
    mask = np.uint64((1 << bits) - 1)
    out = np.empty((count, len(words)), dtype=np.uint32)
    for j in range(count):
        shift = np.uint64(64 - bits * (j % per_word + 1))
        out[j] = (words[:, j // per_word] >> shift) & mask
    return out


def _within(value: int, bits: int, radius: int) -> list[int]:
    """Every ``bits``-bit value within ``radius`` bit flips of ``value``."""
    out = [value]
    for r in range(1, radius + 1):
        for flips in itertools.combinations(range(bits), r):
            v = value
            for f in flips:
                v ^= 1 << f
            out.append(v)
    return out


def _band_keys(signatures: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """(n, num_perm) uint32 -> (bands, n) uint32 band hashes (multiply-xorshift mix)."""
    n = len(signatures)
    keys = np.empty((bands, n), dtype=np.uint32)
    sig = signatures.astype(np.uint64)
    with np.errstate(over="ignore"):
        for b in range(bands):
            h = np.full(n, np.uint64(b + 1), dtype=np.uint64)
            for r in range(rows):
                h = (h ^ sig[:, b * rows + r]) * _MIX
                h ^= h >> np.uint64(29)
            keys[b] = (h >> np.uint64(32)).astype(np.uint32)
    return keys


class MatchIndex:
    """The match index; see the module docstring for what it holds and how it is stored."""

    def __init__(self, config: dict[str, Any] | None = None) -> None:
        spec = dict(parameters()["index"])
        spec.update(config or {})
        mh = parameters()["minhash"]
        self.parameters_version = parameters_version()
        self.chunks = int(spec["pdq_chunks"])
        self.radius = int(spec["pdq_chunk_radius"])
        self.max_distance = int(spec["pdq_max_distance"])
        self.bands = int(spec["lsh_bands"])
        self.rows = int(spec["lsh_rows"])
        self.min_jaccard = float(spec["min_jaccard"])
        self.num_perm = int(mh["num_perm"])
        self.seed = int(mh["seed"])
        self.shingles: str | None = None
        if 256 % self.chunks or (256 // self.chunks) > 32 or 64 % (256 // self.chunks):
            raise VerifyError("pdq_chunks must be 8, 16 or 32 (chunks of 32, 16 or 8 bits)")
        if self.bands * self.rows > self.num_perm:
            raise VerifyError(
                f"lsh_bands * lsh_rows = {self.bands * self.rows} exceeds num_perm "
                f"{self.num_perm}: lower the bands or rows in models/fingerprint.json"
            )
        self._ids: list[str] = []
        self._row_of: dict[str, int] = {}
        self._exact: dict[str, dict[str, list[int]]] = {k: {} for k in _EXACT_KINDS}
        # Saved exact tables: sorted key digests and their rows (see _key64).
        self._exact_keys = {k: np.empty(0, dtype=np.uint64) for k in _EXACT_KINDS}
        self._exact_rows = {k: np.empty(0, dtype=np.int32) for k in _EXACT_KINDS}
        self._pdq = np.empty((0, 4), dtype=np.uint64)
        self._pdq_doc = np.empty(0, dtype=np.int32)
        self._sig = np.empty((0, self.num_perm), dtype=np.uint32)
        self._sig_doc = np.empty(0, dtype=np.int32)
        self._pending_pdq: list[tuple[np.ndarray, np.ndarray]] = []
        self._room: dict[str, np.ndarray] = {}  # buffers the arrays above grow in (_grown)
        self._pending_sig: list[tuple[np.ndarray, np.ndarray]] = []
        self._built = True
        self._mih_ready = True  # tables match the arrays (both empty)
        self._bands_ready = True
        self._mih_order = np.empty((self.chunks, 0), dtype=np.int32)
        self._mih_offsets = np.zeros((self.chunks, (1 << (256 // self.chunks)) + 1), np.int64)
        self._band_keys = np.empty((self.bands, 0), dtype=np.uint32)
        self._band_order = np.empty((self.bands, 0), dtype=np.int32)

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._row_of

    # ------------------------------------------------------------------ adding

    def _new_rows(self, doc_ids: Sequence[str]) -> np.ndarray:
        start = len(self._ids)
        for offset, doc_id in enumerate(doc_ids):
            if doc_id in self._row_of:
                raise VerifyError(f"document id {doc_id!r} is already in the index")
            self._row_of[doc_id] = start + offset
        self._ids.extend(doc_ids)
        return np.arange(start, start + len(doc_ids), dtype=np.int32)

    def add(self, doc_id: str, fingerprints: Fingerprints) -> None:
        """Add one document's fingerprints under ``doc_id`` (unique)."""
        if fingerprints.parameters_version != self.parameters_version:
            raise RecordError(
                f"fingerprints of {doc_id!r} were made with parameters version "
                f"{fingerprints.parameters_version}, the index uses {self.parameters_version}: "
                "re-fingerprint the document"
            )
        row = int(self._new_rows([doc_id])[0])
        for kind in _EXACT_KINDS:
            key = getattr(fingerprints, kind)
            if key:
                self._exact[kind].setdefault(key, []).append(row)
        hashes = [p.pdq for p in fingerprints.pages if p.pdq and self._usable(p.pdq_quality)]
        if hashes:
            self._pending_pdq.append((pdq_words(hashes), np.full(len(hashes), row, np.int32)))
            self._built = False
        if fingerprints.text_minhash is not None:
            self._check_signature(fingerprints.text_minhash.shingles, fingerprints)
            values = fingerprints.text_minhash.array()[None, :]
            self._pending_sig.append((values, np.array([row], np.int32)))
            self._built = False

    def add_vectors(
        self, doc_ids: Sequence[str], pdq: np.ndarray | None, signatures: np.ndarray | None
    ) -> None:
        """Add many documents at once from arrays: one PDQ row and one signature per id.

        For bulk imports and benchmarks, where building ``Fingerprints`` objects one by
        one would dominate the time. ``pdq`` is (n, 4) uint64 as ``pdq_words`` returns;
        ``signatures`` (n, num_perm) uint32 with this index's seed and shingles.
        """
        rows = self._new_rows(list(doc_ids))
        if pdq is not None:
            self._pending_pdq.append((np.asarray(pdq, np.uint64).reshape(-1, 4), rows))
        if signatures is not None:
            sig = np.asarray(signatures, np.uint32)
            if sig.shape != (len(rows), self.num_perm):
                raise VerifyError(f"signatures must have shape ({len(rows)}, {self.num_perm})")
            self._pending_sig.append((sig, rows))
        self._built = False

    def absorb(self, other: MatchIndex) -> None:
        """Add every document of ``other`` (same parameters, no id in common).

        Queries then answer for both at once: an archive's saved index and the documents
        recorded since are queried as one while they are small enough to scan (one query
        instead of two).
        """
        if (other.parameters_version, other._header_parameters()) != (
            self.parameters_version,
            self._header_parameters(),
        ):
            raise VerifyError("cannot merge match indexes built with other parameters")
        if other.shingles is not None and self.shingles not in (None, other.shingles):
            raise RecordError(f"text MinHash is {other.shingles}, the index holds {self.shingles}")
        other.build()
        offset = len(self._ids)
        self._new_rows(other._ids)
        self.shingles = self.shingles or other.shingles
        for kind in _EXACT_KINDS:
            if len(other._exact_keys[kind]):
                keys = np.concatenate([self._exact_keys[kind], other._exact_keys[kind]])
                rows = np.concatenate([self._exact_rows[kind], other._exact_rows[kind] + offset])
                order = np.argsort(keys, kind="stable")
                self._exact_keys[kind], self._exact_rows[kind] = keys[order], rows[order]
            for key, key_rows in other._exact[kind].items():
                self._exact[kind].setdefault(key, []).extend(row + offset for row in key_rows)
        if len(other._pdq):
            self._pending_pdq.append((np.asarray(other._pdq), other._pdq_doc + offset))
        if len(other._sig):
            self._pending_sig.append((np.asarray(other._sig), other._sig_doc + offset))
        self._built = False

    def _header_parameters(self) -> tuple[float, ...]:
        """The parameters two indexes must share to be merged."""
        return (
            self.chunks,
            self.radius,
            self.max_distance,
            self.bands,
            self.rows,
            self.min_jaccard,
            self.num_perm,
            self.seed,
        )

    def _usable(self, quality: int | None) -> bool:
        return quality is None or quality >= int(parameters()["pdq"]["min_quality"])

    def _check_signature(self, shingles: str, fingerprints: Fingerprints) -> None:
        signature = fingerprints.text_minhash
        assert signature is not None
        if (signature.seed, signature.num_perm) != (self.seed, self.num_perm):
            raise RecordError("text MinHash has another seed or num_perm: re-fingerprint")
        kind = f"{signature.scheme}:{shingles}"
        if self.shingles is None:
            self.shingles = kind
        elif kind != self.shingles:
            raise RecordError(f"text MinHash is {kind}, the index holds {self.shingles}")

    # ------------------------------------------------------------------ building

    def build(self, *, tables: bool = False) -> None:
        """Merge pending additions and (re)build the lookup tables.

        A small index (up to ``brute_force_max`` rows) is queried by a full numpy scan and
        builds no tables unless ``tables`` is asked for (``save`` does): rebuilding them
        after every add is what an ingest batch's growing index would otherwise pay.
        """
        small = int(parameters()["index"]["brute_force_max"])
        if self._pending_pdq:
            self._pdq = self._grown("pdq", self._pdq, [w for w, _ in self._pending_pdq])
            self._pdq_doc = self._grown("pdq_doc", self._pdq_doc, [r for _, r in self._pending_pdq])
            self._pending_pdq = []
            self._mih_ready = False
        if self._pending_sig:
            self._sig = self._grown("sig", self._sig, [s for s, _ in self._pending_sig])
            self._sig_doc = self._grown("sig_doc", self._sig_doc, [r for _, r in self._pending_sig])
            self._pending_sig = []
            self._bands_ready = False
        if not self._mih_ready and (tables or len(self._pdq) > small):
            self._build_mih()
            self._mih_ready = True
        if not self._bands_ready and (tables or len(self._sig) > small):
            self._build_bands()
            self._bands_ready = True
        self._built = True

    def _grown(self, name: str, current: np.ndarray, parts: list[np.ndarray]) -> np.ndarray:
        """``current`` with ``parts`` appended, as a view of a buffer that grows by a quarter.

        An ingest batch adds one document between two queries: concatenating copied the
        whole array each time (half a megabyte of signatures at 1,000 documents, for every
        document), the buffer copies it a logarithmic number of times. Rows of ``current``
        are never written again, so arrays handed out before stay as they were.
        """
        room = self._room.get(name)
        used, extra = len(current), sum(len(part) for part in parts)
        if room is None or current.base is not room or used + extra > len(room):
            capacity = max(64, (used + extra) * 5 // 4)  # a quarter spare: a large index
            room = np.empty((capacity, *current.shape[1:]), current.dtype)  # stays compact
            room[:used] = current
            self._room[name] = room
        for part in parts:
            room[used : used + len(part)] = part
            used += len(part)
        return room[:used]

    def _build_mih(self) -> None:
        values = _chunks(self._pdq, self.chunks)
        size = 1 << (256 // self.chunks)
        self._mih_order = np.empty(values.shape, dtype=np.int32)
        self._mih_offsets = np.zeros((self.chunks, size + 1), dtype=np.int64)
        for j in range(self.chunks):
            self._mih_order[j] = np.argsort(values[j], kind="stable")
            np.cumsum(np.bincount(values[j], minlength=size), out=self._mih_offsets[j, 1:])

    def _build_bands(self) -> None:
        keys = _band_keys(self._sig, self.bands, self.rows)
        self._band_order = np.argsort(keys, axis=1, kind="stable").astype(np.int32)
        self._band_keys = np.take_along_axis(keys, self._band_order, axis=1)

    # ------------------------------------------------------------------ querying

    @staticmethod
    def _small(rows: np.ndarray) -> bool:
        """Whether a numpy scan beats the tables (up to ``brute_force_max`` rows).

        Probing a table enumerates thousands of neighbouring keys in Python, so a small
        index is scanned even when a saved index brought its tables along.
        """
        return len(rows) <= int(parameters()["index"]["brute_force_max"])

    def query_pdq(self, hex_hash: str) -> tuple[np.ndarray, np.ndarray]:
        """Rows of documents with a page within ``pdq_max_distance`` bits, and distances."""
        self.build()
        if not len(self._pdq):
            return np.empty(0, np.int32), np.empty(0, np.int32)
        query = pdq_words([hex_hash])
        if not self._mih_ready or self._small(self._pdq):  # a small index: scan every page
            distances = popcount_distance(self._pdq, query[0])
            keep = distances <= self.max_distance
            return self._pdq_doc[keep], distances[keep]
        chunk_values = _chunks(query, self.chunks)[:, 0]
        bits = 256 // self.chunks
        parts = []
        for j in range(self.chunks):
            order, offsets = self._mih_order[j], self._mih_offsets[j]
            for v in _within(int(chunk_values[j]), bits, self.radius):
                lo, hi = offsets[v], offsets[v + 1]
                if hi > lo:
                    parts.append(order[lo:hi])
        if not parts:
            return np.empty(0, np.int32), np.empty(0, np.int32)
        pages = np.unique(np.concatenate(parts))
        distances = popcount_distance(self._pdq[pages], query[0])
        keep = distances <= self.max_distance
        return self._pdq_doc[pages[keep]], distances[keep]

    def query_text(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Rows of documents sharing an LSH band with the signature, and Jaccard estimates."""
        self.build()
        if not len(self._sig):
            return np.empty(0, np.int32), np.empty(0, np.float64)
        if not self._bands_ready or self._small(self._sig):  # small: compare every signature
            jaccard = self._agreement(self._sig, values)
            keep = jaccard >= self.min_jaccard
            return self._sig_doc[keep], jaccard[keep]
        keys = _band_keys(np.asarray(values, np.uint32)[None, :], self.bands, self.rows)[:, 0]
        parts = []
        for b in range(self.bands):
            row = self._band_keys[b]
            lo = np.searchsorted(row, keys[b], side="left")
            hi = np.searchsorted(row, keys[b], side="right")
            if hi > lo:
                parts.append(self._band_order[b, lo:hi])
        if not parts:
            return np.empty(0, np.int32), np.empty(0, np.float64)
        sigs = np.unique(np.concatenate(parts))
        jaccard = self._agreement(self._sig[sigs], values)
        keep = jaccard >= self.min_jaccard
        return self._sig_doc[sigs[keep]], jaccard[keep]

    def _agreement(self, signatures: np.ndarray, values: np.ndarray) -> np.ndarray:
        """Share of equal MinHash values per row: the Jaccard estimate.

        A count, not a mean of booleans, which converts every one to a float first: about
        40% less time on a 1,000-row scan.
        """
        shares: np.ndarray = (signatures == values).sum(axis=1, dtype=np.int32) / self.num_perm
        return shares

    def query(self, fingerprints: Fingerprints, k: int = 10) -> list[Candidate]:
        """The ``k`` best candidates for these fingerprints, best first.

        ``score`` only ranks candidates: 1 for equal bytes, 0.9 for an equal identity key
        or body digest, else the best of the text Jaccard estimate and ``1 - d / 64`` for a
        PDQ distance ``d``. Whether a candidate is the same document is for ``compare``.
        """
        matched = {
            kind: self._exact_matches(kind, key)
            for kind in _EXACT_KINDS
            if (key := getattr(fingerprints, kind))
        }
        pdq_parts = [
            self.query_pdq(page.pdq)
            for page in fingerprints.pages
            if page.pdq and self._usable(page.pdq_quality)
        ]
        text_rows, text_j = np.empty(0, np.int32), np.empty(0, np.float64)
        if fingerprints.text_minhash is not None:
            text_rows, text_j = self.query_text(fingerprints.text_minhash.array())
        pdq_rows = np.concatenate([r for r, _ in pdq_parts] or [np.empty(0, np.int32)])
        pdq_d = np.concatenate([d for _, d in pdq_parts] or [np.empty(0, np.int32)])
        exact_rows = np.concatenate([*matched.values(), np.empty(0, np.int64)])
        hits = np.concatenate([exact_rows, pdq_rows, text_rows]).astype(np.int64)
        if not len(hits):
            return []
        hits.sort()
        rows = hits[np.concatenate(([True], hits[1:] != hits[:-1]))]  # unique, sorted
        # Scores as arrays: a letter with a hundred archived copies hits them all, and a
        # Python loop over the hits was most of a query's time.
        score: np.ndarray = np.zeros(len(rows))
        jaccard = np.full(len(rows), np.nan)
        at = np.searchsorted(rows, text_rows)  # one signature per document: no repeats
        jaccard[at] = text_j
        score[at] = text_j
        nearest = np.full(len(rows), _NO_PDQ)
        np.minimum.at(nearest, np.searchsorted(rows, pdq_rows), pdq_d.astype(np.int64))
        has_pdq = nearest != _NO_PDQ
        score[has_pdq] = np.maximum(score[has_pdq], 1 - nearest[has_pdq] / 64)
        # Equal bytes score 1, an equal identity key or body digest 0.9.
        for kind, kind_rows in matched.items():
            bonus = 1.0 if kind == "sha256" else 0.9
            at = np.searchsorted(rows, kind_rows)
            score[at] = np.maximum(score[at], bonus)
        score = np.round(np.maximum(score, 0.0), 4)
        # Best k by score, ties by document id: every row tied with the k-th is sorted.
        chosen = np.arange(len(rows))
        if len(rows) > k:
            kth = np.partition(-score, k - 1)[k - 1]
            chosen = np.flatnonzero(-score <= kth)
        chosen_score, chosen_rows = score[chosen].tolist(), rows[chosen].tolist()
        ids = self._ids
        best = sorted(
            range(len(chosen_rows)), key=lambda j: (-chosen_score[j], ids[chosen_rows[j]])
        )[:k]
        found = {kind: set(kind_rows.tolist()) for kind, kind_rows in matched.items()}
        empty: set[int] = set()
        out = []
        for j in best:
            row, i = chosen_rows[j], int(chosen[j])
            out.append(
                Candidate(
                    doc_id=ids[row],
                    score=chosen_score[j],
                    sha256_equal=row in found.get("sha256", empty),
                    identity_key_equal=row in found.get("identity_key", empty),
                    body_digest_equal=row in found.get("body_digest", empty),
                    pdq_distance=int(nearest[i]) if has_pdq[i] else None,
                    text_jaccard=None if np.isnan(jaccard[i]) else float(jaccard[i]),
                )
            )
        return out

    def _exact_matches(self, kind: str, key: str) -> np.ndarray:
        """Rows whose ``kind`` key equals ``key``: saved tables, then recent additions."""
        keys = self._exact_keys[kind]
        saved = _NO_ROWS
        if len(keys):  # an index never saved (a batch's own) has no saved tables
            digest = np.uint64(_key64(key))
            start = np.searchsorted(keys, digest, "left")
            stop = np.searchsorted(keys, digest, "right")
            saved = self._exact_rows[kind][start:stop].astype(np.int64)
        recent = self._exact[kind].get(key)
        return np.concatenate([saved, np.array(recent, np.int64)]) if recent else saved

    def _exact_tables(self, kind: str) -> tuple[np.ndarray, np.ndarray]:
        """The saved and the recent exact keys of ``kind`` as one sorted table."""
        pairs = [(_key64(key), row) for key, rows in self._exact[kind].items() for row in rows]
        keys = np.concatenate(
            [self._exact_keys[kind], np.array([k for k, _ in pairs], dtype=np.uint64)]
        )
        rows = np.concatenate(
            [self._exact_rows[kind], np.array([r for _, r in pairs], dtype=np.int32)]
        )
        order = np.argsort(keys, kind="stable")
        return keys[order], rows[order]

    # ------------------------------------------------------------------ storage

    def _header(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "byte_order": "little",
            "parameters_version": self.parameters_version,
            "num_perm": self.num_perm,
            "seed": self.seed,
            "shingles": self.shingles,
            "pdq_chunks": self.chunks,
            "pdq_chunk_radius": self.radius,
            "pdq_max_distance": self.max_distance,
            "lsh_bands": self.bands,
            "lsh_rows": self.rows,
            "min_jaccard": self.min_jaccard,
            "documents": len(self._ids),
            "pages": len(self._pdq),
            "signatures": len(self._sig),
        }

    def save(self, path: str | Path) -> None:
        """Write the index to directory ``path`` (created; existing files overwritten)."""
        self.build(tables=True)
        folder = Path(path)
        folder.mkdir(parents=True, exist_ok=True)
        arrays = {
            "pdq": self._pdq.astype("<u8"),
            "pdq_doc": self._pdq_doc.astype("<i4"),
            "sig": self._sig.astype("<u4"),
            "sig_doc": self._sig_doc.astype("<i4"),
            "mih_order": self._mih_order.astype("<i4"),
            "mih_offsets": self._mih_offsets.astype("<i8"),
            "band_keys": self._band_keys.astype("<u4"),
            "band_order": self._band_order.astype("<i4"),
        }
        for kind in _EXACT_KINDS:
            keys, rows = self._exact_tables(kind)
            arrays[f"exact_{kind}_keys"] = keys.astype("<u8")
            arrays[f"exact_{kind}_rows"] = rows.astype("<i4")
        for name, array in arrays.items():
            # A new file renamed over the old one: a reader (this process included) may
            # have the old one memory-mapped, and truncating a mapped file crashes it.
            tmp = folder / f".{name}.tmp.npy"  # np.save adds ".npy" to other names
            np.save(tmp, array, allow_pickle=False)
            tmp.replace(folder / f"{name}.npy")
        (folder / "doc_ids.json").write_text(json.dumps(self._ids, ensure_ascii=False))
        # The header last: a folder without one is an interrupted save, refused by load.
        (folder / "header.json").write_text(json.dumps(self._header(), indent=1))

    @classmethod
    def load(cls, path: str | Path) -> MatchIndex:
        """Read an index written by ``save``; refuses another format or parameters version."""
        folder = Path(path)
        header_path = folder / "header.json"
        if not header_path.is_file():
            raise VerifyError(
                f"{folder} is not a match index (no header.json): build one with MatchIndex.save"
            )
        header = json.loads(header_path.read_text())
        if header.get("format") != FORMAT:
            raise VerifyError(
                f"{folder} holds {header.get('format')!r}, this verify reads {FORMAT}: "
                "rebuild it with `verify index`"
            )
        if header["parameters_version"] != parameters_version():
            raise VerifyError(
                f"{folder} was built with fingerprint parameters version "
                f"{header['parameters_version']}, this verify uses {parameters_version()}: "
                "rebuild the index"
            )
        index = cls(
            {
                "pdq_chunks": header["pdq_chunks"],
                "pdq_chunk_radius": header["pdq_chunk_radius"],
                "pdq_max_distance": header["pdq_max_distance"],
                "lsh_bands": header["lsh_bands"],
                "lsh_rows": header["lsh_rows"],
                "min_jaccard": header["min_jaccard"],
            }
        )
        index.shingles = header["shingles"]
        index._ids = json.loads((folder / "doc_ids.json").read_text())
        index._row_of = {doc_id: row for row, doc_id in enumerate(index._ids)}

        def array(name: str, dtype: type[np.generic]) -> np.ndarray:
            # Mapped, not read: a query touches a few pages of the tables, and an archive
            # that adds one file to a million documents should not read a gigabyte first.
            # Arrays are only ever replaced (concatenated, rebuilt), never written in place.
            mapped = np.load(folder / f"{name}.npy", allow_pickle=False, mmap_mode="r")
            array: np.ndarray = mapped.astype(dtype, copy=False)
            return array

        index._pdq = array("pdq", np.uint64).reshape(-1, 4)
        index._pdq_doc = array("pdq_doc", np.int32)
        index._sig = array("sig", np.uint32).reshape(-1, index.num_perm)
        index._sig_doc = array("sig_doc", np.int32)
        index._mih_order = array("mih_order", np.int32)
        index._mih_offsets = array("mih_offsets", np.int64)
        index._band_keys = array("band_keys", np.uint32)
        index._band_order = array("band_order", np.int32)
        for kind in _EXACT_KINDS:
            index._exact_keys[kind] = array(f"exact_{kind}_keys", np.uint64)
            index._exact_rows[kind] = array(f"exact_{kind}_rows", np.int32)
        if index._mih_order.shape[1] != len(index._pdq):
            index._build_mih()
        if index._band_keys.shape[1] != len(index._sig):
            index._build_bands()
        index._mih_ready = index._bands_ready = True
        return index
