"""One validated options object, built from CLI flags or API keywords and passed down unchanged.

Keeping every knob here (STYLE.md 2) means the CLI, the Python API and the worker processes
see exactly the same settings, and defaults are documented in one place.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from verify.errors import ExitCode, VerifyError

SUPPORTED_LANGUAGES = ("ru", "uk", "en", "fr")
"""Languages a page can be read in. French is read (OCR and text) but has no field rules of its
own: it serves recaptured material such as worksheets, where the text itself is the evidence."""

DEFAULT_MAX_PIXELS = 200_000_000
"""Largest page image accepted, in pixels (an A4 page at 600 dpi is 35 Mpx): a bomb guard."""

DEFAULT_MAX_PAGES = 2_000
"""Most pages read from one file."""


class UsageError(VerifyError):
    """An option has an invalid value."""

    exit_code = ExitCode.usage


def output_file(path: Path | None, option: str) -> Path | None:
    """``path`` checked before any work starts: its folder exists and it is not a folder.

    A report or a safe copy that cannot be written should fail in a second with a word on
    what to do, not after minutes of OCR with a traceback.
    """
    if path is None:
        return None
    if path.is_dir():
        raise UsageError(f"{option} {path} is a folder: give a file name inside it")
    folder = path.parent
    if not folder.is_dir():
        raise UsageError(
            f"{option} {path}: the folder {folder} does not exist: create it first "
            f"(mkdir -p {folder})"
        )
    return path


def default_cache_dir() -> Path:
    """Where OCR results are cached: $VERIFY_CACHE_DIR, else $XDG_CACHE_HOME/verify."""
    if env := os.environ.get("VERIFY_CACHE_DIR"):
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "verify"


@dataclass(frozen=True)
class ExtractOptions:
    """Settings of one extraction run.

    ``languages`` None means choose automatically per page among ru, uk, en.
    ``cache_dir`` None disables the OCR cache.
    """

    languages: tuple[str, ...] | None = None
    password: str | None = None
    max_pixels: int = DEFAULT_MAX_PIXELS
    max_pages: int = DEFAULT_MAX_PAGES
    jobs: int = field(default_factory=lambda: os.cpu_count() or 1)
    cache_dir: Path | None = field(default_factory=default_cache_dir)
    render_dpi: int = 300  # resolution at which image-only PDF pages are rendered for OCR
    forensics: bool = False  # add forensic findings to the record (costs 1-3 s a page)

    def __post_init__(self) -> None:
        if isinstance(self.cache_dir, str):
            # A Python caller's "cache_dir='/tmp/x'" is as good as a Path (frozen: set it directly).
            object.__setattr__(self, "cache_dir", Path(self.cache_dir))
        if self.languages is not None:
            unknown = [lang for lang in self.languages if lang not in SUPPORTED_LANGUAGES]
            if unknown or not self.languages:
                raise UsageError(
                    f"unknown language {', '.join(unknown) or '(none)'}: use one or more of "
                    f"{', '.join(SUPPORTED_LANGUAGES)}, e.g. --lang ru or --lang ru,uk"
                )
        if self.max_pixels < 1 or self.max_pages < 1:
            raise UsageError("--max-pixels and --max-pages must be positive")
        if self.jobs < 1:
            raise UsageError("--jobs must be at least 1")
        if not 72 <= self.render_dpi <= 600:
            raise UsageError("--dpi must be between 72 and 600")
