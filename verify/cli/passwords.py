"""Passwords and passphrases for the CLI: from a file, a pipe, a prompt or the environment.

Never from the command line alone: every user of the machine sees a process's arguments
(``ps``, ``/proc/PID/cmdline``). So encrypted PDFs take ``--password-file FILE`` (``-``:
asked on the terminal without echo, or read from a pipe) or $VERIFY_PDF_PASSWORD, and an
archive's passphrase comes from $VERIFY_ARCHIVE_PASSPHRASE, the file named by
$VERIFY_ARCHIVE_PASSPHRASE_FILE, or a prompt.
"""

from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from verify.options import PDF_PASSWORD_ENV, UsageError, read_secret_file

PASSPHRASE_FILE_ENV = "VERIFY_ARCHIVE_PASSPHRASE_FILE"
"""Names a file whose first line is the archive's passphrase."""


def pdf_password(value: str | None) -> str | None:
    """``--password-file``'s value turned into the password itself (the option's callback).

    ``-`` asks on the terminal (no echo), or reads the first line of a pipe; no option
    falls back to $VERIFY_PDF_PASSWORD; none of them means no password.
    """
    if value is None:
        return os.environ.get(PDF_PASSWORD_ENV) or None
    if value == "-":
        return _from_stdin("PDF password: ")
    return read_secret_file(Path(value), "--password-file")


def _from_stdin(prompt: str) -> str:
    """A secret typed on the terminal without echo, or the first line of a pipe."""
    if sys.stdin is None:
        raise UsageError("--password-file -: no standard input to read the password from")
    if sys.stdin.isatty():
        secret = getpass.getpass(prompt)
    else:
        secret = sys.stdin.readline().rstrip("\r\n")
    if not secret:
        raise UsageError("--password-file -: no password was given")
    return secret


PasswordOption = Annotated[
    str | None,
    typer.Option(
        "--password-file",
        metavar="FILE",
        callback=pdf_password,
        help=(
            "Encrypted PDFs: read the password from FILE's first line ('-': ask, or read "
            f"a pipe); default ${PDF_PASSWORD_ENV}. Never on the command line: ps shows it."
        ),
    ),
]
"""The one declaration of the PDF password option, shared by every reading command."""


def archive_passphrase() -> str | None:
    """The archive passphrase from the environment or a file it names; None if neither."""
    from verify.archive.archive import PASSPHRASE_ENV

    if value := os.environ.get(PASSPHRASE_ENV):
        return value
    if file := os.environ.get(PASSPHRASE_FILE_ENV):
        return read_secret_file(Path(file), f"${PASSPHRASE_FILE_ENV}")
    return None


def ask_archive_passphrase(needed: bool, confirm: bool = False) -> str | None:
    """The archive passphrase from the environment, else asked on a terminal when ``needed``.

    The one prompt of every archive command: ``confirm`` asks twice (a new archive's
    passphrase, where a typo would lock its owner out). None when no terminal can ask.
    """
    if value := archive_passphrase():
        return value
    if needed and sys.stdin is not None and sys.stdin.isatty():
        return str(typer.prompt("archive passphrase", hide_input=True, confirmation_prompt=confirm))
    return None
