"""A disk cache of tesseract's answers, so re-reading the same file never re-runs OCR.

Key: the sha256 of the exact image tesseract was given (pixels and shape), the request
(languages, page segmentation mode and extra config) and tesseract's version — so
a new engine or a changed preparation simply misses. Value: the answer as gzipped JSON.

What it holds is sensitive: tesseract's answer is the text of every page read, names,
phone numbers and addresses included. So the cache is private to its owner (folders
0700, entries 0600), ``verify cache purge`` empties it, and an archive that encrypts its
sources keeps its cache *sealed*: each entry encrypted (AES-256-GCM) under a key derived
from the archive's passphrase, and named by an HMAC of its key, so neither the text nor
which images were read can be told from the files.

On-disk layouts: plain ``<cache_dir>/ocr-v1/<key[:2]>/<key>.json.gz``, each file a gzip of
``{"key": <key>, "value": <answer>}``; sealed ``<cache_dir>/ocr-sealed-v1/<name[:2]>/<name>``,
each file nonce (12 bytes) || AES-GCM(gzip of the same JSON), the name as associated data.
Files are written to a temporary name in the same folder and moved into place with
``os.replace``, so a concurrent reader sees either no entry or a whole one; an entry that
cannot be read is treated as missing and rewritten.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import hmac
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, cast

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

LAYOUT = "ocr-v1"
SEALED_LAYOUT = "ocr-sealed-v1"
LAYOUTS = (LAYOUT, SEALED_LAYOUT)
"""Every folder this module writes under a cache folder: all that ``purge`` removes (the
cache folder itself may be one the user named, so it is never removed whole)."""

FOLDER_MODE = 0o700
FILE_MODE = 0o600

T = TypeVar("T")


def cache_key(image_sha256: str, request: str, engine_version: str) -> str:
    """Combine what determines tesseract's answer into one hex key."""
    material = json.dumps([image_sha256, request, engine_version], ensure_ascii=True)
    return hashlib.sha256(material.encode()).hexdigest()


def _entry_path(cache_dir: Path, key: str, seal: bytes | None) -> Path:
    if seal is None:
        return cache_dir / LAYOUT / key[:2] / f"{key}.json.gz"
    name = hmac.new(seal, key.encode("ascii"), hashlib.sha256).hexdigest()
    return cache_dir / SEALED_LAYOUT / name[:2] / name


def load(cache_dir: Path, key: str, seal: bytes | None = None) -> Any | None:
    """Return the cached answer for ``key``, or None when absent or unreadable.

    ``seal`` is the 32-byte key of a sealed cache (None: plain entries).
    """
    path = _entry_path(cache_dir, key, seal)
    try:
        raw = path.read_bytes()
        if seal is not None:
            raw = AESGCM(seal).decrypt(raw[:12], raw[12:], path.name.encode("ascii"))
        entry = json.loads(gzip.decompress(raw).decode("utf-8"))
    except (OSError, EOFError, ValueError, UnicodeDecodeError, InvalidTag):
        return None
    if not isinstance(entry, dict) or entry.get("key") != key or "value" not in entry:
        return None
    return entry["value"]


def _private_folder(folder: Path) -> None:
    """Create ``folder`` (and missing parents) owner-only; tighten it if it was looser."""
    folder.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    if folder.stat().st_mode & 0o077:
        folder.chmod(FOLDER_MODE)


def store(cache_dir: Path, key: str, value: Any, seal: bytes | None = None) -> None:
    """Write an answer atomically; a cache that cannot be written is silently skipped.

    The cache only saves time: a read-only or full disk must not fail an extraction.
    Folders are made 0700 (the layout folder is tightened if an older verify left it
    looser) and entries 0600 (``mkstemp``'s mode).
    """
    path = _entry_path(cache_dir, key, seal)
    payload = gzip.compress(
        json.dumps({"key": key, "value": value}, ensure_ascii=False).encode("utf-8"), 6
    )
    if seal is not None:
        nonce = os.urandom(12)
        payload = nonce + AESGCM(seal).encrypt(nonce, payload, path.name.encode("ascii"))
    tmp_name = None
    try:
        if not cache_dir.exists():
            cache_dir.mkdir(mode=FOLDER_MODE, parents=True)
        _private_folder(path.parent.parent)  # the layout folder: ours, whatever cache_dir is
        _private_folder(path.parent)
        fd, tmp_name = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
        Path(tmp_name).replace(path)  # atomic within one folder (os.replace)
        tmp_name = None
    except OSError:
        return
    finally:
        if tmp_name is not None:
            Path(tmp_name).unlink(missing_ok=True)


def cached(
    cache_dir: Path | None,
    image_sha256: str,
    request: str,
    engine_version: Callable[[], str],
    compute: Callable[[], T],
    seal: bytes | None = None,
) -> T:
    """Return the cached answer to ``request`` on this image, computing and storing it if new.

    ``engine_version`` is called only when the cache is enabled, so a disabled cache
    costs nothing extra. ``seal`` makes the entries sealed (see the module docstring).
    """
    if cache_dir is None:
        return compute()
    key = cache_key(image_sha256, request, engine_version())
    hit = load(cache_dir, key, seal)
    if hit is not None:
        return cast(T, hit)
    value = compute()
    store(cache_dir, key, value, seal)
    return value


@dataclass(frozen=True)
class CacheInfo:
    """What a cache folder holds: ``verify cache info``."""

    folder: Path
    entries: int
    sealed: int
    bytes: int
    loose: tuple[str, ...]  # folders or files other users can read

    def to_json(self) -> dict[str, object]:
        """Machine-readable form (``--json``)."""
        return {
            "folder": str(self.folder),
            "entries": self.entries,
            "sealed_entries": self.sealed,
            "bytes": self.bytes,
            "readable_by_others": list(self.loose),
        }


def _files(cache_dir: Path, layout: str) -> Iterator[Path]:
    base = cache_dir / layout
    if base.is_dir():
        yield from (p for p in base.glob("??/*") if p.is_file() and not p.is_symlink())


def info(cache_dir: Path) -> CacheInfo:
    """Count the entries and bytes under ``cache_dir``, and name what others can read."""
    counts = {layout: 0 for layout in LAYOUTS}
    size = 0
    loose: list[str] = []
    for layout in LAYOUTS:
        base = cache_dir / layout
        if base.is_dir() and base.stat().st_mode & 0o077:
            loose.append(str(base))
        for path in _files(cache_dir, layout):
            stat = path.stat()
            counts[layout] += 1
            size += stat.st_size
            if stat.st_mode & 0o077 and len(loose) < 10:
                loose.append(str(path))
    return CacheInfo(cache_dir, counts[LAYOUT], counts[SEALED_LAYOUT], size, tuple(loose))


def purge(cache_dir: Path, layouts: tuple[str, ...] = LAYOUTS) -> CacheInfo:
    """Remove every entry under ``cache_dir`` (only this module's folders); what was removed.

    The folder itself stays: it may be one the user named ($VERIFY_CACHE_DIR).
    """
    before = info(cache_dir)
    for layout in layouts:
        base = cache_dir / layout
        if base.is_symlink():
            base.unlink()
        elif base.is_dir():
            with contextlib.suppress(FileNotFoundError):
                shutil.rmtree(base)
    return before
