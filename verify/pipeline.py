"""The extraction orchestrator: file in, Record out, reading top to bottom as the stages run.

load → inputs (per page: text layer, or prepare + OCR) → layout + field extraction → Record.
Each stage is a plain function with typed input and output; this module only composes
them and merges their warnings, so the order of the flow is visible in one place.
"""

from __future__ import annotations

import importlib
import os
import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from verify.options import ExtractOptions
from verify.page import PageText
from verify.reading.inputs import open_input
from verify.reading.load import open_source
from verify.reading.read import read_pages
from verify.resources import load_json, models_versions
from verify.version import __version__

if TYPE_CHECKING:
    from verify.record import Record, RecordWarning

ProgressCallback = Callable[[int, int], None]


def extract(
    path: str | os.PathLike[str],
    options: ExtractOptions | None = None,
    *,
    progress: ProgressCallback | None = None,
    **option_values: object,
) -> Record:
    """Read one document and return its evidence-linked record.

    Options come either as an ``ExtractOptions`` or as keywords of it
    (``extract("letter.jpg", languages=("ru",))``). ``progress(done, total)`` is called
    after each page, for progress bars on long scans. Raises a ``VerifyError`` subclass,
    with its exit code, on any input verify cannot read.
    """
    if options is None:
        options = ExtractOptions(**option_values)  # type: ignore[arg-type]
    elif option_values:
        raise TypeError("pass either an ExtractOptions or keyword options, not both")
    return _extract(path, options, progress)


def _extract(
    path: str | os.PathLike[str], options: ExtractOptions, progress: ProgressCallback | None
) -> Record:
    source = open_source(path)
    warm_up = _WarmUp(options)
    try:
        with open_input(source, options) as document:
            total = document.page_count()
            while_waiting = warm_up.start if total == 1 else None
            pages = list(read_pages(document, progress, while_waiting))
    finally:
        warm_up.join()
    # The later stages are imported only now: a one-page scan imports them while its
    # page's child reads it (``_WarmUp``), instead of before the child starts.
    from verify.fields import extract_fields
    from verify.matching.fingerprint import fingerprint_record
    from verify.record import SCHEMA_ID, PageInfo, Record

    forced_language = options.languages[0] if options.languages else None
    extraction = extract_fields(pages, language=forced_language)
    record = Record(
        schema=SCHEMA_ID,
        verify_version=__version__,
        models_version=models_versions(),
        source=source.info(),
        language=extraction.language,
        pages=[PageInfo.of(page) for page in pages],
        text=extraction.text,
        warnings=_page_warnings(pages, total) + list(extraction.warnings),
        **extraction.fields,
    )
    fingerprints = fingerprint_record(
        record, page_hashes=[(page.pdq, page.pdq_quality) for page in pages]
    )
    return record.model_copy(update={"fingerprints": fingerprints})


_LATER_STAGES = ("verify.record", "verify.fields", "verify.matching.fingerprint")
"""Our modules that the stages after reading import, in the order they need them."""


class _WarmUp:
    """Import and build the stages after reading while a page's child reads the page.

    A fresh process must import the record's models and the field rules, and build each
    language's specialty matcher on spaCy's pipeline and pymorphy3's dictionaries, before
    its field stage can run; a one-page scan meanwhile only waits for its page's child to
    OCR the page. Doing that work in a thread while it waits puts the second core to work
    instead of adding the two. The thread starts once the child is forked
    (``verify.reading.budget.run_page``), so the child inherits neither it nor an import
    lock it holds; when the page is back, the thread stops after the language it is
    building and is joined before the field stage, so nothing of ours is built in two
    threads at once. The languages: the forced ones that have field rules, else every
    language with field rules in ``models/pipeline.json``'s order (the field stage builds
    whichever one it then needs itself). None for --lang fr: on a busy machine the work
    would only take CPU from the page.
    """

    def __init__(self, options: ExtractOptions) -> None:
        settings = load_json("pipeline.json")
        with_rules = list(settings["warm_up_languages"])
        if options.languages:
            with_rules = [language for language in with_rules if language in options.languages]
        libraries = list(settings["warm_up"]) if with_rules else []
        self.names = [name for name in (*_LATER_STAGES, *libraries) if name not in sys.modules]
        self.languages = with_rules
        self.thread: threading.Thread | None = None
        self.enough = threading.Event()

    def start(self) -> None:
        if self.thread is not None or not (self.names or self.languages):
            return  # started already, or nothing to import or build (--lang fr, warm process)
        self.thread = threading.Thread(target=self._run, name="verify-warm-up", daemon=True)
        self.thread.start()

    def join(self) -> None:
        if self.thread is not None:
            self.enough.set()
            self.thread.join()

    def _run(self) -> None:
        for name in self.names:
            try:
                importlib.import_module(name)
            except Exception:  # noqa: BLE001 - the stage that needs it will report it
                return
        from verify.fields import prepare_rules

        for language in self.languages:
            if self.enough.is_set():
                return
            try:
                prepare_rules(language)
            except Exception:  # noqa: BLE001 - the stage that needs it will report it
                return


def _page_warnings(pages: list[PageText], total: int) -> list[RecordWarning]:
    """Turn per-page notes into record warnings, and say so when nothing could be read."""
    from verify.record import RecordWarning

    warnings = [
        RecordWarning(code="page", message=message, page=page.number)
        for page in pages
        for message in page.warnings
    ]
    if total and not any(page.words for page in pages):
        warnings.append(
            RecordWarning(
                code="no_text",
                message="no text was found on any page: is this a photo of a document?",
            )
        )
    return warnings
