"""Identify an input file by its content: the first stage of extraction.

A path becomes a ``Source``: identity by sha256, type sniffed from the bytes, never from
the extension. Reading its pages is the job of the class of its type (``verify.reading.inputs``),
chosen once from ``Source.media_type``; this module stays free of the PDF and image
libraries, so that hashing a file, or refusing one, stays cheap.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from verify.errors import (
    CorruptInputError,
    InputMissingError,
    UnsupportedTypeError,
)
from verify.resources import load_json

if TYPE_CHECKING:
    from verify.record import SourceInfo

__all__ = [
    "PDF",
    "SUPPORTED_MEDIA_TYPES",
    "PageImage",
    "Source",
    "describe_content",
    "open_source",
    "sniff_media_type",
]

PDF = "application/pdf"

SUPPORTED_MEDIA_TYPES = (PDF, "image/png", "image/jpeg", "image/tiff", "image/webp", "image/heic")
"""Every media type ``sniff_media_type`` can return; models/media_types.json has the magic."""

HEAD_SIZE = 4096
"""Bytes read to sniff the type: enough for a PDF header after junk and an ftyp box."""

_CHUNK = 1 << 20  # hashing reads 1 MiB at a time: constant memory for any file size


@dataclass(frozen=True)
class Source:
    """An input file identified by content: what the record's ``source`` says."""

    path: Path
    file_name: str
    sha256: str
    media_type: str
    size: int
    given_path: str = ""  # as the user typed it: the record must not leak the home folder

    def info(self) -> SourceInfo:
        """The record's view of this source (the path as given, not made absolute)."""
        from verify.record import SourceInfo  # the record's models: only once it is built

        return SourceInfo(
            path=_shown_name(self.given_path or str(self.path)),
            file_name=_shown_name(self.file_name),
            sha256=self.sha256,
            media_type=self.media_type,
            size=self.size,
        )


def _shown_name(name: str) -> str:
    r"""A file name as text a record can hold: bytes that are not UTF-8 as ``\xNN``.

    Linux names are bytes; Python keeps the ones that do not decode as lone surrogates,
    which no JSON writer accepts, so such a name once made ``--json`` fail as a bug.
    """
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


@dataclass(frozen=True, eq=False)
class PageImage:
    """One page as pixels, ready for preparation and OCR.

    ``pixels`` is uint8, H x W (grey) or H x W x 3 (RGB), C-contiguous and owned by the
    caller (writable; nothing else holds it). ``dpi`` comes from file metadata when it is
    plausible, or is the render resolution for PDF pages; None when unknown (phone
    photos). ``applied`` lists what loading already did, in order, so preparation does not
    do it twice and the record can say so. Equality is identity: comparing arrays
    element-wise is never what a caller of ``==`` on a page means.
    """

    pixels: np.ndarray
    dpi: float | None
    applied: tuple[str, ...] = ()


# --------------------------------------------------------------------------- sniffing


def sniff_media_type(head: bytes) -> str | None:
    """Return the supported media type of content starting with ``head``, or None.

    Decides from bytes alone (models/media_types.json): a PNG named ``.pdf`` is a PNG.
    Never raises, whatever the bytes.
    """
    media_type, _ = _sniff(head)
    return media_type


def describe_content(head: bytes) -> str | None:
    """Say what unsupported content looks like ("a ZIP archive", "plain text"), if known."""
    media_type, looks_like = _sniff(head)
    if media_type is not None:
        return str(load_json("media_types.json")["supported"][media_type])
    return looks_like


def _sniff(head: bytes) -> tuple[str | None, str | None]:
    """Return (supported media type, None) or (None, what it looks like or None)."""
    table = load_json("media_types.json")
    for entry in table["signatures"]:
        if _matches(head, entry):
            return entry.get("media_type"), entry.get("looks_like")
    if head[4:8] == b"ftyp":
        return _sniff_ftyp(head, table["ftyp"])
    return None, _describe_text(head, table["text_prefixes"])


def _matches(head: bytes, entry: dict[str, Any]) -> bool:
    pairs = [(offset, bytes.fromhex(magic)) for offset, magic in entry["match"]]
    window = entry.get("search_within")
    if window:  # a single signature allowed anywhere in the first `window` bytes
        offset, magic = pairs[0]
        return magic in head[offset : offset + window]
    return all(head[offset : offset + len(magic)] == magic for offset, magic in pairs)


