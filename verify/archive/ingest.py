"""Batch ingest: files and folders into the archive, resumable and idempotent.

Per file, in this order (docs/archive.md, "Ingest"):

1. hash the file; the receipt key is (source, path, sha256): a receipt already held means
   this file was archived by an earlier run of the same command, so it is skipped;
2. copy the bytes to a temporary in the archive, hashed as written; new bytes are
   extracted from it while a thread ``fsync``s it, then it is named as the original
   (write-once), always *before* any database row names it;
3. once a group of files is gathered, match each new record against the archive and the
   group's earlier files; an extraction failure quarantines the document with its reason,
   bytes kept;
4. one transaction for the group (up to ``GROUP_FILES``, or what ``GROUP_SECONDS``
   gathered): documents, records, receipts, links and their log entries.

A ``kill -9`` anywhere leaves either no trace of a file (its group not committed; at most
an original with no row, which the next run reuses) or all of it. The batch ends with a
signed tree head over every entry, including any left unsigned by a killed run. Only this
parent process writes the archive; extraction may use worker processes for OCR pages.

With a Dask cluster (``--scheduler``, ``verify.archive.cluster``) step 2 names the original
first, durably, and a worker extracts it from there; step 3 takes the files in the order they
came, whenever their workers finish, so the archive ends as a single-process ingest leaves it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_for
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from verify.archive import binding, custody, private
from verify.archive.archive import Archive
from verify.archive.archive_index import LINK_VERDICTS, ArchiveMatcher, Found
from verify.archive.cluster import ExtractionCluster, Job, Scheduler
from verify.archive.cluster_task import (
    Extracted,
    ExtractionFailed,
    ExtractionTask,
    extract_received,
)
from verify.archive.originals import read_hashed
from verify.archive.store import ArchiveStore, DocumentRow, FailureRow, LinkRow, ReceiptRow
from verify.errors import ArchiveError, ClusterError, ExitCode, InputMissingError, VerifyError
from verify.options import ExtractOptions
from verify.record import Record
from verify.record_fingerprints import Fingerprints
from verify.version import __version__

Status = Literal["new", "duplicate", "already", "failed", "unreadable", "skipped"]


@dataclass(frozen=True)
class FileOutcome:
    """What happened to one input file."""

    path: str
    status: Status
    sha256: str | None = None
    pages: int = 0
    matches: tuple[tuple[str, str, float], ...] = ()  # (other sha256, verdict, score)
    reason: str | None = None


@dataclass
class IngestSummary:
    """The end-of-batch summary: counts, failures and the signed tree head."""

    files: int = 0
    ingested: int = 0  # new documents
    duplicates: int = 0  # known bytes: a new receipt, no new copy
    already: int = 0  # this receipt was held already (a re-run): nothing added
    matches: int = 0  # links recorded to other archived documents
    failed: int = 0  # quarantined (bytes archived) or unreadable (not archived)
    skipped: int = 0  # symbolic links in a received folder: never followed, not archived
    pages: int = 0
    seconds: float = 0.0
    extract_seconds: float = 0.0  # of ``seconds``, spent extracting: the rest is the archive's
    tree_size: int = 0
    outcomes: list[FileOutcome] = field(default_factory=list)

    def add(self, outcome: FileOutcome) -> None:
        """Count one file's outcome."""
        self.files += 1
        self.pages += outcome.pages
        self.matches += len(outcome.matches)
        if outcome.status == "new":
            self.ingested += 1
        elif outcome.status == "duplicate":
            self.duplicates += 1
        elif outcome.status == "already":
            self.already += 1
        elif outcome.status == "skipped":
            self.skipped += 1
        else:
            self.failed += 1
        self.outcomes.append(outcome)

    def to_json(self) -> dict[str, object]:
        """Machine-readable form (``--json``)."""
        return {
            "files": self.files,
            "ingested": self.ingested,
            "duplicates": self.duplicates,
            "already_archived": self.already,
            "matches": self.matches,
            "failed": self.failed,
            "skipped": self.skipped,
            "pages": self.pages,
            "seconds": round(self.seconds, 3),
            "extract_seconds": round(self.extract_seconds, 3),
            "tree_size": self.tree_size,
            "documents": [
                {
                    "path": o.path,
                    "status": o.status,
                    "sha256": o.sha256,
                    "pages": o.pages,
                    "matches": [{"sha256": s, "verdict": v, "score": sc} for s, v, sc in o.matches],
                    "reason": o.reason,
                }
                for o in self.outcomes
            ],
        }


