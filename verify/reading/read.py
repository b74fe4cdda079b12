"""Read every page of a source, in order, OCRing in parallel where a page needs it.

Text-layer pages are read in the parent: that is fast and needs no pool. Pages that need
OCR go to a process pool created only when the first such page appears. At most a few
pages are in flight at once and results are yielded in page order as soon as they are
ready, so a 100-page scan streams through in bounded memory instead of piling up.

Workers receive only ``(source, index, options)`` — small pickles — and open the file
and load the page image themselves. Each runs tesseract single-threaded
(OMP_THREAD_LIMIT=1): with its default threads, several tesseracts on a few cores slow
each other down many times over.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from verify.errors import ExitCode, OcrError, VerifyError
from verify.options import ExtractOptions
from verify.page import PageText
from verify.reading.budget import BudgetExceededError, run_page
from verify.reading.inputs import DocumentInput, open_input
from verify.reading.load import Source

ProgressCallback = Callable[[int, int], None]

IN_FLIGHT_PER_JOB = 2
"""Pages queued per worker: enough to keep every worker busy, few enough to bound memory."""


class _ModelsForChildren:
    """The OCR models this process's page children have been loading, to load here instead.

    Each OCR page runs in a forked child (``verify.reading.budget``) that dies with what it
    loaded. From the second page a process reads on, it loads the models the pages before
    needed itself, once, and every later child inherits them; a process that reads one
    page (``verify extract photo.jpg``) never pays for a model it would not use again.
    """

    def __init__(self) -> None:
        self.last: tuple[str | None, ExtractOptions] | None = None  # its language, options

    def before_page(self) -> None:
        if self.last is None:
            return
        # Imported only now: a process that reads one page never loads the OCR stage.
        from verify.reading.ocr import models_of_pages_like
        from verify.reading.tesseract import load_here

        for langs in models_of_pages_like(*self.last):
            load_here(langs)

    def after_page(self, page: PageText, options: ExtractOptions) -> None:
        self.last = (page.language, options)


_models_for_children = _ModelsForChildren()
"""Per process, like the models themselves: a pool worker keeps its own."""


class PageFailedError(VerifyError):
    """A page failed for a reason that is not one of ours: a bug, with its page number."""

    exit_code = ExitCode.internal


def read_page(document: DocumentInput, index: int) -> PageText:
    """Read page ``index`` (0-based) inline: its text layer if usable, else OCR."""
    page = document.text_layer_page(index)
    if page is not None:
        return page
    return _ocr_index(document, index)


def _ocr_index(
    document: DocumentInput, index: int, while_waiting: Callable[[], object] | None = None
) -> PageText:
    """Load one page image and OCR it; errors leave as ``VerifyError`` subclasses.

    Runs in a child process within the page's time and memory budgets (``verify.reading.budget``),
    and anything unexpected is turned into an error the parent can report with the page
    number instead of a bare traceback from another process. ``while_waiting`` as for
    ``read_pages``.
    """
    options = document.options
    _models_for_children.before_page()
    page = run_page(
        _ocr_inline,
        document,
        index,
        file_name=document.source.file_name,
        page=index + 1,
        seconds=options.page_seconds,
        memory_mb=options.page_memory_mb,
        while_waiting=while_waiting,
    )
    _models_for_children.after_page(page, options)
    return page


def _ocr_inline(document: DocumentInput, index: int) -> PageText:
    """The page's work in its budgeted child (``verify.reading.budget``): decode, prepare, OCR."""
    # Imported here: OCR brings OpenCV and the preparation steps, which a document read
    # from its text layer never needs.
    from verify.reading.ocr import expect_page, ocr_page

    try:
        expect_page(document.options)
        return ocr_page(document.page_image(index), index + 1, document.options)
    except (VerifyError, MemoryError):
        raise  # a MemoryError is the page's memory budget, which verify.reading.budget reports
    except Exception as e:
        raise PageFailedError(
            f"{document.source.file_name}: page {index + 1} failed ({type(e).__name__}: {e}); "
            f"this is a bug, please report it"
        ) from e


