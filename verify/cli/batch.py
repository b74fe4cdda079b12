"""Extract several files in one run: one bad file never stops the others.

Used by ``verify extract``: records are printed as they are
ready (JSON Lines with ``--json``), failures are reported one line each on stderr, and the
exit code says whether some failed.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import nullcontext
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from verify.console import json_safe, printable
from verify.errors import ExitCode, VerifyError
from verify.options import ExtractOptions
from verify.pipeline import extract


def extract_many(
    paths: Sequence[Path],
    options: ExtractOptions,
    *,
    json_output: bool,
    out: Console,
    err: Console,
    progress: bool,
    forensics: bool = False,
) -> ExitCode:
    """Extract each path in turn and print its record; return the run's exit code.

    A single failing file returns that file's own exit code, so scripts can tell an
    encrypted PDF from a corrupt one; with several files, any failure gives ``some_failed``.
    ``forensics`` adds each file's forensic findings to its record (``--forensics``).
    """
    failures: list[ExitCode] = []
    bar = _progress_bar(err) if progress else None
    with bar if bar is not None else nullcontext():
        for path in paths:
            task = None
            if bar is not None:
                task = bar.add_task(printable(path.name), total=None)

            def on_page(done: int, total: int, task: object = task) -> None:
                if bar is not None and task is not None:
                    bar.update(task, completed=done, total=total)  # type: ignore[arg-type]

            try:
                record = extract(path, options, progress=on_page)
                if forensics:
                    from verify.forensics.examine import with_findings  # heavy: only when asked

                    record = with_findings(record, path, options)
            except VerifyError as error:
                failures.append(error.exit_code)
                print(error_line(path, error), file=err.file, flush=True)
                continue
            finally:
                if bar is not None and task is not None:
                    bar.remove_task(task)
            if json_output:
                out.file.write(json_safe(record.to_json()) + "\n")
                out.file.flush()
            else:
                from verify.cli.summary import render_summary  # the record's models: once read

                out.print(render_summary(record))
    if not failures:
        return ExitCode.ok
    if len(paths) == 1:
        return failures[0]
    return ExitCode.some_failed


def error_line(path: Path, error: VerifyError) -> str:
    """One unwrapped line naming the file once (most messages already start with it)."""
    message = str(error)
    if message.startswith(f"{path.name}: "):  # named by its bare name: say the path instead
        message = f"{path}: {message[len(path.name) + 2 :]}"
    elif not message.startswith(str(path)):
        message = f"{path}: {message}"
    return printable(f"verify: error: {message}")


def _progress_bar(console: Console) -> Progress:
    return Progress(
        TextColumn("{task.description}", markup=False),  # a file name is not markup
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("pages"),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )
