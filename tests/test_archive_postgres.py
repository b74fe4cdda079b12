"""An archive whose tables live in a real PostgreSQL database, as a newsroom runs it.

``archive init --database`` and what it refuses; later commands with only ``--archive``;
``show``, ``search`` and ``archive verify`` with a role that can only read; two ingests into
one archive at once (one gap-free signed log, every document once) while ``show`` and
``search`` answer.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from tests.conftest import DOCUMENTS, FOUNDING
from tests.postgres import ADMIN, Cluster
from verify.archive.postgres_store import WRITE_LOCK
from verify.errors import ExitCode

FOUNDING_PDF = DOCUMENTS / FOUNDING / "born_digital.pdf"
VARIANT_PDF = DOCUMENTS / "ru_minzdrav_founding_variant" / "born_digital.pdf"
PDFS = sorted(DOCUMENTS.glob("*/born_digital.pdf"))


def _init(cli_subprocess, root: Path, url: str) -> None:
    run = cli_subprocess("archive", "init", root, "--database", url)
    assert run.code == 0, run.stderr


def test_a_url_with_a_password_is_refused_before_anything_is_made(cli_subprocess, tmp_path):
    root = tmp_path / "newsroom"
    url = "postgresql://verify:s3cret@dbhost/newsroom"
    run = cli_subprocess("archive", "init", root, "--database", url)
    assert run.code == ExitCode.usage, run.stderr
    assert "PGPASSWORD" in run.stderr and "s3cret" not in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1
    assert not root.exists()
    query = "postgresql://verify@dbhost/newsroom?password=s3cret"
    assert cli_subprocess("archive", "init", root, "--database", query).code == ExitCode.usage
    assert cli_subprocess("archive", "init", root, "--database", "mysql://x").code == 2


def test_an_unreachable_database_is_one_clear_line(cli_subprocess, tmp_path):
    root = tmp_path / "newsroom"
    url = f"postgresql://verify@/newsroom?host={tmp_path}&port=1"  # no server there
    run = cli_subprocess("archive", "init", root, "--database", url)
    assert run.code == ExitCode.archive_failed, run.stderr
    assert "cannot connect to the archive database" in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1
    assert not root.exists()


def test_a_database_holding_an_archive_is_refused(postgres, cli_subprocess, tmp_path):
    url = postgres.new_database()
    _init(cli_subprocess, tmp_path / "first", url)
    run = cli_subprocess("archive", "init", tmp_path / "second", "--database", url)
    assert run.code == ExitCode.archive_failed, run.stderr
    assert "already holds a verify archive" in run.stderr
    assert not (tmp_path / "second").exists()
    marker = json.loads((tmp_path / "first" / "archive.json").read_text())
    assert marker["database"] == url
    assert not (tmp_path / "first" / "archive.sqlite").exists()


def _reader(postgres: Cluster, url: str) -> str:
    """The URL of ``url``'s database for a role that may only read its tables."""
    database = url.split("/")[3].split("?")[0]
    role = f"reader_{database}"
    postgres.admin(f"CREATE ROLE {role} LOGIN")
    postgres.admin(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}", database)
    return postgres.url(database, role)


@pytest.mark.slow
def test_show_search_verify_and_head_only_read(postgres, cli_subprocess, tmp_path):
    root = tmp_path / "newsroom"
    url = postgres.new_database()
    _init(cli_subprocess, root, url)
    run = cli_subprocess("ingest", FOUNDING_PDF, VARIANT_PDF, "--archive", root, "--source", "A")
    assert run.code == 0, run.stderr
    marker = json.loads((root / "archive.json").read_text())
    marker["database"] = _reader(postgres, url)  # any write would now be refused
    (root / "archive.json").write_text(json.dumps(marker))
    # A writer holds the archive's lock meanwhile, as an ingest does while it commits:
    # readers do not wait for it.
    with psycopg.connect(url) as writer:
        writer.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
        run = cli_subprocess("search", VARIANT_PDF, "--archive", root, "--json")
        assert run.code == 0, run.stderr
        found = json.loads(run.stdout)["matches"]
        assert [m["verdict"] for m in found] == ["identical", "variant"]
        run = cli_subprocess("show", found[1]["sha256"], "--archive", root)
        assert run.code == 0 and "received" in run.stdout, run.stderr
        run = cli_subprocess("archive", "verify", root)
        assert run.code == 0 and run.stdout.startswith("OK"), run.stdout + run.stderr
        assert cli_subprocess("archive", "head", root).code == 0
        writer.rollback()
    # The role really cannot write: an ingest through it fails, clearly.
    other = DOCUMENTS / "en_ngo" / "born_digital.pdf"
    run = cli_subprocess("ingest", other, "--archive", root, "--source", "A")
    assert run.code == ExitCode.archive_failed, run.stderr
    assert "permission denied" in run.stderr and "Traceback" not in run.stderr


