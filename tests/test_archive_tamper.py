"""Attacks on a real archive: every table edited, deleted from and inserted into; whole-archive
attacks (truncation, deleted heads, erased documents, bit flips, deleted batches); rollback,
fork and laundering; read-only copies. Each must be caught and named.

One archive is built per module by real ingests of fixture files (a variant, a conflict, a
quarantined file, two sources, a note) and copied per case. The attacks on rows, the log,
the heads and whole batches run on both stores (``built_on``/``copy_on``: SQLite and a real
PostgreSQL); those on the SQLite file itself (truncation, flipped bits, read-only copies)
on SQLite only.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tests import archive_db
from tests.conftest import DOCUMENTS, FOUNDING
from tests.postgres import copy_archive
from verify.archive import ingest, init_archive, open_archive
from verify.archive.merkle import (
    consistency_path,
    leaf_hash,
    node_hash,
    root,
    verify_consistency,
)
from verify.archive.verify_archive import verify_archive
from verify.errors import ExitCode, IntegrityError, VerifyError

FOUNDING_PDF = DOCUMENTS / FOUNDING / "born_digital.pdf"
VARIANT_PDF = DOCUMENTS / "ru_minzdrav_founding_variant" / "born_digital.pdf"
DOCTORED_PDF = DOCUMENTS / "ru_minzdrav_founding_doctored" / "born_digital.pdf"
OTHER_PDF = DOCUMENTS / "en_ngo" / "born_digital.pdf"
LATER_PDF = DOCUMENTS / "uk_moz" / "born_digital.pdf"
FORK_PDF = DOCUMENTS / "ru_order" / "born_digital.pdf"


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


FOUNDING_SHA, VARIANT_SHA, DOCTORED_SHA, OTHER_SHA = map(
    sha, (FOUNDING_PDF, VARIANT_PDF, DOCTORED_PDF, OTHER_PDF)
)
NOTES = b"not a document"
NOTES_SHA = hashlib.sha256(NOTES).hexdigest()


def _build(folder: Path, cluster) -> Path:
    """Two batches, a checkpoint and a copy (``after_first``) saved after the first."""
    inbox = folder / "inbox"
    inbox.mkdir()
    (inbox / "notes.txt").write_bytes(NOTES)
    root_dir = folder / "newsroom"
    database = cluster.new_database() if cluster is not None else None
    with init_archive(root_dir, database=database) as archive:
        first = ingest(
            archive,
            [FOUNDING_PDF, VARIANT_PDF, DOCTORED_PDF, inbox],
            source="Ivan",
            note="met at the cafe",
        )
        assert (first.ingested, first.failed) == (3, 1)
    (folder / "after_first.checkpoint").write_bytes((root_dir / "heads/checkpoint").read_bytes())
    copy_archive(root_dir, folder / "after_first", cluster)
    with open_archive(root_dir) as archive:
        second = ingest(archive, [OTHER_PDF, FOUNDING_PDF], source="Olena")
        assert (second.ingested, second.duplicates) == (1, 1)
        assert verify_archive(archive).ok
    return folder


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The SQLite archive every case copies."""
    return _build(tmp_path_factory.mktemp("tamper"), None)


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def cluster(request):
    """None for SQLite, else the PostgreSQL cluster the archive's database lives in."""
    return None if request.param == "sqlite" else request.getfixturevalue("postgres")


@pytest.fixture(scope="module")
def built_on(cluster, request, tmp_path_factory) -> Path:
    """The archive built on each store in turn."""
    if cluster is None:
        return request.getfixturevalue("built")
    return _build(tmp_path_factory.mktemp("tamper-pg"), cluster)


@pytest.fixture
def copy(built, tmp_path) -> Path:
    target = tmp_path / "newsroom"
    shutil.copytree(built / "newsroom", target)
    return target


@pytest.fixture
def copy_on(built_on, cluster, tmp_path) -> Path:
    target = tmp_path / "newsroom"
    copy_archive(built_on / "newsroom", target, cluster)
    return target


def _db(root_dir: Path) -> sqlite3.Connection:
    return sqlite3.connect(root_dir / "archive.sqlite", isolation_level=None)


def _sql(root_dir: Path, sql: str, *args: object) -> int:
    return archive_db.execute(root_dir, sql, *args)


