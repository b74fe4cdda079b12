"""Tamper with an archive's database directly, whichever store holds it.

Tests write SQL once, with ``?`` placeholders: for an archive whose ``archive.json`` names a
PostgreSQL database they run through psycopg (``?`` becoming ``%s``), otherwise on
``archive.sqlite``. Each call commits at once, as an attacker's edit would.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from tests.postgres import database_of


def _pg(sql: str) -> str:
    return sql.replace("%", "%%").replace("?", "%s")


def execute(root: Path, sql: str, *args: object) -> int:
    """Run one statement; the number of rows it changed."""
    url = database_of(root)
    if url is None:
        db = sqlite3.connect(root / "archive.sqlite", isolation_level=None)
        try:
            return db.execute(sql, args).rowcount
        finally:
            db.close()
    import psycopg

    with psycopg.connect(url, autocommit=True) as pg:
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
    import psycopg

    with psycopg.connect(url, autocommit=True) as pg:
        return pg.execute(_pg(sql), args).fetchall()  # type: ignore[arg-type]


def one(root: Path, sql: str, *args: object) -> tuple[Any, ...] | None:
    """The first row a query returns."""
    rows = query(root, sql, *args)
    return rows[0] if rows else None
