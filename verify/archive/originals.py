"""Content-addressed, write-once originals: the evidence exactly as it was received.

Layout: ``originals/<sha[0:2]>/<sha[2:4]>/<sha256>`` (no extension: the bytes, not a name,
say what a file is). A file is written once: to a temporary name in ``originals/.incoming``,
``fsync``ed, made read-only and private (0400; folders 0700), renamed into place, and its
folder ``fsync``ed, so a crash leaves either no original or a whole one, never a torn one.
The same bytes arriving again are not written again. Reads re-hash the bytes, so a changed
original is never handed out as if it were the one received.

Bytes are written with ``os.write`` on a raw descriptor: one code path whose failures
(ENOSPC, EROFS, EACCES) are turned into ``ArchiveError`` with a message saying what to do.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from verify.errors import ArchiveError, InputMissingError, IntegrityError

CHUNK = 1 << 20
"""Read and hash 1 MiB at a time: constant memory for any file size."""

FOLDER_MODE = 0o700
ORIGINAL_MODE = 0o400
"""Originals are read-only and private to the archive's owner (see ``private``)."""

INCOMING = ".incoming"
"""Folder under ``originals/`` for writes in progress: renamed into place when whole, so
cleaning up after a killed write lists one folder, not the whole tree."""


def disk_error(error: OSError, what: str) -> ArchiveError:
    """An ``ArchiveError`` for a failed disk operation, saying what the user can do."""
    hints = {
        errno.ENOSPC: "the disk is full: free space and run the same command again",
        errno.EDQUOT: "the disk quota is exceeded: free space and run the same command again",
        errno.EROFS: "the archive is on a read-only file system: remount it read-write",
        errno.EACCES: "permission denied: check the archive folder's owner and mode",
        errno.EPERM: "permission denied: check the archive folder's owner and mode",
    }
    hint = hints.get(error.errno or 0, "check the disk and run the same command again")
    return ArchiveError(f"{what}: {error.strerror or error}; {hint}")


def sha256_file(path: Path) -> tuple[str, int]:
    """Hex SHA-256 and size of a file, read in chunks."""
    digest = hashlib.sha256()
    size = 0
    try:
        with path.open("rb", buffering=0) as handle:
            while chunk := handle.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
    except FileNotFoundError as error:
        raise InputMissingError(f"{path}: no such file") from error
    return digest.hexdigest(), size


READ_WHOLE_MAX = 8 << 20
"""Files up to this size are read once: hashed, then copied in from memory (most letters
are far smaller); larger ones are read again, in chunks, when copied."""


def read_hashed(path: Path) -> tuple[str, int, bytes | None]:
    """Hex SHA-256 and size of a file, and its bytes when at most ``READ_WHOLE_MAX``.

    Ingest hashes every file to know whether it is new, then copies a new one into the
    archive: reading a small file once, and writing the very bytes that were hashed,
    spares a second read and a second hash.

    The file is opened as ``open_received`` does: never through a symbolic link.
    """
    with open_received(path) as handle:
        if os.fstat(handle.fileno()).st_size <= READ_WHOLE_MAX:
            data = handle.read()
            return hashlib.sha256(data).hexdigest(), len(data), data
        digest = hashlib.sha256()
        size = 0
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size, None