class IngestProgress:
    """Hooks a progress display implements; the default does nothing."""

    def start(self, total_files: int) -> None:
        """The batch has this many files."""

    def file_started(self, path: Path) -> None:
        """A file is being read."""

    def page_done(self, done: int, total: int) -> None:
        """A page of the current file was read."""

    def file_done(self, outcome: FileOutcome) -> None:
        """A file is finished."""


def collect_files(paths: Sequence[Path], links: list[Path] | None = None) -> list[Path]:
    """Every file under the given files and folders (recursively), sorted, hidden ones skipped.

    Symbolic links are never followed (README, "Archive"): a received folder may hold a
    link to ``~/.ssh/id_rsa`` or a loop. Each link met, in a folder or named on the command
    line, is appended to ``links`` and left out; a folder named on the command line is
    read even when it is itself a link. Only regular files are taken (no fifo, no device).
    """
    out: list[Path] = []
    for path in paths:
        if path.is_symlink() and not path.is_dir():
            if links is not None:
                links.append(path)
        elif path.is_dir():
            out.extend(sorted(_walk(path, links)))
        elif path.is_file():
            out.append(path)
        else:
            raise InputMissingError(f"{path}: no such file or folder")
    return out


def _walk(folder: Path, links: list[Path] | None) -> Iterator[Path]:
    """Regular files under ``folder``, links noted in ``links`` and never entered."""
    try:
        entries = list(os.scandir(folder))
    except OSError as error:
        raise InputMissingError(f"{folder}: cannot list the folder: {error.strerror}") from error
    for entry in entries:
        if entry.name.startswith("."):
            continue
        path = Path(entry.path)
        if entry.is_symlink():
            if links is not None:
                links.append(path)
        elif entry.is_dir(follow_symlinks=False):
            yield from _walk(path, links)
        elif entry.is_file(follow_symlinks=False):
            yield path


LINK_SKIPPED = "a symbolic link: not followed (name the file it points to, if it is yours)"


def _archive_options(archive: Archive, options: ExtractOptions | None) -> ExtractOptions:
    """Extraction options with the archive's own OCR cache unless the caller chose one.

    Always the archive's, sealed, when it encrypts its sources (``private``).
    """
    return private.archive_options(archive, options)


def extract_original(
    archive: Archive,
    sha256: str,
    display_path: str,
    options: ExtractOptions,
    progress: Callable[[int, int], None] | None = None,
    *,
    temporary: Path | None = None,
) -> tuple[Record, Fingerprints]:
    """Extract from the archived original (the bytes as hashed, never a file changed since).

    ``temporary`` is where those bytes are while their original is being written (see
    ``Originals.write_temporary``). The record's ``source.path`` and ``file_name`` are
    those of the first receipt, not the archive's internal name; its fingerprints are
    stored inside it. An archive that encrypts its sources stores no received name in
    a record: its path and file name are then the document's sha256 (the receipts hold
    the names, encrypted).
    """
    where = temporary if temporary is not None else archive.originals.path(sha256)
    shown = sha256 if archive.encrypts_sources else display_path
    return extract_received(where, shown, options, progress)


def record_digest(record_json: str) -> str:
    """SHA-256 of a stored record's exact JSON text: what the 'extracted' entry carries."""
    return hashlib.sha256(record_json.encode("utf-8")).hexdigest()


GROUP_FILES = 64
"""At most this many files share one transaction (one ``fsync`` of the database)."""

GROUP_SECONDS = 2.0
"""A group is committed once its first file waited this long: a ``kill -9`` costs at most
about this much work (plus one file), which the next run redoes."""

