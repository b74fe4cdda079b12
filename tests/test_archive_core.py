"""The archive through its Python API: ingest, receipts, links, tampering, proofs, sources.

Tests taking ``archive`` or ``filled`` run on both stores: SQLite and a real PostgreSQL.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests import archive_db
from tests.conftest import DOCUMENTS, FOUNDING
from verify.archive import custody, ingest, init_archive, open_archive, retry_failed
from verify.archive.merkle import audit_path, leaf_hash, node_hash, root, verify_inclusion
from verify.archive.proof import check_proof, prove
from verify.archive.signing import load_public_key
from verify.archive.sqlite_store import SQLiteStore
from verify.archive.verify_archive import verify_archive
from verify.errors import ArchiveError, IntegrityError

FOUNDING_PDF = DOCUMENTS / FOUNDING / "born_digital.pdf"
VARIANT_PDF = DOCUMENTS / "ru_minzdrav_founding_variant" / "born_digital.pdf"
OTHER_PDF = DOCUMENTS / "en_ngo" / "born_digital.pdf"


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _mth(data: list[bytes]) -> bytes:
    """RFC 6962 MTH, written from the RFC's recursive definition."""
    if not data:
        return hashlib.sha256(b"").digest()
    if len(data) == 1:
        return leaf_hash(data[0])
    k = 1 << ((len(data) - 1).bit_length() - 1)
    return node_hash(_mth(data[:k]), _mth(data[k:]))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.binary(max_size=8), min_size=1, max_size=70), st.data())
def test_merkle_root_and_audit_paths_follow_rfc6962(entries, data):
    leaves = [leaf_hash(e) for e in entries]
    assert root(leaves) == _mth(entries)
    index = data.draw(st.integers(0, len(entries) - 1))
    path = audit_path(index, leaves)
    assert verify_inclusion(leaves[index], index, len(leaves), path, _mth(entries))
    assert not verify_inclusion(leaf_hash(b"other"), index, len(leaves), path, _mth(entries))
    if path:
        bad = [bytes(32)] + path[1:]
        assert not verify_inclusion(leaves[index], index, len(leaves), bad, _mth(entries))


def test_rfc6962_known_empty_root():
    assert root([]).hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


@pytest.fixture
def archive(tmp_path, database):
    with init_archive(tmp_path / "newsroom", database=database) as opened:
        yield opened


def _new_store(tmp_path: Path, database: str | None):
    if database is None:
        return SQLiteStore(tmp_path / "archive.sqlite", create=True)
    from verify.archive.postgres_store import PostgresStore

    return PostgresStore(database, create=True)


def test_log_numbers_run_on_across_transactions_and_a_rolled_back_one(tmp_path, database):
    """A transaction counts its appends on from the log's end; a rolled-back one uses none."""
    store = _new_store(tmp_path, database)
    sha = "a" * 64

    def received() -> int:
        return custody.append(store, "received", sha, receipt="r", size=1)

    with store.atomic():
        assert [received() for _ in range(3)] == [0, 1, 2]
    with pytest.raises(RuntimeError), store.atomic():
        assert [received(), received()] == [3, 4]
        raise RuntimeError("rolled back")
    with store.atomic(), store.atomic():  # a nested block joins the outer one
        assert [received(), received()] == [3, 4]
    with store.atomic():
        assert received() == 5
    assert store.log_size() == 6
    assert [leaf.seq for leaf in store.leaves()] == list(range(6))
    store.close()


def test_init_makes_a_private_key_and_refuses_an_existing_archive(tmp_path):
    root_dir = tmp_path / "a"
    init_archive(root_dir).close()
    mode = stat.S_IMODE((root_dir / "keys" / "signing.key").stat().st_mode)
    assert mode == 0o600
    with pytest.raises(ArchiveError, match="already an archive"):
        init_archive(root_dir)
    with pytest.raises(ArchiveError, match="not an archive"):
        open_archive(tmp_path)