def open_received(path: Path) -> BinaryIO:
    """Open a received file for reading, refusing a symbolic link and anything not a file.

    ``ingest`` leaves links out when it lists a folder; this closes the gap between the
    listing and the read (a file swapped for a link to ``~/.ssh/id_rsa``, or for a fifo
    that would block the batch). ``InputMissingError`` names what was refused.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError as error:
        raise InputMissingError(f"{path}: no such file") from error
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise InputMissingError(f"{path}: a symbolic link: not followed") from error
        raise
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise InputMissingError(f"{path}: not a regular file")
    return os.fdopen(fd, "rb", buffering=0)


class Originals:
    """The ``originals/`` folder of an archive."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha256: str) -> Path:
        """Where the original with this hash lives (whether or not it exists)."""
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def has(self, sha256: str) -> bool:
        """True when an original with this name exists (its bytes are not checked)."""
        return self.path(sha256).is_file()

    def put(self, source: Path, sha256: str) -> bool:
        """Copy ``source`` in as the original ``sha256``; False if it was already there.

        The three steps below in a row; ingest runs them apart, so that the ``fsync``
        overlaps the file's extraction (read from the temporary meanwhile).
        """
        temporary = self.write_temporary(source, sha256)
        if temporary is None:
            return False
        try:
            self.sync(temporary)
            self.install(temporary, sha256)
        except BaseException:
            self.discard(temporary)
            raise
        return True

    def write_temporary(self, source: Path, sha256: str, data: bytes | None = None) -> Path | None:
        """Copy ``source`` to a temporary in ``originals/.incoming``; None if already stored.

        ``data``, when given, is the file's bytes as read by ``read_hashed`` and hashed to
        ``sha256``: they are written as they are. Otherwise the copy is hashed as it is
        written: if ``source`` changed since it was hashed the copy is discarded and an
        ``IntegrityError`` raised. Either way an original is never stored under a name its
        bytes do not have. The temporary holds exactly the bytes named ``sha256`` from then
        on, but is not yet durable (``sync``) nor named (``install``).
        """
        if self.path(sha256).is_file():
            return None
        tmp = self.root / INCOMING / f".tmp-{sha256[:16]}-{os.getpid()}"
        try:
            tmp.parent.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            try:
                if data is not None:
                    _write_all(fd, data)
                    copied = sha256  # the very bytes read_hashed hashed
                else:
                    digest = hashlib.sha256()
                    with open_received(source) as handle:
                        while chunk := handle.read(CHUNK):
                            digest.update(chunk)
                            _write_all(fd, chunk)
                    copied = digest.hexdigest()
            finally:
                os.close(fd)
            if copied != sha256:
                raise IntegrityError(
                    f"{source} changed while it was being archived: run the command again"
                )
        except BaseException as error:
            self.discard(tmp)
            if isinstance(error, OSError):
                raise disk_error(error, f"cannot write the original of {source}") from error
            raise
        return tmp

    def sync(self, temporary: Path) -> None:
        """Make the temporary's bytes durable (``fsync``); safe to run on another thread."""
        try:
            fd = os.open(temporary, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as error:
            raise disk_error(error, f"cannot write the original {temporary.name}") from error

    def install(self, temporary: Path, sha256: str, *, sync_folder: bool = True) -> None:
        """Name a synced temporary as the original ``sha256``: read-only, renamed, folder synced.

        Only after ``sync``: a name in the tree must always hold whole bytes. With
        ``sync_folder=False`` the caller runs ``sync_folder`` itself (ingest does, on its
        fsync thread) and must wait for it before any row names the original.
        """
        target = self.path(sha256)
        try:
            target.parent.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
            temporary.chmod(ORIGINAL_MODE)
            temporary.replace(target)
        except OSError as error:
            self.discard(temporary)
            raise disk_error(error, f"cannot write the original {sha256}") from error
        if sync_folder:
            self.sync_folder(sha256)

    def sync_folder(self, sha256: str) -> None:
        """Make the original's name durable (``fsync`` of its folder); safe on another thread."""
        try:
            _fsync_dir(self.path(sha256).parent)
        except OSError as error:
            raise disk_error(error, f"cannot write the original {sha256}") from error

    def discard(self, temporary: Path) -> None:
        """Remove a temporary that will not be installed (nothing if it is gone)."""
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)

    def read(self, sha256: str) -> bytes:
        """The original's bytes, re-hashed: IntegrityError if they no longer match the name."""
        try:
            data = self.path(sha256).read_bytes()
        except FileNotFoundError as error:
            raise IntegrityError(f"original {sha256} is missing from the archive") from error
        if hashlib.sha256(data).hexdigest() != sha256:
            raise IntegrityError(f"original {sha256} was changed: its bytes no longer match")
        return data

    def check(self, sha256: str) -> tuple[bool, int]:
        """Re-hash one original: (matches its name, size); (False, 0) when missing."""
        try:
            digest, size = sha256_file(self.path(sha256))
        except InputMissingError:
            return False, 0
        return digest == sha256, size

    def names(self) -> Iterator[str]:
        """Every stored original's sha256 (temporary files of interrupted writes skipped)."""
        if not self.root.is_dir():
            return
        for path in self.root.glob("??/??/*"):
            if not path.name.startswith(".") and len(path.name) == 64:
                yield path.name

    def clean_temporaries(self) -> int:
        """Remove temporary files left by killed writes; returns how many.

        One folder is listed, whatever the archive's size, and a file is removed only when
        the process named in it is gone: a second process writing to the archive keeps its
        own temporaries.
        """
        removed = 0
        folder = self.root / INCOMING
        if not folder.is_dir():
            return 0
        for path in folder.glob(".tmp-*"):
            if _writer_alive(path.name):
                continue
            with contextlib.suppress(OSError):
                path.unlink()
                removed += 1
        return removed


def _writer_alive(name: str) -> bool:
    """Whether the process whose id ends a temporary's name still runs."""
    pid = name.rsplit("-", 1)[-1]
    if not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, but another user's
        return True
    return True


def _write_all(fd: int, data: bytes) -> None:
    """Write every byte (``os.write`` may write fewer than asked)."""
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _fsync_dir(folder: Path) -> None:
    """Make a rename durable: fsync the folder that holds the new name (POSIX)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError as error:
        if error.errno not in (errno.EINVAL, errno.EBADF):  # some file systems refuse it
            raise
    finally:
        os.close(fd)
