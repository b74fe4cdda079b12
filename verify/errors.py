"""Exit codes and the exceptions that carry them.

Every failure a user can cause or meet is one of these classes, so the CLI has a single
handler that turns it into a one-line message and a documented exit code instead of a
traceback. The message always says what to do next.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes of the ``verify`` command (documented in the README)."""

    ok = 0
    some_failed = 1  # a multi-file run where at least one file failed
    usage = 2  # bad command-line arguments
    input_missing = 3  # path does not exist, or is a directory where a file is needed
    unsupported_type = 4  # content sniffed as a type verify cannot read
    corrupt_input = 5  # zero-byte, truncated or malformed file
    encrypted = 6  # encrypted PDF without (or with a wrong) --password
    too_large = 7  # pixel or page limit exceeded (decompression bomb guard)
    ocr_failed = 8  # tesseract missing, crashed or lacks a language
    bad_record = 9  # a saved record of another schema, or malformed
    archive_failed = 10  # archive missing, locked by another process, read-only or disk full
    integrity_failed = 11  # tampering found, or a proof / signed report that does not verify
    cluster_failed = 12  # the Dask scheduler of --scheduler unreachable, without workers, or gone
    internal = 70  # a bug: please report it
    interrupted = 130  # Ctrl-C


class VerifyError(Exception):
    """Base of every error verify reports to the user."""

    exit_code: ExitCode = ExitCode.internal


class InputMissingError(VerifyError):
    """The input path does not exist or is not a regular file."""

    exit_code = ExitCode.input_missing


class UnsupportedTypeError(VerifyError):
    """The sniffed content type is not one verify reads."""

    exit_code = ExitCode.unsupported_type


class CorruptInputError(VerifyError):
    """The file is empty, truncated or malformed."""

    exit_code = ExitCode.corrupt_input


class EncryptedInputError(VerifyError):
    """The PDF is encrypted and no working password was given."""

    exit_code = ExitCode.encrypted


class InputTooLargeError(VerifyError):
    """The file exceeds the pixel or page limit (a guard against decompression bombs)."""

    exit_code = ExitCode.too_large


class OcrError(VerifyError):
    """Tesseract is missing, failed, or lacks a requested language."""

    exit_code = ExitCode.ocr_failed


class RecordError(VerifyError):
    """A saved record is malformed or of another schema version."""

    exit_code = ExitCode.bad_record


class ArchiveError(VerifyError):
    """The archive cannot be used: missing, locked, read-only, or the disk is full."""

    exit_code = ExitCode.archive_failed


class IntegrityError(VerifyError):
    """Something does not verify: a changed original, log entry or record, a bad signature."""

    exit_code = ExitCode.integrity_failed


class ClusterError(VerifyError):
    """The Dask cluster of ``--scheduler`` cannot be used: unreachable, no worker, or gone.

    Never a file's fault, so never a quarantine: the batch stops, what it committed stays,
    and the same command run again goes on from there.
    """

    exit_code = ExitCode.cluster_failed


_OPTION = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*")
_CLAUSE_START = re.compile(r"[:;] ")


def without_foreign_hints(message: str, options: Collection[str]) -> str:
    """``message`` without its closing hint when the hint names an option ``options`` lacks.

    Errors are raised deep in the library, which does not know the command: reading a
    page is the same in ``extract`` and in ``scrub``, but only one of them has
    ``--max-pages``. The hint is the clause (after ``": "`` or ``"; "``) where the first
    foreign option is named, and everything after it; the finding itself is kept.
    """
    foreign = [m for m in _OPTION.finditer(message) if m.group(0) not in options]
    if not foreign:
        return message
    starts = [m.start() for m in _CLAUSE_START.finditer(message, 0, foreign[0].start())]
    return message[: starts[-1]] if starts else message