def _one(root_dir: Path, sql: str, *args: object):
    return archive_db.one(root_dir, sql, *args)


def _report(root_dir: Path, **kwargs):
    with open_archive(root_dir, readonly=True) as opened:
        return verify_archive(opened, **kwargs)


def _named(root_dir: Path) -> set[tuple[str, str | None, str | None, str | None]]:
    """(kind, table, field, sha256) of every problem."""
    return {(p.kind, p.table, p.field, p.sha256) for p in _report(root_dir).problems}


# ---------------------------------------------------------------- every table x edit/delete/insert

RECEIPT_OF_VARIANT = "SELECT id FROM receipts WHERE sha256 = ?"

EDITS = {
    # table.field: (SQL, args, document named)
    "documents.first_seen": (
        "UPDATE documents SET first_seen = '2023-01-01T00:00:00Z' WHERE sha256 = ?",
        (FOUNDING_SHA,),
        FOUNDING_SHA,
    ),
    "documents.size": (
        "UPDATE documents SET size = size + 1 WHERE sha256 = ?",
        (OTHER_SHA,),
        OTHER_SHA,
    ),
    "documents.pages": (
        "UPDATE documents SET pages = 9 WHERE sha256 = ?",
        (VARIANT_SHA,),
        VARIANT_SHA,
    ),
    "documents.media_type": (
        "UPDATE documents SET media_type = 'image/png' WHERE sha256 = ?",
        (VARIANT_SHA,),
        VARIANT_SHA,
    ),
    "documents.status": (
        "UPDATE documents SET status = 'extracted' WHERE sha256 = ?",
        (NOTES_SHA,),
        NOTES_SHA,
    ),
    "documents.extracted_seq": (
        "UPDATE documents SET extracted_seq = extracted_seq + 1 WHERE sha256 = ?",
        (OTHER_SHA,),
        OTHER_SHA,
    ),
    "records.record": (
        "UPDATE records SET record = replace(record, '2781', '9999') WHERE sha256 = ?",
        (FOUNDING_SHA,),
        FOUNDING_SHA,
    ),
    "records.fingerprints": (
        "UPDATE records SET fingerprints = substr(fingerprints, 1, 100) || "
        "substr(fingerprints, 102) WHERE sha256 = ?",
        (VARIANT_SHA,),
        VARIANT_SHA,
    ),
    "receipts.received_at": (
        "UPDATE receipts SET received_at = '2023-01-01T00:00:00Z' WHERE sha256 = ?",
        (VARIANT_SHA,),
        VARIANT_SHA,
    ),
    "receipts.note": (
        "UPDATE receipts SET note = 'by post' WHERE sha256 = ?",
        (VARIANT_SHA,),
        VARIANT_SHA,
    ),
    "receipts.path": (
        "UPDATE receipts SET path = '/elsewhere.pdf' WHERE sha256 = ?",
        (OTHER_SHA,),
        OTHER_SHA,
    ),
    "receipts.source_id": (
        "UPDATE receipts SET source_id = (SELECT source_id FROM receipts WHERE sha256 = ?) "
        "WHERE sha256 = ?",
        (OTHER_SHA, VARIANT_SHA),
        VARIANT_SHA,
    ),
    "sources.name": ("UPDATE sources SET name = 'Petro' WHERE name = ?", ("Ivan",), None),
    "sources.created": (
        "UPDATE sources SET created = '2020-01-01T00:00:00Z' WHERE name = ?",
        ("Olena",),
        None,
    ),
    "links.verdict": (
        "UPDATE links SET verdict = 'same_document' WHERE verdict = ?",
        ("conflict",),
        None,
    ),
    "links.score": ("UPDATE links SET score = 0.99 WHERE verdict = ?", ("variant",), None),
    "failures.reason": (
        "UPDATE failures SET reason = 'fine' WHERE sha256 = ?",
        (NOTES_SHA,),
        NOTES_SHA,
    ),
    "failures.code": ("UPDATE failures SET code = 1 WHERE sha256 = ?", (NOTES_SHA,), NOTES_SHA),
    "failures.at": (
        "UPDATE failures SET at = '2020-01-01T00:00:00Z' WHERE sha256 = ?",
        (NOTES_SHA,),
        NOTES_SHA,
    ),
}


