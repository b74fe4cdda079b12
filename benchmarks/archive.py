"""Archive benchmark: ingest overhead vs plain extraction, search latency, verify speed.

    python benchmarks/archive.py [--docs 1000] [--scanned 100] [--search-docs 100000]

* born-digital: ``--docs`` PDFs made from the fixtures' born_digital.pdf with pymupdf (each
  copy gets a different reference line and number, so bytes and text differ), extracted
  with ``verify.extract`` and then ingested into a fresh archive: documents/s, pages/s and
  the overhead of ingest beyond extraction (target < 10%), the two timed in turns, 50 files
  at a time, each turn's pair in alternating order, in wall time and in CPU time (the
  latter is what a shared VM does not blur), and within ingest itself: its time beyond
  what it spent extracting (the archive's own work per document), which needs no second
  run to compare with;
* scanned: ``--scanned`` image renditions (scan_300dpi.png of each letter with a few pixels
  changed per copy, so OCR really runs; the OCR cache is disabled for both runs);
* search: an archive of ``--search-docs`` records inserted directly (no OCR: the founding
  letter's record with another number and synthetic random MinHash signatures and keys),
  then ``search`` p50/p95 in-process for the variant letter (target p50 < 50 ms), and the
  time to ingest one more file into that archive against extracting it alone;
* archive size on disk, and ``archive verify`` MB/s of originals (target >= 200 MB/s).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DOCS = ROOT / "fixtures" / "documents"


def make_born_digital(out: Path, n: int) -> list[Path]:
    import pymupdf as fitz

    sources = sorted(DOCS.glob("*/born_digital.pdf"))
    paths = []
    for i in range(n):
        src = sources[i % len(sources)]
        doc = fitz.open(src)
        page = doc[0]
        page.insert_text(
            (40, 20), f"Reference copy {i:05d} / archive test {i * 7919 % 100000}", fontsize=7
        )
        path = out / f"{src.parent.name}-{i:05d}.pdf"
        doc.save(path)
        doc.close()
        paths.append(path)
    return paths


def make_scanned(out: Path, n: int) -> list[Path]:
    from PIL import Image

    sources = sorted(DOCS.glob("*/scan_300dpi.png"))
    paths = []
    for i in range(n):
        src = sources[i % len(sources)]
        image = Image.open(src).convert("L")
        pixels = np.array(image)
        pixels[5, 5 + i] = 255 - pixels[5, 5 + i]  # different bytes, same page
        path = out / f"{src.parent.name}-{i:04d}.png"
        Image.fromarray(pixels).save(path)
        paths.append(path)
    return paths


def cpu_seconds() -> float:
    """User + system CPU time of this process and of its children that have finished."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def du(path: Path) -> int:
    return sum(p.stat().st_blocks * 512 for p in path.rglob("*") if p.is_file())


def bench_ingest(label: str, paths: list[Path], work: Path, options, chunk: int = 50) -> dict:
    from verify import extract
    from verify.archive import ingest, init_archive
    from verify.archive.verify_archive import verify_archive

    # Extraction alone and ingest run in turns, a chunk of files each, so that a machine
    # that speeds up or slows down during the run (a shared VM does) weighs on both alike.
    # Each chunk is its own ingest batch (index saved, tree head signed): if anything,
    # that costs ingest more than one batch of all files would.
    # CPU seconds (this process and its finished children: OCR workers, tesseract) are
    # reported beside wall time: a shared VM's stolen time inflates wall clocks, not work.
    # Ingest also reports how long it spent extracting (summary.extract_seconds): the rest
    # of its time is the archive's own work, measured in the same run and free of the
    # drift between turns, which on this VM is larger than the target's margin.
    # Whichever of the two reads a chunk second finds its words in verify's caches (the
    # same letters, lemmas, dates): the turns alternate which goes first, or the second
    # would look about 8% cheaper than it is (measured 2026-11-29: the same 50 files
    # extracted again took 36 ms a file instead of 40).
    pages, extract_s, ingest_s, matches, failed, inside_s = 0, 0.0, 0.0, 0, 0, 0.0
    extract_cpu, ingest_cpu = 0.0, 0.0
    archive_dir = work / f"archive-{label}"
    with init_archive(archive_dir) as archive:

        def extract_turn(part: list[Path]) -> None:
            nonlocal pages, extract_s, extract_cpu
            started, cpu = time.perf_counter(), cpu_seconds()
            for path in part:
                pages += len(extract(path, options).pages)
            extract_s += time.perf_counter() - started
            extract_cpu += cpu_seconds() - cpu

        def ingest_turn(part: list[Path]) -> None:
            nonlocal ingest_s, ingest_cpu, inside_s, matches, failed
            started, cpu = time.perf_counter(), cpu_seconds()
            summary = ingest(archive, part, source="bench", options=options)
            ingest_s += time.perf_counter() - started
            inside_s += summary.extract_seconds
            ingest_cpu += cpu_seconds() - cpu
            matches += summary.matches
            failed += summary.failed

        for turn, start in enumerate(range(0, len(paths), chunk)):
            part = paths[start : start + chunk]
            order = (extract_turn, ingest_turn) if turn % 2 == 0 else (ingest_turn, extract_turn)
            for run_turn in order:
                run_turn(part)
        report = verify_archive(archive)
    input_bytes = sum(p.stat().st_size for p in paths)
    return {
        "documents": len(paths),
        "pages": pages,
        "extract_s": round(extract_s, 2),
        "ingest_s": round(ingest_s, 2),
        "extract_docs_per_s": round(len(paths) / extract_s, 2),
        "ingest_docs_per_s": round(len(paths) / ingest_s, 2),
        "ingest_pages_per_s": round(pages / ingest_s, 2),
        "overhead_pct": round(100 * (ingest_s - extract_s) / extract_s, 1),
        "extracting_within_ingest_s": round(inside_s, 2),
        "archive_work_ms_per_doc": round(1000 * (ingest_s - inside_s) / len(paths), 2),
        "overhead_within_ingest_pct": round(100 * (ingest_s - inside_s) / inside_s, 1),
        "extract_cpu_s": round(extract_cpu, 2),
        "ingest_cpu_s": round(ingest_cpu, 2),
        "overhead_cpu_pct": round(100 * (ingest_cpu - extract_cpu) / extract_cpu, 1),
        "links": matches,
        "failed": failed,
        "input_mb": round(input_bytes / 1e6, 2),
        "archive_mb": round(du(archive_dir) / 1e6, 2),
        "verify_ok": report.ok,
        "verify_mb_per_s": round(report.megabytes_per_second, 1),
    }


