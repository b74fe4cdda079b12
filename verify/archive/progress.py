"""The ingest progress bar on a terminal: files, pages, rate and time left."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from verify.archive.ingest import FileOutcome, IngestProgress


class RichProgress(IngestProgress):
    """A rich progress bar; use as a context manager around the batch."""

    def __init__(self, console: Console) -> None:
        self._bar = Progress(
            TextColumn("[bold]ingest"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("files"),
            TaskProgressColumn(),
            TextColumn("{task.fields[pages]} pages  {task.fields[rate]}"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=console,
            transient=True,
        )
        self._task = self._bar.add_task("ingest", total=None, pages=0, rate="")
        # Pages count as they are read; files as their group is committed (later, in bursts).
        self._pages_before = 0  # pages of the files started before the current one
        self._pages_current = 0

    def __enter__(self) -> RichProgress:
        self._bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._bar.stop()

    @property
    def pages(self) -> int:
        """Pages read so far in this batch."""
        return self._pages_before + self._pages_current

    def start(self, total_files: int) -> None:
        """See ``IngestProgress``."""
        self._bar.update(self._task, total=total_files)

    def file_started(self, path: Path) -> None:
        """See ``IngestProgress``."""
        self._pages_before += self._pages_current
        self._pages_current = 0

    def page_done(self, done: int, total: int) -> None:
        """See ``IngestProgress``."""
        self._pages_current = done
        self._bar.update(self._task, pages=self.pages)

    def file_done(self, outcome: FileOutcome) -> None:
        """See ``IngestProgress``."""
        task = self._bar.tasks[0]
        elapsed = task.elapsed or 0
        rate = f"{(task.completed + 1) / elapsed:.1f} files/s" if elapsed > 0 else ""
        self._bar.update(self._task, advance=1, pages=self.pages, rate=rate)
