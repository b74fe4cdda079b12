"""A disk cache of tesseract's answers, so re-reading the same file never re-runs OCR.

Key: the sha256 of the exact image tesseract was given (pixels and shape), the request
(languages, page segmentation mode, extra config, or "osd") and tesseract's version — so
a new engine or a changed preparation simply misses. Value: the answer as gzipped JSON.

On-disk layout (version 1): ``<cache_dir>/ocr-v1/<key[:2]>/<key>.json.gz``, each file a
gzip of ``{"key": <key>, "value": <answer>}``. Files are written to a temporary name in the
same folder and moved into place with ``os.replace``, so a concurrent reader sees either
no entry or a whole one; an entry that cannot be read is treated as missing and rewritten.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

LAYOUT = "ocr-v1"

T = TypeVar("T")


def cache_key(image_sha256: str, request: str, engine_version: str) -> str:
    """Combine what determines tesseract's answer into one hex key."""
    material = json.dumps([image_sha256, request, engine_version], ensure_ascii=True)
    return hashlib.sha256(material.encode()).hexdigest()


def _entry_path(cache_dir: Path, key: str) -> Path:
    return cache_dir / LAYOUT / key[:2] / f"{key}.json.gz"


def load(cache_dir: Path, key: str) -> Any | None:
    """Return the cached answer for ``key``, or None when absent or unreadable."""
    path = _entry_path(cache_dir, key)
    try:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            entry = json.load(handle)
    except (OSError, EOFError, ValueError, UnicodeDecodeError):
        return None
    if not isinstance(entry, dict) or entry.get("key") != key or "value" not in entry:
        return None
    return entry["value"]


def store(cache_dir: Path, key: str, value: Any) -> None:
    """Write an answer atomically; a cache that cannot be written is silently skipped.

    The cache only saves time: a read-only or full disk must not fail an extraction.
    """
    path = _entry_path(cache_dir, key)
    payload = gzip.compress(
        json.dumps({"key": key, "value": value}, ensure_ascii=False).encode("utf-8"), 6
    )
    tmp_name = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
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
) -> T:
    """Return the cached answer to ``request`` on this image, computing and storing it if new.

    ``engine_version`` is called only when the cache is enabled, so a disabled cache
    costs nothing extra.
    """
    if cache_dir is None:
        return compute()
    key = cache_key(image_sha256, request, engine_version())
    hit = load(cache_dir, key)
    if hit is not None:
        return hit
    value = compute()
    store(cache_dir, key, value)
    return value