def bench_search(work: Path, n: int, queries: int) -> dict:
    from _synthetic import put_synthetic

    from verify import extract
    from verify.archive import custody, ingest, init_archive
    from verify.archive.archive_index import ArchiveMatcher
    from verify.matching.fingerprint import fingerprint_record
    from verify.options import ExtractOptions

    options = ExtractOptions(cache_dir=None)
    base = extract(DOCS / "ru_minzdrav_founding" / "born_digital.pdf", options)
    query = extract(DOCS / "ru_minzdrav_founding_variant" / "born_digital.pdf", options)
    base_fp = fingerprint_record(base)
    rng = np.random.default_rng(1)
    archive_dir = work / "archive-search"
    archive = init_archive(archive_dir)
    store = archive.store
    started = time.perf_counter()
    cipher = archive.cipher()
    source_id = cipher.source_id("bench")
    key = archive.private_key()
    with store.atomic():
        store.put_source(source_id, "bench", custody.now())
    batch = 5000
    for start in range(0, n, batch):
        # signed in the transaction that writes the entries, as ingest signs: an archive
        # refuses to sign entries written outside one (they could be anyone's)
        with custody.transaction(store, key, archive.heads):
            for i in range(start, min(n, start + batch)):
                put_synthetic(store, base, base_fp, i, rng, source_id)
    insert_s = time.perf_counter() - started
    started = time.perf_counter()
    ArchiveMatcher(store, archive.index_dir)  # builds and persists the index
    build_s = time.perf_counter() - started
    started = time.perf_counter()
    matcher = ArchiveMatcher(store, archive.index_dir)  # loads the persisted index
    load_s = time.perf_counter() - started
    from verify.matching.fingerprint import fingerprints_of

    query_fp = fingerprints_of(query)
    latencies = []
    found = []
    for _ in range(queries):
        t = time.perf_counter()
        found = matcher.find(query, query_fp)
        latencies.append((time.perf_counter() - t) * 1000)
    # A newsroom adds a few files at a time to a large archive: one new file, end to end
    # (open the index, extract, match, commit, sign), against extracting it alone.
    one = DOCS / "ru_order" / "born_digital.pdf"
    extract(one, options)
    started = time.perf_counter()
    extract(one, options)
    extract_one_s = time.perf_counter() - started
    started = time.perf_counter()
    ingest(archive, [one], source="bench", options=options)
    ingest_one_s = time.perf_counter() - started
    size = du(archive_dir)
    archive.close()
    return {
        "documents": n,
        "insert_s": round(insert_s, 1),
        "index_build_s": round(build_s, 1),
        "index_load_s": round(load_s, 2),
        "search_p50_ms": round(statistics.median(latencies), 2),
        "search_p95_ms": round(float(np.percentile(latencies, 95)), 2),
        "top_match": found[0].comparison.verdict if found else None,
        "ingest_one_file_s": round(ingest_one_s, 3),
        "extract_one_file_s": round(extract_one_s, 3),
        "archive_mb": round(size / 1e6, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--scanned", type=int, default=100)
    parser.add_argument("--search-docs", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=50)
    args = parser.parse_args()
    from verify.options import ExtractOptions

    options = ExtractOptions(cache_dir=None)
    work = Path(tempfile.mkdtemp(prefix="verify-archive-bench-"))
    try:
        results: dict[str, object] = {"cores": os.cpu_count()}
        if args.docs:
            inbox = work / "born"
            inbox.mkdir()
            results["born_digital"] = bench_ingest(
                "born", make_born_digital(inbox, args.docs), work, options
            )
            print(json.dumps({"born_digital": results["born_digital"]}), flush=True)
        if args.scanned:
            inbox = work / "scanned"
            inbox.mkdir()
            results["scanned"] = bench_ingest(
                "scanned", make_scanned(inbox, args.scanned), work, options
            )
            print(json.dumps({"scanned": results["scanned"]}), flush=True)
        if args.search_docs:
            results["search"] = bench_search(work, args.search_docs, args.queries)
            print(json.dumps({"search": results["search"]}), flush=True)
        print(json.dumps(results, indent=1))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