@pytest.mark.parametrize("where", sorted(EDITS))
def test_an_edited_field_is_named_with_its_table_and_field(copy_on, where):
    sql, args, document = EDITS[where]
    assert _sql(copy_on, sql, *args) >= 1
    table, field = where.split(".")
    named = _named(copy_on)
    assert any(
        kind == "row_changed" and (t, f) == (table, field) and (document is None or s == document)
        for kind, t, f, s in named
    ), named


DELETES = {
    "documents": ("DELETE FROM documents WHERE sha256 = ?", (OTHER_SHA,), OTHER_SHA),
    "records": ("DELETE FROM records WHERE sha256 = ?", (VARIANT_SHA,), VARIANT_SHA),
    "receipts": (
        "DELETE FROM receipts WHERE sha256 = ? AND note IS NULL",
        (FOUNDING_SHA,),
        FOUNDING_SHA,
    ),
    "sources": ("DELETE FROM sources WHERE name = ?", ("Olena",), OTHER_SHA),
    "links": ("DELETE FROM links WHERE verdict = ?", ("conflict",), None),
    "failures": ("DELETE FROM failures WHERE sha256 = ?", (NOTES_SHA,), NOTES_SHA),
}


@pytest.mark.parametrize("table", sorted(DELETES))
def test_a_deleted_row_is_named(copy_on, table):
    sql, args, document = DELETES[table]
    assert _sql(copy_on, sql, *args) >= 1
    named = _named(copy_on)
    assert any(
        kind == "row_deleted" and t == table and (document is None or s == document)
        for kind, t, _, s in named
    ), named


FAKE = "f" * 64

INSERTS = {
    "documents": (
        "INSERT INTO documents (sha256, size, media_type, status, first_seen, pages, "
        "extracted_seq, arrival) "
        "VALUES (?, 1, NULL, 'failed', '2020-01-01T00:00:00Z', 0, NULL, 99)",
        (FAKE,),
        FAKE,
    ),
    "records": (
        "INSERT INTO records (sha256, record, fingerprints) SELECT ?, record, fingerprints "
        "FROM records WHERE sha256 = ?",
        (NOTES_SHA, FOUNDING_SHA),
        NOTES_SHA,
    ),
    "receipts": (
        "INSERT INTO receipts (id, sha256, source_id, path, note, received_at, seq) "
        "SELECT 'forged', sha256, source_id, '/x.pdf', NULL, received_at, seq FROM receipts "
        "WHERE sha256 = ? LIMIT 1",
        (OTHER_SHA,),
        OTHER_SHA,
    ),
    "sources": (
        "INSERT INTO sources (id, name, created) VALUES ('0123', 'Mallory', ?)",
        ("2020-01-01T00:00:00Z",),
        None,
    ),
    "links": (
        "INSERT INTO links (sha256, other, verdict, score, seq) VALUES (?, ?, 'same_document', "
        "1.0, 3)",
        tuple(sorted((OTHER_SHA, FOUNDING_SHA))),
        None,
    ),
    "failures": (
        "INSERT INTO failures (sha256, reason, code, at) VALUES (?, 'forged', 5, ?)",
        (OTHER_SHA, "2020-01-01T00:00:00Z"),
        OTHER_SHA,
    ),
}


@pytest.mark.parametrize("table", sorted(INSERTS))
def test_an_inserted_row_is_named(copy_on, table):
    sql, args, document = INSERTS[table]
    assert _sql(copy_on, sql, *args) == 1
    named = _named(copy_on)
    assert any(
        kind == "row_inserted" and t == table and (document is None or s == document)
        for kind, t, _, s in named
    ), named


def _leaf_of(root_dir: Path, event: str, sha256: str) -> tuple[int, bytes]:
    rows = archive_db.query(
        root_dir, "SELECT seq, data FROM log WHERE sha256 = ? ORDER BY seq", sha256
    )
    seq, data = next(r for r in rows if f'"event":"{event}"'.encode() in bytes(r[1]))
    return seq, bytes(data)


