"""One validated options object, built from CLI flags or API keywords and passed down unchanged.

Keeping every knob here, in an object the caller holds, means the CLI, the Python API and
the worker processes see exactly the same settings, and defaults are documented in one place.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from verify.errors import ExitCode, VerifyError
from verify.resources import load_json

SUPPORTED_LANGUAGES = ("ru", "uk", "en", "fr")
"""Languages a page can be read in. French is read (OCR and text) but has no field rules of its
own: it serves recaptured material such as worksheets, where the text itself is the evidence."""

DEFAULT_MAX_PIXELS: int = load_json("budgets.json")["max_pixels"]
"""Largest page image accepted, in pixels (an A4 page at 600 dpi is 35 Mpx): a bomb guard."""

DEFAULT_MAX_PAGES: int = load_json("budgets.json")["max_pages"]
"""Most pages read from one file."""

DEFAULT_PAGE_SECONDS: float = load_json("budgets.json")["page_seconds"]
"""Wall time one page's decoding, preparation and OCR may take (``verify.reading.budget``)."""

DEFAULT_FILE_SECONDS: float = load_json("budgets.json")["file_seconds"]
"""Wall time all the pages of one file may take together (``verify.reading.read``)."""

DEFAULT_PAGE_MEMORY_MB: int = load_json("budgets.json")["page_memory_mb"]
"""Memory one page's work may add to the process, in MB (``verify.reading.budget``)."""


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


NO_CACHE_ENV = "VERIFY_NO_CACHE"
"""Set (to anything but empty or 0) to keep no OCR cache: nothing read or written."""

PDF_PASSWORD_ENV = "VERIFY_PDF_PASSWORD"
"""The password of encrypted PDFs, when ``--password-file`` is not given."""


def user_cache_dir() -> Path:
    """Where OCR results are cached: $VERIFY_CACHE_DIR, else $XDG_CACHE_HOME/verify."""
    if env := os.environ.get("VERIFY_CACHE_DIR"):
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "verify"


def cache_disabled() -> bool:
    """Whether $VERIFY_NO_CACHE turns the user's OCR cache off."""
    return os.environ.get(NO_CACHE_ENV, "").strip() not in ("", "0")


def default_cache_dir() -> Path | None:
    """The user's OCR cache (see ``user_cache_dir``), or None when $VERIFY_NO_CACHE is set."""
    return None if cache_disabled() else user_cache_dir()


def read_secret_file(path: Path, what: str) -> str:
    """A password or passphrase from a file: its first line, without the line break.

    A secret in a file (or a pipe) is seen by nobody else; on the command line every user
    of the machine sees it in ``ps``. UsageError when the file cannot be read or is empty.
    """
    try:
        with path.open("r", encoding="utf-8") as handle:
            line = handle.readline()
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise UsageError(f"{what} {path}: cannot read it: {reason}") from error
    secret = line.rstrip("\r\n")
    if not secret:
        raise UsageError(f"{what} {path}: the first line is empty: write the password there")
    return secret


@dataclass(frozen=True)
class ExtractOptions:
    """Settings of one extraction run.

    ``languages`` None means choose automatically per page among ru, uk, en.
    ``cache_dir`` None disables the OCR cache; ``cache_seal`` (32 bytes) seals its entries
    (an archive that encrypts its sources: see ``verify.reading.ocr_cache``).
    """

    languages: tuple[str, ...] | None = None
    password: str | None = field(default=None, repr=False)  # never in a log or a traceback
    max_pixels: int = DEFAULT_MAX_PIXELS
    max_pages: int = DEFAULT_MAX_PAGES
    page_seconds: float = DEFAULT_PAGE_SECONDS
    file_seconds: float = DEFAULT_FILE_SECONDS
    page_memory_mb: int = DEFAULT_PAGE_MEMORY_MB
    jobs: int = field(default_factory=lambda: os.cpu_count() or 1)
    cache_dir: Path | None = field(default_factory=default_cache_dir)
    cache_seal: bytes | None = field(default=None, repr=False)
    render_dpi: int = 300  # resolution at which image-only PDF pages are rendered for OCR

    def __post_init__(self) -> None:
        if isinstance(self.cache_dir, str):
            # A Python caller's "cache_dir='/tmp/x'" is as good as a Path (frozen: set it directly).
            object.__setattr__(self, "cache_dir", Path(self.cache_dir))
        if self.cache_seal is not None and len(self.cache_seal) != 32:
            raise UsageError("cache_seal must be a 32-byte key")
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
        if not self.page_seconds > 0:
            raise UsageError("--page-seconds must be positive")
        if self.page_memory_mb < 64:
            raise UsageError("--page-memory must be at least 64 (MB)")
        if not self.file_seconds > 0:
            raise UsageError("--file-seconds must be positive")
        if not 72 <= self.render_dpi <= 600:
            raise UsageError("--dpi must be between 72 and 600")
