"""Extraction on a Dask cluster for ``ingest --scheduler``: submit, collect, and its faults.

The ingesting process stays the archive's only writer: it hashes each file, writes its
original (durably, before any worker reads it), submits the original's extraction
(``verify.archive.cluster_task``) and commits the results in the order the files came, as a
single-process ingest does. Workers read the originals from a shared mount at the very path
the ingesting process uses (docs/deployment.md, "Dask workers"); they write nothing to the
archive but its OCR cache.

``--scheduler local:N`` starts a ``LocalCluster`` of N single-threaded worker processes on
this machine and closes it at the end; ``--scheduler tcp://host:port`` (or ``tls://``) uses
a running ``dask scheduler`` and its ``dask worker`` processes.

Faults, and what becomes of them:

- a worker dies while reading a file (``kill -9``, a machine lost): the scheduler runs the
  file's task on another worker, and a nanny restarts the dead one;
- a file whose task ends worker after worker (a page that crashes or exhausts the process)
  is given up by the scheduler after ``allowed_failures`` (models/cluster.json): it comes
  back as an ``ExtractionFailed``, which ingest quarantines like any unreadable file;
- the scheduler unreachable, without a worker, or gone mid-batch: a ``ClusterError`` (exit
  code 12). What was committed stays; the originals written for the rest are reused by the
  same command run again, which goes on where this one stopped.

Dask is imported here only, and this module only when ``--scheduler`` is given: every
other command starts without it.
"""

from __future__ import annotations

import contextlib
import logging
import re
import time
import uuid
import warnings
from concurrent.futures import CancelledError
from dataclasses import dataclass
from typing import Any

from verify.archive.cluster_task import (
    Extracted,
    ExtractionFailed,
    ExtractionTask,
    Outcome,
    WorkerMisplaced,
    run_extraction,
)
from verify.errors import ClusterError, ExitCode
from verify.options import UsageError
from verify.resources import load_json

_LOCAL = re.compile(r"local:(\d+)")
_REMOTE = re.compile(r"(tcp|tls)://\S+")
MAX_LOCAL_WORKERS = 256


@dataclass(frozen=True)
class Scheduler:
    """Where extraction runs: a scheduler's address, or a local cluster of N workers."""

    address: str | None  # tcp:// or tls://; None for a local cluster
    local_workers: int = 0

    @classmethod
    def parse(cls, text: str) -> Scheduler:
        """``local:N`` or ``tcp://host:port`` (``tls://``); UsageError for anything else."""
        text = text.strip()
        if match := _LOCAL.fullmatch(text):
            workers = int(match.group(1))
            if not 1 <= workers <= MAX_LOCAL_WORKERS:
                raise UsageError(
                    f"--scheduler {text}: give between 1 and {MAX_LOCAL_WORKERS} local workers"
                )
            return cls(None, workers)
        if _REMOTE.fullmatch(text):
            return cls(text)
        raise UsageError(
            f"--scheduler {text}: give a Dask scheduler's address (tcp://host:8786) or "
            "local:N for N worker processes on this machine"
        )

    def __str__(self) -> str:
        return self.address or f"local:{self.local_workers}"


@dataclass(frozen=True)
class Job:
    """One submitted extraction: its task and the cluster's future for it."""

    task: ExtractionTask
    future: Any  # distributed.Future: typed loosely, so that importing this needs no Dask