def test_log_edit_delete_and_insert_are_named(copy_on, cluster, tmp_path):
    seq, data = _leaf_of(copy_on, "received", VARIANT_SHA)
    forged = data.replace(b'"time":"', b'"time":"1999')
    _sql(copy_on, "UPDATE log SET data = ? WHERE seq = ?", forged, seq)
    assert ("log_entry_changed", "log", None, VARIANT_SHA) in _named(copy_on)

    deleted = tmp_path / "deleted"
    copy_archive(copy_on, deleted, cluster)
    _sql(deleted, "UPDATE log SET data = ? WHERE seq = ?", data, seq)  # restored
    _sql(deleted, "DELETE FROM log WHERE seq = ?", seq)
    kinds = {kind for kind, *_ in _named(deleted)}
    assert {"log_entry_deleted", "row_inserted"} <= kinds  # its receipt has no entry now

    _sql(copy_on, "UPDATE log SET data = ? WHERE seq = ?", data, seq)
    size = _one(copy_on, "SELECT MAX(seq) + 1 FROM log")[0]
    extra = data.replace(b'"receipt":"', b'"receipt":"x')
    _sql(copy_on, "INSERT INTO log VALUES (?, ?, ?, ?)", size, extra, leaf_hash(extra), VARIANT_SHA)
    assert ("unsigned_entries", "log", None, None) in _named(copy_on)


def test_tree_heads_edit_delete_and_insert_are_named(copy_on, tmp_path):
    _sql(
        copy_on,
        "UPDATE tree_heads SET head = replace(head, '\"tree_size\": ', '\"tree_size\": 1') "
        "WHERE id = (SELECT MAX(id) FROM tree_heads)",
    )
    kinds = {kind for kind, *_ in _named(copy_on)}
    assert {"tree_head_not_signed", "tree_head_deleted"} <= kinds

    other = tmp_path / "other"
    init_archive(other).close()
    foreign = _one(other, "SELECT head, tree_size FROM tree_heads")
    _sql(copy_on, "DELETE FROM tree_heads")
    _sql(copy_on, "INSERT INTO tree_heads (tree_size, head) VALUES (?, ?)", foreign[1], foreign[0])
    kinds = {kind for kind, *_ in _named(copy_on)}
    assert {"tree_head_not_signed", "tree_head_deleted"} <= kinds
    shutil.rmtree(copy_on / "heads")  # and the copy outside: no head covers the log any more
    kinds = {kind for kind, *_ in _named(copy_on)}
    assert {"tree_head_not_signed", "unsigned_entries"} <= kinds


# ---------------------------------------------------------------- whole-archive attacks


def test_a_truncated_database_is_an_integrity_failure(copy, cli_subprocess):
    (copy / "archive.sqlite").write_bytes(b"")
    for name in ("archive.sqlite-wal", "archive.sqlite-shm"):
        (copy / name).unlink(missing_ok=True)
    with pytest.raises(IntegrityError, match="truncated"):
        _report(copy)
    run = cli_subprocess("archive", "verify", copy)
    assert run.code == ExitCode.integrity_failed, run.stderr
    assert "holds no archive" in run.stderr


