"""MatchIndex: exact tables, PDQ multi-index hashing, MinHash LSH, save/load."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.test_fingerprint import letter_record, ocr_noise, page_pixels
from verify.errors import RecordError, VerifyError
from verify.matching.fingerprint import fingerprint_record
from verify.matching.match_index import MatchIndex, _chunks, pdq_words, popcount_distance


def synthetic(n: int, planted: int, flips: int, keep: float, seed: int = 0):
    rng = np.random.default_rng(seed)
    index = MatchIndex()
    pdq = rng.integers(0, 2**64, size=(n, 4), dtype=np.uint64)
    sig = rng.integers(0, 2**32, size=(n, index.num_perm), dtype=np.uint32)
    index.add_vectors([f"d{i}" for i in range(n)], pdq, sig)
    originals = rng.choice(n, size=planted, replace=False)
    queries = []
    for row in originals:
        q = pdq[row].copy()
        for bit in rng.choice(256, size=flips, replace=False):
            q[bit // 64] ^= np.uint64(1) << np.uint64(63 - bit % 64)
        s = sig[row].copy()
        change = rng.random(index.num_perm) >= keep
        s[change] = rng.integers(0, 2**32, size=int(change.sum()), dtype=np.uint32)
        queries.append((q.astype(">u8").tobytes().hex(), s))
    return index, originals, queries, pdq


def test_recall_of_planted_near_duplicates_on_a_small_set() -> None:
    index, originals, queries, pdq = synthetic(5_000, 200, flips=20, keep=0.8)
    pdq_hits = text_hits = 0
    for row, (hex_hash, sig) in zip(originals, queries, strict=True):
        rows, distances = index.query_pdq(hex_hash)
        assert np.all(distances <= index.max_distance)
        if row in rows:
            pdq_hits += 1
            assert distances[list(rows).index(row)] == 20
        rows, jaccard = index.query_text(sig)
        text_hits += row in rows
    assert pdq_hits == 200  # guaranteed up to 31 bits by the pigeonhole bound
    assert text_hits >= 198
    # The index finds exactly what a brute-force scan finds within the radius.
    hex_hash = queries[0][0]
    brute = np.flatnonzero(popcount_distance(pdq, pdq_words([hex_hash])[0]) <= index.max_distance)
    assert sorted(index.query_pdq(hex_hash)[0].tolist()) == sorted(brute.tolist())


def test_pdq_at_the_pigeonhole_bound_is_found() -> None:
    index, originals, queries, _ = synthetic(2_000, 50, flips=31, keep=0.8, seed=1)
    index.build(tables=True)  # a small index would scan: test the multi-index tables
    for row, (hex_hash, _sig) in zip(originals, queries, strict=True):
        assert row in index.query_pdq(hex_hash)[0]


def test_a_small_index_scan_finds_what_the_tables_find() -> None:
    scanned, originals, queries, _ = synthetic(1_000, 40, flips=25, keep=0.85, seed=2)
    tabled, *_ = synthetic(1_000, 40, flips=25, keep=0.85, seed=2)
    tabled.build(tables=True)
    for row, (hex_hash, sig) in zip(originals, queries, strict=True):
        scan_rows = sorted(scanned.query_pdq(hex_hash)[0].tolist())
        assert scan_rows == sorted(tabled.query_pdq(hex_hash)[0].tolist())
        assert row in scan_rows
        # The scan estimates Jaccard against every signature: a superset of LSH's candidates.
        assert set(tabled.query_text(sig)[0].tolist()) <= set(scanned.query_text(sig)[0].tolist())
        assert row in scanned.query_text(sig)[0]


def test_chunks_follow_hex_order() -> None:
    words = pdq_words(["0123456789abcdef" * 4])
    assert [hex(int(v)) for v in _chunks(words, 16)[:4, 0]] == [
        "0x123",
        "0x4567",
        "0x89ab",
        "0xcdef",
    ]


def real_index() -> tuple[MatchIndex, dict]:
    index = MatchIndex()
    fps = {}
    for name in (
        "ru_minzdrav_founding",
        "ru_minzdrav_monthly",
        "ru_order",
        "en_ministry",
        "uk_moz",
    ):
        fps[name] = fingerprint_record(letter_record(name), [page_pixels(name)])
        index.add(name, fps[name])
    return index, fps


def test_real_fingerprints_find_their_document() -> None:
    index, fps = real_index()
    top = index.query(fps["ru_order"], k=3)[0]
    assert top.doc_id == "ru_order" and top.sha256_equal and top.score == 1.0
    noisy = letter_record(
        "ru_minzdrav_founding",
        text=ocr_noise(letter_record("ru_minzdrav_founding").text, 1 / 3, seed=5),
        document_number=None,
    )
    found = index.query(fingerprint_record(noisy), k=3)
    assert found[0].doc_id == "ru_minzdrav_founding"
    assert not found[0].sha256_equal and (found[0].text_jaccard or 0) > 0.45
    variant = fingerprint_record(letter_record("ru_minzdrav_founding_variant"))
    hit = index.query(variant, k=1)[0]
    assert hit.doc_id == "ru_minzdrav_founding"
    assert hit.identity_key_equal and hit.body_digest_equal


def test_save_load_round_trip(tmp_path) -> None:
    index, fps = real_index()
    extra, _, queries, _ = synthetic(3_000, 20, flips=10, keep=0.8, seed=2)
    index.save(tmp_path / "real")
    extra.save(tmp_path / "synthetic")
    loaded = MatchIndex.load(tmp_path / "real")
    assert len(loaded) == len(index) == 5
    for fp in fps.values():
        assert loaded.query(fp) == index.query(fp)
    again = MatchIndex.load(tmp_path / "synthetic")
    for hex_hash, sig in queries:
        assert np.array_equal(again.query_pdq(hex_hash)[0], extra.query_pdq(hex_hash)[0])
        assert np.array_equal(again.query_text(sig)[0], extra.query_text(sig)[0])
    header = json.loads((tmp_path / "real" / "header.json").read_text())
    assert header["byte_order"] == "little" and header["documents"] == 5
    assert np.load(tmp_path / "real" / "pdq.npy").dtype.str == "<u8"
    assert np.load(tmp_path / "real" / "sig.npy").dtype.str == "<u4"
    # Derived tables are rebuilt when absent.
    (tmp_path / "synthetic" / "band_keys.npy").unlink()
    np.save(tmp_path / "synthetic" / "band_keys.npy", np.empty((extra.bands, 0), "<u4"))
    rebuilt = MatchIndex.load(tmp_path / "synthetic")
    assert np.array_equal(rebuilt.query_text(queries[0][1])[0], extra.query_text(queries[0][1])[0])


def test_a_loaded_index_grows_and_is_saved_over_itself(tmp_path) -> None:
    index, fps = real_index()
    names = sorted(fps)
    first = MatchIndex()
    for name in names[:3]:
        first.add(name, fps[name])
    first.save(tmp_path / "idx")
    loaded = MatchIndex.load(tmp_path / "idx")  # its tables are mapped from those files
    for name in names[3:]:
        loaded.add(name, fps[name])
    loaded.save(tmp_path / "idx")  # new files renamed over the mapped ones
    assert loaded.query(fps[names[0]])[0].doc_id == names[0]  # the old mapping still reads
    again = MatchIndex.load(tmp_path / "idx")
    assert len(again) == 5
    for name in names:
        top = again.query(fps[name], k=1)[0]
        assert top.doc_id == name and top.sha256_equal and top.identity_key_equal
    assert not list((tmp_path / "idx").glob(".*tmp*"))


def test_bad_use_is_refused(tmp_path) -> None:
    index, fps = real_index()
    with pytest.raises(VerifyError, match="already in the index"):
        index.add("ru_order", fps["ru_order"])
    with pytest.raises(RecordError, match="re-fingerprint"):
        index.add("old", fps["ru_order"].model_copy(update={"parameters_version": "0"}))
    with pytest.raises(VerifyError, match="not a match index"):
        MatchIndex.load(tmp_path)


def test_an_empty_index_and_a_document_without_text() -> None:
    index = MatchIndex()
    empty = fingerprint_record(letter_record("ru_order", text=""))
    assert index.query(empty) == []
    index.add("blank", empty)
    assert index.query(empty)[0].doc_id == "blank"


def _reference_query(index: MatchIndex, fingerprints, k: int) -> list[tuple]:
    """The query's ranking written as plainly as possible: every hit looked at in Python."""
    found: dict[int, dict] = {}
    for kind in ("sha256", "identity_key", "body_digest"):
        key = getattr(fingerprints, kind)
        for row in index._exact_matches(kind, key) if key else []:
            found.setdefault(row, {})[kind] = True
    for page in fingerprints.pages:
        rows, distances = index.query_pdq(page.pdq)
        for row, d in zip(rows.tolist(), distances.tolist(), strict=True):
            hit = found.setdefault(row, {})
            hit["pdq"] = min(hit.get("pdq", d), d)
    rows, jaccard = index.query_text(fingerprints.text_minhash.array())
    for row, j in zip(rows.tolist(), jaccard.tolist(), strict=True):
        found.setdefault(row, {})["text"] = j
    scored = []
    for row, hit in found.items():
        score = max(
            1.0 if hit.get("sha256") else 0.0,
            0.9 if hit.get("identity_key") or hit.get("body_digest") else 0.0,
            hit.get("text", 0.0),
            1 - hit["pdq"] / 64 if "pdq" in hit else 0.0,
        )
        scored.append((round(score, 4), index._ids[row], hit))
    scored.sort(key=lambda s: (-s[0], s[1]))
    return [
        (
            doc_id,
            score,
            bool(h.get("sha256")),
            bool(h.get("identity_key")),
            bool(h.get("body_digest")),
            h.get("pdq"),
            h.get("text"),
        )
        for score, doc_id, h in scored[:k]
    ]


