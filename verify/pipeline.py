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

from verify.fields import extract_fields
from verify.matching.fingerprint import fingerprint_record
from verify.options import ExtractOptions
from verify.page import PageText
from verify.reading.inputs import open_input
from verify.reading.load import open_source
from verify.reading.read import read_pages
from verify.record import SCHEMA_ID, PageInfo, Record, RecordWarning
from verify.resources import load_json, models_versions
from verify.version import __version__

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
    with open_input(source, options) as document:
        total = document.page_count()
        warming = _warm_up_field_libraries(options) if total == 1 else None
        pages = list(read_pages(document, progress))
    if warming is not None:
        warming.join()
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


def _warm_up_field_libraries(options: ExtractOptions) -> threading.Thread | None:
    """Import the libraries of the field stage while a page is read.

    A fresh process pays a second or more to import spaCy and pymorphy3, and
    a one-page photo spends as long waiting for its page's child process to OCR it: importing in
    a thread meanwhile puts the second core to work instead of adding the two. Only
    third-party packages are imported there, so no import of ours can meet its own
    cycle in two threads. Single-page documents only: they read inline, and no worker
    process is forked while the thread runs. None when everything is loaded already, or
    when the forced languages have no field rules that use these libraries.
    """
    settings = load_json("pipeline.json")
    if options.languages and not set(options.languages) & set(settings["warm_up_languages"]):
        return None
    missing = [name for name in settings["warm_up"] if name not in sys.modules]
    if not missing:
        return None

    def run() -> None:
        for name in missing:
            try:
                importlib.import_module(name)
            except Exception:  # noqa: BLE001 - the stage that needs it will report it
                return

    thread = threading.Thread(target=run, name="verify-warm-up", daemon=True)
    thread.start()
    return thread


def _page_warnings(pages: list[PageText], total: int) -> list[RecordWarning]:
    """Turn per-page notes into record warnings, and say so when nothing could be read."""
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