def test_a_database_cut_short_is_an_integrity_failure(copy, cli_subprocess):
    data = (copy / "archive.sqlite").read_bytes()
    (copy / "archive.sqlite").write_bytes(data[: len(data) // 2])
    run = cli_subprocess("archive", "verify", copy)
    assert run.code == ExitCode.integrity_failed, (run.stdout, run.stderr)


def _rewrite_record_with_its_entry(root_dir: Path) -> None:
    """Forge a record, its 'extracted' entry and the entry's stored leaf hash (no key needed)."""
    text = _one(root_dir, "SELECT record FROM records WHERE sha256 = ?", FOUNDING_SHA)[0]
    forged = text.replace("2781", "9999")
    seq, data = _leaf_of(root_dir, "extracted", FOUNDING_SHA)
    entry = json.loads(data)
    entry["record_sha256"] = hashlib.sha256(forged.encode()).hexdigest()
    new = json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    _sql(root_dir, "UPDATE records SET record = ? WHERE sha256 = ?", forged, FOUNDING_SHA)
    _sql(root_dir, "UPDATE log SET data = ?, leaf_hash = ? WHERE seq = ?", new, leaf_hash(new), seq)


def test_deleted_heads_and_a_rewritten_record_are_caught(copy_on):
    _sql(copy_on, "DELETE FROM tree_heads")
    _rewrite_record_with_its_entry(copy_on)
    kinds = {kind for kind, *_ in _named(copy_on)}
    assert {"tree_head_deleted", "log_mismatch"} <= kinds  # heads/ still holds them
    shutil.rmtree(copy_on / "heads")
    assert "unsigned_entries" in {kind for kind, *_ in _named(copy_on)}  # no head at all


def test_an_erased_document_is_caught(copy_on):
    for table in ("links", "receipts", "records", "failures"):
        column = "sha256"
        _sql(copy_on, f"DELETE FROM {table} WHERE {column} = ?", DOCTORED_SHA)
    _sql(copy_on, "DELETE FROM links WHERE other = ?", DOCTORED_SHA)
    _sql(copy_on, "DELETE FROM documents WHERE sha256 = ?", DOCTORED_SHA)
    original = copy_on / "originals" / DOCTORED_SHA[:2] / DOCTORED_SHA[2:4] / DOCTORED_SHA
    original.chmod(0o600)
    original.unlink()
    named = _named(copy_on)
    assert ("row_deleted", "documents", None, DOCTORED_SHA) in named
    assert any(k == "row_deleted" and t == "links" for k, t, _, _ in named)


def test_every_conflict_link_deleted_is_caught(copy_on):
    assert _sql(copy_on, "DELETE FROM links WHERE verdict = 'conflict'") >= 1
    assert {(k, t) for k, t, _, _ in _named(copy_on)} == {("row_deleted", "links")}


def test_deleting_the_last_batch_is_caught_by_the_heads_kept_outside(copy_on, built_on):
    first_size = int((built_on / "after_first.checkpoint").read_text().splitlines()[1])
    for table, column in (("receipts", "seq"), ("links", "seq")):
        _sql(copy_on, f"DELETE FROM {table} WHERE {column} >= ?", first_size)
    _sql(copy_on, "DELETE FROM records WHERE sha256 = ?", OTHER_SHA)
    _sql(copy_on, "DELETE FROM documents WHERE sha256 = ?", OTHER_SHA)
    _sql(copy_on, "DELETE FROM sources WHERE name = 'Olena'")
    _sql(copy_on, "DELETE FROM log WHERE seq >= ?", first_size)
    _sql(copy_on, "DELETE FROM tree_heads WHERE tree_size > ?", first_size)
    kinds = {kind for kind, *_ in _named(copy_on)}
    assert "tree_head_deleted" in kinds
    # With heads/ cut back too, only a checkpoint kept elsewhere tells.
    lines = (copy_on / "heads/tree_heads.jsonl").read_text().splitlines()
    kept = [line for line in lines if json.loads(line)["tree_size"] <= first_size]
    (copy_on / "heads/tree_heads.jsonl").write_text("\n".join(kept) + "\n")
    assert _report(copy_on).ok
    saved = copy_on.parent / "later.checkpoint"
    saved.write_bytes((built_on / "newsroom/heads/checkpoint").read_bytes())
    report = _since(copy_on, saved)
    assert report.since["verdict"] == "rolled_back"
    assert "rolled_back" in {p.kind for p in report.problems}


def _since(root_dir: Path, checkpoint: Path):
    from verify.archive.rows import Problem
    from verify.archive.since import check_since

    with open_archive(root_dir, readonly=True) as opened:
        report = verify_archive(opened)
        result = check_since(opened, checkpoint.read_text(), opened.public_key())
    report.since = result.to_json()
    if not result.ok:
        report.problems.append(Problem(result.verdict, None, result.detail))
    return report


def _rows_dump(root_dir: Path) -> list:
    db = _db(root_dir)
    try:
        return [
            sorted(map(repr, db.execute(f"SELECT * FROM {table}").fetchall()))
            for table in (
                "documents",
                "records",
                "sources",
                "receipts",
                "links",
                "failures",
                "log",
                "tree_heads",
            )
        ]
    finally:
        db.close()


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=0, max_value=10**9), st.integers(0, 7))
@example(2264, 7)  # a byte of the schema's text no longer UTF-8: was an internal error
def test_a_flipped_bit_is_caught_or_changes_no_row(built, tmp_path_factory, where, bit):
    """Every single-bit flip in the database either is reported or leaves every row as it was."""
    folder = tmp_path_factory.mktemp("flip")
    target = folder / "newsroom"
    shutil.copytree(built / "newsroom", target)
    before = _rows_dump(target)
    path = target / "archive.sqlite"
    data = bytearray(path.read_bytes())
    data[where % len(data)] ^= 1 << bit
    path.write_bytes(bytes(data))
    try:
        report = _report(target)
    except VerifyError:
        return  # refused: damaged beyond reading, or a header no verify wrote
    if report.ok:
        try:
            after = _rows_dump(target)
        except sqlite3.DatabaseError:
            pytest.fail("verify said OK on a database SQLite cannot read")
        assert after == before


