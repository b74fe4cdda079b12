"""The embedded back end: one SQLite file in WAL mode, with numbered schema migrations.

WAL lets ``search`` and ``show`` read while an ingest writes. Writers take the lock with
``BEGIN IMMEDIATE`` and wait up to ``busy_timeout`` for another writer; when the wait runs
out the user gets an ``ArchiveError`` saying another process holds the archive, never a
half-written database. ``synchronous=FULL`` makes each committed file durable before the
next one starts, which is what "kill -9 at any moment, nothing lost" needs.

Migrations: ``PRAGMA user_version`` holds the schema version; ``MIGRATIONS[i]`` takes a
database from version ``i`` to ``i + 1`` inside one transaction. An archive written by a
newer verify (a higher version) is refused rather than misread. Migrations only add
(tables, indexes, meta rows), so a read-only copy of an older archive is still read.

``readonly=True`` opens the file with ``mode=ro`` and changes nothing (no WAL switch, no
migration): ``archive verify``, ``show`` and ``search`` work on an auditor's read-only copy.
A WAL database in a folder where SQLite cannot create its ``-shm`` file is opened
``immutable`` instead, which is only safe when no ``-wal`` file holds commits the main file
lacks: such a copy is refused with a message saying to copy it whole after a checkpoint.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from verify.archive.store import (
    AUDITED_COLUMNS,
    ArchiveStore,
    DocumentRow,
    FailureRow,
    LeafRow,
    LinkRow,
    ReceiptRow,
    check_columns,
)
from verify.errors import ArchiveError, IntegrityError, VerifyError

DEFAULT_BUSY_TIMEOUT_S = 30.0

MIGRATIONS: list[str] = [
    # 0 -> 1: the first schema.
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE documents (
        sha256 TEXT PRIMARY KEY, size INTEGER NOT NULL, media_type TEXT,
        status TEXT NOT NULL, first_seen TEXT NOT NULL, pages INTEGER NOT NULL DEFAULT 0,
        extracted_seq INTEGER, arrival INTEGER
    );
    CREATE INDEX documents_arrival ON documents(arrival);
    CREATE TABLE records (
        sha256 TEXT PRIMARY KEY REFERENCES documents(sha256),
        record TEXT NOT NULL, fingerprints TEXT
    );
    CREATE TABLE sources (id TEXT PRIMARY KEY, name TEXT, created TEXT NOT NULL);
    CREATE TABLE receipts (
        id TEXT PRIMARY KEY, sha256 TEXT NOT NULL REFERENCES documents(sha256),
        source_id TEXT NOT NULL REFERENCES sources(id), path TEXT, note TEXT,
        received_at TEXT NOT NULL, seq INTEGER NOT NULL
    );
    CREATE INDEX receipts_sha256 ON receipts(sha256);
    CREATE TABLE links (
        sha256 TEXT NOT NULL, other TEXT NOT NULL, verdict TEXT NOT NULL,
        score REAL NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (sha256, other)
    );
    CREATE INDEX links_other ON links(other);
    CREATE TABLE failures (
        sha256 TEXT PRIMARY KEY REFERENCES documents(sha256), reason TEXT NOT NULL,
        code INTEGER NOT NULL, at TEXT NOT NULL
    );
    CREATE TABLE log (
        seq INTEGER PRIMARY KEY, data BLOB NOT NULL, leaf_hash BLOB NOT NULL, sha256 TEXT
    );
    CREATE INDEX log_sha256 ON log(sha256);
    CREATE TABLE tree_heads (
        id INTEGER PRIMARY KEY AUTOINCREMENT, tree_size INTEGER NOT NULL, head TEXT NOT NULL
    );
    """,
    # 1 -> 2: find the records made since the match index was saved without a scan.
    """
    CREATE INDEX documents_extracted ON documents(extracted_seq);
    """,
    # 2 -> 3: the salt of the row digests that log entries (version 2) carry (binding.py).
    """
    INSERT OR IGNORE INTO meta (key, value) VALUES ('binding_salt', lower(hex(randomblob(16))));
    """,
]
SCHEMA_VERSION = len(MIGRATIONS)


def _locked(error: sqlite3.OperationalError) -> bool:
    text = str(error).lower()
    return "locked" in text or "busy" in text


