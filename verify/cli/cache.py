"""The ``cache`` commands: where the OCR cache is, how big, and emptying it.

The cache holds the OCR text of every page verify has read (``verify.reading.ocr_cache``): a
newsroom must be able to see it and wipe it. Only the cache's own folders are removed,
never the folder itself, which may be one the user named ($VERIFY_CACHE_DIR).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from verify.console import console, json_safe, printable

_out = console()

cache_app = typer.Typer(
    help="See and empty the OCR cache (it holds the text of every page read).",
    no_args_is_help=True,
)

CacheDirOption = Annotated[
    Path | None,
    typer.Option(
        "--cache-dir",
        help="The cache folder (default $VERIFY_CACHE_DIR or ~/.cache/verify; an archive's: "
        "ARCHIVE/cache).",
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable JSON output.")]


def _folder(cache_dir: Path | None) -> Path:
    from verify.options import user_cache_dir

    return cache_dir if cache_dir is not None else user_cache_dir()


def _size(size: int) -> str:
    return f"{size / 1e6:.1f} MB" if size >= 100_000 else f"{size / 1e3:.1f} KB"


@cache_app.command("info")
def info_command(cache_dir: CacheDirOption = None, json_output: JsonOption = False) -> None:
    """Say where the OCR cache is, how many pages it holds and how big it is."""
    from verify.options import NO_CACHE_ENV, cache_disabled
    from verify.reading.ocr_cache import info

    found = info(_folder(cache_dir))
    disabled = cache_dir is None and cache_disabled()
    if json_output:
        print(json_safe(json.dumps({**found.to_json(), "disabled": disabled}, ensure_ascii=False)))
        return
    _out.print(
        printable(
            f"{found.folder}: {found.entries} page reading(s), {found.sealed} sealed, "
            f"{_size(found.bytes)}" + (f" (not used: ${NO_CACHE_ENV} is set)" if disabled else "")
        ),
        markup=False,
    )
    if found.loose:
        _out.print(
            printable("warning: other users can read: " + ", ".join(found.loose))
            + "; run `verify cache purge`, or chmod -R go= on the folder",
            markup=False,
        )


@cache_app.command("purge")
def purge_command(cache_dir: CacheDirOption = None, json_output: JsonOption = False) -> None:
    """Delete every OCR reading in the cache (the next read of a page runs OCR again)."""
    from verify.archive.originals import disk_error
    from verify.reading.ocr_cache import purge

    folder = _folder(cache_dir)
    try:
        removed = purge(folder)
    except OSError as error:
        raise disk_error(error, f"cannot empty the cache {folder}") from error
    if json_output:
        print(json_safe(json.dumps({"removed": removed.to_json()}, ensure_ascii=False)))
        return
    _out.print(
        printable(
            f"removed {removed.entries + removed.sealed} page reading(s), "
            f"{_size(removed.bytes)}, from {folder}"
        ),
        markup=False,
    )


def register(app: typer.Typer) -> None:
    """Add the cache commands to the main ``verify`` app."""
    app.add_typer(cache_app, name="cache")