MOST_PENDING = 2 * GROUP_FILES
"""With a cluster, files waiting to be committed behind one still being read (a long scan),
beyond the files out on the cluster: more waits for it, so that the records held in memory
stay bounded."""


class ExtractionFailedError(VerifyError):
    """A cluster worker's extraction failure: its message, with the exit code it carried."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = ExitCode(exit_code)


@dataclass
class _Prepared:
    """One file read, archived as bytes, extracted and matched; its rows not yet written."""

    shown: str
    sha256: str
    size: int
    receipt_id: str
    extracted: tuple[Record, Fingerprints] | None = None
    failure: VerifyError | None = None
    found: list[Found] = field(default_factory=list)
    matched: bool = False  # found set and added to the matcher (see Ingestor._match_group)
    job: Job | None = None  # its extraction on the cluster, until collected


class Ingestor:
    """One batch: holds the open archive, the matcher and the source's identity.

    Files are prepared one by one (hash, original, extraction: no database writes),
    then matched and their rows committed in groups (``GROUP_FILES`` / ``GROUP_SECONDS``): each
    commit costs an ``fsync``, which on a network disk is worth many born-digital files.
    A file's originals are durable before its group commits; a group is all or nothing.
    """

    def __init__(
        self,
        archive: Archive,
        source: str,
        note: str | None,
        options: ExtractOptions | None,
        progress: IngestProgress | None = None,
        scheduler: Scheduler | None = None,
    ) -> None:
        if not source.strip():
            raise ArchiveError("--source is empty: name who gave the documents")
        self.archive = archive
        self.store = archive.store
        self.cipher = archive.cipher()
        self.key = archive.private_key()  # fail before any work if the key cannot be used
        private.secure(archive)
        self.options = _archive_options(archive, options)
        self.progress = progress or IngestProgress()
        self.source_id = self.cipher.source_id(source)
        self.source = source
        self.note = note
        self.matcher = ArchiveMatcher(self.store, archive.index_dir, archive.matching)
        self._quarantined = {failure.sha256: failure for failure in self.store.failures()}
        self.archive.originals.clean_temporaries()
        self._pending: list[_Prepared | FileOutcome] = []
        self._group_started = 0.0
        self._extract_seconds = 0.0
        self._syncer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="verify-fsync")
        self._naming: list[Future[None]] = []  # folder fsyncs the next commit waits for
        self.scheduler = scheduler
        self.cluster: ExtractionCluster | None = None  # open during run() with a scheduler

    def run(self, files: Sequence[Path]) -> IngestSummary:
        """Ingest every file; one failing file never stops the batch."""
        summary = IngestSummary()
        started = time.perf_counter()
        self.progress.start(len(files))
        try:
            if self.scheduler is not None:
                self.cluster = ExtractionCluster(self.scheduler)
            for path in files:
                self.progress.file_started(path)
                if not self._pending:
                    self._group_started = time.monotonic()
                self._pending.append(self.prepare_file(path))
                self._keep_window()
                waited = time.monotonic() - self._group_started
                if len(self._pending) >= GROUP_FILES or waited >= GROUP_SECONDS:
                    self._commit_group(summary, ready_only=self.cluster is not None)
            self._commit_group(summary)
        except BaseException:
            # The files prepared and read before the failure are whole: keep them, not
            # redo them (with a cluster, those whose workers answered, in order).
            with contextlib.suppress(VerifyError):
                self._commit_group(summary, ready_only=True)
            raise
        finally:
            if self.cluster is not None:
                self.cluster.close()
            self._finish(summary)
        summary.seconds = time.perf_counter() - started
        summary.extract_seconds = self._extract_seconds
        return summary

    def _finish(self, summary: IngestSummary) -> None:
        self._syncer.shutdown(wait=True)
        custody.sign_pending(self.store, self.key, self.archive.heads)
        summary.tree_size = self.store.log_size()
        try:
            self.matcher.save()
        except OSError as error:  # the index is derived data: the next run rebuilds it
            raise ArchiveError(f"cannot save the match index: {error}") from error

    def prepare_file(self, path: Path) -> _Prepared | FileOutcome:
        """Steps 1-2 of the module docstring for one file; an outcome when nothing is to write."""
        shown = str(path)
        try:
            sha256, size, data = read_hashed(path)
        except (OSError, InputMissingError) as error:
            return FileOutcome(shown, "unreadable", reason=f"cannot read: {error}")
        receipt_id = self.cipher.receipt_id(self.source_id, shown, sha256)
        if self.store.receipt(receipt_id) is not None:
            if failure := self._quarantined.get(sha256):  # said on every rerun until retried
                reason = f"{failure.reason} (quarantined by an earlier run: see --retry-failed)"
                return FileOutcome(shown, "failed", sha256, reason=reason)
            return FileOutcome(shown, "already", sha256)
        prepared = _Prepared(shown, sha256, size, receipt_id)
        if self._pending_bytes(sha256) or self.store.document(sha256) is not None:
            self.archive.originals.put(path, sha256)  # normally there (a lost one comes back)
            return prepared  # known bytes: a receipt, no extraction
        originals = self.archive.originals
        temporary = originals.write_temporary(path, sha256, data)  # None: a killed run's
        if self.cluster is not None:
            return self._submit(prepared, temporary, self.cluster)
        # The original's fsync runs beside its extraction, which reads the temporary; it
        # is named only once durable, and before any row names it (the group's commit).
        synced = self._syncer.submit(originals.sync, temporary) if temporary else None
        started = time.perf_counter()
        try:
            try:
                prepared.extracted = extract_original(
                    self.archive,
                    sha256,
                    shown,
                    self.options,
                    self.progress.page_done,
                    temporary=temporary,
                )
            except VerifyError as error:
                prepared.failure = type(error)(self._as_received(str(error), prepared, temporary))
            finally:
                self._extract_seconds += time.perf_counter() - started
            if synced is not None:
                synced.result()  # a failed fsync raises (disk full): never named
        except BaseException:
            if temporary is not None and synced is not None:
                wait_for([synced])  # the thread must be done with it before it goes
                originals.discard(temporary)
            raise
        if temporary is not None:
            originals.install(temporary, sha256, sync_folder=False)
            self._naming.append(self._syncer.submit(originals.sync_folder, sha256))
        return prepared

    def _as_received(self, message: str, item: _Prepared, temporary: Path | None) -> str:
        """An extraction error naming the file as received, not by the archive's names.

        By its sha256 when names are encrypted: the reason is stored plain.
        """
        named = item.sha256 if self.cipher.enabled else item.shown
        for internal in (temporary, self.archive.originals.path(item.sha256)):
            if internal is not None:
                message = message.replace(str(internal), named)
                message = message.replace(internal.name, Path(named).name)
        return message

    def _submit(
        self, prepared: _Prepared, temporary: Path | None, cluster: ExtractionCluster
    ) -> _Prepared:
        """Step 2 with a cluster: the original is durable and named before a worker reads it.

        Its folder's ``fsync`` runs on the fsync thread, awaited before the commit as usual.
        """
        originals, sha256 = self.archive.originals, prepared.sha256
        if temporary is not None:
            try:
                originals.sync(temporary)
            except BaseException:
                originals.discard(temporary)
                raise
            originals.install(temporary, sha256, sync_folder=False)
            self._naming.append(self._syncer.submit(originals.sync_folder, sha256))
        shown = sha256 if self.archive.encrypts_sources else prepared.shown
        task = ExtractionTask(str(originals.path(sha256)), sha256, shown, self.options)
        prepared.job = cluster.submit(task)
        return prepared

    def _keep_window(self) -> None:
        """With a cluster: wait for the oldest file out while too many are out or pending."""
        if self.cluster is None:
            return
        while True:
            out = [p for p in self._pending if isinstance(p, _Prepared) and p.job is not None]
            if not out:
                return
            most = MOST_PENDING + self.cluster.window
            if len(out) < self.cluster.window and len(self._pending) < most:
                return
            self._collect(out[0])

    def _collect(self, item: _Prepared) -> None:
        """A file's extraction from its worker, waiting for it (the wait counts as extracting)."""
        assert self.cluster is not None and item.job is not None
        started = time.perf_counter()
        try:
            outcome = self.cluster.outcome(item.job)
        finally:
            self._extract_seconds += time.perf_counter() - started
        if isinstance(outcome, ExtractionFailed):
            message = self._as_received(outcome.message, item, None)
            item.failure = ExtractionFailedError(message, outcome.exit_code)
        else:
            item.extracted = _parsed(outcome, self.cluster)
        item.job = None

    def _ready(self) -> int:
        """How many pending files, from the first, can be committed now without waiting."""
        count = 0
        for item in self._pending:
            if isinstance(item, _Prepared) and item.job is not None:
                if self.cluster is None or not self.cluster.ready(item.job):
                    break
                self._collect(item)
            count += 1
        return count

    def _match_group(self, group: Sequence[_Prepared | FileOutcome]) -> None:
        """Step 3 for the group's new documents, in the order they came.

        Run once per group rather than after each extraction: an extraction leaves the
        CPU's caches full of its own code and data, so matching the group's documents one
        after another is cheaper than matching each right after its extraction. Each
        document is added to the matcher after its own search, so it is found by the ones
        after it.
        """
        for item in group:
            if isinstance(item, _Prepared) and item.extracted is not None and not item.matched:
                found = self.matcher.find(*item.extracted)
                item.found = [f for f in found if f.comparison.verdict in LINK_VERDICTS]
                self.matcher.add(item.sha256, *item.extracted)
                item.matched = True

    def _pending_bytes(self, sha256: str) -> bool:
        """Whether a file of the uncommitted group has these bytes (extracted once, then)."""
        return any(isinstance(p, _Prepared) and p.sha256 == sha256 for p in self._pending)

    def _commit_group(self, summary: IngestSummary, *, ready_only: bool = False) -> None:
        """Write the pending files' rows in one transaction, then report them.

        ``ready_only``: only the first ones that need no wait (a cluster's workers answered
        for them); otherwise all, waiting for their workers.
        """
        if ready_only:
            count = self._ready()
        else:
            for item in self._pending:
                if isinstance(item, _Prepared) and item.job is not None:
                    self._collect(item)
            count = len(self._pending)
        if not count:
            return
        group = self._pending[:count]
        self._match_group(group)
        # Rows name originals: their names must be durable first. A failed fsync raises
        # here and again at every later try, so this group is never committed.
        for future in self._naming:
            future.result()
        self._naming = []
        committed: list[tuple[FileOutcome, int | None]] = []
        with custody.transaction(self.store, self.key, self.archive.heads):
            for item in group:
                if isinstance(item, FileOutcome):
                    committed.append((item, None))
                else:
                    committed.append(self._commit_file(item))
        # Committed: nothing of this group may be written again, whatever happens next.
        self._pending = self._pending[count:]
        self._group_started = time.monotonic()  # the files left wait from now on
        for item, (outcome, seq) in zip(group, committed, strict=True):
            if isinstance(item, _Prepared) and item.extracted is not None and seq is not None:
                self.matcher.committed(item.sha256, seq, item.extracted[0])
            summary.add(outcome)
            self.progress.file_done(outcome)

    def _commit_file(self, item: _Prepared) -> tuple[FileOutcome, int | None]:
        """Step 4 for one file, inside the group's transaction; its outcome and record entry."""
        shown, sha256 = item.shown, item.sha256
        if self.store.receipt(item.receipt_id) is not None:  # another process was quicker
            return FileOutcome(shown, "already", sha256), None
        new = self.store.document(sha256) is None
        source_id = self.cipher.stored_source_id(self.source_id, item.receipt_id)
        self.store.put_source(source_id, self.cipher.encrypt(self.source, "source"), custody.now())
        receipt = ReceiptRow(
            receipt_id=item.receipt_id,
            sha256=sha256,
            source_id=source_id,
            source_name=None,
            path=self.cipher.encrypt(shown, "path"),
            note=self.cipher.encrypt(self.note, "note"),
            received_at=custody.now(),
            seq=-1,
        )
        received = custody.append(
            self.store,
            "received",
            sha256,
            receipt=item.receipt_id,
            size=item.size,
            bind=binding.received(self.store, receipt),
        )
        seq = None
        if new:
            seq = self._commit_document(item)
        self.store.put_receipt(replace(receipt, seq=received))
        if not new:
            return FileOutcome(shown, "duplicate", sha256), None
        if item.extracted is None:
            return FileOutcome(shown, "failed", sha256, reason=str(item.failure)), None
        pages = len(item.extracted[0].pages)
        links = tuple((f.sha256, f.comparison.verdict, f.comparison.score) for f in item.found)
        return FileOutcome(shown, "new", sha256, pages, links), seq

    def _commit_document(self, item: _Prepared) -> int | None:
        """Rows and log entries of a new document; its 'extracted' entry, None if it failed."""
        sha256, size, failure = item.sha256, item.size, item.failure
        if item.extracted is None:
            code = int(failure.exit_code) if failure else int(ExitCode.internal)
            quarantine(self.store, sha256, size, str(failure or "unknown failure"), code)
            return None
        record, fingerprints = item.extracted
        seq = commit_record(self.store, sha256, size, record, fingerprints)
        record_links(self.store, sha256, item.found)
        return seq


