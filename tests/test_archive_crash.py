"""kill -9 during a batch, then the same command again: nothing lost, nothing twice.

Each run is a real ``python`` subprocess that SIGKILLs itself at a chosen point (after the
n-th original is written, while a file is extracted from its temporary, inside a file's
transaction, after a commit, before the tree head is signed), plus one killed from outside
at an arbitrary moment. Two of the points are also run on a real PostgreSQL store.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import DOCUMENTS
from verify.archive import init_archive, open_archive
from verify.archive.verify_archive import verify_archive

LETTERS = sorted(p.parent.name for p in DOCUMENTS.glob("*/born_digital.pdf"))

KILLER = r"""
import os, signal, sys
from pathlib import Path
point, nth = sys.argv[1], int(sys.argv[2])
import verify.archive.custody as custody
from verify.archive.ingest import IngestProgress
import verify.archive.originals as originals
calls = {"n": 0}

def after(function):
    def wrapped(*args, **kwargs):
        result = function(*args, **kwargs)
        calls["n"] += 1
        if calls["n"] == nth:
            os.kill(os.getpid(), signal.SIGKILL)
        return result
    return wrapped

def before(function):
    def wrapped(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == nth:
            os.kill(os.getpid(), signal.SIGKILL)
        return function(*args, **kwargs)
    return wrapped

if point == "original":
    originals.Originals.install = after(originals.Originals.install)
elif point == "extracting":  # the original is still a temporary, being fsynced
    import verify.archive.ingest
    ingest_module = sys.modules["verify.archive.ingest"]  # the package exports ingest()
    ingest_module.extract_original = before(ingest_module.extract_original)
elif point == "transaction":
    custody.append = after(custody.append)
elif point == "commit":  # reported after its group's transaction committed
    IngestProgress.file_done = after(IngestProgress.file_done)
elif point == "sign":
    custody.sign_pending = before(custody.sign_pending)
sys.argv = ["verify", *sys.argv[3:]]
from verify.cli.main import main
main()
"""


@pytest.fixture
def inbox(tmp_path):
    folder = tmp_path / "inbox"
    folder.mkdir()
    for letter in LETTERS[:6]:
        (folder / f"{letter}.pdf").write_bytes(
            (DOCUMENTS / letter / "born_digital.pdf").read_bytes()
        )
    return folder


def _command(archive: Path, inbox: Path) -> list[str]:
    return ["ingest", str(inbox), "--archive", str(archive), "--source", "A", "--json", "-q"]


def _run(args: list[str], *prefix: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *prefix, *args], capture_output=True, text=True, timeout=300
    )


def _assert_complete(archive: Path, inbox: Path) -> None:
    files = sorted(inbox.iterdir())
    with open_archive(archive) as opened:
        assert opened.store.count_documents() == len(files)
        receipts = opened.store.receipts()
        assert len(receipts) == len(files)
        received = [row for row in opened.store.leaves() if b'"event":"received"' in row.data]
        extracted = [row for row in opened.store.leaves() if b'"event":"extracted"' in row.data]
        assert len(received) == len(files)  # nothing twice
        assert len(extracted) == len(files)
        report = verify_archive(opened)
        assert report.ok, report.problems
        assert report.log_size == report.signed_size  # the resumed run signed everything
    assert not list((archive / "originals" / ".incoming").glob(".tmp-*"))  # cleaned up


@pytest.mark.slow
@pytest.mark.parametrize(
    ("point", "nth"),
    [("original", 2), ("extracting", 3), ("transaction", 4), ("commit", 3), ("sign", 1)],
)
def test_kill_at_a_point_then_resume(tmp_path, inbox, point, nth):
    archive = tmp_path / "newsroom"
    init_archive(archive).close()
    _kill_and_resume(archive, inbox, point, nth)


@pytest.mark.slow
@pytest.mark.parametrize(("point", "nth"), [("transaction", 4), ("sign", 1)])
def test_kill_at_a_point_then_resume_on_postgresql(tmp_path, inbox, postgres, point, nth):
    """The server rolls the killed transaction back and releases its lock: the rerun goes on."""
    archive = tmp_path / "newsroom"
    init_archive(archive, database=postgres.new_database()).close()
    _kill_and_resume(archive, inbox, point, nth)


def _kill_and_resume(archive: Path, inbox: Path, point: str, nth: int) -> None:
    killed = _run([point, str(nth), *_command(archive, inbox)], "-c", KILLER)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    if point == "extracting":  # killed with a temporary not yet named
        assert list((archive / "originals" / ".incoming").glob(".tmp-*"))
    resumed = _run(_command(archive, inbox), "-m", "verify")
    assert resumed.returncode == 0, resumed.stderr
    _assert_complete(archive, inbox)


@pytest.mark.slow
def test_kill_from_outside_mid_batch_then_resume(tmp_path, inbox):
    archive = tmp_path / "newsroom"
    init_archive(archive).close()
    process = subprocess.Popen(
        [sys.executable, "-m", "verify", *_command(archive, inbox)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        db = sqlite3.connect(archive / "archive.sqlite", timeout=5)
        try:
            count = db.execute("SELECT COUNT(*) FROM receipts").fetchone()[0]
        except sqlite3.OperationalError:
            count = 0
        finally:
            db.close()
        if count >= 2 or process.poll() is not None:
            break
        time.sleep(0.02)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    resumed = _run(_command(archive, inbox), "-m", "verify")
    assert resumed.returncode == 0, resumed.stderr
    _assert_complete(archive, inbox)
