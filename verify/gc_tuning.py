"""Fewer garbage collections while verify works through documents.

A verify process holds a large heap for its whole life (spaCy pipelines, dateparser's
locale tables, pydantic schemas: about 200,000 objects the cycle collector tracks) and
every document allocates tens of thousands of short-lived containers. With CPython's
default thresholds (700, 10, 10) those temporaries trigger a young collection every 700
allocations; objects caught alive mid-document are promoted, and every so often a full
collection walks the whole heap again. Raising the thresholds (``THRESHOLDS``) lets a
document's temporaries die young, which costs the archive about as little CPU as switching
the collector off, and less than ``gc.freeze()`` after start-up.

Only the thresholds change, never whether collection happens: cyclic garbage is still
freed, a little later. The previous thresholds come back when the outermost user leaves,
so a program that calls ``verify.extract`` keeps its own settings between calls.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

THRESHOLDS = (10_000, 10, 10)
"""Young-generation threshold raised from 700 to 10,000 allocations; the others as default."""

_lock = threading.Lock()
_depth = 0
_saved: tuple[int, int, int] | None = None


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Run the block with ``THRESHOLDS``; nested and concurrent uses share one setting."""
    global _depth, _saved
    with _lock:
        if _depth == 0:
            _saved = gc.get_threshold()
            gc.set_threshold(*THRESHOLDS)
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _saved is not None:
                gc.set_threshold(*_saved)
                _saved = None