def _parsed(extracted: Extracted, cluster: ExtractionCluster) -> tuple[Record, Fingerprints]:
    """A worker's record and fingerprints, checked: made by this very version of verify."""
    record = Record.model_validate_json(extracted.record_json)
    if record.verify_version != __version__:
        raise ClusterError(
            f"a worker of {cluster.scheduler} runs verify {record.verify_version}, this ingest "
            f"verify {__version__}: install the same version on every worker"
        )
    return record, Fingerprints.model_validate_json(extracted.fingerprints_json)


def quarantine(store: ArchiveStore, sha256: str, size: int, reason: str, code: int) -> None:
    """Quarantine a document with its 'failed' entry (a new document gets its row too).

    Inside the caller's transaction. A document already extracted keeps its row and
    record: the entry binds the row as it stays.
    """
    when = custody.now()
    document = store.document(sha256) or DocumentRow(sha256, size, None, "failed", when, 0, None)
    custody.append(
        store, "failed", sha256, code=code, bind=binding.failed(store, document, reason, when)
    )
    store.put_document(document)
    store.put_failure(FailureRow(sha256, reason, code, when))


def record_links(store: ArchiveStore, sha256: str, found: Sequence[Found]) -> int:
    """Log a 'matched' event and store a link for each match; return how many links are new.

    Inside the caller's transaction, so a document and its links land together.
    """
    new = 0
    for item in found:
        verdict, score = item.comparison.verdict, item.comparison.score
        seq = custody.append(
            store, "matched", sha256, other=item.sha256, verdict=verdict, score=score
        )
        new += store.put_link(LinkRow(sha256, item.sha256, verdict, score, seq))
    return new


