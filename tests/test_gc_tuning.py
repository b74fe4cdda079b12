"""Raised collector thresholds during extraction, and the caller's own settings restored."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from tests.conftest import document
from verify import extract
from verify.gc_tuning import THRESHOLDS, fewer_collections
from verify.options import ExtractOptions

CALLER = (900, 11, 12)  # a caller's own setting, unlike both the default and ours


@pytest.fixture(autouse=True)
def caller_thresholds() -> Iterator[None]:
    before = gc.get_threshold()
    gc.set_threshold(*CALLER)
    yield
    gc.set_threshold(*before)


def test_the_block_runs_with_raised_thresholds_and_the_callers_come_back() -> None:
    with fewer_collections():
        assert gc.get_threshold() == THRESHOLDS
    assert gc.get_threshold() == CALLER


def test_nested_use_keeps_the_setting_until_the_outermost_block_ends() -> None:
    with fewer_collections():
        with fewer_collections():
            pass
        assert gc.get_threshold() == THRESHOLDS
    assert gc.get_threshold() == CALLER


def test_an_exception_still_restores_the_callers_thresholds() -> None:
    with pytest.raises(RuntimeError), fewer_collections():
        raise RuntimeError("boom")
    assert gc.get_threshold() == CALLER


def test_overlapping_threads_restore_the_callers_thresholds_once_both_leave() -> None:
    inside, release = threading.Barrier(2), threading.Event()

    def work() -> None:
        with fewer_collections():
            inside.wait()
            release.wait()

    first = threading.Thread(target=work)
    first.start()
    with fewer_collections():
        inside.wait()
        release.set()
        first.join()
        assert gc.get_threshold() == THRESHOLDS  # the other thread left; this one has not
    assert gc.get_threshold() == CALLER


def test_extract_leaves_the_callers_thresholds_as_it_found_them() -> None:
    path = document("ru_minzdrav_founding", "born_digital.pdf")
    record = extract(path, ExtractOptions(cache_dir=None))
    assert record.document_number is not None
    assert gc.get_threshold() == CALLER