def _fingerprints(sha: str, keys: tuple[str, str], pdq: np.ndarray, sig: np.ndarray, spec):
    from verify.matching.fingerprint import (
        Fingerprints,
        MinHashSignature,
        PageFingerprint,
        parameters,
    )

    minhash = MinHashSignature.from_array(sig, spec["seed"], spec["shingles"], spec["scheme"])
    hex_pdq = pdq.astype(">u8").tobytes().hex()
    return Fingerprints(
        parameters_version=parameters()["version"],
        sha256=sha,
        pages=[PageFingerprint(number=1, pdq=hex_pdq, pdq_quality=100)],
        text_minhash=minhash,
        identity_key=keys[0],
        body_digest=keys[1],
    )


@settings(max_examples=40, deadline=None)
@given(
    st.integers(1, 40),  # documents
    st.integers(1, 12),  # k
    st.integers(0, 2**31),  # seed
)
def test_query_ranks_as_the_plain_reading_of_its_rule(n: int, k: int, seed: int) -> None:
    """Exact keys, PDQ distances and Jaccard estimates combined and ranked, ties by id."""
    from verify.matching.fingerprint import parameters

    spec = {**parameters()["minhash"], "shingles": MatchIndex().shingles or "words:3"}
    rng = np.random.default_rng(seed)
    index = MatchIndex()
    base_pdq = rng.integers(0, 2**64, size=4, dtype=np.uint64)
    base_sig = rng.integers(0, 2**32, size=index.num_perm, dtype=np.uint32)

    def near(flips: int, keep: float) -> tuple[np.ndarray, np.ndarray]:
        pdq = base_pdq.copy()
        for bit in rng.choice(256, size=flips, replace=False):
            pdq[bit // 64] ^= np.uint64(1) << np.uint64(63 - bit % 64)
        sig = base_sig.copy()
        change = rng.random(index.num_perm) >= keep
        sig[change] = rng.integers(0, 2**32, size=int(change.sum()), dtype=np.uint32)
        return pdq, sig

    for i in range(n):  # some close, some far, keys from a small set so that they collide
        pdq, sig = near(int(rng.integers(0, 80)), float(rng.random()))
        keys = (f"id-{rng.integers(0, 3)}", f"body-{rng.integers(0, 3)}")
        index.add(f"d{i:02d}", _fingerprints(f"{i:064x}", keys, pdq, sig, spec))
    query_pdq, query_sig = near(int(rng.integers(0, 40)), 0.7)
    query = _fingerprints(
        f"{int(rng.integers(0, n)):064x}", ("id-0", "body-1"), query_pdq, query_sig, spec
    )
    got = [
        (
            c.doc_id,
            c.score,
            c.sha256_equal,
            c.identity_key_equal,
            c.body_digest_equal,
            c.pdq_distance,
            c.text_jaccard,
        )
        for c in index.query(query, k=k)
    ]
    assert got == _reference_query(index, query, k)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 12), st.integers(0, 12), st.booleans(), st.integers(0, 2**31))
