"""The OCR cache keeps no secrets: private modes, sealed entries, `verify cache info|purge`."""

from __future__ import annotations

import gzip
import json
import os
import stat
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import document
from verify.reading import ocr_cache

pytestmark = pytest.mark.fresh_ocr_cache  # tests of the cache itself

SCAN = document("en_ngo", "scan_300dpi.png")
"""An image page: reading it runs tesseract, so the cache gets real OCR text."""


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _read_scan(cli_subprocess, cache: Path, *extra: str):
    os.environ["VERIFY_CACHE_DIR"] = str(cache)  # restored by conftest's monkeypatch
    run = cli_subprocess("extract", SCAN, "--json", "--lang", "en", *extra)
    assert run.code == 0, run.stderr
    return run


def test_user_cache_is_private_and_purge_empties_it(tmp_path, cli_subprocess):
    cache = tmp_path / "new" / "cache"
    run = _read_scan(cli_subprocess, cache)
    (record,) = run.json_lines()
    entries = sorted(cache.rglob("*.json.gz"))
    assert entries, "reading an image page cached nothing"
    for folder in (cache, cache / ocr_cache.LAYOUT, *(e.parent for e in entries)):
        assert _mode(folder) == 0o700, folder
    for entry in entries:
        assert _mode(entry) == 0o600, entry
    # What the README warns of: the cache holds the page's text.
    word = max(record["text"].split(), key=len)
    assert any(word in gzip.decompress(e.read_bytes()).decode() for e in entries)

    info = cli_subprocess("cache", "info", "--json")
    assert info.code == 0, info.stderr
    shown = json.loads(info.stdout)
    assert shown["folder"] == str(cache)
    assert shown["entries"] == len(entries)
    assert shown["bytes"] == sum(e.stat().st_size for e in entries)
    assert shown["readable_by_others"] == []

    mine = cache / "notes.txt"  # a folder the user named may hold other things: kept
    mine.write_text("mine")
    purged = cli_subprocess("cache", "purge")
    assert purged.code == 0, purged.stderr
    assert f"removed {len(entries)} page reading(s)" in purged.stdout
    assert not list(cache.rglob("*.json.gz"))
    assert mine.read_text() == "mine" and cache.is_dir()
    assert json.loads(cli_subprocess("cache", "info", "--json").stdout)["entries"] == 0


def test_an_older_loose_cache_is_tightened_and_reported(tmp_path, cli_subprocess):
    cache = tmp_path / "cache"
    (cache / ocr_cache.LAYOUT / "ab").mkdir(parents=True)
    for folder in (cache, cache / ocr_cache.LAYOUT, cache / ocr_cache.LAYOUT / "ab"):
        folder.chmod(0o755)
    old = cache / ocr_cache.LAYOUT / "ab" / ("ab" * 32 + ".json.gz")
    old.write_bytes(gzip.compress(b'{"key": "x", "value": 1}'))
    old.chmod(0o644)
    os.environ["VERIFY_CACHE_DIR"] = str(cache)
    info = cli_subprocess("cache", "info")
    assert "other users can read" in info.stdout
    assert str(cache / ocr_cache.LAYOUT) in info.stdout
    _read_scan(cli_subprocess, cache)
    assert _mode(cache / ocr_cache.LAYOUT) == 0o700  # nobody else can reach an entry now


def test_no_cache_env_keeps_nothing(tmp_path, cli_subprocess, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("VERIFY_NO_CACHE", "1")
    _read_scan(cli_subprocess, cache)
    assert not cache.exists()
    info = cli_subprocess("cache", "info")
    assert "not used: $VERIFY_NO_CACHE is set" in info.stdout


@settings(max_examples=25, deadline=None)
@given(
    text=st.text(min_size=1, max_size=60).filter(lambda t: len(t.encode()) >= 4),
    key=st.binary(min_size=32, max_size=32),
)
def test_sealed_entries_round_trip_and_hide_text_and_image(tmp_path_factory, text, key):
    cache = tmp_path_factory.mktemp("sealed")
    image = "cd" * 32
    value = {"words": [text], "empty_blocks": []}
    answer = ocr_cache.cached(cache, image, "page|eng", lambda: "5", lambda: value, key)
    assert answer == value
    assert ocr_cache.cached(cache, image, "page|eng", lambda: "5", lambda: None, key) == value
    (entry,) = [p for p in cache.rglob("*") if p.is_file()]
    assert entry.parent.parent.name == ocr_cache.SEALED_LAYOUT
    plain_key = ocr_cache.cache_key(image, "page|eng", "5")
    assert plain_key not in str(entry)  # the name says nothing of which image was read
    raw = entry.read_bytes()
    assert text.encode() not in raw and json.dumps(text).encode() not in raw
    with pytest.raises(OSError):
        gzip.decompress(raw)
    assert ocr_cache.load(cache, plain_key, bytes(32) if key != bytes(32) else b"\1" * 32) is None
    assert ocr_cache.load(cache, plain_key) is None  # a plain reader sees nothing


def test_a_tampered_sealed_entry_is_a_miss(tmp_path):
    key = os.urandom(32)
    ocr_cache.store(tmp_path, "k" * 64, {"words": ["x"]}, key)
    (entry,) = [p for p in tmp_path.rglob("*") if p.is_file()]
    data = bytearray(entry.read_bytes())
    data[-1] ^= 1
    entry.write_bytes(bytes(data))
    assert ocr_cache.load(tmp_path, "k" * 64, key) is None