def _inbox(folder: Path, copies: dict[Path, int]) -> Path:
    """Copies of born-digital letters, each with its own bytes (a comment appended)."""
    folder.mkdir()
    for pdf, count in copies.items():
        for n in range(count):
            data = pdf.read_bytes() + (f"\n% copy {n}\n".encode() if n else b"")
            (folder / f"{pdf.parent.name}-{n}.pdf").write_bytes(data)
    return folder


def _ingest(root: Path, inbox: Path, source: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "verify", "ingest", inbox, "--archive", root, "--source", source]
        + ["--json", "--quiet"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "COLUMNS": "200"},
    )


@pytest.mark.slow
def test_two_ingests_at_once_keep_one_gap_free_signed_log(postgres, cli_subprocess, tmp_path):
    """Shared letters in both inboxes: each archived once, received twice, extracted once."""
    root = tmp_path / "newsroom"
    url = postgres.new_database()
    _init(cli_subprocess, root, url)
    shared = {pdf: 2 for pdf in PDFS[:3]}
    inbox_a = _inbox(tmp_path / "a", {**shared, **{pdf: 1 for pdf in PDFS[3:7]}})
    inbox_b = _inbox(tmp_path / "b", {**shared, **{pdf: 1 for pdf in PDFS[7:]}})
    ingests = [_ingest(root, inbox_a, "A"), _ingest(root, inbox_b, "B")]
    # While they run, show and search answer from what is committed.
    with psycopg.connect(url) as db:
        deadline = time.monotonic() + 120
        while not db.execute("SELECT COUNT(*) FROM documents").fetchone()[0]:
            assert time.monotonic() < deadline and all(p.poll() is None for p in ingests)
            time.sleep(0.2)
        first = db.execute("SELECT sha256 FROM documents ORDER BY arrival LIMIT 1").fetchone()[0]
    assert any(p.poll() is None for p in ingests), "both ingests ended before show and search"
    run = cli_subprocess("show", first, "--archive", root, "--json")
    assert run.code == 0 and json.loads(run.stdout)["sha256"] == first, run.stderr
    run = cli_subprocess("search", PDFS[0], "--archive", root, "--json")
    assert run.code == 0, run.stderr
    outcomes = []
    for process in ingests:
        stdout, stderr = process.communicate(timeout=600)
        assert process.returncode == 0, stderr
        outcomes.append(json.loads(stdout))

    files = sorted(inbox_a.iterdir()) + sorted(inbox_b.iterdir())
    distinct = {subprocess_sha(path) for path in files}
    with psycopg.connect(url) as db:
        seqs = [r[0] for r in db.execute("SELECT seq FROM log ORDER BY seq")]
        assert seqs == list(range(len(seqs)))  # no gaps, no doubles
        events = [json.loads(bytes(r[0])) for r in db.execute("SELECT data FROM log")]
        documents = [r[0] for r in db.execute("SELECT sha256 FROM documents")]
        receipts = db.execute("SELECT COUNT(*) FROM receipts").fetchone()[0]
        sources = {
            r[0]: sorted(r[1])
            for r in db.execute(
                "SELECT source_id, array_agg(seq) FROM receipts GROUP BY source_id"
            ).fetchall()
        }
    assert sorted(documents) == sorted(distinct)
    assert receipts == len(files) == sum(o["files"] for o in outcomes)
    extracted = [e["sha256"] for e in events if e["event"] == "extracted"]
    assert sorted(extracted) == sorted(distinct)  # each extracted and recorded once
    assert sum(o["ingested"] for o in outcomes) == len(distinct)
    # The two writers really interleaved: each committed between the other's commits.
    a, b = sources.values()
    assert a[0] < b[-1] and b[0] < a[-1], sources
    run = cli_subprocess("archive", "verify", root, "--json")
    assert run.code == 0, run.stdout
    report = json.loads(run.stdout)
    assert report["ok"] and report["log_size"] == report["signed_size"] == len(seqs)
    checkpoint = (root / "heads" / "checkpoint").read_text().splitlines()
    assert int(checkpoint[1]) == len(seqs)  # heads/ ends at the newest head


