"""``ingest --scheduler``: extraction on a real Dask cluster, its results and its faults.

Every cluster here is real: a ``LocalCluster`` of worker processes (started by verify for
``local:N``, or by the test when it must reach the workers), or ``dask scheduler`` and
``dask worker`` processes. Workers are killed with ``kill -9`` from the test, while the
task of a chosen file runs on them; nothing in verify knows it is being tested.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import DOCUMENTS, ROOT
from tests.test_archive_crash import _assert_complete
from verify.archive import init_archive, open_archive
from verify.archive.cluster import Scheduler
from verify.archive.ingest import ingest
from verify.archive.originals import sha256_file
from verify.archive.verify_archive import verify_archive
from verify.errors import ExitCode
from verify.options import UsageError

LETTERS = sorted(p.parent.name for p in DOCUMENTS.glob("*/born_digital.pdf"))
ALLOWED_FAILURES = 2  # set on the test's own scheduler, as verify sets it for local:N


def _fill(folder: Path, letters: int, photos: int = 0) -> Path:
    """Born-digital letters (fast), then photos (OCR: seconds each) named to come last."""
    folder.mkdir()
    for letter in LETTERS[:letters]:
        (folder / f"{letter}.pdf").write_bytes(
            (DOCUMENTS / letter / "born_digital.pdf").read_bytes()
        )
    for letter in LETTERS[:photos]:
        (folder / f"z_{letter}.jpg").write_bytes((DOCUMENTS / letter / "photo.jpg").read_bytes())
    return folder


def _ingest_command(archive: Path, inbox: Path, *more: str) -> list[str]:
    return ["ingest", str(inbox), "--archive", str(archive), "--source", "A", "--json", "-q", *more]


def _verify(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "verify", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def _tables(archive: Path) -> dict[str, list[tuple[object, ...]]]:
    """What an ingest leaves, without times and the archive's own keyed hashes.

    Two archives have two keys and salts: a log entry's ``bind`` (keyed hashes of its rows)
    differs between them by design, and times differ between any two runs.
    """
    db = sqlite3.connect(archive / "archive.sqlite")
    try:
        log = []
        for (data,) in db.execute("SELECT data FROM log ORDER BY seq"):
            entry = json.loads(data)
            entry.pop("bind", None)
            entry.pop("time", None)
            log.append(tuple(sorted((k, json.dumps(v)) for k, v in entry.items())))
        return {
            "records": db.execute("SELECT * FROM records ORDER BY sha256").fetchall(),
            "links": db.execute("SELECT * FROM links ORDER BY 1, 2").fetchall(),
            "receipts": db.execute(
                "SELECT id, sha256, path, note, seq FROM receipts ORDER BY id"
            ).fetchall(),
            "documents": db.execute(
                "SELECT sha256, size, media_type, status, pages, extracted_seq FROM documents "
                "ORDER BY sha256"
            ).fetchall(),
            "failures": db.execute("SELECT sha256, reason, code FROM failures").fetchall(),
            "log": log,
        }
    finally:
        db.close()


@pytest.mark.parametrize(
    ("text", "address", "workers"),
    [
        ("local:2", None, 2),
        (" local:1 ", None, 1),
        ("tcp://10.0.0.5:8786", "tcp://10.0.0.5:8786", 0),
        ("tls://scheduler.newsroom:8786", "tls://scheduler.newsroom:8786", 0),
    ],
)
def test_scheduler_addresses(text, address, workers):
    scheduler = Scheduler.parse(text)
    assert (scheduler.address, scheduler.local_workers) == (address, workers)


@pytest.mark.parametrize("text", ["local:0", "local:-1", "local:x", "10.0.0.5:8786", "", "local"])
def test_scheduler_address_refused(text):
    with pytest.raises(UsageError, match="--scheduler"):
        Scheduler.parse(text)


@given(st.text(max_size=30))
def test_any_other_scheduler_text_is_a_usage_error(text):
    if re.fullmatch(r"\s*(local:\d+|(tcp|tls)://\S+)\s*", text):
        return
    with pytest.raises(UsageError, match="--scheduler"):
        Scheduler.parse(text)


@given(st.integers(min_value=1, max_value=256))
def test_any_local_worker_count_in_range(workers):
    assert Scheduler.parse(f"local:{workers}") == Scheduler(None, workers)
    assert str(Scheduler.parse(f"local:{workers}")) == f"local:{workers}"


def test_bad_scheduler_and_retry_failed_are_usage_errors(tmp_path):
    archive = tmp_path / "newsroom"
    init_archive(archive).close()
    inbox = _fill(tmp_path / "inbox", 1)
    bad = _verify(*_ingest_command(archive, inbox, "--scheduler", "dask.example:8786"))
    assert bad.returncode == ExitCode.usage
    assert bad.stderr.strip().count("\n") == 0 and "tcp://host:8786" in bad.stderr
    retry = _verify("ingest", "--retry-failed", "--archive", str(archive), "--scheduler", "local:2")
    assert retry.returncode == ExitCode.usage, retry.stderr
    with open_archive(archive) as opened:  # refused before anything was written
        assert opened.store.count_documents() == 0


def test_no_dask_without_scheduler(tmp_path):
    """Every command without --scheduler starts without importing Dask."""
    archive = tmp_path / "newsroom"
    init_archive(archive).close()
    inbox = _fill(tmp_path / "inbox", 1)
    script = (
        "import sys\n"
        "from verify.cli.main import main\n"
        f"sys.argv = ['verify', *{_ingest_command(archive, inbox)!r}]\n"
        "try:\n    main()\nexcept SystemExit as end:\n    code = end.code\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed'))\n"
        "print(code, loaded)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.stdout.strip().splitlines()[-1] == "0 []", done.stdout + done.stderr


@pytest.mark.slow
def test_local_cluster_gives_the_same_archive(tmp_path):
    """local:2 leaves the records, links, receipts and log a single process leaves."""
    inbox = _fill(tmp_path / "inbox", 6, photos=1)
    (inbox / "copy.pdf").write_bytes((inbox / f"{LETTERS[0]}.pdf").read_bytes())  # duplicate
    (inbox / "torn.pdf").write_bytes((inbox / f"{LETTERS[1]}.pdf").read_bytes()[:900])
    archives = {}
    for how, more in (("alone", ()), ("cluster", ("--scheduler", "local:2"))):
        archive = archives[how] = tmp_path / how
        init_archive(archive).close()
        done = _verify(*_ingest_command(archive, inbox, *more))
        assert done.returncode == ExitCode.some_failed, done.stderr  # torn.pdf
        summary = json.loads(done.stdout)
        assert (summary["ingested"], summary["duplicates"], summary["failed"]) == (7, 1, 1)
    alone, cluster = _tables(archives["alone"]), _tables(archives["cluster"])
    assert len(alone["records"]) == 7 and alone["links"] and alone["failures"]
    for table in alone:
        assert cluster[table] == alone[table], table
    with open_archive(archives["cluster"]) as opened:
        assert verify_archive(opened).ok


# --- workers killed: a cluster the test owns, so that it can reach its worker processes ---


@pytest.fixture(scope="module")
def cluster() -> Iterator[object]:
    import logging

    import dask
    from distributed import LocalCluster

    settings = {
        "distributed.scheduler.allowed-failures": ALLOWED_FAILURES,
        "distributed.scheduler.worker-saturation": 1.0,
    }
    with dask.config.set(settings):
        local = LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            host="127.0.0.1",
            dashboard_address=None,
            silence_logs=logging.CRITICAL,
        )
    yield local
    local.close()


class Killer(threading.Thread):
    """Kills (SIGKILL) the worker process running a task of the file ``sha256``.

    At most ``times`` times; each kill waits for the task to be running on a worker again.
    """

    def __init__(self, address: str, sha256: str, times: int) -> None:
        super().__init__(daemon=True)
        from distributed import Client

        self.client = Client(address, set_as_default=False)
        self.prefix = f"extract-{sha256}-"
        self.times = times
        self.killed: list[int] = []
        self.stop = threading.Event()

    def run(self) -> None:
        while len(self.killed) < self.times and not self.stop.is_set():
            for worker, keys in self.client.processing().items():
                if any(str(key).startswith(self.prefix) for key in keys):
                    pid = self.client.run(os.getpid, workers=[worker])[worker]
                    time.sleep(0.3)  # well inside the file's extraction (seconds of OCR)
                    os.kill(pid, signal.SIGKILL)
                    self.killed.append(pid)
                    self._until_gone(worker)
                    break
            time.sleep(0.05)

    def _until_gone(self, worker: str) -> None:
        deadline = time.monotonic() + 30
        while worker in self.client.scheduler_info()["workers"] and time.monotonic() < deadline:
            time.sleep(0.05)

    def close(self) -> None:
        self.stop.set()
        self.join(timeout=30)
        self.client.close()


def _ingest_with_killer(tmp_path, cluster, inbox: Path, victim: Path, times: int):
    archive = tmp_path / "newsroom"
    init_archive(archive).close()
    killer = Killer(cluster.scheduler_address, sha256_file(victim)[0], times)
    killer.start()
    try:
        with open_archive(archive) as opened:
            summary = ingest(
                opened, [inbox], source="A", scheduler=Scheduler.parse(cluster.scheduler_address)
            )
    finally:
        killer.close()
    return archive, summary, killer.killed


def test_a_worker_killed_mid_batch_does_not_stop_it(tmp_path, cluster):
    inbox = _fill(tmp_path / "inbox", 4, photos=2)
    victim = inbox / f"z_{LETTERS[0]}.jpg"
    archive, summary, killed = _ingest_with_killer(tmp_path, cluster, inbox, victim, times=1)
    assert len(killed) == 1  # its task ran on a worker that was killed, then elsewhere
    assert (summary.ingested, summary.failed, summary.files) == (6, 0, 6)
    assert all(outcome.status == "new" for outcome in summary.outcomes)
    _assert_complete(archive, inbox)


def test_a_file_that_kills_workers_is_quarantined_not_retried_forever(tmp_path, cluster):
    inbox = _fill(tmp_path / "inbox", 3, photos=1)
    poison = inbox / f"z_{LETTERS[0]}.jpg"
    archive, summary, killed = _ingest_with_killer(tmp_path, cluster, inbox, poison, times=10)
    assert len(killed) == ALLOWED_FAILURES + 1  # then the scheduler gave the file up
    outcome = {o.path: o for o in summary.outcomes}[str(poison)]
    assert outcome.status == "failed"
    assert outcome.reason == (
        f"{poison}: reading it ended the worker process {ALLOWED_FAILURES + 1} times "
        "(a crash, or over the worker's memory limit): given up, not retried"
    )
    assert (summary.ingested, summary.failed) == (3, 1)
    with open_archive(archive) as opened:
        failures = opened.store.failures()
        assert [(f.sha256, f.code) for f in failures] == [
            (sha256_file(poison)[0], int(ExitCode.corrupt_input))
        ]
        assert verify_archive(opened).ok


# --- the scheduler going away: real `dask scheduler` and `dask worker` processes ---


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _receipts(archive: Path) -> int:
    db = sqlite3.connect(archive / "archive.sqlite", timeout=5)
    try:
        return int(db.execute("SELECT COUNT(*) FROM receipts").fetchone()[0])
    except sqlite3.OperationalError:
        return 0
    finally:
        db.close()


@pytest.mark.slow
def test_scheduler_gone_is_one_line_and_a_rerun_resumes(tmp_path):
    inbox = _fill(tmp_path / "inbox", 8, photos=3)
    archive = tmp_path / "newsroom"
    init_archive(archive).close()
    address = f"tcp://127.0.0.1:{_free_port()}"
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    scheduler = subprocess.Popen(
        [sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1"]
        + ["--port", address.rsplit(":", 1)[1], "--no-dashboard"],
        **quiet,
    )
    worker = subprocess.Popen(
        [sys.executable, "-m", "distributed.cli.dask_worker", address, "--nthreads", "1"]
        + ["--no-dashboard", "--death-timeout", "5"],
        cwd=ROOT,
        **quiet,
    )
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "verify", *_ingest_command(archive, inbox)]
            + ["--scheduler", address],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 120
        while _receipts(archive) == 0 and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        os.kill(scheduler.pid, signal.SIGKILL)
        stdout, stderr = process.communicate(timeout=120)
    finally:
        for child in (scheduler, worker):
            child.kill()
            child.wait()
    assert process.returncode == ExitCode.cluster_failed, stdout + stderr
    assert stderr.strip().splitlines() == [
        f"verify: error: the Dask scheduler {address} went away: the files committed so far "
        "are kept; start it again and run the same command to go on"
    ]
    committed = _receipts(archive)
    assert 0 < committed < len(list(inbox.iterdir()))  # stopped mid-batch
    resumed = _verify(*_ingest_command(archive, inbox, "--scheduler", "local:1"))
    assert resumed.returncode == 0, resumed.stderr
    summary = json.loads(resumed.stdout)
    assert summary["already_archived"] == committed
    assert summary["ingested"] == len(list(inbox.iterdir())) - committed
    _assert_complete(archive, inbox)


def _children(pid: int) -> set[int]:
    """Every descendant of ``pid`` still running (from /proc)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(entry.name)] = int(fields[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie, dead and not yet reaped, does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.slow
def test_ingesting_process_killed_leaves_no_worker_and_a_rerun_resumes(tmp_path):
    inbox = _fill(tmp_path / "inbox", 6, photos=2)
    archive = tmp_path / "newsroom"
    init_archive(archive).close()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "verify",
            *_ingest_command(archive, inbox, "--scheduler", "local:1"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while _receipts(archive) == 0 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    workers = _children(process.pid)
    assert workers  # the local cluster's worker process(es)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    deadline = time.monotonic() + 30
    while any(map(_alive, workers)) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = [pid for pid in workers if _alive(pid)]
    assert not left, "worker processes outlived the killed ingest"
    resumed = _verify(*_ingest_command(archive, inbox, "--scheduler", "local:1"))
    assert resumed.returncode == 0, resumed.stderr
    _assert_complete(archive, inbox)
