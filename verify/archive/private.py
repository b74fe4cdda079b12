"""Keeping an archive private to its owner on a shared machine.

An archive holds the evidence and, unless ``--encrypt-sources``, who gave it: any other
user of the machine must read nothing of it. The archive folder and every folder verify
makes in it are 0700, the database (and SQLite's ``-wal``/``-shm``, which SQLite creates
with the database's own mode), the marker and the private key 0600, originals 0400
(read-only and private). The folder's own mode is what keeps others out: a private folder
cannot be entered, whatever the modes inside it.

An archive made by an older verify (folders 0755, database 0644, originals 0444) is made
private by the next command that writes to it (``ingest``, ``archive reextract``...);
``archive verify``, which never writes, names what other users can read. Only files this
user owns are changed: a file of another owner is named, never touched.

Sealed OCR cache: an archive that encrypts its sources keeps its OCR cache sealed under
a key derived from its passphrase (``verify.reading.ocr_cache``); the plain entries an older verify
left there are removed.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from verify.options import ExtractOptions
from verify.reading import ocr_cache

if TYPE_CHECKING:
    from verify.archive.archive import Archive

FOLDER_MODE = 0o700
FILE_MODE = 0o600
ORIGINAL_MODE = 0o400

PRIVATE_FILES = (
    "archive.sqlite",
    "archive.sqlite-wal",
    "archive.sqlite-shm",
    "archive.json",
    "keys/signing.key",
)
"""Files at known places that must be 0600 (the public key may stay readable)."""

LOOSE_SHOWN = 5
"""How many readable paths ``loose_paths`` notes name before it says 'and N more'."""

CACHE_PURPOSE = "ocr-cache"


def create_private_file(path: Path) -> None:
    """Create an empty file 0600 (nothing if it exists): SQLite then keeps that mode."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))


def _own(path: Path) -> os.stat_result | None:
    """The path's stat when it is this user's own file or folder (never through a link)."""
    try:
        info = path.lstat()
    except OSError:
        return None
    if stat.S_ISLNK(info.st_mode) or info.st_uid != os.geteuid():
        return None
    return info


def _tighten(path: Path, mode: int) -> bool:
    """Change ``path`` to ``mode`` when it is ours and looser; True when it was changed."""
    info = _own(path)
    if info is None or stat.S_IMODE(info.st_mode) & 0o077 == 0:
        return False
    with contextlib.suppress(OSError):
        path.chmod(mode)
        return True
    return False


def tighten(root: Path) -> int:
    """Make the archive folder, its folders and its private files owner-only; how many changed.

    Cheap (a few known paths and the top-level folders), so every writing command runs it;
    originals are not walked: a private archive folder already keeps them from others.
    """
    changed = int(_tighten(root, FOLDER_MODE))
    with contextlib.suppress(OSError):
        for child in root.iterdir():
            if child.is_dir() and not child.is_symlink():
                changed += _tighten(child, FOLDER_MODE)
    for name in PRIVATE_FILES:
        changed += _tighten(root / name, FILE_MODE)
    return changed


@contextmanager
def owner_only() -> Iterator[None]:
    """Run a block with umask 077: every file and folder it creates is private.

    The index, the SQLite files and whatever a library writes for verify need no mode of
    their own then. The umask is the process's: files other threads create meanwhile are
    private too (stricter, never looser).
    """
    previous = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(previous)


def _readable(root: Path) -> Iterator[tuple[Path, int]]:
    """Every path under ``root`` that other users can reach and read or enter, with its mode.

    A path is reachable when every folder above it lets group or others pass (x): inside a
    private folder, a file's own mode exposes nothing.
    """
    reachable = {root.parent}
    for folder, _, files in os.walk(root):  # os.walk never enters a linked folder
        here = Path(folder)
        for path in (here, *(here / name for name in files)):
            with contextlib.suppress(OSError):
                mode = stat.S_IMODE(path.lstat().st_mode)
                if path.parent not in reachable or path.name == "signing.pub":
                    continue
                if path == here and mode & 0o011:
                    reachable.add(here)
                if mode & 0o077:
                    yield path, mode


def loose_paths(root: Path) -> list[str]:
    """Notes for ``archive verify``: what in the archive other users can read, if anything."""
    found = list(_readable(root))
    if not found:
        return []
    shown = ", ".join(
        f"{path.relative_to(root) if path != root else '.'} ({mode:04o})"
        for path, mode in found[:LOOSE_SHOWN]
    )
    more = f" and {len(found) - LOOSE_SHOWN} more" if len(found) > LOOSE_SHOWN else ""
    return [
        f"other users of this machine can read the archive: {shown}{more}; the next ingest "
        f"makes it private, or run: chmod -R go= {root}"
    ]


def archive_options(archive: Archive, options: ExtractOptions | None) -> ExtractOptions:
    """Extraction options for work on ``archive``: its own OCR cache, sealed if it encrypts.

    Without options, the archive's cache. An archive that encrypts its sources always
    caches in its own folder, sealed, whatever cache the caller chose (its pages must not
    land in plain text in the user's cache); a disabled cache stays disabled.
    """
    if options is None:
        options = ExtractOptions(cache_dir=archive.cache_dir)
    if not archive.encrypts_sources or options.cache_dir is None:
        return options
    seal = archive.cipher().subkey(CACHE_PURPOSE)
    return dataclasses.replace(options, cache_dir=archive.cache_dir, cache_seal=seal)


def secure(archive: Archive) -> None:
    """Before a command writes: make the archive private, and drop plain OCR entries.

    Plain entries in an archive that encrypts its sources were left by an older verify.
    """
    tighten(archive.root)
    if archive.encrypts_sources:
        with contextlib.suppress(OSError):
            ocr_cache.purge(archive.cache_dir, (ocr_cache.LAYOUT,))
