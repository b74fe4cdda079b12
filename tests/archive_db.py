"""Tamper with an archive's database directly, whichever store holds it.

Tests write SQL once, with ``?`` placeholders: for an archive whose ``archive.json`` names a
PostgreSQL database they run through psycopg (``?`` becoming ``%s``), otherwise on
``archive.sqlite``. Each call commits at once, as an attacker's edit would. On PostgreSQL
the attacker is the cluster's superuser with foreign-key triggers off
(``session_replication_role = replica``), as SQLite's own connection has them off: a
document row can be deleted under its record.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from tests.postgres import ADMIN, database_of


def _pg(sql: str) -> str:
    return sql.replace("%", "%%").replace("?", "%s")


def _attacker(url: str):
    import psycopg

    pg = psycopg.connect(url, user=ADMIN, autocommit=True)
    pg.execute("SET session_replication_role = replica")
    return pg


def execute(root: Path, sql: str, *args: object) -> int:
    """Run one statement; the number of rows it changed."""
    url = database_of(root)
    if url is None:
        db = sqlite3.connect(root / "archive.sqlite", isolation_level=None)
        try:
            return db.execute(sql, args).rowcount
        finally:
            db.close()
    with _attacker(url) as pg:
        return pg.execute(_pg(sql), args).rowcount  # type: ignore[arg-type]


def query(root: Path, sql: str, *args: object) -> list[tuple[Any, ...]]:
    """Every row a query returns."""
    url = database_of(root)
    if url is None:
        db = sqlite3.connect(root / "archive.sqlite", isolation_level=None)
        try:
            return db.execute(sql, args).fetchall()
        finally:
            db.close()
    with _attacker(url) as pg:
        return pg.execute(_pg(sql), args).fetchall()  # type: ignore[arg-type]


def one(root: Path, sql: str, *args: object) -> tuple[Any, ...] | None:
    """The first row a query returns."""
    rows = query(root, sql, *args)
    return rows[0] if rows else None
