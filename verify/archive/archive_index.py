"""The archive's match index: which archived documents a record may be a copy of.

The index (``verify.matching.match_index.MatchIndex``) is persisted in ``index/`` with a
``stamp.json`` naming the store generation and log size it covers. Documents whose records were made
after it (the last batches) are read back from the store at load, into a second, small
index: a batch that adds a few files to a large archive writes nothing but the database,
and the base is rewritten only once those recent documents outnumber ``RECENT_MIN`` (or
``RECENT_SHARE`` of the base). When the stamp cannot be reconciled with the store (a
reextract, another process's batch, another parameters version), the index is rebuilt
from the fingerprints stored with each record, so the database stays the single source
of truth.

During a batch, new documents go into the small index too: rebuilding the big one after
every file would cost O(archive) per file. A caller that ingests batch after batch into one
open archive (a service, the benchmark) keeps both indexes from one batch's end to the next's
start, as long as the store has not changed in between (same generation and log size): they
are kept in the archive's ``MatchState`` (``Archive.matching``), with the archived records
already parsed and the ``Comparer`` that compares them. Opening the archive again starts
afresh, as a new process does.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from verify.archive.store import ArchiveStore
from verify.errors import IntegrityError, VerifyError
from verify.lru import LruCache
from verify.matching.compare import Comparer, Comparison
from verify.matching.fingerprint import parameters, parameters_version
from verify.matching.match_index import Candidate, MatchIndex
from verify.record import Record, read_record_json
from verify.record_fingerprints import Fingerprints

LINK_VERDICTS = ("same_document", "variant", "conflict")
"""Verdicts recorded as links (same_document and variant corroborate; conflict warns).
``same_template`` is not a link: another filling of one form is another document."""

STAMP = "stamp.json"

Recent = list[tuple[str, Fingerprints]]
"""Documents recorded since the saved index, with their fingerprints."""

ARCHIVED_RECORDS_KEPT = 512
"""Archived records kept parsed (about 20 KB of JSON each): copies of one letter are
candidates for every new copy, batch after batch."""


class _ParsedRecords:
    """Archived records parsed once, by (archive, document, version of its record).

    The version is the log entry of the record's 'extracted' event, which a re-extraction
    replaces; the archive is named by its signing key's id and its folder, so two archives
    in one process never share an entry. Keying by version rather than by the stored JSON
    text means a candidate costs one small row read, not a 20 KB fetch and a hash of it.
    Least recently used records are dropped past ``ARCHIVED_RECORDS_KEPT``. The same object
    comes back for the same version (a ``Comparer`` keeps what it derives from a record
    object).
    """

    def __init__(self, kept: int) -> None:
        self._records: LruCache[tuple[str, str, int], Record] = LruCache(kept)

    def get(self, store: ArchiveStore, archive_id: str, sha256: str, version: int) -> Record | None:
        """The archived document's record ``version``, parsed at most once; None if none.

        ``version`` comes from ``ArchiveStore.record_versions``, asked once for every
        candidate of a match.
        """
        key = (archive_id, sha256, version)
        record = self._records.get(key)
        if record is not None:
            return record
        text = store.record_json(sha256)
        if not text:
            return None
        record = read_record_json(text)
        self._records.put(key, record)
        return record

    def put(self, archive_id: str, sha256: str, version: int, record: Record) -> None:
        """Keep a record just committed as ``version``, so later batches need not parse it."""
        self._records.put((archive_id, sha256, version), record)


@dataclass
class _Held:
    """A matcher's indexes as its ``save`` left them, and the store state they cover."""

    archive_id: str
    generation: int
    log_size: int
    base: MatchIndex
    batch: MatchIndex
    recent: Recent
    whole: MatchIndex | None


class MatchState:
    """What an open archive's matching keeps from one batch to the next.

    The indexes a matcher's ``save`` left (taken by the next matcher when the store has not
    changed), the archived records parsed so far and the ``Comparer`` that compares them:
    copies of one letter are candidates for every new copy, batch after batch. The open
    ``Archive`` holds one (``Archive.matching``); a matcher made without one starts afresh,
    as a new process does.
    """

    def __init__(self) -> None:
        self.records = _ParsedRecords(ARCHIVED_RECORDS_KEPT)
        self.comparer = Comparer()
        self._held: _Held | None = None

    def take(self, archive_id: str) -> _Held | None:
        """The indexes left for ``archive_id``, now the caller's (a failed batch leaves none)."""
        held, self._held = self._held, None
        return held if held is not None and held.archive_id == archive_id else None

    def keep(self, held: _Held) -> None:
        """Leave a saved matcher's indexes for the next batch."""
        self._held = held


@dataclass(frozen=True)
class Found:
    """An archived document that matches a query, with the full comparison."""

    sha256: str
    candidate: Candidate
    comparison: Comparison


RECENT_MIN = 500
"""Documents newer than the saved index are kept in the small index up to
``max(RECENT_MIN, RECENT_SHARE * base size)``; past that the base is rewritten. Each recent
document is read back at every load, while rewriting the base costs in proportion to the
whole archive: with 1% the rewrite is spread thin over the documents added, and a load never
reads back more than 1% of the archive."""

RECENT_SHARE = 0.01


def _stamp(store: ArchiveStore) -> dict[str, object]:
    return {
        "generation": store.get_meta("generation") or "0",
        "log_size": store.log_size(),
        "parameters_version": parameters_version(),
    }


def _current(sha256: str, fingerprints_json: str) -> Fingerprints | None:
    """Stored fingerprints, if made with this verify's parameters (others are never matched)."""
    try:
        fingerprints = Fingerprints.model_validate_json(fingerprints_json)
    except ValueError as error:  # pydantic's ValidationError: a damaged row
        raise IntegrityError(
            f"the stored fingerprints of document {sha256} (records.fingerprints) are "
            "damaged: run verify archive verify, and restore the archive from a copy"
        ) from error
    return fingerprints if fingerprints.parameters_version == parameters_version() else None


def build_from_store(store: ArchiveStore) -> MatchIndex:
    """A fresh index of every stored fingerprint."""
    index = MatchIndex()
    for sha256, fingerprints_json in store.fingerprints():
        fingerprints = _current(sha256, fingerprints_json)
        if fingerprints is not None:
            index.add(sha256, fingerprints)
    index.build()
    return index


def _recent_since(store: ArchiveStore, stamp: dict[str, object]) -> Recent | None:
    """The documents recorded after ``stamp``, or None when the stamp cannot be trusted.

    Every record written bumps the store's generation by one; when the records made after
    the stamp's log size account for every bump since, the saved index plus these is the
    whole archive. Anything else (a record replaced twice, a stamp from another version)
    means a rebuild.
    """
    if stamp.get("parameters_version") != parameters_version():
        return None
    try:
        saved_generation = int(str(stamp["generation"]))
        log_size = int(str(stamp["log_size"]))
    except (KeyError, ValueError):
        return None
    recent: Recent = []
    count = 0
    for sha256, fingerprints_json in store.fingerprints_since(log_size):
        count += 1
        fingerprints = (
            _current(sha256, fingerprints_json) if fingerprints_json is not None else None
        )
        if fingerprints is not None:
            recent.append((sha256, fingerprints))
    if saved_generation + count != int(store.get_meta("generation") or 0):
        return None
    return recent


def load_index(store: ArchiveStore, folder: Path) -> tuple[MatchIndex, Recent]:
    """The persisted index and the documents recorded since it, or a rebuilt index (saved).

    A rebuilt index covers everything, so its recent list is empty.
    """
    with contextlib.suppress(OSError, ValueError, VerifyError):
        stamp = json.loads((folder / STAMP).read_text(encoding="utf-8"))
        recent = _recent_since(store, stamp) if isinstance(stamp, dict) else None
        if recent is not None:
            return MatchIndex.load(folder), recent
    index = build_from_store(store)
    with contextlib.suppress(OSError):  # a read-only archive can still be searched
        save_index(index, folder, _stamp(store))
    return index, []


