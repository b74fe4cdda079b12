"""Search latency at archive scale on PostgreSQL beside SQLite, in one run.

    python benchmarks/store_search.py [--database postgresql://verify@dbhost/bench]
                                      [--documents 100000] [--queries 50]

Both stores are filled with the same ``--documents`` synthetic documents through the store
interface (no OCR: the founding letter's record under another number, random MinHash
signatures and keys, one receipt each, every entry in the custody log, signed per batch of 5,000),
then the archive's search path is timed for the variant letter's record, which finds the
founding letter:

* ``search``: what each query costs once the archive is open and its match index loaded
  (index lookup, the candidates' record versions and records from the store, compare, the
  same-bytes lookup and the file names of every match);
* ``open_and_search``: what one ``verify search`` command costs beyond Python's start and
  reading the query file: opening the archive (a connection, for PostgreSQL), loading the
  persisted match index and checking it against the store, and one query.

p50 and p95 of each, per store, and PostgreSQL's p50 over SQLite's as a ratio. Without
``--database`` a throwaway cluster is started (``tests/postgres.py``: Debian's initdb and
pg_ctl, fsync on) and removed at the end; with it, the database must be empty.

``measure(database, documents, queries)`` is the same as a function, for
``benchmarks/scale.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DOCS = ROOT / "fixtures" / "documents"
BATCH = 5000


def fill(archive: Any, documents: int, base: Any) -> float:
    """Insert ``documents`` synthetic documents (the first is ``base``); seconds taken."""
    from _synthetic import put_synthetic

    from verify.archive import custody
    from verify.matching.fingerprint import fingerprint_record

    store = archive.store
    base_fp = fingerprint_record(base)
    rng = np.random.default_rng(1)
    started = time.perf_counter()
    source_id = archive.cipher().source_id("bench")
    key = archive.private_key()
    with store.atomic():
        store.put_source(source_id, "bench", custody.now())
    for start in range(0, documents, BATCH):
        with custody.transaction(store, key, archive.heads):  # signed as ingest signs
            for i in range(start, min(documents, start + BATCH)):
                put_synthetic(store, base, base_fp, i, rng, source_id)
    return time.perf_counter() - started


def _timed(action: Callable[[], object], queries: int) -> tuple[list[float], object]:
    latencies, result = [], None
    for _ in range(queries):
        started = time.perf_counter()
        result = action()
        latencies.append((time.perf_counter() - started) * 1000)
    return latencies, result


def _summary(latencies: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(statistics.median(latencies), 2),
        "p95_ms": round(float(np.percentile(latencies, 95)), 2),
    }


def bench_store(root: Path, database: str | None, documents: int, queries: int) -> dict:
    """Fill one archive (SQLite when ``database`` is None) and time its search path."""
    import verify.archive.archive_index as matches
    from verify import extract
    from verify.archive import init_archive, open_archive
    from verify.archive.query import _same_bytes, file_names, search_record
    from verify.matching.fingerprint import fingerprints_of
    from verify.options import ExtractOptions

    options = ExtractOptions(cache_dir=None)
    base = extract(DOCS / "ru_minzdrav_founding" / "born_digital.pdf", options)
    query = extract(DOCS / "ru_minzdrav_founding_variant" / "born_digital.pdf", options)
    query_sha = fingerprints_of(query).sha256
    with init_archive(root, database=database) as archive:
        fill_s = fill(archive, documents, base)
        started = time.perf_counter()
        matches.ArchiveMatcher(archive.store, archive.index_dir).save(rebuild=True)
        index_s = time.perf_counter() - started

    def one_search(archive: Any) -> list[str]:
        same = _same_bytes(archive, query, query_sha)
        found = search_record(archive, query)
        names = [file_names(archive, f.sha256) for f in found]
        assert same is None and names
        return [f.comparison.verdict for f in found]

    with open_archive(root, readonly=True) as archive:
        one_search(archive)  # the index is loaded and held by the process
        warm, verdicts = _timed(lambda: one_search(archive), queries)

    def open_and_search() -> list[str]:
        # opened afresh, as a new process finds it: the index read from disk
        with open_archive(root, readonly=True) as archive:
            return one_search(archive)

    cold, _ = _timed(open_and_search, max(3, queries // 5))
    return {
        "documents": documents,
        "fill_s": round(fill_s, 1),
        "index_build_s": round(index_s, 1),
        "search": _summary(warm),
        "open_and_search": _summary(cold),
        "top_verdict": verdicts[0] if isinstance(verdicts, list) and verdicts else None,
    }


def measure(database: str, documents: int = 100_000, queries: int = 50) -> dict:
    """Both stores at ``documents`` documents; ``database`` must be an empty database."""
    work = Path(tempfile.mkdtemp(prefix="verify-store-search-"))
    try:
        sqlite = bench_store(work / "sqlite", None, documents, queries)
        postgres = bench_store(work / "postgres", database, documents, queries)
    finally:
        import shutil

        shutil.rmtree(work, ignore_errors=True)
    return {
        "sqlite": sqlite,
        "postgresql": postgres,
        "search_p50_ratio": round(postgres["search"]["p50_ms"] / sqlite["search"]["p50_ms"], 2),
        "open_and_search_p50_ratio": round(
            postgres["open_and_search"]["p50_ms"] / sqlite["open_and_search"]["p50_ms"], 2
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", help="an empty PostgreSQL database (default: throwaway)")
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=50)
    args = parser.parse_args()
    cluster = None
    database = args.database
    if database is None:
        from tests.postgres import Cluster, find_binaries

        binaries = find_binaries()
        if binaries is None:
            sys.exit("no PostgreSQL binaries (/usr/lib/postgresql/*/bin): give --database")
        cluster = Cluster.start(binaries, fsync=True)
        database = cluster.new_database()
    try:
        results = {
            "machine": f"{platform.node()} {platform.machine()}, {os.cpu_count()} cores",
            "server": "throwaway cluster (unix socket, fsync on)" if cluster else args.database,
            **measure(database, args.documents, args.queries),
        }
    finally:
        if cluster is not None:
            cluster.stop()
    print(json.dumps(results, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
