"""The ``verify`` command: a thin layer that parses flags and calls the Python API.

Every command builds one options object, calls the library, and prints. All errors pass
through ``main``'s single handler, which prints one line and exits with the documented code
(see ``verify.errors.ExitCode`` and the README); a traceback means a bug in verify.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import click
import typer

from verify.cli.options import JsonOption, Reading, command_options, reading_command
from verify.console import console, json_safe, printable
from verify.errors import ExitCode, VerifyError, without_foreign_hints
from verify.version import __version__

# typer from 0.29 ships a click of its own and raises that click's exceptions, which click's
# classes do not catch; an older typer raises click's own.
_USAGE_ERRORS: tuple[type[Exception], ...] = (click.ClickException,)
_ABORTS: tuple[type[BaseException], ...] = (KeyboardInterrupt, click.exceptions.Abort)
try:
    from typer._click.exceptions import ClickException as _TyperClickException
    from typer.exceptions import Abort as _TyperAbort

    _USAGE_ERRORS += (_TyperClickException,)
    _ABORTS += (_TyperAbort,)
except ImportError:
    pass

app = typer.Typer(
    name="verify",
    help="Read, fingerprint and check received official documents, with evidence.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

_stdout = console()
_stderr = console(stderr=True)


def _version(value: bool) -> None:
    if value:
        print(f"verify {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """Read, fingerprint and check received official documents, with evidence."""


@app.command()
@reading_command
def extract(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="Files to read: PDF, PNG, JPEG, TIFF, WebP or HEIC.",
            readable=False,  # an unreadable file is that file's error, not the whole run's
        ),
    ],
    reading: Reading,
    json_output: Annotated[
        bool,
        typer.Option("--json", help="Print the record (schema verify.record/1); one per line."),
    ] = False,
    dpi: Annotated[int, typer.Option(help="Resolution for rendering image-only PDF pages.")] = 300,
    cache_dir: Annotated[
        Path | None, typer.Option(help="OCR cache folder (default $VERIFY_CACHE_DIR or ~/.cache).")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    with_forensics: Annotated[
        bool,
        typer.Option("--forensics", help="Add forensic findings to the record (slower)."),
    ] = False,
) -> None:
    """Extract issuer, number, date, signatories, deadlines, specialties... with evidence.

    Exit code 0 when every file was read, 1 when some of several failed, or the file's
    own error code (see the README) when a single file failed.
    """
    from verify.cli.batch import extract_many

    options = reading.options(cache_dir=cache_dir, dpi=dpi)
    show_progress = not quiet and _stderr.is_terminal
    code = extract_many(
        paths,
        options,
        json_output=json_output,
        out=_stdout,
        err=_stderr,
        progress=show_progress,
        forensics=with_forensics,
    )
    raise typer.Exit(int(code))


@app.command("compare")
@reading_command
def compare_command(
    first: Annotated[Path, typer.Argument(help="A document or a saved record (.json).")],
    second: Annotated[Path, typer.Argument(help="A document or a saved record (.json).")],
    reading: Reading,
    json_output: JsonOption = False,
) -> None:
    """Tell whether two files are the same document, a variant, a conflict or unrelated.

    Verdicts: identical (same bytes), same_document (another rendition), same_template (one
    printed form, blank and filled or filled for two people), variant (the same act, e.g.
    another addressee or a stamp), conflict (claims to be the same act but key fields read
    with confidence differ), unrelated. Exit code 0 whatever the verdict.
    """
    from verify.cli.summary import render_comparison
    from verify.matching.files import compare_paths

    options = reading.options()
    comparison = compare_paths(first, second, options)
    if json_output:
        print(json_safe(comparison.model_dump_json()))
    else:
        same_name = first.name == second.name
        left, right = (str(first), str(second)) if same_name else (first.name, second.name)
        _stdout.print(render_comparison(comparison, left, right))


@app.command("index")
@reading_command
def index_command(
    folder: Annotated[Path, typer.Argument(help="Folder of documents and/or saved records.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Index folder to write.")],
    reading: Reading,
) -> None:
    """Build a match index of every document under FOLDER, for fast `verify match`.

    Files that cannot be read are reported and left out; the exit code is then 1.
    """
    from verify.matching.files import build_index, save_index

    failed: list[str] = []

    def report(path: Path, error: VerifyError) -> None:
        failed.append(str(path))
        _stderr.print(printable(f"verify: error: {path}: {error}"), markup=False)

    options = reading.options()
    index, records = build_index(folder, options, on_error=report)
    save_index(index, records, output)
    _stderr.print(printable(f"indexed {len(records)} document(s) into {output}"), markup=False)
    raise typer.Exit(int(ExitCode.some_failed if failed else ExitCode.ok))


@app.command("match")
@reading_command
def match_command(
    file: Annotated[Path, typer.Argument(help="The document (or saved record) to look up.")],
    against: Annotated[
        Path, typer.Option("--against", help="An index folder (verify index) or a folder.")
    ],
    reading: Reading,
    top: Annotated[int, typer.Option("--top", "-k", min=1, help="How many matches.")] = 10,
    json_output: JsonOption = False,
) -> None:
    """Find the known documents that match FILE, with a compare verdict for each."""
    from verify.cli.summary import render_matches
    from verify.matching.files import build_index, is_index, load_index, match, record_of

    options = reading.options()
    if is_index(against):
        index, records = load_index(against)
    else:
        index, records = build_index(
            against,
            options,
            on_error=lambda path, error: _stderr.print(
                printable(f"verify: warning: {path}: {error}"), markup=False
            ),
        )
    found = match(record_of(file, options), index, records, k=top)
    if json_output:
        print(
            json_safe(
                json.dumps(
                    {
                        "query": str(file),
                        "matches": [
                            {
                                **item.candidate.model_dump(),
                                "verdict": item.comparison.verdict if item.comparison else None,
                                "comparison": item.comparison.model_dump()
                                if item.comparison
                                else None,
                            }
                            for item in found
                        ],
                    },
                    ensure_ascii=False,
                )
            )
        )
    else:
        _stdout.print(render_matches(found, file.name))


@app.command()
def schema() -> None:
    """Print the JSON Schema of the record (verify.record/1)."""
    from verify.schema import record_schema_json

    print(record_schema_json())


def _register_command_groups() -> None:
    """Add the commands kept in their own modules (archive, cache, corroborate, forensics).

    Imported plainly: a missing module is a broken install, and must fail loudly rather than
    leave ``verify`` without a command its README documents.
    """
    from verify.cli import archive as cli_archive
    from verify.cli import cache as cli_cache
    from verify.cli import corroborate as cli_corroborate
    from verify.cli import forensics as cli_forensics

    for module in (cli_archive, cli_cache, cli_corroborate, cli_forensics):
        module.register(app)


_register_command_groups()


def error_message(error: VerifyError, argv: Sequence[str]) -> str:
    """The one line an error prints: hints only of options the command has, text escaped."""
    message = str(error)
    options = command_options(app, argv)
    if options is not None:
        message = without_foreign_hints(message, options)
    return printable(message)


def main() -> None:
    """Entry point: run the app and map every failure to a one-line message and exit code."""
    try:
        result = app(standalone_mode=False)
    except VerifyError as error:
        # never wrapped, never split: one line whatever a file name holds
        print(f"verify: error: {error_message(error, sys.argv[1:])}", file=sys.stderr)
        sys.exit(int(error.exit_code))
    except _ABORTS:
        _stderr.print("verify: interrupted", markup=False)
        sys.exit(int(ExitCode.interrupted))
    except _USAGE_ERRORS as error:
        error.message = printable(error.message)  # type: ignore[attr-defined]
        error.show()  # type: ignore[attr-defined]
        sys.exit(int(ExitCode.usage))
    except Exception as error:  # a bug: one line, and the traceback only on request
        if os.environ.get("VERIFY_DEBUG"):
            raise
        _stderr.print(
            printable(f"verify: internal error: {type(error).__name__}: {error}")
            + " (a bug in verify: rerun with VERIFY_DEBUG=1 and report the traceback)",
            markup=False,
        )
        sys.exit(int(ExitCode.internal))
    if result == ExitCode.interrupted:  # typer's own Ctrl-C handling returns the code silently
        _stderr.print("verify: interrupted", markup=False)
    sys.exit(result if isinstance(result, int) else 0)