@contextlib.contextmanager
def _saving(folder: Path) -> Iterator[None]:
    """One saver at a time: an exclusive ``flock`` on ``index.lock`` beside the index.

    Two processes writing one archive (two ingests, or a search rebuilding a stale index
    meanwhile) would otherwise share ``index.tmp`` and ``index.old`` and swap half-written
    folders into place. ``flock`` works across processes on one machine and, on Linux,
    over NFS (as a POSIX lock).
    """
    fd = os.open(folder.with_name(folder.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def save_index(index: MatchIndex, folder: Path, stamp: dict[str, object]) -> None:
    """Write the index to a new folder and swap it in, so readers never see half of one."""
    with _saving(folder):
        tmp = folder.with_name(folder.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        index.save(tmp)
        (tmp / STAMP).write_text(json.dumps(stamp), encoding="utf-8")
        old = folder.with_name(folder.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        if folder.exists():
            folder.rename(old)
        tmp.rename(folder)
        shutil.rmtree(old, ignore_errors=True)


class ArchiveMatcher:
    """Base index (the archive as last saved) plus a small one (documents recorded since).

    ``state`` is what the previous batches of this open archive left (``Archive.matching``);
    without it the matcher reads the saved index and the store, as a new process does.
    """

    def __init__(self, store: ArchiveStore, folder: Path, state: MatchState | None = None) -> None:
        self.store = store
        self.folder = folder
        self.state = state if state is not None else MatchState()
        self._generation = int(store.get_meta("generation") or 0)
        # Names this archive in the state's entries: its key and its place.
        self._archive_id = f"{store.get_meta('key_id')}:{folder.resolve()}"
        # Taken, not shared: a batch that fails before ``save`` leaves nothing behind.
        held = self.state.take(self._archive_id)
        # (The fingerprint parameters are read once per process: a kept index has them.)
        if (
            held is not None
            and held.generation == self._generation
            and held.log_size == store.log_size()
        ):
            self.base, self.batch, self._recent = held.base, held.batch, held.recent
            self._whole: MatchIndex | None = held.whole
        else:
            self._whole = None
            self.base, self._recent = load_index(store, folder)
            self.batch = MatchIndex()
            for sha256, fingerprints in self._recent:
                self.batch.add(sha256, fingerprints)
        self._records: dict[str, Record] = {}
        self._added = 0
        self._apart = False  # base and batch hold one document twice: query them apart

    def _one_index(self) -> MatchIndex | None:
        """Base and batch merged, while together they are small enough to scan; else None.

        A scan of a few thousand rows costs little more than a scan of a few hundred, so
        one query instead of two saves one query's fixed cost, about half the matching time
        of a document against a small archive.
        A document in both (a record replaced since the base was saved) keeps them apart:
        its old fingerprints must stay findable until the next rebuild, as before.
        """
        scan_max = int(parameters()["index"]["brute_force_max"])
        if self._apart or len(self.base) + len(self.batch) > scan_max:
            self._whole = None
            return None
        if self._whole is None:
            if any(sha256 in self.base for sha256, _ in self._recent):
                self._apart = True
                return None
            self._whole = MatchIndex()
            self._whole.absorb(self.base)
            self._whole.absorb(self.batch)
        return self._whole

    def find(self, record: Record, fingerprints: Fingerprints, k: int = 10) -> list[Found]:
        """The best ``k`` archived matches, each with its compare verdict, best first."""
        whole = self._one_index()
        if whole is not None:  # one more when the query is archived itself (dropped below)
            candidates = whole.query(fingerprints, k=k + (fingerprints.sha256 in whole))
        else:
            candidates = self.base.query(fingerprints, k=k)
            if len(self.batch):
                candidates += self.batch.query(fingerprints, k=k)
        ranked: dict[str, Candidate] = {}
        for candidate in sorted(candidates, key=lambda c: (-c.score, c.doc_id)):
            if candidate.doc_id != fingerprints.sha256:
                ranked.setdefault(candidate.doc_id, candidate)
        # Versions of every archived candidate in one query; records parsed only when
        # compared (past the k-th, never).
        versions = self.store.record_versions([d for d in ranked if d not in self._records])
        found = []
        for doc_id, candidate in ranked.items():
            known = self._records.get(doc_id)
            if known is None and doc_id in versions:
                known = self.state.records.get(
                    self.store, self._archive_id, doc_id, versions[doc_id]
                )
            if known is None:
                continue
            found.append(Found(doc_id, candidate, self.state.comparer.compare(record, known)))
            if len(found) >= k:
                break
        found.sort(key=lambda f: (-f.comparison.score, f.sha256))
        return found

    def add(self, sha256: str, record: Record, fingerprints: Fingerprints) -> None:
        """Make a newly archived document findable for the rest of the batch."""
        if fingerprints.parameters_version != self.batch.parameters_version:
            return
        self.batch.add(sha256, fingerprints)
        if sha256 in self.base:
            self._apart, self._whole = True, None
        elif self._whole is not None:
            self._whole.add(sha256, fingerprints)
        self._records[sha256] = record
        self._recent.append((sha256, fingerprints))
        self._added += 1

    def committed(self, sha256: str, version: int, record: Record) -> None:
        """The document's record was committed as log entry ``version`` (see _ParsedRecords)."""
        self.state.records.put(self._archive_id, sha256, version, record)

    def save(self, *, rebuild: bool = False) -> None:
        """Make the index current for the next run; write it only when that pays.

        ``rebuild`` re-reads every stored fingerprint (after a reextract changed some).
        Otherwise the documents of this batch stay "recent" (found again in the store by
        the next run) until there are more than ``RECENT_MIN`` / ``RECENT_SHARE`` of them;
        then they are merged into the base, which is written under a fresh stamp.
        """
        generation = int(self.store.get_meta("generation") or 0)
        # Another process wrote fingerprints meanwhile: only a full rebuild includes them.
        rebuild = rebuild or generation != self._generation + self._added
        # A recent record that replaced one in the base (a reextract cut short) would
        # leave the old fingerprints in it: only a rebuild drops them.
        rebuild = rebuild or any(sha256 in self.base for sha256, _ in self._recent)
        limit = max(RECENT_MIN, int(RECENT_SHARE * len(self.base)))
        if rebuild or len(self._recent) > limit:
            if rebuild:
                self.base = build_from_store(self.store)
                self._whole, self._apart = None, False  # merged again when next queried
            else:  # the same documents as before: the merged index stays as it is
                for sha256, fingerprints in self._recent:
                    self.base.add(sha256, fingerprints)
                self.base.build()
            save_index(self.base, self.folder, _stamp(self.store))
            self.batch, self._recent = MatchIndex(), []
        self._records.clear()
        self._added = 0
        self._generation = generation
        # The next batch of this process starts from here instead of reading the saved
        # index and the recent fingerprints back.
        held = _Held(
            self._archive_id,
            generation,
            self.store.log_size(),
            self.base,
            self.batch,
            self._recent,
            self._whole,
        )
        self.state.keep(held)