def subprocess_sha(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(autouse=True)
def _no_admin_in_urls() -> None:
    """The archive itself never connects as the superuser (only the tests' attacker does)."""
    assert ADMIN != "verify"


def test_a_second_writer_waits_for_the_first_and_numbers_on(postgres, tmp_path):
    """Two connections, each in a signed transaction: the second waits, then counts on."""
    import threading

    from verify.archive import custody, init_archive, open_archive

    root = tmp_path / "newsroom"
    init_archive(root, database=postgres.new_database()).close()
    first, second = open_archive(root), open_archive(root)
    inside, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []
    done: list[str] = []

    def write(archive, name: str, count: int, pause: bool) -> None:
        try:
            with custody.transaction(archive.store, archive.private_key(), archive.heads):
                for n in range(count):
                    custody.append(archive.store, "received", f"{n:064x}", receipt=name, size=1)
                if pause:
                    inside.set()
                    release.wait(20)
            done.append(name)
        except BaseException as error:
            errors.append(error)

    one = threading.Thread(target=write, args=(first, "one", 3, True))
    one.start()
    assert inside.wait(20)
    two = threading.Thread(target=write, args=(second, "two", 2, False))
    two.start()
    time.sleep(1.0)
    assert done == [] and not errors  # the second writer waits for the first's commit
    release.set()
    one.join(30)
    two.join(30)
    assert not errors, errors
    assert sorted(done) == ["one", "two"]  # either may copy its heads to heads/ last
    store = first.store
    assert [leaf.seq for leaf in store.leaves()] == [0, 1, 2, 3, 4]
    receipts = [json.loads(leaf.data)["receipt"] for leaf in store.leaves()]
    assert receipts == ["one"] * 3 + ["two"] * 2
    head = custody.latest_head(store)
    assert head is not None and head.tree_size == 5 and head.verify(first.public_key())
    kept = first.heads.last()
    assert kept is not None and kept.tree_size == 5  # heads/ ends at the newest head
    first.close()
    second.close()


@pytest.mark.slow
def test_a_dropped_table_is_an_integrity_failure(postgres, cli_subprocess, tmp_path):
    root = tmp_path / "newsroom"
    url = postgres.new_database()
    _init(cli_subprocess, root, url)
    assert cli_subprocess("ingest", FOUNDING_PDF, "--archive", root, "--source", "A").code == 0
    postgres.admin("DROP TABLE links", url.split("/")[3].split("?")[0])
    run = cli_subprocess("archive", "verify", root)
    assert run.code == ExitCode.integrity_failed, run.stdout + run.stderr
    assert "links" in run.stdout + run.stderr and "Traceback" not in run.stderr


def test_both_stores_have_the_same_tables_columns_and_migrations(postgres, tmp_path):
    import sqlite3

    from verify.archive import init_archive, postgres_store, sqlite_store

    init_archive(tmp_path / "lite").close()
    url = postgres.new_database()
    init_archive(tmp_path / "pg", database=url).close()
    lite = sqlite3.connect(tmp_path / "lite" / "archive.sqlite")
    tables = [
        r[0]
        for r in lite.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        if not r[0].startswith("sqlite_")
    ]
    assert sorted(tables) == sorted(postgres_store.TABLES)
    with psycopg.connect(url) as pg:
        for table in tables:
            columns = [r[1] for r in lite.execute(f"PRAGMA table_info({table})")]
            found = pg.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
                "ORDER BY ordinal_position",
                (table,),
            ).fetchall()
            assert [r[0] for r in found] == columns, table
        indexes = {r[0] for r in pg.execute("SELECT indexname FROM pg_indexes")}
    lite_indexes = {
        r[0] for r in lite.execute("SELECT name FROM sqlite_master WHERE type = 'index'")
    }
    assert {i for i in lite_indexes if not i.startswith("sqlite_")} <= indexes
    lite.close()
    assert postgres_store.SCHEMA_VERSION == sqlite_store.SCHEMA_VERSION


def test_an_archive_of_schema_1_is_migrated_on_open(postgres, tmp_path):
    from verify.archive import ingest, init_archive, open_archive
    from verify.archive.postgres_store import SCHEMA_VERSION

    root = tmp_path / "newsroom"
    url = postgres.new_database()
    with init_archive(root, database=url) as opened:
        ingest(opened, [FOUNDING_PDF], source="A")
    with psycopg.connect(url, autocommit=True) as db:
        db.execute("DROP INDEX documents_extracted")
        db.execute("UPDATE schema_version SET version = 1")
    with open_archive(root, readonly=True) as opened:  # a reader migrates nothing
        assert opened.store.schema_version == 1
    with open_archive(root) as opened:
        assert opened.store.schema_version == SCHEMA_VERSION == 3
        assert opened.store.count_documents() == 1
    with psycopg.connect(url) as db:
        names = {r[0] for r in db.execute("SELECT indexname FROM pg_indexes")}
    assert "documents_extracted" in names
