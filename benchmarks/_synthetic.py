"""Synthetic archived documents for the storage and scale benchmarks.

Filling an archive with 100,000 OCRed letters would take days; what search and the committer
cost depends on how many documents there are and on their fingerprints, not on their pages.
So document ``i`` is the founding letter under the number ``30-2/И/i`` with random MinHash
signatures (never near each other, as distinct letters are not), reproducible from the seed.
"""

from __future__ import annotations

import hashlib

import numpy as np

from verify.archive.store import ArchiveStore
from verify.matching.fingerprint import Fingerprints, MinHashSignature, parameters
from verify.record import Record


def random_fingerprints(
    base: Fingerprints, sha256: str, i: int, rng: np.random.Generator
) -> Fingerprints:
    """Fingerprints of synthetic document ``i``: random text signatures, its own keys."""
    spec = parameters()["minhash"]
    values = rng.integers(0, 2**32, spec["num_perm"], dtype=np.uint64)
    assert base.text_minhash is not None
    signature = MinHashSignature.from_array(
        values, spec["seed"], base.text_minhash.shingles, spec["scheme"]
    )
    return Fingerprints(
        parameters_version=base.parameters_version,
        sha256=sha256,
        pages=[],
        text_minhash=signature,
        body_minhash=signature,
        identity_key=hashlib.sha256(f"id-{i}".encode()).hexdigest(),
        body_digest=hashlib.sha256(f"body-{i}".encode()).hexdigest(),
    )


def renumbered(base: Record, i: int) -> Record:
    """The base letter under the number of synthetic document ``i``."""
    assert base.document_number is not None
    number = base.document_number.model_copy(update={"value": f"30-2/И/{i}"})
    return base.model_copy(update={"document_number": number})


def put_synthetic(
    store: ArchiveStore,
    base: Record,
    base_fp: Fingerprints,
    i: int,
    rng: np.random.Generator,
    source_id: str,
) -> None:
    """Write synthetic document ``i`` as ingest would: log entry, document, receipt, record.

    Document 0 is ``base`` itself (the real founding letter, the queries' variant); the others
    are renumbered copies with random fingerprints. Call inside the store's transaction.
    """
    from verify.archive import custody
    from verify.archive.ingest import commit_record
    from verify.archive.store import DocumentRow, ReceiptRow

    sha = hashlib.sha256(f"synthetic-{i}".encode()).hexdigest()
    if i == 0:
        record, fp = base, base_fp
    else:
        fp = random_fingerprints(base_fp, sha, i, rng)
        record = renumbered(base, i)
    source = record.source.model_copy(update={"sha256": sha})
    record = record.model_copy(update={"source": source, "fingerprints": fp})
    seq = custody.append(store, "received", sha, receipt=sha, size=1)
    store.put_document(DocumentRow(sha, 1, "application/pdf", "extracted", custody.now(), 1, None))
    store.put_receipt(
        ReceiptRow(sha, sha, source_id, None, f"synthetic/{i}.pdf", None, custody.now(), seq)
    )
    commit_record(store, sha, 1, record, fp)