def test_ingest_reingest_two_sources_and_variant_link(archive):
    first = ingest(archive, [FOUNDING_PDF, OTHER_PDF], source="source A", note="by hand")
    assert (first.ingested, first.duplicates, first.failed) == (2, 0, 0)
    assert 0 < first.extract_seconds < first.seconds  # the rest is the archive's own work
    original = archive.originals.path(sha(FOUNDING_PDF))
    assert original.read_bytes() == FOUNDING_PDF.read_bytes()
    assert stat.S_IMODE(original.stat().st_mode) == 0o400  # read-only and private

    again = ingest(archive, [FOUNDING_PDF], source="source A", note="by hand")
    assert (again.ingested, again.already, again.duplicates) == (0, 1, 0)
    assert again.extract_seconds == 0  # nothing was read again

    second = ingest(archive, [FOUNDING_PDF], source="source B")
    assert (second.ingested, second.duplicates) == (0, 1)
    receipts = archive.store.receipts(sha(FOUNDING_PDF))
    assert [r.source_name for r in receipts] == ["source A", "source B"]
    assert archive.store.count_documents() == 2

    variant = ingest(archive, [VARIANT_PDF], source="source C")
    (outcome,) = variant.outcomes
    assert outcome.status == "new"
    assert [(other, verdict) for other, verdict, _ in outcome.matches] == [
        (sha(FOUNDING_PDF), "variant")
    ]
    from verify.archive.query import search_record, show

    info = show(archive, sha(FOUNDING_PDF)[:12])
    assert {r["source"] for r in info["receipts"]} == {"source A", "source B"}
    assert info["links"][0]["sha256"] == sha(VARIANT_PDF)
    assert info["links"][0]["verdict"] == "variant"
    assert info["links"][0]["sources"] == ["source C"]
    assert info["summary"]["number"] == "30-2/И/2-2781"

    from verify.record import read_record_json

    record = read_record_json(archive.store.record_json(sha(VARIANT_PDF)))
    found = search_record(archive, record)
    assert found[0].sha256 == sha(FOUNDING_PDF)
    assert found[0].comparison.verdict == "variant"

    report = verify_archive(archive)
    assert report.ok, report.problems
    assert report.log_size == report.signed_size


def test_one_group_links_its_own_files_and_extracts_shared_bytes_once(archive, tmp_path):
    twin = tmp_path / "same bytes, another name.pdf"
    twin.write_bytes(FOUNDING_PDF.read_bytes())
    summary = ingest(archive, [FOUNDING_PDF, twin, VARIANT_PDF], source="A")
    assert [o.status for o in summary.outcomes] == ["new", "duplicate", "new"]
    assert summary.outcomes[2].matches[0][:2] == (sha(FOUNDING_PDF), "variant")
    events = [row.data for row in archive.store.leaves()]
    assert sum(b'"event":"extracted"' in e for e in events) == 2  # the twin was not re-read
    assert sum(b'"event":"received"' in e for e in events) == 3
    assert len(archive.store.receipts(sha(FOUNDING_PDF))) == 2


def test_files_prepared_before_a_failure_are_committed(archive, tmp_path, monkeypatch):
    from verify.archive.originals import Originals

    real_write = Originals.write_temporary

    def write_temporary(self, source, sha256, data=None):
        if source == OTHER_PDF:
            raise ArchiveError("cannot write the original: the disk is full")
        return real_write(self, source, sha256, data)

    monkeypatch.setattr(Originals, "write_temporary", write_temporary)
    with pytest.raises(ArchiveError, match="disk is full"):
        ingest(archive, [FOUNDING_PDF, VARIANT_PDF, OTHER_PDF], source="A")
    assert archive.store.document(sha(FOUNDING_PDF)) is not None
    assert archive.store.document(sha(VARIANT_PDF)) is not None
    assert archive.store.document(sha(OTHER_PDF)) is None
    # Matched on the way out too: the group is matched when it commits.
    assert [link.verdict for link in archive.store.links(sha(VARIANT_PDF))] == ["variant"]
    report = verify_archive(archive)
    assert report.ok and report.log_size == report.signed_size


