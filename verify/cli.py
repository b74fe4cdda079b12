"""The ``verify`` command: a thin layer that parses flags and calls the Python API.

Every command builds one options object, calls the library, and prints. All errors pass
through ``main``'s single handler, which prints one line and exits with the documented code
(see ``verify.errors.ExitCode`` and the README); a traceback means a bug in verify.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import click
import typer
from rich.console import Console

from verify import __version__
from verify.errors import ExitCode, VerifyError

app = typer.Typer(
    name="verify",
    help="Read, fingerprint and check received official documents, with evidence.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

_stdout = Console(highlight=False)
_stderr = Console(stderr=True, highlight=False)


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


def _languages(value: str | None) -> tuple[str, ...] | None:
    if value is None or value == "auto":
        return None
    return tuple(part.strip() for part in value.split(",") if part.strip())


@app.command()
def extract(
    paths: Annotated[
        list[Path], typer.Argument(help="Files to read: PDF, PNG, JPEG, TIFF, WebP or HEIC.")
    ],
    json_output: Annotated[
        bool,
        typer.Option("--json", help="Print the record (schema verify.record/1); one per line."),
    ] = False,
    lang: Annotated[
        str | None,
        typer.Option(help="OCR language(s), e.g. ru or ru,uk; default: chosen per page."),
    ] = None,
    password: Annotated[str | None, typer.Option(help="Password of an encrypted PDF.")] = None,
    jobs: Annotated[
        int | None, typer.Option(help="Pages OCRed in parallel; default: one per core.")
    ] = None,
    dpi: Annotated[int, typer.Option(help="Resolution for rendering image-only PDF pages.")] = 300,
    max_pixels: Annotated[
        int | None, typer.Option(help="Refuse page images larger than this (default 200 Mpx).")
    ] = None,
    max_pages: Annotated[
        int | None, typer.Option(help="Refuse files with more pages (default 2000).")
    ] = None,
    cache_dir: Annotated[
        Path | None, typer.Option(help="OCR cache folder (default $VERIFY_CACHE_DIR or ~/.cache).")
    ] = None,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Do not read or write the OCR cache.")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Extract issuer, number, date, signatories, deadlines, specialties... with evidence.

    Exit code 0 when every file was read, 1 when some of several failed, or the file's
    own error code (see the README) when a single file failed.
    """
    from verify.batch import extract_many
    from verify.options import ExtractOptions

    values: dict[str, object] = {
        "languages": _languages(lang),
        "password": password,
        "render_dpi": dpi,
    }
    if jobs is not None:
        values["jobs"] = jobs
    if max_pixels is not None:
        values["max_pixels"] = max_pixels
    if max_pages is not None:
        values["max_pages"] = max_pages
    if no_cache:
        values["cache_dir"] = None
    elif cache_dir is not None:
        values["cache_dir"] = cache_dir
    options = ExtractOptions(**values)  # type: ignore[arg-type]
    show_progress = not quiet and _stderr.is_terminal
    code = extract_many(
        paths, options, json_output=json_output, out=_stdout, err=_stderr, progress=show_progress
    )
    raise typer.Exit(int(code))


@app.command()
def schema() -> None:
    """Print the JSON Schema of the record (verify.record/1)."""
    from verify.schema import record_schema_json

    print(record_schema_json())


def main() -> None:
    """Entry point: run the app and map every failure to a one-line message and exit code."""
    try:
        result = app(standalone_mode=False)
    except VerifyError as error:
        _stderr.print(f"verify: error: {error}", markup=False)
        sys.exit(int(error.exit_code))
    except (KeyboardInterrupt, click.exceptions.Abort):
        _stderr.print("verify: interrupted", markup=False)
        sys.exit(int(ExitCode.interrupted))
    except click.ClickException as error:
        error.show()
        sys.exit(int(ExitCode.usage))
    except Exception as error:  # a bug: one line, and the traceback only on request
        if os.environ.get("VERIFY_DEBUG"):
            raise
        _stderr.print(
            f"verify: internal error: {type(error).__name__}: {error} "
            "(a bug in verify: rerun with VERIFY_DEBUG=1 and report the traceback)",
            markup=False,
        )
        sys.exit(int(ExitCode.internal))
    sys.exit(result if isinstance(result, int) else 0)
