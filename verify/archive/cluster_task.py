"""One file's extraction as a cluster task: plain values in, JSON text out.

This is what a Dask worker runs for ``ingest --scheduler`` (``verify.archive.cluster``). It
imports no Dask: a worker only needs verify installed and the archive's originals mounted
at the path the ingesting process uses. It reads the archived original (never the received
file, which may have changed or may not be reachable from the worker), re-hashes it, and
extracts it with ``extract_received``, the very function a single-process ingest uses, so a
record is the same wherever it was made. What travels back is a record's and its
fingerprints' JSON text, or an exit code and a message: values the ingesting process
checks and parses, never pickled objects of verify's own.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from verify.archive.originals import sha256_file
from verify.errors import InputMissingError, VerifyError
from verify.matching.fingerprint import fingerprints_of
from verify.options import ExtractOptions
from verify.record import Record
from verify.record_fingerprints import Fingerprints


@dataclass(frozen=True)
class ExtractionTask:
    """What a worker needs to extract one archived original."""

    original: str  # the original's path: the same on every worker (a shared mount)
    sha256: str  # the bytes it must hold
    shown: str  # the name the record gives the file (its received path, or its sha256)
    options: ExtractOptions


@dataclass(frozen=True)
class Extracted:
    """A record and its fingerprints, as the JSON text the archive stores."""

    record_json: str
    fingerprints_json: str


@dataclass(frozen=True)
class ExtractionFailed:
    """Why a file could not be extracted: its exit code and one-line message."""

    exit_code: int
    message: str


@dataclass(frozen=True)
class WorkerMisplaced:
    """The worker cannot read the original as archived: its mount, not the file, is wrong.

    Never a quarantine: every file would be quarantined by such a worker. The ingest stops
    (``ClusterError``) and the same command, rerun once the mount is right, goes on.
    """

    message: str


Outcome = Extracted | ExtractionFailed | WorkerMisplaced


def worker_options(options: ExtractOptions) -> ExtractOptions:
    """The options a worker extracts with: one page at a time, the cache only if mounted.

    A worker is one core's process: the cluster spreads files over workers, so a worker
    reads a file's pages in turn (a Dask worker is a daemon process, which may not start a
    process pool; the page's budgeted child is forked, which it may). The archive's OCR
    cache is used when its folder is there (the archive folder mounted whole); otherwise
    none, rather than a stray cache folder on the worker's own disk.
    """
    cache_dir = options.cache_dir
    if cache_dir is not None and not cache_dir.is_dir():
        cache_dir = None
    return dataclasses.replace(options, jobs=1, cache_dir=cache_dir)


def _one_core() -> None:
    """Keep OpenCV to the worker's own thread.

    A worker stands for one core (``dask worker --nthreads 1``, one process per core, as
    ``local:N`` starts them); OpenCV's own thread pool would take the other workers' cores
    and make N workers slower than N times one. Dask's nanny already sets the OpenMP and
    BLAS thread counts of its workers to 1; tesseract is single-threaded by
    ``verify.reading.tesseract``.
    """
    import cv2

    if cv2.getNumThreads() != 1:
        cv2.setNumThreads(1)


def extract_received(
    where: Path,
    shown: str,
    options: ExtractOptions,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[Record, Fingerprints]:
    """Extract the archived bytes at ``where``; the record names them ``shown``.

    The one extraction of ingest, in this process or on a cluster's worker: a record never
    depends on where its bytes were read.
    """
    from verify.pipeline import extract  # spaCy and the OCR engines: only when extracting

    record = extract(where, options, progress=progress)
    source = record.source.model_copy(update={"path": shown, "file_name": Path(shown).name})
    record = record.model_copy(update={"source": source})
    # extract() fingerprinted the pages where their prepared images lived (PDQ included);
    # only the source changed, which no fingerprint depends on.
    return record, fingerprints_of(record)


def run_extraction(task: ExtractionTask) -> Outcome:
    """Extract one original; a ``VerifyError`` comes back as an ``ExtractionFailed``.

    Any other exception is a bug and leaves as the task's error, as it would stop a
    single-process ingest.
    """
    _one_core()
    original = Path(task.original)
    try:
        digest, _ = sha256_file(original)
    except (InputMissingError, OSError) as error:
        return WorkerMisplaced(
            f"a worker cannot read the original {original} ({error}): mount the archive "
            "folder at the same path on every worker, as its owner's user"
        )
    if digest != task.sha256:
        return WorkerMisplaced(
            f"a worker read other bytes at {original} than those archived: check its mount "
            "of the archive folder (a stale or different copy)"
        )
    try:
        record, fingerprints = extract_received(original, task.shown, worker_options(task.options))
    except VerifyError as error:
        return ExtractionFailed(int(error.exit_code), str(error))
    return Extracted(record.to_json(), fingerprints.model_dump_json())