def test_a_group_whose_commit_failed_once_is_committed_on_the_way_out(archive, monkeypatch):
    store_class = type(archive.store)
    real_put_link = store_class.put_link
    calls = []

    def put_link(self, row):
        calls.append(row)
        if len(calls) == 1:
            raise ArchiveError("cannot write: the database is locked")
        return real_put_link(self, row)

    monkeypatch.setattr(store_class, "put_link", put_link)
    with pytest.raises(ArchiveError, match="locked"):
        ingest(archive, [FOUNDING_PDF, VARIANT_PDF], source="A")
    # The second try matched nothing again (each document is in the matcher once) and
    # committed the whole group, its link included.
    assert archive.store.document(sha(VARIANT_PDF)) is not None
    assert [link.verdict for link in archive.store.links(sha(VARIANT_PDF))] == ["variant"]
    assert verify_archive(archive).ok


def test_quarantine_keeps_the_bytes_and_retry_reruns_only_those(archive, tmp_path):
    bad = tmp_path / "inbox" / "notes.txt"
    bad.parent.mkdir()
    bad.write_text("not a document")
    summary = ingest(archive, [bad.parent, FOUNDING_PDF], source="A")
    assert (summary.ingested, summary.failed) == (1, 1)
    failed = archive.store.failures()
    assert [f.sha256 for f in failed] == [sha(bad)]
    assert "notes.txt" in failed[0].reason and "originals" not in failed[0].reason
    assert archive.originals.read(sha(bad)) == bad.read_bytes()
    retried = retry_failed(archive)
    assert retried.files == 1 and retried.failed == 1
    assert 0 < retried.extract_seconds <= retried.seconds  # a failed read is still counted
    assert verify_archive(archive).ok


def _tamper_db(archive_root: Path, sql: str, *args: object) -> None:
    archive_db.execute(archive_root, sql, *args)


@pytest.fixture
def filled(tmp_path, database):
    root_dir = tmp_path / "newsroom"
    with init_archive(root_dir, database=database) as opened:
        ingest(opened, [FOUNDING_PDF, VARIANT_PDF, OTHER_PDF], source="A")
    return root_dir


def _problems(root_dir: Path, **kwargs) -> dict[str, set]:
    with open_archive(root_dir) as opened:
        report = verify_archive(opened, **kwargs)
    found: dict[str, set] = {}
    for problem in report.problems:
        found.setdefault(problem.kind, set()).add(problem.sha256)
    return found


def test_changed_original_is_named(filled):
    target = filled / "originals" / sha(OTHER_PDF)[:2] / sha(OTHER_PDF)[2:4] / sha(OTHER_PDF)
    target.chmod(0o644)
    target.write_bytes(target.read_bytes() + b"%")
    assert _problems(filled) == {"original_changed": {sha(OTHER_PDF)}}


def test_changed_log_entry_is_named(filled):
    with open_archive(filled) as opened:
        seq = opened.store.receipts(sha(VARIANT_PDF))[0].seq
        data = opened.store.leaf(seq).data
    forged = data.replace(b'"time":"', b'"time":"1999')
    _tamper_db(filled, "UPDATE log SET data = ? WHERE seq = ?", forged, seq)
    found = _problems(filled)
    assert sha(VARIANT_PDF) in found["log_entry_changed"]
    # Rewriting the stored leaf hash too does not hide it: the signed root no longer matches.
    _tamper_db(filled, "UPDATE log SET leaf_hash = ? WHERE seq = ?", leaf_hash(forged), seq)
    found = _problems(filled)
    assert "log_mismatch" in found
    assert "log_entry_changed" not in found


