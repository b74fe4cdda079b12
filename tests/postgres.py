"""A throwaway PostgreSQL cluster for the tests: Debian's binaries, a temporary folder.

``Cluster.start`` runs ``initdb`` and ``pg_ctl`` (as the unprivileged ``postgres`` user when
the tests run as root, since PostgreSQL refuses to run as root), listening only on a unix
socket in the temporary folder, named by a free port number. ``new_database`` makes an
empty database owned by the role ``verify`` (not a superuser, as in a newsroom) and
returns its URL; ``clone`` copies one (``CREATE DATABASE ... TEMPLATE``), which is how a
test copies a PostgreSQL archive. The cluster runs without ``fsync``: it is thrown away.

Used by ``tests/conftest.py`` (the ``postgres`` fixture) and by
``benchmarks/store_search.py``.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROLE = "verify"
ADMIN = "postgres"


def find_binaries() -> Path | None:
    """The newest of Debian's ``/usr/lib/postgresql/*/bin`` holding initdb and pg_ctl."""
    found = []
    for initdb in Path("/usr/lib/postgresql").glob("*/bin/initdb"):
        if (initdb.parent / "pg_ctl").is_file():
            try:
                found.append((int(initdb.parent.parent.name), initdb.parent))
            except ValueError:
                continue
    return max(found)[1] if found else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Cluster:
    """One running throwaway cluster; ``stop`` removes it with its folder."""

    binaries: Path
    folder: Path
    port: int
    _names: itertools.count = field(default_factory=itertools.count)

    @classmethod
    def start(cls, binaries: Path, *, fsync: bool = False) -> Cluster:
        """``initdb`` in a new temporary folder and ``pg_ctl start`` on a unix socket."""
        folder = Path(tempfile.mkdtemp(prefix="verify-pg-"))  # short: a socket path limit
        cluster = cls(binaries, folder, _free_port())
        try:
            if os.geteuid() == 0:
                shutil.chown(folder, ADMIN, ADMIN)
            cluster._run(
                "initdb",
                "-D",
                str(folder / "data"),
                "-U",
                ADMIN,
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            )
            options = [
                f"-p {cluster.port}",
                f"-k {folder}",
                "-c listen_addresses=''",
                "-c max_connections=60",
            ]
            if not fsync:
                options += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
            cluster._run(
                "pg_ctl",
                "-D",
                str(folder / "data"),
                "-l",
                str(folder / "server.log"),
                "-o",
                " ".join(options),
                "-w",
                "start",
            )
            cluster.admin(f"CREATE ROLE {ROLE} LOGIN")
        except BaseException:
            cluster.stop()
            raise
        return cluster

    def _run(self, program: str, *args: str) -> None:
        command = [str(self.binaries / program), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", ADMIN, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, cwd=self.folder)
        if done.returncode != 0:
            log = self.folder / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{program} failed: {done.stderr or done.stdout}\n{tail}")

    def url(self, database: str, user: str = ROLE) -> str:
        """The URL of a database of this cluster (the socket folder as the host)."""
        return f"postgresql://{user}@/{database}?host={self.folder}&port={self.port}"

    def admin(self, statement: str, database: str = "postgres") -> None:
        """Run one statement as the cluster's superuser, outside a transaction."""
        import psycopg

        with psycopg.connect(self.url(database, ADMIN), autocommit=True) as db:
            db.execute(statement)  # type: ignore[arg-type]

    def new_database(self, owner: str = ROLE) -> str:
        """An empty database owned by ``owner``; its URL."""
        name = f"archive_{os.getpid()}_{next(self._names)}"
        self.admin(f"CREATE DATABASE {name} OWNER {owner} STRATEGY FILE_COPY")
        return self.url(name)

    def clone(self, url: str) -> str:
        """A copy of the database at ``url`` (nothing may be connected to it); its URL."""
        source = url.split("/")[3].split("?")[0]
        name = f"archive_{os.getpid()}_{next(self._names)}"
        self.admin(f"CREATE DATABASE {name} TEMPLATE {source} OWNER {ROLE} STRATEGY FILE_COPY")
        return self.url(name)

    def stop(self) -> None:
        """Stop the server (fast) and remove its folder."""
        if (self.folder / "data" / "postmaster.pid").exists():
            with contextlib.suppress(RuntimeError):
                self._run("pg_ctl", "-D", str(self.folder / "data"), "-m", "immediate", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)


def database_of(root: Path) -> str | None:
    """The URL an archive folder's ``archive.json`` names (None: it keeps archive.sqlite)."""
    return json.loads((root / "archive.json").read_text(encoding="utf-8")).get("database")


def copy_archive(source: Path, target: Path, cluster: Cluster | None) -> None:
    """Copy an archive folder, and its PostgreSQL database when it has one."""
    shutil.copytree(source, target)
    url = database_of(source)
    if url is None:
        return
    assert cluster is not None
    marker = json.loads((target / "archive.json").read_text(encoding="utf-8"))
    marker["database"] = cluster.clone(url)
    (target / "archive.json").write_text(json.dumps(marker, indent=1) + "\n", encoding="utf-8")