def test_an_absorbed_index_answers_as_one_built_from_every_document(
    n_first: int, n_second: int, saved: bool, seed: int
) -> None:
    """Saved tables, unsaved keys, pages and signatures of both sides, renumbered."""
    from verify.matching.fingerprint import parameters

    spec = {**parameters()["minhash"], "shingles": "words:3"}
    rng = np.random.default_rng(seed)
    num_perm = MatchIndex().num_perm
    docs = []
    for i in range(n_first + n_second):
        pdq = rng.integers(0, 2**64, size=4, dtype=np.uint64)
        sig = rng.integers(0, 2**32, size=num_perm, dtype=np.uint32)
        if i and rng.random() < 0.5:  # a near copy of an earlier document, keys shared
            pdq, sig = docs[-1][2].copy(), docs[-1][3].copy()
            pdq[0] ^= np.uint64(int(rng.integers(0, 2**20)))
            sig[: num_perm // 3] = rng.integers(0, 2**32, size=num_perm // 3, dtype=np.uint32)
        keys = (f"id-{rng.integers(0, 3)}", f"body-{rng.integers(0, 3)}")
        docs.append((f"d{i:02d}", keys, pdq, sig))
    fps = {d: _fingerprints(f"{i:064x}", k, p, s, spec) for i, (d, k, p, s) in enumerate(docs)}
    whole, first, second = MatchIndex(), MatchIndex(), MatchIndex()
    for i, (doc_id, *_rest) in enumerate(docs):
        whole.add(doc_id, fps[doc_id])
        (first if i < n_first else second).add(doc_id, fps[doc_id])
    if saved:  # the saved base comes with sorted exact tables, not a dict of keys
        import tempfile

        with tempfile.TemporaryDirectory() as folder:
            first.save(folder)
            first = MatchIndex.load(folder)  # mapped files stay readable once removed
    merged = MatchIndex()
    merged.absorb(second)  # the saved side second: its rows are renumbered
    merged.absorb(first)
    assert len(merged) == len(whole)
    for doc_id in fps:
        assert merged.query(fps[doc_id], k=5) == whole.query(fps[doc_id], k=5)


def test_indexes_with_shared_ids_or_other_parameters_are_not_merged() -> None:
    index, fps = real_index()
    again, _ = real_index()
    with pytest.raises(VerifyError, match="already in the index"):
        index.absorb(again)
    with pytest.raises(VerifyError, match="other parameters"):
        index.absorb(MatchIndex({"lsh_bands": 8}))


def test_an_index_queried_after_every_add_answers_as_one_built_at_once() -> None:
    """Arrays grow inside spare room; views taken before an add keep their rows."""
    from verify.matching.fingerprint import parameters

    spec = {**parameters()["minhash"], "shingles": "words:3"}
    rng = np.random.default_rng(7)
    num_perm = MatchIndex().num_perm
    growing = MatchIndex()
    fps = []
    seen_sig: list[tuple[np.ndarray, np.ndarray]] = []
    for i in range(150):
        pdq = rng.integers(0, 2**64, size=4, dtype=np.uint64)
        sig = rng.integers(0, 2**32, size=num_perm, dtype=np.uint32)
        fps.append(_fingerprints(f"{i:064x}", (f"id-{i % 7}", f"body-{i}"), pdq, sig, spec))
        growing.add(f"d{i:03d}", fps[-1])
        if i % 10 == 9:
            at_once = MatchIndex()
            for j, fp in enumerate(fps):
                at_once.add(f"d{j:03d}", fp)
            for fp in fps[-3:] + fps[:2]:
                assert growing.query(fp, k=4) == at_once.query(fp, k=4)
            seen_sig.append((growing._sig, growing._sig.copy()))
    assert all(np.array_equal(view, copy) for view, copy in seen_sig)
    assert len(growing._room["sig"]) < 2 * len(fps)