def test_deleted_log_entry_is_named(filled):
    with open_archive(filled) as opened:
        seq = opened.store.document(sha(OTHER_PDF)).extracted_seq
    _tamper_db(filled, "DELETE FROM log WHERE seq = ?", seq)
    found = _problems(filled)
    assert "log_entry_deleted" in found
    assert found["row_inserted"] == {sha(OTHER_PDF)}  # its record: no entry accounts for it


def test_changed_record_is_named(filled):
    with open_archive(filled) as opened:
        text = opened.store.record_json(sha(FOUNDING_PDF))
    forged = text.replace("30-2/И/2-2781", "30-2/И/2-9999")
    assert forged != text
    _tamper_db(filled, "UPDATE records SET record = ? WHERE sha256 = ?", forged, sha(FOUNDING_PDF))
    assert _problems(filled) == {"row_changed": {sha(FOUNDING_PDF)}}


def test_tree_head_signed_by_another_key_is_refused(filled, tmp_path):
    other = tmp_path / "other"
    init_archive(other).close()
    found = _problems(filled, public_key=load_public_key(other / "keys" / "signing.pub"))
    assert found["tree_head_not_signed"] == {None}
    assert not {kind for kind in found if kind.startswith("row_")}


def test_proof_checks_with_only_the_public_key_and_forgeries_fail(filled, tmp_path):
    with open_archive(filled) as opened:
        proof = prove(opened, sha(VARIANT_PDF)[:10])
    key = load_public_key(filled / "keys" / "signing.pub")
    result = check_proof(json.loads(json.dumps(proof)), key)
    assert result.document_sha256 == sha(VARIANT_PDF)
    assert result.tree_size == proof["tree_head"]["tree_size"]

    forged = json.loads(json.dumps(proof))
    entry = json.loads(base64.b64decode(forged["leaf_data"]))
    entry["time"] = "2020-01-01T00:00:00Z"  # claim an earlier receipt
    data = json.dumps(entry, sort_keys=True, separators=(",", ":")).encode()
    forged["leaf_data"] = base64.b64encode(data).decode()
    with pytest.raises(IntegrityError, match="audit path"):
        check_proof(forged, key)

    other_doc = dict(proof, document_sha256=sha(OTHER_PDF))
    with pytest.raises(IntegrityError, match="not the receipt"):
        check_proof(other_doc, key)

    resigned = json.loads(json.dumps(proof))
    resigned["tree_head"]["root_hash"] = "00" * 32
    with pytest.raises(IntegrityError, match="signature"):
        check_proof(resigned, key)

    init_archive(tmp_path / "other").close()
    with pytest.raises(IntegrityError, match="signed by key"):
        check_proof(proof, load_public_key(tmp_path / "other" / "keys" / "signing.pub"))


def test_encrypted_sources_and_key(tmp_path):
    root_dir = tmp_path / "secret"
    with init_archive(
        root_dir, encrypt_sources=True, encrypt_key=True, passphrase="correct horse"
    ) as opened:
        ingest(opened, [FOUNDING_PDF], source="Ivan from the ministry", note="met at the Pushkin")
    raw = (root_dir / "archive.sqlite").read_bytes()
    wal = root_dir / "archive.sqlite-wal"
    raw += wal.read_bytes() if wal.exists() else b""
    assert b"Ivan" not in raw and b"Pushkin" not in raw
    assert b"ENCRYPTED PRIVATE KEY" in (root_dir / "keys" / "signing.key").read_bytes()
    with open_archive(root_dir, passphrase="correct horse") as opened:
        from verify.archive.query import show

        info = show(opened, sha(FOUNDING_PDF))
        assert info["receipts"][0]["source"] == "Ivan from the ministry"
        assert info["receipts"][0]["note"] == "met at the Pushkin"
        again = ingest(opened, [FOUNDING_PDF], source="Ivan from the ministry")
        assert again.already == 1
    with (
        open_archive(root_dir, passphrase="wrong") as opened,
        pytest.raises(ArchiveError, match="wrong passphrase"),
    ):
        show(opened, sha(FOUNDING_PDF))
    with (
        open_archive(root_dir) as opened,
        pytest.raises(ArchiveError, match="encrypts its sources"),
    ):
        ingest(opened, [FOUNDING_PDF], source="x")