@pytest.mark.parametrize("needle", [b"met at the cafe", b"Olena", b'"record_sha256"', b"2781"])
def test_a_flipped_bit_in_a_stored_value_is_named(copy, needle):
    path = copy / "archive.sqlite"
    data = bytearray(path.read_bytes())
    at = data.find(needle)
    assert at > 0
    data[at + 1] ^= 0x01
    path.write_bytes(bytes(data))
    assert not _report(copy).ok


# ---------------------------------------------------------------- rollback, fork, laundering


def test_an_earlier_copy_is_rolled_back_since_a_later_checkpoint(built, tmp_path, cli_subprocess):
    earlier = tmp_path / "earlier"
    shutil.copytree(built / "after_first", earlier)
    later = tmp_path / "later.checkpoint"
    run = cli_subprocess("archive", "head", built / "newsroom")
    assert run.code == 0, run.stderr
    later.write_text(run.stdout)
    assert cli_subprocess("archive", "verify", earlier).code == 0  # consistent in itself
    run = cli_subprocess("archive", "verify", earlier, "--since", later, "--json")
    assert run.code == ExitCode.integrity_failed
    result = json.loads(run.stdout)
    assert result["since"]["verdict"] == "rolled_back"
    assert "rolled_back" in {p["kind"] for p in result["problems"]}
    # The later archive continues the earlier checkpoint: a consistency proof holds.
    run = cli_subprocess(
        "archive",
        "verify",
        built / "newsroom",
        "--since",
        built / "after_first.checkpoint",
        "--json",
    )
    assert run.code == 0, run.stdout
    since = json.loads(run.stdout)["since"]
    assert since["verdict"] == "consistent" and since["consistency_proof"]