def commit_record(
    store: ArchiveStore,
    sha256: str,
    size: int,
    record: Record,
    fingerprints: Fingerprints,
) -> int:
    """Store a record and its 'extracted' entry (its JSON's hash); returns the entry number."""
    record_json = record.to_json()
    fingerprints_json = fingerprints.model_dump_json()
    # size and first_seen stay those of the row when it exists (a retry or reextract).
    existing = store.document(sha256)
    document = DocumentRow(
        sha256,
        existing.size if existing else size,
        record.source.media_type,
        "extracted",
        existing.first_seen if existing else custody.now(),
        len(record.pages),
        None,
    )
    seq = custody.append(
        store,
        "extracted",
        sha256,
        record_sha256=record_digest(record_json),
        verify_version=record.verify_version,
        fingerprints=fingerprints.parameters_version,
        bind=binding.extracted(store, document, fingerprints_json),
    )
    store.put_document(replace(document, extracted_seq=seq))
    store.put_record(sha256, record_json, fingerprints_json)
    store.clear_failure(sha256)
    return seq


def ingest(
    archive: Archive,
    paths: Sequence[Path],
    *,
    source: str,
    note: str | None = None,
    options: ExtractOptions | None = None,
    progress: IngestProgress | None = None,
    select: Callable[[Path], bool] | None = None,
    scheduler: Scheduler | None = None,
) -> IngestSummary:
    """Ingest files and folders from one source; see the module docstring.

    ``select`` keeps only the files it accepts (``--include``/``--exclude``); ``scheduler``
    extracts on a Dask cluster (``verify.archive.cluster``).
    """
    links: list[Path] = []
    files = [f for f in collect_files(paths, links) if select is None or select(f)]
    with private.owner_only():
        summary = Ingestor(archive, source, note, options, progress, scheduler).run(files)
    for link in links:
        summary.add(FileOutcome(str(link), "skipped", reason=LINK_SKIPPED))
    return summary