def test_second_writer_waits_then_fails_clearly(filled, database):
    if database is None:
        holder = sqlite3.connect(filled / "archive.sqlite", isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
    else:
        import psycopg

        from verify.archive.postgres_store import WRITE_LOCK

        holder = psycopg.connect(database)  # a transaction holding the writers' lock
        holder.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
    try:
        with open_archive(filled, busy_timeout=0.2) as opened:
            with pytest.raises(ArchiveError, match="in use by another process"):
                with opened.store.atomic():
                    pass
            assert opened.store.count_documents() == 3  # reading needs no lock
    finally:
        holder.rollback() if database else holder.execute("ROLLBACK")
        holder.close()


ENOSPC_SCRIPT = r"""
import errno, os, sys
from pathlib import Path
real_write = os.write
def full(fd, data):
    raise OSError(errno.ENOSPC, "No space left on device")
os.write = full
from verify.archive import ingest, open_archive
from verify.errors import ArchiveError
with open_archive(Path(sys.argv[1])) as archive:
    try:
        ingest(archive, [Path(sys.argv[2])], source="A")
    except ArchiveError as error:
        print("ArchiveError:", error)
        sys.exit(10)
sys.exit(0)
"""


def test_full_disk_is_a_clear_error_and_leaves_the_archive_consistent(filled, tmp_path):
    new = tmp_path / "new.pdf"
    new.write_bytes(FOUNDING_PDF.read_bytes() + b"\n% another copy\n")
    done = subprocess.run(
        [sys.executable, "-c", ENOSPC_SCRIPT, str(filled), str(new)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 10, done.stderr
    assert "disk is full" in done.stdout
    with open_archive(filled) as opened:
        assert opened.store.document(sha(new)) is None
        assert not list((filled / "originals").rglob(".tmp-*"))
        assert verify_archive(opened).ok
        summary = ingest(opened, [new], source="A")
        assert summary.ingested == 1
        assert verify_archive(opened).ok


def test_archived_records_are_parsed_once_per_version(filled) -> None:
    from verify.archive.archive_index import MatchState
    from verify.archive.ingest import commit_record
    from verify.matching.fingerprint import fingerprints_of
    from verify.record import Record

    parsed = MatchState().records
    with open_archive(filled) as opened:
        store, key_id = opened.store, opened.store.get_meta("key_id") or ""
        founding = sha(FOUNDING_PDF)

        def current(archive_id: str = key_id) -> Record | None:
            version = store.record_versions([founding])[founding]
            return parsed.get(store, archive_id, founding, version)

        first = current()
        assert isinstance(first, Record)
        assert current() is first  # same version: same model
        assert current("another archive") is not first
        assert store.record_versions(["0" * 64, founding]).keys() == {founding}  # not archived
        number = first.document_number.model_copy(
            update={"value": first.document_number.value + "-1"}
        )
        changed = first.model_copy(update={"document_number": number})
        with store.atomic():  # what a re-extraction does: a new record, a new log entry
            commit_record(store, founding, 1, changed, fingerprints_of(changed))
        again = current()
        assert again is not first and again.document_number.value == number.value


def test_temporaries_of_killed_writes_are_removed_and_live_ones_kept(filled) -> None:
    with open_archive(filled) as opened:
        incoming = opened.originals.root / ".incoming"
        incoming.mkdir(exist_ok=True)
        dead = subprocess.run(
            [sys.executable, "-c", "import os; print(os.getpid())"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        (incoming / f".tmp-0123456789abcdef-{dead}").write_bytes(b"half a file")
        live = incoming / f".tmp-fedcba9876543210-{os.getpid()}"
        live.write_bytes(b"being written")
        assert opened.originals.clean_temporaries() == 1
        assert sorted(p.name for p in incoming.iterdir()) == [live.name]


def _stamp_of(archive) -> dict:
    return json.loads((archive.index_dir / "stamp.json").read_text(encoding="utf-8"))


def test_a_small_batch_leaves_the_saved_index_alone_and_is_still_found(archive, monkeypatch):
    import verify.archive.archive_index as matches
    from verify.archive.query import search_record
    from verify.record import read_record_json

    monkeypatch.setattr(matches, "RECENT_MIN", 1)  # the first two documents make a base
    ingest(archive, [FOUNDING_PDF, OTHER_PDF], source="A")
    stamp = _stamp_of(archive)
    monkeypatch.setattr(matches, "RECENT_MIN", 1000)
    ingest(archive, [VARIANT_PDF], source="B")  # one more document: no index rewrite
    assert _stamp_of(archive) == stamp
    matcher = matches.ArchiveMatcher(archive.store, archive.index_dir)  # as a new process
    assert len(matcher.base) == 2 and len(matcher.batch) == 1  # read back from the store
    record = read_record_json(archive.store.record_json(sha(FOUNDING_PDF)))
    found = search_record(archive, record)
    assert [(f.sha256, f.comparison.verdict) for f in found][:1] == [(sha(VARIANT_PDF), "variant")]


def test_recent_documents_are_merged_into_the_saved_index_past_the_limit(archive, monkeypatch):
    import verify.archive.archive_index as matches

    ingest(archive, [FOUNDING_PDF], source="A")
    monkeypatch.setattr(matches, "RECENT_MIN", 1)
    ingest(archive, [VARIANT_PDF, OTHER_PDF], source="A")  # two recent > 1: merged
    stamp = _stamp_of(archive)
    assert stamp["log_size"] == archive.store.log_size()
    matcher = matches.ArchiveMatcher(archive.store, archive.index_dir)
    assert len(matcher.base) == 3 and len(matcher.batch) == 0


def test_an_index_that_does_not_account_for_the_store_is_rebuilt(archive):
    from verify.archive.archive_index import ArchiveMatcher

    ingest(archive, [FOUNDING_PDF, VARIANT_PDF], source="A")
    with archive.store.atomic():  # as if a record had been replaced without a new entry
        generation = int(archive.store.get_meta("generation"))
        archive.store.set_meta("generation", str(generation + 1))
    matcher = ArchiveMatcher(archive.store, archive.index_dir)
    assert len(matcher.base) == 2 and len(matcher.batch) == 0
    assert _stamp_of(archive)["generation"] == str(generation + 1)


def test_an_archive_of_schema_1_is_migrated_on_open(tmp_path):
    from verify.archive.sqlite_store import SCHEMA_VERSION

    root_dir = tmp_path / "newsroom"
    with init_archive(root_dir) as opened:
        ingest(opened, [FOUNDING_PDF], source="A")
    db = sqlite3.connect(root_dir / "archive.sqlite")
    db.execute("DROP INDEX documents_extracted")
    db.execute("PRAGMA user_version = 1")
    db.commit()
    db.close()
    with open_archive(root_dir) as opened:
        assert opened.store.schema_version == SCHEMA_VERSION == 3
        assert opened.store.document(sha(FOUNDING_PDF)) is not None
    db = sqlite3.connect(root_dir / "archive.sqlite")
    names = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    db.close()
    assert "documents_extracted" in names


def test_a_record_replaced_after_the_saved_index_makes_the_next_save_rebuild(archive, monkeypatch):
    import verify.archive.archive_index as matches
    from verify.archive.ingest import commit_record
    from verify.matching.fingerprint import fingerprints_of
    from verify.record import read_record_json

    monkeypatch.setattr(matches, "RECENT_MIN", 1)
    ingest(archive, [FOUNDING_PDF, VARIANT_PDF], source="A")  # both in the saved index
    record = read_record_json(archive.store.record_json(sha(FOUNDING_PDF)))
    with archive.store.atomic():  # a reextract killed before it saved the index
        commit_record(archive.store, sha(FOUNDING_PDF), 1, record, fingerprints_of(record))
    matcher = matches.ArchiveMatcher(archive.store, archive.index_dir)
    assert len(matcher.base) == 2 and len(matcher.batch) == 1  # old and new fingerprints
    matcher.save()
    assert _stamp_of(archive)["log_size"] == archive.store.log_size()
    fresh = matches.ArchiveMatcher(archive.store, archive.index_dir)
    assert len(fresh.base) == 2 and len(fresh.batch) == 0


def _count_loads(monkeypatch) -> list[int]:
    import verify.archive.archive_index as matches

    loads: list[int] = []
    real = matches.load_index

    def counted(store, folder):
        loads.append(1)
        return real(store, folder)

    monkeypatch.setattr(matches, "load_index", counted)
    return loads


def test_the_next_batch_of_a_process_keeps_the_indexes_and_still_finds_the_last(
    archive, monkeypatch
):
    loads = _count_loads(monkeypatch)
    ingest(archive, [FOUNDING_PDF], source="A")
    summary = ingest(archive, [VARIANT_PDF], source="B")
    assert len(loads) == 1  # the second batch read neither the saved index nor the store
    assert summary.outcomes[0].matches[0][:2] == (sha(FOUNDING_PDF), "variant")


def test_an_archive_opened_again_reads_its_indexes_afresh(archive, monkeypatch):
    ingest(archive, [FOUNDING_PDF], source="A")
    loads = _count_loads(monkeypatch)
    with open_archive(archive.root) as again:  # what a new process, or a new caller, does
        summary = ingest(again, [VARIANT_PDF], source="B")
    assert len(loads) == 1  # the kept indexes belong to the other open archive
    assert summary.outcomes[0].matches[0][:2] == (sha(FOUNDING_PDF), "variant")


def test_kept_indexes_are_dropped_when_the_store_changed_between_batches(archive, monkeypatch):
    from verify.archive.archive_index import ArchiveMatcher
    from verify.archive.ingest import commit_record
    from verify.matching.fingerprint import fingerprints_of
    from verify.record import read_record_json

    ingest(archive, [FOUNDING_PDF, OTHER_PDF], source="A")
    loads = _count_loads(monkeypatch)
    record = read_record_json(archive.store.record_json(sha(OTHER_PDF)))
    with archive.store.atomic():  # another process's reextract: one more record version
        commit_record(archive.store, sha(OTHER_PDF), 1, record, fingerprints_of(record))
    matcher = ArchiveMatcher(archive.store, archive.index_dir, archive.matching)
    assert len(loads) == 1  # read again: the kept indexes predate the new version
    assert sha(OTHER_PDF) in matcher.batch or sha(OTHER_PDF) in matcher.base


def test_a_batch_that_never_saved_leaves_no_indexes_behind(archive, monkeypatch):
    from verify.archive.archive_index import ArchiveMatcher
    from verify.matching.fingerprint import fingerprints_of
    from verify.record import read_record_json

    ingest(archive, [FOUNDING_PDF], source="A")
    loads = _count_loads(monkeypatch)
    record = read_record_json(archive.store.record_json(sha(FOUNDING_PDF)))
    failed = ArchiveMatcher(archive.store, archive.index_dir, archive.matching)
    assert not loads  # it took the indexes the first batch left
    fingerprints = fingerprints_of(record).model_copy(update={"sha256": "f" * 64})
    failed.add("f" * 64, record, fingerprints)  # found by its batch, then never committed
    matcher = ArchiveMatcher(archive.store, archive.index_dir, archive.matching)
    assert len(loads) == 1
    assert "f" * 64 not in matcher.batch and "f" * 64 not in matcher.base


def test_base_and_batch_queried_as_one_index_find_what_they_find_apart(archive, monkeypatch):
    import verify.archive.archive_index as matches
    from verify.archive.ingest import commit_record
    from verify.matching.fingerprint import fingerprints_of
    from verify.record import read_record_json

    monkeypatch.setattr(matches, "RECENT_MIN", 1)
    ingest(archive, [FOUNDING_PDF, OTHER_PDF], source="A")  # the saved base
    monkeypatch.setattr(matches, "RECENT_MIN", 1000)
    ingest(archive, [VARIANT_PDF], source="B")  # recent: the batch index

    def found(matcher, path):
        record = read_record_json(archive.store.record_json(sha(path)))
        hits = matcher.find(record, fingerprints_of(record), k=2)
        return [(f.sha256, f.comparison.verdict, f.comparison.score) for f in hits]

    # Made without the archive's state, each reads the saved index and the store afresh.
    one = matches.ArchiveMatcher(archive.store, archive.index_dir)
    apart = matches.ArchiveMatcher(archive.store, archive.index_dir)
    apart._apart = True
    for path in (FOUNDING_PDF, VARIANT_PDF, OTHER_PDF):
        assert found(one, path) == found(apart, path)
    assert one._whole is not None and apart._whole is None
    assert found(one, FOUNDING_PDF)[0][:2] == (sha(VARIANT_PDF), "variant")
    # A record replaced since the base was saved is in both: they are queried apart.
    record = read_record_json(archive.store.record_json(sha(FOUNDING_PDF)))
    with archive.store.atomic():
        commit_record(archive.store, sha(FOUNDING_PDF), 1, record, fingerprints_of(record))
    replaced = matches.ArchiveMatcher(archive.store, archive.index_dir)
    assert found(replaced, VARIANT_PDF)[0][:2] == (sha(FOUNDING_PDF), "variant")
    assert replaced._whole is None and replaced._apart


@settings(max_examples=30, deadline=None)
@given(st.binary(max_size=300), st.integers(0, 300))
def test_a_file_read_once_is_hashed_and_copied_as_the_bytes_read(data, limit):
    import tempfile

    import verify.archive.originals as originals_module
    from verify.archive.originals import Originals, read_hashed

    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "letter.bin"
        source.write_bytes(data)
        saved, originals_module.READ_WHOLE_MAX = originals_module.READ_WHOLE_MAX, limit
        try:
            digest, size, held = read_hashed(source)
        finally:
            originals_module.READ_WHOLE_MAX = saved
        assert (digest, size) == (hashlib.sha256(data).hexdigest(), len(data))
        assert held == (data if len(data) <= limit else None)
        source.write_bytes(data + b"changed since")  # the copy is of the bytes hashed
        store = Originals(Path(folder) / "originals")
        if held is None:
            with pytest.raises(IntegrityError, match="changed while"):
                store.write_temporary(source, digest, held)
        else:
            temporary = store.write_temporary(source, digest, held)
            assert temporary is not None and temporary.read_bytes() == data


def test_two_processes_saving_the_index_at_once_leave_a_whole_one(tmp_path):
    """Savers take turns (index.lock): neither trips over the other's temporary folders."""
    import threading

    from verify.archive.archive_index import STAMP, build_from_store, save_index
    from verify.matching.match_index import MatchIndex

    with init_archive(tmp_path / "newsroom") as opened:
        ingest(opened, [FOUNDING_PDF, VARIANT_PDF], source="A")
        index = build_from_store(opened.store)
        folder = opened.index_dir
    errors: list[BaseException] = []

    def save(n: int) -> None:
        try:
            for i in range(15):
                save_index(index, folder, {"generation": n * 100 + i})
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=save, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert len(MatchIndex.load(folder)) == 2
    assert json.loads((folder / STAMP).read_text())["generation"] in (14, 114)
    assert not folder.with_name("index.tmp").exists()
