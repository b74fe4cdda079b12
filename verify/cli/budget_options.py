"""The limit and budget options that every command reading pages shares.

``extract``, ``forensics`` and ``scrub`` read pages the same way, so they take the same
limits (pixels, pages) and budgets (a page's seconds and memory); declared once here so
the flags, their help and their defaults (models/budgets.json) cannot drift apart.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from verify.options import (
    DEFAULT_FILE_SECONDS,
    DEFAULT_MAX_PAGES,
    DEFAULT_MAX_PIXELS,
    DEFAULT_PAGE_MEMORY_MB,
    DEFAULT_PAGE_SECONDS,
)

MaxPixelsOption = Annotated[
    int | None,
    typer.Option(
        "--max-pixels",
        help=f"Refuse page images larger than this (default {DEFAULT_MAX_PIXELS / 1e6:g} Mpx).",
    ),
]
MaxPagesOption = Annotated[
    int | None,
    typer.Option(
        "--max-pages", help=f"Refuse files with more pages (default {DEFAULT_MAX_PAGES})."
    ),
]
PageSecondsOption = Annotated[
    float | None,
    typer.Option(
        "--page-seconds",
        help=f"Stop a page that takes longer to read (default {DEFAULT_PAGE_SECONDS:g} s).",
    ),
]
FileSecondsOption = Annotated[
    float | None,
    typer.Option(
        "--file-seconds",
        help=f"Stop a file whose pages together take longer (default {DEFAULT_FILE_SECONDS:g} s).",
    ),
]
PageMemoryOption = Annotated[
    int | None,
    typer.Option(
        "--page-memory",
        help=f"Stop a page that needs more memory, in MB (default {DEFAULT_PAGE_MEMORY_MB}).",
    ),
]


def budget_values(
    max_pixels: int | None = None,
    max_pages: int | None = None,
    page_seconds: float | None = None,
    page_memory: int | None = None,
    file_seconds: float | None = None,
) -> dict[str, Any]:
    """The ``ExtractOptions`` keywords of the flags given (absent ones keep their defaults)."""
    given = {
        "max_pixels": max_pixels,
        "max_pages": max_pages,
        "page_seconds": page_seconds,
        "page_memory_mb": page_memory,
        "file_seconds": file_seconds,
    }
    return {key: value for key, value in given.items() if value is not None}