def _ocr_in_worker(source: Source, index: int, options: ExtractOptions) -> PageText:
    """A pool worker's page, from a file the worker opens itself.

    An open document does not travel between processes; a small ``Source`` pickles cheaply.
    """
    with open_input(source, options) as document:
        return _ocr_index(document, index)


def _init_worker() -> None:
    """Keep tesseract single-threaded inside each worker (see the module docstring)."""
    os.environ["OMP_THREAD_LIMIT"] = "1"


def _new_pool(jobs: int) -> ProcessPoolExecutor:
    # forkserver: workers start from a clean process, never from a fork of a parent that
    # may hold threads (progress bars) and their locks. It re-imports the main module,
    # which a notebook or a script read from stdin does not have: fork is left for those.
    main_file = getattr(sys.modules.get("__main__"), "__file__", None)
    method = "forkserver" if main_file and Path(main_file).is_file() else "fork"
    context = multiprocessing.get_context(method)
    return ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_init_worker)


def read_pages(
    document: DocumentInput,
    progress: ProgressCallback | None = None,
    while_waiting: Callable[[], object] | None = None,
) -> Iterator[PageText]:
    """Yield a ``PageText`` for every page, in page order, streaming.

    ``progress(done, total)`` is called after each page. With ``options.jobs == 1``
    everything runs inline. Errors from workers arrive as ``VerifyError`` subclasses;
    closing the iterator early cancels pages not yet started. ``while_waiting()`` is
    called each time this process has forked a page's child to OCR a page and waits for
    it (``verify.reading.budget.run_page``), never for pages of a worker pool.
    """
    source, options = document.source, document.options
    total = document.page_count()
    started = time.monotonic()
    limit = max(1, options.jobs * IN_FLIGHT_PER_JOB)
    pending: deque[PageText | Future[PageText]] = deque()
    pool: ProcessPoolExecutor | None = None
    done = 0
    next_index = 0
    try:
        while next_index < total or pending:
            # Fill the window: text layers now, OCR pages into the pool.
            while next_index < total and _in_flight(pending) < limit and len(pending) < limit * 4:
                page = document.text_layer_page(next_index)
                if page is None and options.jobs > 1 and total > 1:
                    # One page gains nothing from a pool: only its start-up cost.
                    if pool is None:
                        pool = _new_pool(options.jobs)
                    pending.append(pool.submit(_ocr_in_worker, source, next_index, options))
                elif page is None:
                    pending.append(_ocr_index(document, next_index, while_waiting))
                else:
                    pending.append(page)
                next_index += 1
                if not isinstance(pending[0], Future):
                    break  # the head is ready: hand it out before reading further ahead
            head = pending.popleft()
            result = _result(head, source) if isinstance(head, Future) else head
            done += 1
            _within_file_budget(source, done, total, started, options.file_seconds)
            if progress is not None:
                progress(done, total)
            yield result
    finally:
        for item in pending:
            if isinstance(item, Future):
                item.cancel()
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def _within_file_budget(
    source: Source, done: int, total: int, started: float, seconds: float
) -> None:
    """Stop a file whose pages together run over its budget, naming how far it got."""
    if done < total and time.monotonic() - started > seconds:
        raise BudgetExceededError(
            f"{source.file_name}: stopped after {done} of {total} pages: the file ran over its "
            f"time budget of {seconds:g} s (--file-seconds)"
        )


def _in_flight(pending: deque[PageText | Future[PageText]]) -> int:
    return sum(1 for item in pending if isinstance(item, Future) and not item.done())


def _result(future: Future[PageText], source: Source) -> PageText:
    """A worker's page, with a dead worker (killed, out of memory) reported as ours."""
    try:
        return future.result()
    except BrokenProcessPool as e:
        raise OcrError(
            f"{source.file_name}: an OCR worker died (out of memory or killed): "
            f"retry with --jobs 1 or a lower --dpi"
        ) from e
