"""Scale benchmark: ingest on a Dask cluster, the committer's ceiling, a 1-million-page projection.

    python benchmarks/scale.py [FOLDER] [--committer-docs 2000] [--database URL]

Printed in one run, as JSON lines then a summary:

* OCR-bound batch: every file of FOLDER (default: the fixtures' 300-dpi scans and phone
  photos, 22 one-page images) ingested without a cluster, and through a local cluster of 1
  and of 2 single-threaded workers (``ingest --scheduler``), each into its own archive, the
  OCR cache off, ``--chunk`` files at a time with the three modes taking turns. The clusters
  are started and warmed up (every worker has extracted a letter) before the clock starts,
  so the rates are those of a long batch; the ratio 2 workers / 1 worker is the figure to
  trust on a shared VM (target >= 1.7 on 2 cores);
* the committer's ceiling: the very ingest of ``--committer-docs`` distinct files with their
  extraction removed: a stand-in for the cluster answers each file at once with a record
  made beforehand (distinct text fingerprints, as in benchmarks/archive.py), so what is
  timed is what the single writer does per file (hash, write and fsync the original, parse
  the worker's JSON, match, commit, sign);
* search p50 on PostgreSQL beside SQLite: run by ``benchmarks/store_search.py`` when it
  exists and ``--database`` is given, else said not measured;
* a paper projection for 1,000,000 pages: workers and hours from the measured rate of one
  worker and the committer's ceiling (beyond ceiling / rate workers, more do not help).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DOCS = ROOT / "fixtures" / "documents"
PROJECTED_PAGES = 1_000_000


def default_batch() -> list[Path]:
    return sorted(DOCS.glob("*/scan_300dpi.png")) + sorted(DOCS.glob("*/photo.jpg"))


def batch_folder(files: list[Path], work: Path) -> Path:
    """The batch as one inbox: each file under a distinct name."""
    inbox = work / "inbox"
    inbox.mkdir()
    for path in files:
        (inbox / f"{path.parent.name}-{path.name}").write_bytes(path.read_bytes())
    return inbox


def start_cluster(workers: int) -> Any:
    """A LocalCluster set as verify sets its own for local:N, warmed up on every worker."""
    import dask
    from distributed import Client, LocalCluster

    from verify.resources import load_json

    table = load_json("cluster.json")
    settings = {
        "distributed.scheduler.allowed-failures": table["allowed_failures"],
        "distributed.scheduler.worker-saturation": table["worker_saturation"],
    }
    with dask.config.set(settings):
        cluster = LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            host="127.0.0.1",
            dashboard_address=None,
            silence_logs=logging.CRITICAL,
        )
    with Client(cluster, set_as_default=False) as client:
        client.run(_warm_up)
    return cluster


def _warm_up() -> None:
    from verify import extract
    from verify.options import ExtractOptions

    extract(DOCS / "ru_order" / "born_digital.pdf", ExtractOptions(cache_dir=None, jobs=1))


MODES = (("no cluster", 0), ("local cluster, 1 worker", 1), ("local cluster, 2 workers", 2))


def bench_ocr_batch(files: list[Path], work: Path, chunk: int) -> list[dict[str, Any]]:
    """Each mode ingests the batch into its own archive, ``chunk`` files at a time, in turns.

    The VM is shared and its speed drifts within minutes: the modes take turns on each
    chunk (the order rotating), so that all three see the same drift.
    """
    from verify.archive import ingest, init_archive
    from verify.archive.cluster import Scheduler
    from verify.options import ExtractOptions

    paths = sorted(batch_folder(files, work).iterdir())
    chunks = [paths[i : i + chunk] for i in range(0, len(paths), chunk)]
    options = ExtractOptions(cache_dir=None, jobs=1)
    _warm_up()  # this process imports and loads what extraction needs, as the workers did
    clusters = {workers: start_cluster(workers) for _, workers in MODES if workers}
    totals = {label: {"seconds": 0.0, "files": 0, "pages": 0} for label, _ in MODES}
    archives = {label: init_archive(work / f"archive-{n}") for label, n in MODES}
    try:
        for turn, part in enumerate(chunks):
            order = MODES[turn % len(MODES) :] + MODES[: turn % len(MODES)]
            for label, workers in order:
                address = clusters[workers].scheduler_address if workers else None
                started = time.perf_counter()
                summary = ingest(
                    archives[label],
                    part,
                    source="bench",
                    options=options,
                    scheduler=Scheduler.parse(address) if address else None,
                )
                totals[label]["seconds"] += time.perf_counter() - started
                totals[label]["files"] += summary.files
                totals[label]["pages"] += summary.pages
                assert summary.failed == 0, [o.reason for o in summary.outcomes if o.reason]
    finally:
        for archive in archives.values():
            archive.close()
        for cluster in clusters.values():
            cluster.close()
    rows = []
    for label, _ in MODES:
        seconds, pages = totals[label]["seconds"], totals[label]["pages"]
        rows.append(
            {
                "run": label,
                "files": totals[label]["files"],
                "pages": pages,
                "seconds": round(seconds, 2),
                "pages_per_s": round(pages / seconds, 3),
                "s_per_page": round(seconds / pages, 2),
            }
        )
    rows[-1]["load_after"] = round(os.getloadavg()[0], 1)  # other work on the machine
    return rows


class PreExtracted:
    """Stands in for ``ExtractionCluster``: every file's answer is ready when submitted.

    The answers are the JSON a worker sends back, made beforehand; the ingesting process
    parses, matches and commits them exactly as it does a cluster's.
    """

    def __init__(self, answers: dict[str, Any]) -> None:
        from verify.archive.cluster import Scheduler

        self.answers = answers
        self.window = 8
        self.scheduler = Scheduler(None, 0)

    def submit(self, task: Any) -> Any:
        from verify.archive.cluster import Job

        return Job(task, self.answers[task.sha256])

    def ready(self, job: Any) -> bool:
        return True

    def outcome(self, job: Any) -> Any:
        return job.future

    def close(self) -> None:
        """Nothing to close."""


def synthetic_answers(inbox: Path, n: int) -> dict[str, Any]:
    """``n`` distinct small files, and for each the worker's answer a real extraction makes.

    The records are one letter's with another number, sha256 and random MinHash signatures
    and keys: distinct documents, as most of a leak is (matching is part of the committer's
    work, and copies of one text would link every file to every other).
    """
    from _synthetic import random_fingerprints, renumbered

    from verify import extract
    from verify.archive.cluster_task import Extracted
    from verify.matching.fingerprint import fingerprint_record
    from verify.options import ExtractOptions

    letter = DOCS / "ru_minzdrav_founding" / "born_digital.pdf"
    base = extract(letter, ExtractOptions(cache_dir=None, jobs=1))
    base_fp = fingerprint_record(base)
    rng = np.random.default_rng(1)
    body = letter.read_bytes()
    answers: dict[str, Any] = {}
    for i in range(n):
        data = body + f"\n% copy {i}\n".encode()
        path = inbox / f"letter-{i:06d}.pdf"
        path.write_bytes(data)
        sha = hashlib.sha256(data).hexdigest()
        fingerprints = random_fingerprints(base_fp, sha, i, rng)
        source = base.source.model_copy(
            update={"sha256": sha, "path": str(path), "file_name": path.name}
        )
        record = renumbered(base, i).model_copy(
            update={"source": source, "fingerprints": fingerprints}
        )
        answers[sha] = Extracted(record.to_json(), fingerprints.model_dump_json())
    return answers


def bench_committer(work: Path, n: int) -> dict[str, Any]:
    from verify.archive import init_archive
    from verify.archive.ingest import Ingestor, collect_files
    from verify.options import ExtractOptions

    inbox = work / "committer-inbox"
    inbox.mkdir()
    answers = synthetic_answers(inbox, n)
    archive = init_archive(work / "archive-committer")
    ingestor = Ingestor(archive, "bench", None, ExtractOptions(cache_dir=None, jobs=1))
    ingestor.cluster = PreExtracted(answers)  # type: ignore[assignment]
    started = time.perf_counter()
    summary = ingestor.run(collect_files([inbox]))
    seconds = time.perf_counter() - started
    archive.close()
    assert summary.ingested == n, summary.to_json()
    return {
        "run": "committer, extraction removed",
        "documents": n,
        "seconds": round(seconds, 2),
        "documents_per_s": round(n / seconds, 1),
        "ms_per_document": round(1000 * seconds / n, 2),
        "load_after": round(os.getloadavg()[0], 1),
    }


def search_row(database: str | None) -> dict[str, Any]:
    script = ROOT / "benchmarks" / "store_search.py"
    if not script.is_file() or not database:
        return {
            "run": "search p50, PostgreSQL beside SQLite",
            "result": "not measured: run benchmarks/store_search.py --database URL",
        }
    done = subprocess.run(
        [sys.executable, str(script), "--database", database],
        capture_output=True,
        text=True,
        check=False,
    )
    return {"run": "search p50, PostgreSQL beside SQLite", "output": done.stdout.strip()}


def projection(one_worker: dict[str, Any], committer: dict[str, Any]) -> dict[str, Any]:
    """Workers and hours for ``PROJECTED_PAGES`` pages, on paper."""
    worker_pages_s = one_worker["pages_per_s"]
    pages_per_document = one_worker["pages"] / one_worker["files"]
    ceiling_pages_s = committer["documents_per_s"] * pages_per_document
    useful = int(ceiling_pages_s // worker_pages_s)
    hours = {
        str(workers): round(
            PROJECTED_PAGES / min(workers * worker_pages_s, ceiling_pages_s) / 3600, 1
        )
        for workers in (1, 10, 50, useful)
    }
    return {
        "run": f"projection, {PROJECTED_PAGES:,} pages",
        "worker_pages_per_s": worker_pages_s,
        "committer_pages_per_s": round(ceiling_pages_s, 1),
        "workers_before_the_committer_limits": useful,
        "hours_by_workers": hours,
        "core_hours": round(PROJECTED_PAGES / worker_pages_s / 3600),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", nargs="?", type=Path, help="OCR-bound files (default: fixtures)")
    parser.add_argument("--committer-docs", type=int, default=2000)
    parser.add_argument("--chunk", type=int, default=8, help="files per turn of each mode")
    parser.add_argument("--database", help="PostgreSQL URL for benchmarks/store_search.py")
    args = parser.parse_args()
    from verify.archive.ingest import collect_files

    files = collect_files([args.folder]) if args.folder else default_batch()
    print(
        json.dumps(
            {
                "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.platform()}",
                "python": platform.python_version(),
                "files": len(files),
                "load_before": round(os.getloadavg()[0], 1),
            }
        ),
        flush=True,
    )
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="verify-scale-") as folder:
        work = Path(folder)
        for row in bench_ocr_batch(files, work, args.chunk):
            rows.append(row)
            print(json.dumps(row), flush=True)
        committer = bench_committer(work, args.committer_docs)
        print(json.dumps(committer), flush=True)
    ratio = rows[2]["pages_per_s"] / rows[1]["pages_per_s"]
    print(json.dumps({"run": "2 workers / 1 worker", "ratio": round(ratio, 2)}), flush=True)
    print(json.dumps(search_row(args.database), ensure_ascii=False), flush=True)
    print(json.dumps(projection(rows[1], committer)), flush=True)


if __name__ == "__main__":
    main()
