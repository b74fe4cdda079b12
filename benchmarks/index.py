"""Scale benchmark of verify.matching.match_index.MatchIndex against a brute-force numpy scan.

Builds an index of N synthetic documents (random PDQ hashes and random MinHash
signatures), plants near-duplicates of some of them (PDQ with up to --flips bits flipped,
MinHash with --keep of the values kept), queries with the planted copies and prints build
time, memory, query latency p50/p99, recall of the planted originals, and the latency of
a brute-force scan of all N documents beside it.

    python benchmarks/index.py            # 1,000,000 documents
    python benchmarks/index.py --n 100000 # quicker
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

import numpy as np

from verify.matching.match_index import MatchIndex, popcount_distance


def rss_mb() -> float:
    """Current resident set size in MB (Linux /proc)."""
    with Path("/proc/self/statm").open() as handle:
        pages = int(handle.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="documents in the index")
    parser.add_argument("--planted", type=int, default=1_000, help="near-duplicate queries")
    parser.add_argument("--random-queries", type=int, default=200, help="unplanted queries")
    parser.add_argument("--flips", type=int, default=20, help="max PDQ bits flipped")
    parser.add_argument("--keep", type=float, default=0.8, help="MinHash values kept")
    parser.add_argument("--brute", type=int, default=50, help="brute-force queries to time")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    rng = np.random.default_rng(args.seed)
    index = MatchIndex()
    n, num_perm = args.n, index.num_perm
    print(f"documents: {n:,}  planted near-duplicates: {args.planted:,}  num_perm: {num_perm}")

    rss0 = rss_mb()
    pdq = rng.integers(0, 2**64, size=(n, 4), dtype=np.uint64)
    sig = rng.integers(0, 2**32, size=(n, num_perm), dtype=np.uint32)
    ids = [f"doc{i:07d}" for i in range(n)]
    data_mb = (pdq.nbytes + sig.nbytes) / 2**20

    t0 = time.perf_counter()
    index.add_vectors(ids, pdq, sig)
    index.build()
    build_s = time.perf_counter() - t0
    rss1 = rss_mb()
    tables_mb = (
        sum(
            a.nbytes
            for a in (
                index._pdq,
                index._pdq_doc,
                index._sig,
                index._sig_doc,
                index._mih_order,
                index._mih_offsets,
                index._band_keys,
                index._band_order,
            )
        )
        / 2**20
    )
    print(f"build: {build_s:.1f} s")
    print(
        f"memory: index arrays {tables_mb:,.0f} MB; RSS {rss0:,.0f} -> {rss1:,.0f} MB "
        f"(+{rss1 - rss0:,.0f} MB incl. {data_mb:,.0f} MB of input arrays and the id list)"
    )

    # Planted near-duplicates of random originals.
    originals = rng.choice(n, size=args.planted, replace=False)
    queries_pdq = pdq[originals].copy()
    queries_sig = sig[originals].copy()
    for q in range(args.planted):
        flips = rng.choice(256, size=int(rng.integers(0, args.flips + 1)), replace=False)
        for bit in flips:
            queries_pdq[q, bit // 64] ^= np.uint64(1) << np.uint64(63 - bit % 64)
        change = rng.random(num_perm) >= args.keep
        queries_sig[q, change] = rng.integers(0, 2**32, size=int(change.sum()), dtype=np.uint32)

    def hex_of(words: np.ndarray) -> str:
        return words.astype(">u8").tobytes().hex()

    found_pdq = found_text = found_any = 0
    latencies = []
    for q in range(args.planted):
        hex_hash = hex_of(queries_pdq[q])
        t = time.perf_counter()
        rows_p, _ = index.query_pdq(hex_hash)
        rows_t, _ = index.query_text(queries_sig[q])
        latencies.append(time.perf_counter() - t)
        hit_p = bool(np.any(rows_p == originals[q]))
        hit_t = bool(np.any(rows_t == originals[q]))
        found_pdq += hit_p
        found_text += hit_t
        found_any += hit_p or hit_t
    for _ in range(args.random_queries):
        t = time.perf_counter()
        index.query_pdq(hex_of(rng.integers(0, 2**64, size=4, dtype=np.uint64)))
        index.query_text(rng.integers(0, 2**32, size=num_perm, dtype=np.uint32))
        latencies.append(time.perf_counter() - t)
    lat = np.array(latencies) * 1000
    print(
        f"query (PDQ + text), {len(lat):,} queries: p50 {np.percentile(lat, 50):.2f} ms, "
        f"p99 {np.percentile(lat, 99):.2f} ms, max {lat.max():.2f} ms"
    )
    print(
        f"recall of planted originals: PDQ {found_pdq / args.planted:.1%}, "
        f"text {found_text / args.planted:.1%}, either {found_any / args.planted:.1%}"
    )

    brute = []
    for q in range(min(args.brute, args.planted)):
        t = time.perf_counter()
        d = popcount_distance(pdq, queries_pdq[q])
        np.flatnonzero(d <= index.max_distance)
        j = (sig == queries_sig[q]).mean(axis=1)
        np.flatnonzero(j >= index.min_jaccard)
        brute.append(time.perf_counter() - t)
    b = np.array(brute) * 1000
    print(
        f"baseline brute-force scan (PDQ popcount + MinHash compare over all {n:,}), "
        f"{len(b)} queries: p50 {np.percentile(b, 50):.1f} ms, p99 {np.percentile(b, 99):.1f} ms"
    )


if __name__ == "__main__":
    main()