def _sniff_ftyp(head: bytes, entries: list[dict[str, Any]]) -> tuple[str | None, str | None]:
    """ISO base media files: decide by the major brand and the compatible brands."""
    box_size = int.from_bytes(head[0:4], "big")
    end = min(max(box_size, 16), len(head), 256)
    brands = {head[8:12].decode("latin-1")}
    brands.update(head[i : i + 4].decode("latin-1") for i in range(16, end - 3, 4))
    for entry in entries:
        if brands.intersection(entry["brands"]):
            return entry.get("media_type"), entry.get("looks_like")
    return None, "an ISO media file (video or image) of a kind verify does not read"


def _describe_text(head: bytes, prefixes: list[dict[str, Any]]) -> str | None:
    """Recognise text content, which has no magic number: HTML, JSON, e-mail, plain text."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "plain text (UTF-16)"
    sample = head.removeprefix(b"\xef\xbb\xbf")
    if not sample or b"\x00" in sample:
        return None
    try:
        text = sample.decode("utf-8")
    except UnicodeDecodeError as error:
        # a multi-byte character cut by the head's end is still text; anything else may be
        # a single-byte encoding such as cp1251, judged by its control characters below
        text = sample[: error.start].decode("utf-8") if error.start >= len(sample) - 3 else ""
        if not text:
            text = sample.decode("latin-1")
    printable = sum(1 for char in text if char.isprintable() or char in "\t\r\n\f")
    if printable < 0.95 * len(text):
        return None
    start = text.lstrip().lower()
    for entry in prefixes:
        if start.startswith(entry["prefix"]):
            return str(entry["looks_like"])
    return "plain text"


def supported_names() -> str:
    """The supported types as users name them: "PDF, PNG, JPEG, TIFF, WebP and HEIC"."""
    names = [str(name) for name in load_json("media_types.json")["supported"].values()]
    return ", ".join(names[:-1]) + " and " + names[-1]


# --------------------------------------------------------------------------- sources


def open_source(path: str | os.PathLike[str]) -> Source:
    """Identify an input file: check it, sniff its type, hash it (streaming).

    Raises ``InputMissingError`` when the path does not exist, is a directory, is not a
    regular file or cannot be read; ``CorruptInputError`` for a zero-byte file;
    ``UnsupportedTypeError`` when the content is none of the supported types. The file is
    only ever opened for reading.
    """
    path = Path(path)
    shown = str(path)
    try:
        status = path.stat()  # stat before open: opening a FIFO would block forever
    except FileNotFoundError as error:
        raise InputMissingError(f"{shown}: does not exist: check the path") from error
    except PermissionError as error:
        raise InputMissingError(
            f"{shown}: cannot be reached (permission denied): check the folder's permissions"
        ) from error
    except OSError as error:
        raise InputMissingError(
            f"{shown}: cannot be opened ({error.strerror}): check the path"
        ) from error
    if stat.S_ISDIR(status.st_mode):
        raise InputMissingError(f"{shown}: is a directory: pass a file inside it")
    if not stat.S_ISREG(status.st_mode):
        raise InputMissingError(
            f"{shown}: is not a regular file (a pipe, socket or device): save it to a file first"
        )
    if status.st_size == 0:
        raise CorruptInputError(f"{shown}: is empty (0 bytes): get a complete copy of the file")
    try:
        with path.open("rb") as handle:
            head = handle.read(HEAD_SIZE)
            media_type = sniff_media_type(head)
            if media_type is None:
                raise UnsupportedTypeError(_unsupported_message(shown, head))
            digest = hashlib.sha256(head)
            size = len(head)
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)
                size += len(chunk)
    except PermissionError as error:
        raise InputMissingError(
            f"{shown}: cannot be read (permission denied): check the file's permissions"
        ) from error
    except OSError as error:
        raise InputMissingError(
            f"{shown}: cannot be read ({error.strerror}): check the file"
        ) from error
    if size == 0:  # emptied between stat and read
        raise CorruptInputError(f"{shown}: is empty (0 bytes): get a complete copy of the file")
    return Source(
        path=path.absolute(),
        given_path=str(path),
        file_name=path.name,
        sha256=digest.hexdigest(),
        media_type=media_type,
        size=size,
    )


def _unsupported_message(shown: str, head: bytes) -> str:
    looks_like = describe_content(head)
    what = f"it looks like {looks_like}" if looks_like else "its type is not recognised"
    return (
        f"{shown}: cannot read this file, {what}: verify reads {supported_names()}; "
        "convert or export it to PDF or an image first"
    )
