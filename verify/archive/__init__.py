"""The newsroom archive: write-once originals, records, receipts and a signed custody log.

``init_archive`` / ``open_archive`` give an ``Archive``; ``ingest`` adds files from a source;
``verify_archive`` re-hashes and re-checks everything; ``prove`` makes an inclusion proof
that ``check_proof`` verifies with only the public key. docs/archive.md has the layout.
"""

from __future__ import annotations

from verify.archive.archive import Archive, init_archive, open_archive
from verify.archive.ingest import IngestSummary, ingest, retry_failed

__all__ = ["Archive", "IngestSummary", "ingest", "init_archive", "open_archive", "retry_failed"]