def translate(error: sqlite3.Error) -> VerifyError:
    """Turn a SQLite failure into an ArchiveError (or IntegrityError) that says what to do."""
    text = str(error).lower()
    if "malformed" in text or "not a database" in text:
        return IntegrityError(
            f"the archive database is damaged ({error}): run verify archive verify, and "
            "restore archive.sqlite from a copy"
        )
    if isinstance(error, sqlite3.OperationalError) and _locked(error):
        return ArchiveError(
            "the archive is in use by another process (still locked after waiting): "
            "wait for the other ingest to finish and run the command again"
        )
    if "disk is full" in text or "disk i/o" in text:
        return ArchiveError(f"cannot write the archive database ({error}): free space and retry")
    if "readonly" in text or "read-only" in text:
        return ArchiveError(
            f"the archive database is read-only ({error}): check the folder's permissions"
        )
    return ArchiveError(f"archive database error: {error}")


class SQLiteStore(ArchiveStore):
    """``ArchiveStore`` on one SQLite file (``archive.sqlite``)."""

    def __init__(
        self,
        path: Path,
        *,
        create: bool = False,
        busy_timeout: float = DEFAULT_BUSY_TIMEOUT_S,
        readonly: bool = False,
    ) -> None:
        if not create and not path.is_file():
            raise ArchiveError(f"{path} is missing: is this an archive? (verify archive init)")
        self.path = path
        self.name = path.name
        self.readonly = readonly
        try:
            if readonly:
                self._db = _connect_readonly(path, busy_timeout)
            else:
                self._db = sqlite3.connect(
                    path, timeout=busy_timeout, isolation_level=None, check_same_thread=False
                )
            self._db.text_factory = _lenient_text
            self._db.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
            if not create:
                self._check_not_empty()
            if not readonly:
                mode = self._db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                if mode.lower() != "wal" and create:
                    raise ArchiveError(f"cannot put {path} in WAL mode (got {mode})")
                self._db.execute("PRAGMA synchronous = FULL")
                self._db.execute("PRAGMA foreign_keys = ON")
                self._migrate()
            elif self.schema_version > SCHEMA_VERSION:
                self._migrate()  # refuses it
        except sqlite3.Error as error:
            raise translate(error) from error
        except UnicodeDecodeError as error:  # SQLite hands back its schema text as it is stored
            raise IntegrityError(
                f"the archive database is damaged (its schema is not text: {error}): run "
                "verify archive verify, and restore archive.sqlite from a copy"
            ) from error
        self._depth = 0
        self._next_seq: int | None = None

    def _check_not_empty(self) -> None:
        """An existing archive's database that holds no schema was truncated or replaced."""
        tables = self._db.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0]
        if self.schema_version == 0 or not tables:
            size = self.path.stat().st_size
            raise IntegrityError(
                f"{self.path} holds no archive ({size} bytes, no tables): it was truncated or "
                "replaced; restore it from a copy (the originals and heads/ are intact)"
            )

    @property
    def schema_version(self) -> int:  # type: ignore[override]
        """The database's schema version (PRAGMA user_version)."""
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    def _migrate(self) -> None:
        """Apply the migrations the database lacks (see the module docstring)."""
        version = self.schema_version
        if version > SCHEMA_VERSION:
            raise ArchiveError(
                f"the archive has schema version {version}, this verify knows up to "
                f"{SCHEMA_VERSION}: upgrade verify (or, if no newer verify wrote it, the "
                "database's header was damaged)"
            )
        while version < SCHEMA_VERSION:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                current = self.schema_version  # another process may have migrated meanwhile
                if current == version:
                    for statement in MIGRATIONS[version].split(";"):
                        if statement.strip():
                            self._db.execute(statement)
                    self._db.execute(f"PRAGMA user_version = {version + 1}")
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            version = self.schema_version

    @contextmanager
    def atomic(self) -> Iterator[None]:
        """``BEGIN IMMEDIATE`` ... ``COMMIT``; nested blocks join the outer one."""
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        if self.readonly:
            raise ArchiveError(
                f"{self.path} was opened read-only (a read-only copy, or a command that only "
                "reads): it cannot be written"
            )
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as error:
            raise translate(error) from error
        self._depth = 1
        try:
            yield
            self._db.execute("COMMIT")
        except sqlite3.Error as error:
            self._rollback()
            raise translate(error) from error
        except BaseException:
            self._rollback()
            raise
        finally:
            self._depth = 0
            self._next_seq = None

    def _rollback(self) -> None:
        try:
            self._db.execute("ROLLBACK")
        except sqlite3.Error:
            pass  # already rolled back by SQLite itself (e.g. after a full disk)

    def close(self) -> None:
        """Close the connection (checkpointing the WAL when last)."""
        self._db.close()

    def _one(self, sql: str, *args: object) -> tuple[Any, ...] | None:
        try:
            row: tuple[Any, ...] | None = self._db.execute(sql, args).fetchone()
            return row
        except sqlite3.Error as error:
            raise translate(error) from error

    def _all(self, sql: str, *args: object) -> list[tuple[Any, ...]]:
        try:
            return self._db.execute(sql, args).fetchall()
        except sqlite3.Error as error:
            raise translate(error) from error

    def _write(self, sql: str, *args: object) -> sqlite3.Cursor:
        try:
            return self._db.execute(sql, args)
        except sqlite3.Error as error:
            raise translate(error) from error

    # ------------------------------------------------------------------ meta
    def get_meta(self, key: str) -> str | None:
        """See ``ArchiveStore``."""
        row = self._one("SELECT value FROM meta WHERE key = ?", key)
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        """See ``ArchiveStore``."""
        self._write("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", key, value)

    # ------------------------------------------------------------------ documents
    _DOC = "sha256, size, media_type, status, first_seen, pages, extracted_seq"

    def document(self, sha256: str) -> DocumentRow | None:
        """See ``ArchiveStore``."""
        row = self._one(f"SELECT {self._DOC} FROM documents WHERE sha256 = ?", sha256)
        return DocumentRow(*row) if row else None

    def record_versions(self, sha256s: Sequence[str]) -> dict[str, int]:
        """See ``ArchiveStore``."""
        if not sha256s:
            return {}
        marks = ",".join("?" * len(sha256s))
        rows = self._all(
            f"SELECT sha256, extracted_seq FROM documents WHERE sha256 IN ({marks}) "
            "AND extracted_seq IS NOT NULL",
            *sha256s,
        )
        return dict(rows)

    def find_documents(self, prefix: str) -> list[str]:
        """See ``ArchiveStore``."""
        rows = self._all(
            "SELECT sha256 FROM documents WHERE sha256 >= ? AND sha256 < ? LIMIT 10",
            prefix,
            prefix + "g",
        )
        return [r[0] for r in rows]

    def put_document(self, row: DocumentRow) -> None:
        """See ``ArchiveStore``."""
        self._write(
            "INSERT INTO documents (sha256, size, media_type, status, first_seen, pages, "
            "extracted_seq, arrival) VALUES (?, ?, ?, ?, ?, ?, ?, "
            "(SELECT COALESCE(MAX(arrival), 0) + 1 FROM documents)) "
            "ON CONFLICT(sha256) DO UPDATE SET media_type = excluded.media_type, "
            "status = excluded.status, pages = excluded.pages, "
            "extracted_seq = excluded.extracted_seq",
            row.sha256,
            row.size,
            row.media_type,
            row.status,
            row.first_seen,
            row.pages,
            row.extracted_seq,
        )

    def documents(self) -> Iterator[DocumentRow]:
        """See ``ArchiveStore``."""
        for row in self._all(f"SELECT {self._DOC} FROM documents ORDER BY arrival"):
            yield DocumentRow(*row)

    def count_documents(self) -> int:
        """See ``ArchiveStore``."""
        row = self._one("SELECT COUNT(*) FROM documents")
        return int(row[0]) if row else 0

    def record_json(self, sha256: str) -> str | None:
        """See ``ArchiveStore``."""
        row = self._one("SELECT record FROM records WHERE sha256 = ?", sha256)
        return row[0] if row else None

    def put_record(self, sha256: str, record_json: str, fingerprints_json: str | None) -> None:
        """See ``ArchiveStore``."""
        self._write(
            "INSERT OR REPLACE INTO records (sha256, record, fingerprints) VALUES (?, ?, ?)",
            sha256,
            record_json,
            fingerprints_json,
        )
        # The generation says "fingerprints changed" to the persisted index in O(1).
        self._write(
            "INSERT INTO meta (key, value) VALUES ('generation', '1') ON CONFLICT(key) "
            "DO UPDATE SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT)"
        )

    def records_json(self, sha256s: list[str]) -> dict[str, str]:
        """See ``ArchiveStore``."""
        if not sha256s:
            return {}
        marks = ",".join("?" * len(sha256s))
        rows = self._all(f"SELECT sha256, record FROM records WHERE sha256 IN ({marks})", *sha256s)
        return dict(rows)

    def fingerprints_since(self, log_size: int) -> Iterator[tuple[str, str | None]]:
        """See ``ArchiveStore``."""
        cursor = self._db.execute(
            "SELECT r.sha256, r.fingerprints FROM documents d JOIN records r "
            "ON r.sha256 = d.sha256 WHERE d.extracted_seq >= ? ORDER BY d.extracted_seq",
            (log_size,),
        )
        yield from cursor

    def fingerprints(self) -> Iterator[tuple[str, str]]:
        """See ``ArchiveStore``."""
        cursor = self._db.execute(
            "SELECT r.sha256, r.fingerprints FROM records r JOIN documents d "
            "ON d.sha256 = r.sha256 WHERE r.fingerprints IS NOT NULL ORDER BY d.arrival"
        )
        yield from cursor

    # ------------------------------------------------------------------ sources, receipts
    def put_source(self, source_id: str, name: str | None, created: str) -> None:
        """See ``ArchiveStore``."""
        self._write(
            "INSERT OR IGNORE INTO sources (id, name, created) VALUES (?, ?, ?)",
            source_id,
            name,
            created,
        )

    _RECEIPT = (
        "SELECT r.id, r.sha256, r.source_id, s.name, r.path, r.note, r.received_at, r.seq "
        "FROM receipts r JOIN sources s ON s.id = r.source_id"
    )

    def receipt(self, receipt_id: str) -> ReceiptRow | None:
        """See ``ArchiveStore``."""
        row = self._one(f"{self._RECEIPT} WHERE r.id = ?", receipt_id)
        return ReceiptRow(*row) if row else None

    def source(self, source_id: str) -> tuple[str | None, str] | None:
        """See ``ArchiveStore``."""
        row = self._one("SELECT name, created FROM sources WHERE id = ?", source_id)
        return (row[0], row[1]) if row else None

    def put_receipt(self, row: ReceiptRow) -> None:
        """See ``ArchiveStore``."""
        self._write(
            "INSERT INTO receipts (id, sha256, source_id, path, note, received_at, seq) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            row.receipt_id,
            row.sha256,
            row.source_id,
            row.path,
            row.note,
            row.received_at,
            row.seq,
        )

    def receipts(self, sha256: str | None = None) -> list[ReceiptRow]:
        """See ``ArchiveStore``."""
        if sha256 is None:
            rows = self._all(f"{self._RECEIPT} ORDER BY r.seq")
        else:
            rows = self._all(f"{self._RECEIPT} WHERE r.sha256 = ? ORDER BY r.seq", sha256)
        return [ReceiptRow(*row) for row in rows]

    # ------------------------------------------------------------------ links
    def put_link(self, row: LinkRow) -> bool:
        """See ``ArchiveStore``."""
        a, b = sorted((row.sha256, row.other))
        cursor = self._write(
            "INSERT OR IGNORE INTO links (sha256, other, verdict, score, seq) "
            "VALUES (?, ?, ?, ?, ?)",
            a,
            b,
            row.verdict,
            row.score,
            row.seq,
        )
        return cursor.rowcount > 0

    def links(self, sha256: str | None = None) -> list[LinkRow]:
        """See ``ArchiveStore``."""
        sql = "SELECT sha256, other, verdict, score, seq FROM links"
        if sha256 is None:
            rows = self._all(sql + " ORDER BY seq")
        else:
            rows = self._all(sql + " WHERE sha256 = ? OR other = ? ORDER BY seq", sha256, sha256)
        return [LinkRow(*row) for row in rows]

    # ------------------------------------------------------------------ quarantine
    def put_failure(self, row: FailureRow) -> None:
        """See ``ArchiveStore``."""
        self._write(
            "INSERT OR REPLACE INTO failures (sha256, reason, code, at) VALUES (?, ?, ?, ?)",
            row.sha256,
            row.reason,
            row.code,
            row.at,
        )

    def clear_failure(self, sha256: str) -> None:
        """See ``ArchiveStore``."""
        self._write("DELETE FROM failures WHERE sha256 = ?", sha256)

    def failures(self) -> list[FailureRow]:
        """See ``ArchiveStore``."""
        rows = self._all("SELECT sha256, reason, code, at FROM failures ORDER BY at, sha256")
        return [FailureRow(*row) for row in rows]

    # ------------------------------------------------------------------ the log
    def append_leaf(self, data: bytes, leaf_hash: bytes, sha256: str | None) -> int:
        """See ``ArchiveStore``; must run inside ``atomic()`` so numbers have no gaps."""
        if not self._depth:
            raise ArchiveError("append_leaf outside a transaction (a bug in verify)")
        # The transaction holds the write lock, so the log's end read at its first append
        # stays true: later appends count on from it (a document makes about a dozen).
        seq = self.log_size() if self._next_seq is None else self._next_seq
        self._write(
            "INSERT INTO log (seq, data, leaf_hash, sha256) VALUES (?, ?, ?, ?)",
            seq,
            data,
            leaf_hash,
            sha256,
        )
        self._next_seq = seq + 1
        return seq

    def leaves(self, start: int = 0, stop: int | None = None) -> Iterator[LeafRow]:
        """See ``ArchiveStore``."""
        sql = "SELECT seq, data, leaf_hash FROM log WHERE seq >= ?"
        args: list[object] = [start]
        if stop is not None:
            sql += " AND seq < ?"
            args.append(stop)
        cursor = self._db.execute(sql + " ORDER BY seq", args)
        for seq, data, leaf in cursor:
            yield LeafRow(seq, bytes(data), bytes(leaf))

    def leaf(self, seq: int) -> LeafRow | None:
        """See ``ArchiveStore``."""
        row = self._one("SELECT seq, data, leaf_hash FROM log WHERE seq = ?", seq)
        return LeafRow(row[0], bytes(row[1]), bytes(row[2])) if row else None

    def log_size(self) -> int:
        """See ``ArchiveStore``."""
        row = self._one("SELECT MAX(seq) FROM log")
        return 0 if row is None or row[0] is None else int(row[0]) + 1

    def leaves_of(self, sha256: str) -> list[int]:
        """See ``ArchiveStore``."""
        return [
            r[0] for r in self._all("SELECT seq FROM log WHERE sha256 = ? ORDER BY seq", sha256)
        ]

    def put_tree_head(self, head_json: str, tree_size: int) -> None:
        """See ``ArchiveStore``."""
        self._write("INSERT INTO tree_heads (tree_size, head) VALUES (?, ?)", tree_size, head_json)

    def tree_heads(self, larger_than: int = -1) -> list[str]:
        """See ``ArchiveStore``."""
        sql = "SELECT head FROM tree_heads WHERE tree_size > ? ORDER BY id"
        return [r[0] for r in self._all(sql, larger_than)]

    def latest_tree_head(self) -> str | None:
        """See ``ArchiveStore``."""
        row = self._one("SELECT head FROM tree_heads ORDER BY tree_size DESC, id DESC LIMIT 1")
        return row[0] if row else None

    # ------------------------------------------------------------------ audit
    def rows(self, table: str) -> Iterator[dict[str, object]]:
        """See ``ArchiveStore``: streamed (the records table holds every record's JSON)."""
        if table not in AUDITED_COLUMNS:
            raise ValueError(f"not an audited table: {table}")
        try:
            cursor = self._db.execute(f"SELECT * FROM {table}")  # noqa: S608 - a fixed name
            names = [column[0] for column in cursor.description]
            check_columns(self.name, table, names)
            while batch := cursor.fetchmany(256):
                for row in batch:
                    yield dict(zip(names, row, strict=True))
        except sqlite3.Error as error:
            raise translate(error) from error
        except UnicodeDecodeError as error:  # a column's name in the schema is damaged
            raise IntegrityError(
                f"the archive database is damaged (the table {table}: {error}): restore "
                "archive.sqlite from a copy"
            ) from error

    def integrity_problems(self) -> list[str]:
        """See ``ArchiveStore``: SQLite's own ``integrity_check`` (b-trees, indexes, pages)."""
        try:
            rows = self._db.execute("PRAGMA integrity_check(20)").fetchall()
        except sqlite3.DatabaseError as error:
            return [str(error)]
        messages = [str(r[0]) for r in rows]
        return [] if messages == ["ok"] else messages


