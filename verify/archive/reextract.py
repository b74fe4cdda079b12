"""``archive reextract``: new records and fingerprints for every document after an update.

Rules, models and fingerprint parameters improve; the originals do not change. Each
document is re-read from its (re-hashed) original with the archive's OCR cache, so only
the stages after OCR really run again. A record that changed gets a new ``extracted`` log
entry (the old one stays in the log: history is never rewritten), and matches are looked
for again. The index is rebuilt at the end.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from verify.archive import custody
from verify.archive.archive import Archive
from verify.archive.archive_index import LINK_VERDICTS, ArchiveMatcher
from verify.archive.ingest import (
    IngestProgress,
    _archive_options,
    commit_record,
    extract_original,
    quarantine,
    record_digest,
    record_links,
)
from verify.errors import VerifyError
from verify.options import ExtractOptions


@dataclass
class ReextractSummary:
    """Counts of a reextract run."""

    documents: int = 0
    changed: int = 0
    unchanged: int = 0
    failed: int = 0
    new_links: int = 0
    seconds: float = 0.0

    def to_json(self) -> dict[str, object]:
        """Machine-readable form."""
        return dict(self.__dict__)


def reextract(
    archive: Archive, options: ExtractOptions | None = None, progress: IngestProgress | None = None
) -> ReextractSummary:
    """Re-run extraction and fingerprinting for every archived document."""
    started = time.perf_counter()
    key = archive.private_key()
    options = _archive_options(archive, options)
    progress = progress or IngestProgress()
    summary = ReextractSummary()
    documents = list(archive.store.documents())
    progress.start(len(documents))
    matcher = ArchiveMatcher(archive.store, archive.index_dir, archive.matching)
    try:
        for document in documents:
            summary.documents += 1
            receipts = archive.store.receipts(document.sha256)
            shown = archive.cipher().decrypt(receipts[0].path, "path") if receipts else None
            shown = shown or document.sha256
            try:
                archive.originals.read(document.sha256)
                record, fingerprints = extract_original(
                    archive, document.sha256, shown, options, progress.page_done
                )
            except VerifyError as error:
                summary.failed += 1
                with custody.transaction(archive.store, key, archive.heads):
                    quarantine(
                        archive.store,
                        document.sha256,
                        document.size,
                        str(error),
                        int(error.exit_code),
                    )
                continue
            old = archive.store.record_json(document.sha256)
            if old is not None and record_digest(old) == record_digest(record.to_json()):
                summary.unchanged += 1
                continue
            summary.changed += 1
            found = [
                f
                for f in matcher.find(record, fingerprints)
                if f.comparison.verdict in LINK_VERDICTS
            ]
            with custody.transaction(archive.store, key, archive.heads):
                commit_record(archive.store, document.sha256, document.size, record, fingerprints)
                summary.new_links += record_links(archive.store, document.sha256, found)
    finally:
        custody.sign_pending(archive.store, key, archive.heads)
        matcher.save(rebuild=True)
    summary.seconds = time.perf_counter() - started
    return summary
