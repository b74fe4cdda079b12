"""The bounded cache shared by the PDF, record and archive caches."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from verify.lru import LruCache

operations = st.lists(
    st.tuples(st.sampled_from(["get", "put", "pop"]), st.integers(0, 6)), max_size=60
)


@given(st.integers(1, 4), operations)
def test_keeps_the_most_recently_used_and_returns_what_it_drops(size, ops) -> None:
    cache: LruCache[int, str] = LruCache(size)
    recent: list[int] = []  # the model: keys, least recently used first
    for op, key in ops:
        if op == "get":
            got = cache.get(key)
            assert got == (f"v{key}" if key in recent else None)
            if key in recent:
                recent.remove(key)
                recent.append(key)
        elif op == "pop":
            assert cache.pop(key) == (f"v{key}" if key in recent else None)
            if key in recent:
                recent.remove(key)
        else:
            dropped = cache.put(key, f"v{key}")
            if key in recent:
                recent.remove(key)
            recent.append(key)
            expected = recent[: max(0, len(recent) - size)]
            del recent[: len(expected)]
            assert dropped == [f"v{k}" for k in expected]
        assert len(cache) == len(recent) <= size
    assert sorted(cache.clear()) == sorted(f"v{k}" for k in recent)
    assert len(cache) == 0