class ExtractionCluster:
    """A connection to a Dask scheduler (and the local cluster behind it, for ``local:N``).

    Holds the client for one batch; close it (or use it as a context manager) at the end.
    ``window`` is how many files may be submitted and not yet collected.
    """

    _window = 2
    _window_at = float("-inf")

    def __init__(self, scheduler: Scheduler) -> None:
        self.scheduler = scheduler
        self.table = load_json("cluster.json")
        self._quiet = _QuietLogs()
        self._local: Any = None
        try:
            self._client = self._connect()
        except BaseException:
            self.close()
            raise

    @property
    def window(self) -> int:
        """Files to keep out: ``tasks_per_worker_thread`` for each worker thread there is now.

        Asked again every ``window_refresh_seconds``: workers join and leave during a batch.
        """
        now = time.monotonic()
        if now - self._window_at >= float(self.table["window_refresh_seconds"]):
            self._window_at = now
            with contextlib.suppress(Exception):  # a lost scheduler is met where results are
                threads = sum(self._client.nthreads().values())
                self._window = max(2, int(self.table["tasks_per_worker_thread"]) * threads)
        return self._window

    def _connect(self) -> Any:
        import dask
        from distributed import Client, LocalCluster

        seconds = float(self.table["connect_seconds"])
        if self.scheduler.address is None:
            settings = {
                "distributed.scheduler.allowed-failures": int(self.table["allowed_failures"]),
                "distributed.scheduler.worker-saturation": float(self.table["worker_saturation"]),
            }
            # The scheduler's HTTP server (bound to 127.0.0.1 like the scheduler) warns when
            # another cluster holds its usual port, and takes another: nothing to report.
            try:
                with dask.config.set(settings), warnings.catch_warnings():
                    warnings.simplefilter("ignore", UserWarning)
                    self._local = LocalCluster(
                        n_workers=self.scheduler.local_workers,
                        threads_per_worker=1,
                        processes=True,
                        host="127.0.0.1",
                        dashboard_address=None,
                        silence_logs=logging.CRITICAL,
                    )
                return Client(self._local, set_as_default=False)
            except (OSError, TimeoutError, RuntimeError) as error:
                raise ClusterError(
                    f"cannot start {self.scheduler} worker processes ({error}): "
                    "free memory or give fewer workers"
                ) from error
        address = self.scheduler.address
        try:
            client = Client(address, timeout=seconds, set_as_default=False)
        except (OSError, TimeoutError) as error:
            raise ClusterError(
                f"cannot reach the Dask scheduler at {address}: start it (dask scheduler) "
                "or check --scheduler"
            ) from error
        try:
            client.wait_for_workers(1, timeout=seconds)
        except (OSError, TimeoutError) as error:
            with contextlib.suppress(Exception):
                client.close(timeout=float(self.table["close_seconds"]))
            raise ClusterError(
                f"the Dask scheduler at {address} has no worker after {seconds:g} s: start "
                f"one (dask worker {address}) on a machine with verify and the archive mounted"
            ) from error
        return client

    def submit(self, task: ExtractionTask) -> Job:
        """Send one file's extraction to the cluster."""
        key = f"extract-{task.sha256}-{uuid.uuid4().hex[:12]}"
        try:
            future = self._client.submit(run_extraction, task, key=key, pure=False, retries=0)
        except (OSError, CancelledError) as error:
            raise self._gone() from error
        return Job(task, future)

    def ready(self, job: Job) -> bool:
        """Whether ``outcome`` would answer at once with a file's result (not a lost cluster)."""
        future = job.future
        if future.status == "finished":
            return True
        if future.status == "error":
            from distributed import KilledWorker

            return isinstance(future.exception(), KilledWorker)
        return False

    def outcome(self, job: Job) -> Extracted | ExtractionFailed:
        """The file's result, waiting for it; ``ClusterError`` when the cluster failed."""
        from distributed import KilledWorker

        try:
            value = job.future.result()
        except KilledWorker as error:
            tries = int(error.allowed_failures) + 1
            return ExtractionFailed(
                int(ExitCode.corrupt_input),
                f"{job.task.original}: reading it ended the worker process {tries} times "
                "(a crash, or over the worker's memory limit): given up, not retried",
            )
        except (CancelledError, OSError) as error:
            raise self._gone() from error
        except ImportError as error:
            raise ClusterError(
                f"a worker of {self.scheduler} cannot run verify ({error}): install verify, "
                "the same version, on every worker"
            ) from error
        return _checked(value, self.scheduler)

    def _gone(self) -> ClusterError:
        return ClusterError(
            f"the Dask scheduler {self.scheduler} went away: the files committed so far are "
            "kept; start it again and run the same command to go on"
        )

    def close(self) -> None:
        """Close the client, and the local cluster if this started one."""
        seconds = float(self.table["close_seconds"])
        client = getattr(self, "_client", None)
        if client is not None:
            with contextlib.suppress(Exception):
                client.close(timeout=seconds)
            self._client = None
        if self._local is not None:
            with contextlib.suppress(Exception):
                self._local.close(timeout=seconds)
            self._local = None
        self._quiet.restore()

    def __enter__(self) -> ExtractionCluster:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _QuietLogs:
    """Silence Dask's own log lines on stderr while the cluster is used.

    Dask logs reconnection attempts, lost workers and restarts there, tracebacks included;
    verify reports each such event itself, in one line (or not at all when Dask recovers).
    Its handler is on the ``distributed`` logger, and ``distributed.client`` and others set
    their own levels, so it is the handlers' level that is raised, then put back.
    """

    def __init__(self) -> None:
        import distributed  # noqa: F401 - configures the handlers to quiet

        self._levels = [(h, h.level) for h in logging.getLogger("distributed").handlers]
        for handler, _ in self._levels:
            handler.setLevel(logging.CRITICAL)

    def restore(self) -> None:
        for handler, level in self._levels:
            handler.setLevel(level)


def _checked(value: Outcome | object, scheduler: Scheduler) -> Extracted | ExtractionFailed:
    """A worker's answer as one of the task's types; ``ClusterError`` otherwise."""
    if isinstance(value, WorkerMisplaced):
        raise ClusterError(f"{value.message} (--scheduler {scheduler})")
    if isinstance(value, Extracted | ExtractionFailed):
        return value
    raise ClusterError(
        f"a worker of {scheduler} answered with {type(value).__name__}: install the same "
        "verify version on every worker"
    )