def _lenient_text(data: bytes) -> str:
    """A stored text as a string even when a flipped bit left it invalid UTF-8.

    The damaged bytes become U+FFFD, so the value no longer matches what the log binds and
    ``archive verify`` names the field, instead of stopping on a decoding error.
    """
    return data.decode("utf-8", errors="replace")


def _connect_readonly(path: Path, busy_timeout: float) -> sqlite3.Connection:
    """Open ``mode=ro``; in a folder SQLite cannot write its ``-shm`` to, ``immutable``."""
    uri = f"{path.resolve().as_uri()}?mode=ro"
    db = sqlite3.connect(
        uri, uri=True, timeout=busy_timeout, isolation_level=None, check_same_thread=False
    )
    try:
        db.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        return db
    except sqlite3.OperationalError as error:
        db.close()
        if "unable to open" not in str(error).lower() and "readonly" not in str(error).lower():
            raise
    wal = path.with_name(path.name + "-wal")
    if wal.exists() and wal.stat().st_size > 0:
        raise ArchiveError(
            f"{path} is read-only and its write-ahead log {wal.name} holds commits SQLite "
            "cannot read without writing: copy the archive again once no verify has it open "
            "(the last writer to close folds that log into the database), or make the copy "
            "writable"
        )
    return sqlite3.connect(
        f"{path.resolve().as_uri()}?mode=ro&immutable=1",
        uri=True,
        isolation_level=None,
        check_same_thread=False,
    )