def test_two_copies_fed_different_files_are_forked(built, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    shutil.copytree(built / "after_first", a)
    shutil.copytree(built / "after_first", b)
    with open_archive(a) as opened:
        ingest(opened, [OTHER_PDF], source="Olena")
    with open_archive(b) as opened:
        ingest(opened, [FORK_PDF], source="Olena")
    size_a = (a / "heads/checkpoint").read_text().splitlines()[1]
    assert size_a == (b / "heads/checkpoint").read_text().splitlines()[1]  # same size
    report = _since(b, a / "heads/checkpoint")
    assert report.since["verdict"] == "forked"
    with open_archive(b) as opened:
        ingest(opened, [LATER_PDF], source="Olena")  # b grows: still not a continuation of a
    assert _since(b, a / "heads/checkpoint").since["verdict"] == "forked"


def test_the_next_ingest_refuses_to_sign_a_laundered_history(copy_on, tmp_path):
    _sql(copy_on, "DELETE FROM tree_heads WHERE tree_size > 0")
    _rewrite_record_with_its_entry(copy_on)
    shutil.rmtree(copy_on / "heads")  # no copy outside either: only the empty log's head is left
    with open_archive(copy_on) as opened, pytest.raises(IntegrityError, match="Refusing to sign"):
        ingest(opened, [LATER_PDF], source="Olena")
    with open_archive(copy_on, readonly=True) as opened:
        assert opened.store.document(sha(LATER_PDF)) is None  # nothing was committed
    assert "unsigned_entries" in {kind for kind, *_ in _named(copy_on)}


def test_ingest_into_a_rolled_back_database_refuses_to_sign(copy, built):
    shutil.copy(built / "after_first" / "archive.sqlite", copy / "archive.sqlite")
    for name in ("archive.sqlite-wal", "archive.sqlite-shm"):
        (copy / name).unlink(missing_ok=True)
    with open_archive(copy) as opened, pytest.raises(IntegrityError, match="rolled back"):
        ingest(opened, [LATER_PDF], source="Olena")
    assert "tree_head_deleted" in {kind for kind, *_ in _named(copy)}


def test_a_forged_head_line_outside_refuses_signing(copy_on):
    path = copy_on / "heads/tree_heads.jsonl"
    last = json.loads(path.read_text().splitlines()[-1])
    last["tree_size"] += 5
    with path.open("a") as handle:
        handle.write(json.dumps(last) + "\n")
    with open_archive(copy_on) as opened, pytest.raises(IntegrityError, match="altered"):
        ingest(opened, [LATER_PDF], source="Olena")
    assert "heads_file_damaged" in {kind for kind, *_ in _named(copy_on)}


# ---------------------------------------------------------------- checkpoints


def _note_key_hash(name: str, public_pem: bytes) -> bytes:
    raw = serialization.load_pem_public_key(public_pem).public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    return hashlib.sha256(name.encode() + b"\n\x01" + raw).digest()[:4], raw


def test_the_checkpoint_is_a_c2sp_signed_note(built, cli_subprocess):
    """Checked from the spec's text alone: origin, size, base64 root, blank line, signature."""
    run = cli_subprocess("archive", "head", built / "newsroom")
    assert run.code == 0, run.stderr
    text = run.stdout
    body, blank, signatures = text.partition("\n\n")
    origin, size, root64 = body.split("\n")
    assert blank and origin.startswith("verify.archive/") and " " not in origin
    line = signatures.rstrip("\n")
    assert line.startswith("\u2014 " + origin + " ")
    blob = base64.b64decode(line.rsplit(" ", 1)[1])
    key_hash, raw = _note_key_hash(origin, (built / "newsroom/keys/signing.pub").read_bytes())
    assert blob[:4] == key_hash
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    Ed25519PublicKey.from_public_bytes(raw).verify(blob[4:], (body + "\n").encode())
    with open_archive(built / "newsroom", readonly=True) as opened:
        leaves = [leaf_hash(row.data) for row in opened.store.leaves()]
    assert int(size) == len(leaves)
    assert base64.b64decode(root64) == root(leaves)
    assert (built / "newsroom/heads/checkpoint").read_text() == text


def test_an_altered_or_foreign_checkpoint_is_refused(built, tmp_path, cli_subprocess):
    text = (built / "newsroom/heads/checkpoint").read_text()
    lines = text.split("\n")
    lines[1] = str(int(lines[1]) - 1)
    altered = tmp_path / "altered"
    altered.write_text("\n".join(lines))
    run = cli_subprocess("archive", "verify", built / "newsroom", "--since", altered)
    assert run.code == ExitCode.integrity_failed and "altered" in run.stderr
    other = tmp_path / "other"
    init_archive(other).close()
    run = cli_subprocess(
        "archive", "verify", built / "newsroom", "--since", other / "heads/checkpoint"
    )
    assert run.code == ExitCode.integrity_failed and "not signed by this archive" in run.stderr
    # A witness's cosignature line beside ours is ignored, as the spec says.
    cosigned = tmp_path / "cosigned"
    cosigned.write_text(
        text + "\u2014 witness.example/w1 " + base64.b64encode(b"x" * 68).decode() + "\n"
    )
    assert cli_subprocess("archive", "verify", built / "newsroom", "--since", cosigned).code == 0


@settings(max_examples=80, deadline=None)
@given(st.integers(1, 70), st.data())
def test_consistency_proofs_follow_rfc6962(n, data):
    entries = [bytes([i % 256, i // 256]) for i in range(n)]
    leaves = [leaf_hash(e) for e in entries]
    m = data.draw(st.integers(0, n))
    path = consistency_path(m, leaves)
    assert verify_consistency(m, n, root(leaves[:m]), root(leaves), path)
    if 0 < m < n:
        forged = leaves[:]
        forged[data.draw(st.integers(0, m - 1))] = leaf_hash(b"forged")
        assert not verify_consistency(m, n, root(forged[:m]), root(leaves), path)
        assert not verify_consistency(m, n, root(leaves[:m]), node_hash(root(leaves), b""), path)


# ---------------------------------------------------------------- read-only copies


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_verify_show_search_and_head_work_on_a_read_only_copy(copy, cli_subprocess):
    for name in ("archive.sqlite-wal", "archive.sqlite-shm"):
        (copy / name).unlink(missing_ok=True)
    before = _snapshot(copy)
    subprocess.run(["chmod", "-R", "a-w", str(copy)], check=True)
    try:
        for args in (
            ("archive", "verify", copy),
            ("show", FOUNDING_SHA[:12], "--archive", copy),
            ("search", VARIANT_PDF, "--archive", copy),
            ("archive", "head", copy),
        ):
            run = cli_subprocess(*args)
            assert run.code == 0, (args, run.stderr)
    finally:
        subprocess.run(["chmod", "-R", "u+w", str(copy)], check=True)
    after = _snapshot(copy)
    # Where the folder is writable to this user (root), SQLite may add its shared-memory
    # index (-shm) and an empty -wal for a reader; no byte of the archive changes.
    assert after.pop("archive.sqlite-wal", b"") == b""
    after.pop("archive.sqlite-shm", None)
    assert after == before


@pytest.mark.skipif(os.geteuid() != 0, reason="a read-only bind mount needs root")
def test_verify_works_on_a_read_only_file_system(copy, tmp_path, cli_subprocess):
    mount = tmp_path / "mnt"
    mount.mkdir()
    if subprocess.run(["mount", "--bind", "-o", "ro", str(copy), str(mount)]).returncode:
        pytest.skip("cannot bind-mount here")
    try:
        run = cli_subprocess("archive", "verify", mount)
        assert run.code == 0, run.stderr
        run = cli_subprocess("show", OTHER_SHA[:12], "--archive", mount)
        assert run.code == 0, run.stderr
    finally:
        subprocess.run(["umount", str(mount)], check=True)


def test_a_damaged_fingerprints_row_is_named_by_verify_search_and_ingest(copy, cli_subprocess):
    sql, args, _ = EDITS["records.fingerprints"]
    _sql(copy, sql, *args)
    shutil.rmtree(copy / "index")  # rebuilt from the stored fingerprints
    run = cli_subprocess("archive", "verify", copy)
    assert run.code == ExitCode.integrity_failed
    assert f"row_changed: {VARIANT_SHA}: records.fingerprints" in run.stdout
    for args in (
        ("search", VARIANT_PDF, "--archive", copy),
        ("ingest", LATER_PDF, "--archive", copy, "--source", "Olena"),
    ):
        run = cli_subprocess(*args)
        assert run.code == ExitCode.integrity_failed, (args, run.stderr)
        assert VARIANT_SHA in run.stderr and "records.fingerprints" in run.stderr


# ---------------------------------------------------------------- old archives


def test_an_older_archive_upgrades_and_its_unsigned_tail_is_signed_once(tmp_path, monkeypatch):
    """Version-1 entries (no row digests), schema 2, no heads/, a killed batch's unsigned tail."""
    from verify.archive import custody

    real_encode = custody.encode_entry

    def version_1(event, sha256, **fields):
        fields.pop("bind", None)
        entry = json.loads(real_encode(event, sha256, **fields))
        entry["v"] = 1
        return json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()

    root_dir = tmp_path / "old"
    with monkeypatch.context() as patch:
        patch.setattr(custody, "encode_entry", version_1)
        with init_archive(root_dir) as opened:
            ingest(opened, [FOUNDING_PDF, VARIANT_PDF], source="Ivan")
    db = _db(root_dir)
    db.execute("DELETE FROM meta WHERE key = 'binding_salt'")
    last = db.execute("SELECT MAX(tree_size) FROM tree_heads").fetchone()[0]
    db.execute("DELETE FROM tree_heads WHERE tree_size = ?", (last,))  # killed before signing
    db.execute("PRAGMA user_version = 2")
    db.close()
    shutil.rmtree(root_dir / "heads")
    report = _report(root_dir)
    assert [p.kind for p in report.problems] == ["unsigned_entries"]
    assert "older verify" in report.problems[0].detail
    with open_archive(root_dir) as opened:
        assert opened.store.get_meta("binding_salt")  # the migration made one
        ingest(opened, [OTHER_PDF], source="Olena")  # signs the old tail with its own entries
    assert _report(root_dir).ok
    # Rows of the old entries are still checked as far as those entries state.
    _sql(root_dir, "UPDATE documents SET size = size + 1 WHERE sha256 = ?", FOUNDING_SHA)
    assert ("row_changed", "documents", "size", FOUNDING_SHA) in _named(root_dir)
