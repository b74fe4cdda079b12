"""A bounded mapping that keeps its most recently used entries.

``functools.lru_cache`` serves when the key is the function's argument; the caches here
are keyed by something else (an object's identity, a document's version, an open file's
path) or must close what they drop, so they share this one small class instead of each
writing its own eviction.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class LruCache(Generic[K, V]):
    """At most ``size`` entries; using or adding one makes it the last to be dropped."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._entries: OrderedDict[K, V] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: K) -> V | None:
        """The entry of ``key`` (now the most recently used), or None."""
        value = self._entries.get(key)
        if value is not None:
            self._entries.move_to_end(key)
        return value

    def pop(self, key: K) -> V | None:
        """Remove and return the entry of ``key``, or None: the caller now owns it."""
        return self._entries.pop(key, None)

    def put(self, key: K, value: V) -> list[V]:
        """Keep ``value`` under ``key``; returns the values dropped to stay within size."""
        self._entries[key] = value
        self._entries.move_to_end(key)
        dropped = []
        while len(self._entries) > self._size:
            dropped.append(self._entries.popitem(last=False)[1])
        return dropped

    def values(self) -> list[V]:
        """Every entry's value, least recently used first (the cache is unchanged)."""
        return list(self._entries.values())

    def clear(self) -> list[V]:
        """Forget every entry; returns their values (to close them, if they need it)."""
        values = list(self._entries.values())
        self._entries.clear()
        return values