@private.owner_only()
def retry_failed(
    archive: Archive,
    *,
    options: ExtractOptions | None = None,
    progress: IngestProgress | None = None,
) -> IngestSummary:
    """Re-run extraction on the quarantined documents only, from their archived bytes."""
    key = archive.private_key()
    private.secure(archive)
    options = _archive_options(archive, options)
    matcher = ArchiveMatcher(archive.store, archive.index_dir, archive.matching)
    summary = IngestSummary()
    started = time.perf_counter()
    failures = archive.store.failures()
    progress = progress or IngestProgress()
    progress.start(len(failures))
    try:
        for failure in failures:
            receipts = archive.store.receipts(failure.sha256)
            shown = archive.cipher().decrypt(receipts[0].path, "path") if receipts else None
            shown = shown or failure.sha256
            progress.file_started(Path(shown))
            outcome = _retry_one(archive, matcher, failure, shown, options, progress, summary)
            summary.add(outcome)
            progress.file_done(outcome)
    finally:
        custody.sign_pending(archive.store, key, archive.heads)
        summary.tree_size = archive.store.log_size()
        matcher.save()
    summary.seconds = time.perf_counter() - started
    return summary


def _retry_one(
    archive: Archive,
    matcher: ArchiveMatcher,
    failure: FailureRow,
    shown: str,
    options: ExtractOptions,
    progress: IngestProgress,
    summary: IngestSummary,
) -> FileOutcome:
    sha256 = failure.sha256
    document = archive.store.document(sha256)
    size = document.size if document else 0
    started = time.perf_counter()
    try:
        archive.originals.read(sha256)  # re-hashed: never extract from changed bytes
        record, fingerprints = extract_original(archive, sha256, shown, options, progress.page_done)
    except VerifyError as error:
        failed: VerifyError | None = error
    else:
        failed = None
    finally:
        summary.extract_seconds += time.perf_counter() - started
    if failed is not None:  # named as received, not by the archive's path of the bytes
        named = sha256 if archive.cipher().enabled else shown
        reason = str(failed).replace(str(archive.originals.path(sha256)), named)
        with custody.transaction(archive.store, archive.private_key(), archive.heads):
            quarantine(archive.store, sha256, size, reason, int(failed.exit_code))
        return FileOutcome(shown, "failed", sha256, reason=reason)
    found = [f for f in matcher.find(record, fingerprints) if f.comparison.verdict in LINK_VERDICTS]
    with custody.transaction(archive.store, archive.private_key(), archive.heads):
        seq = commit_record(archive.store, sha256, size, record, fingerprints)
        record_links(archive.store, sha256, found)
    matcher.add(sha256, record, fingerprints)
    matcher.committed(sha256, seq, record)
    links = tuple((f.sha256, f.comparison.verdict, f.comparison.score) for f in found)
    return FileOutcome(shown, "new", sha256, len(record.pages), links)
