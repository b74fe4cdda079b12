r"""The terminal consoles of the command line, and the one function that makes text safe to print.

Lines are never wrapped by rich (``soft_wrap``): piped into a file or another program, a
sha256 or a path split over two lines can no longer be copied or matched, and rich would
otherwise wrap at 80 columns whenever it cannot measure a terminal. Tables are laid out to the
terminal's width on a terminal, and at their natural width when piped (a cell is never folded
into a column of 80 characters then, whatever ``COLUMNS`` says). A terminal still folds long
lines on screen itself.

Text that comes from documents, reports and file names is hostile input: a letter's subject
can read ``[/bold]`` or ``[link=...]``, a file name can hold an escape sequence, a right-to-left
override or a newline. So the consoles interpret no markup and no ``:emoji:`` codes (styles are
given as ``rich.text.Text`` objects), and every such string passes through ``printable`` before
it is printed: control and format characters are shown as Python escapes (``\x1b``,
``\u202e``, ``\n``) and can neither drive the terminal, reorder a line nor start a new one.
"""

from __future__ import annotations

import unicodedata
from typing import IO

from rich.console import Console

_ESCAPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
"""Unicode categories never written raw: controls (C0, DEL, C1), format characters (bidi
embeddings, overrides and isolates, zero-width marks), lone surrogates (undecodable bytes of a
file name) and line/paragraph separators. Fixed by the threat, not tuned: not model data."""

_PIPED_WIDTH = 1 << 16
"""The width rich lays tables out to when the output is not a terminal: wider than any line
verify prints, so nothing is wrapped to fit."""

_SHORT_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(char: str) -> str:
    if char in _SHORT_ESCAPES:
        return _SHORT_ESCAPES[char]
    code = ord(char)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def printable(text: object) -> str:
    """``text`` as one line that is safe on a terminal: controls and format characters escaped.

    Ordinary letters, digits, punctuation and spaces (no-break spaces included) are kept as
    they are; only what could act on the terminal or on the layout of the line is escaped.
    """
    value = str(text)
    if value.isprintable():
        return value
    return "".join(
        _escape(char) if unicodedata.category(char) in _ESCAPED_CATEGORIES else char
        for char in value
    )


def json_safe(text: str) -> str:
    r"""Serialised JSON with every raw control or format character written as a ``\u`` escape.

    JSON serialisers escape only C0 controls; C1 controls, DEL, bidi overrides, zero-width
    marks and line separators from a document or a file name would reach the terminal raw
    when ``--json`` is read on screen. Escaped, the JSON decodes to the very same values.
    Structural whitespace (indentation, newlines between lines) is ASCII and stays.
    """
    if text.isascii() and "\x7f" not in text:
        return text
    out = []
    for char in text:
        if char != "\x7f" and (char.isascii() or char.isprintable()):
            out.append(char)
        elif unicodedata.category(char) in _ESCAPED_CATEGORIES or char == "\x7f":
            out.append(_json_escape(char))
        else:
            out.append(char)
    return "".join(out)


def _json_escape(char: str) -> str:
    code = ord(char)
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def console(*, stderr: bool = False, file: IO[str] | None = None) -> Console:
    """A console for standard output (or standard error, or ``file``) that never wraps lines.

    It interprets no markup and no emoji codes: a string is printed as written (after
    ``printable``); styles come only from ``rich.text.Text`` objects built by verify.
    """
    terminal = Console(
        stderr=stderr, file=file, highlight=False, soft_wrap=True, markup=False, emoji=False
    )
    if not terminal.is_terminal:
        terminal.width = _PIPED_WIDTH
    return terminal
