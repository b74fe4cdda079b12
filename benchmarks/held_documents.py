"""What holding a PDF open for a whole reading saves, against opening it for every page.

Run from the repository root: ``python benchmarks/held_documents.py [--pages N] [--runs R]``.
A born-digital PDF of N pages (default 200) is made from the fixture
``en_ministry/born_digital.pdf``; its text layers are read twice, R times each (default 5):
once through one ``PdfInput`` that holds the document (as ``verify.reading.read`` does), and once
opening a new ``PdfInput`` for every page (what reading page by page would cost if nothing
held the document, the case a process-wide cache of open documents used to cover). The
median wall time of each and their ratio are printed.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import pymupdf

from verify.options import ExtractOptions
from verify.reading.inputs import open_input
from verify.reading.load import open_source

ROOT = Path(__file__).resolve().parent.parent
ONE_PAGE = ROOT / "fixtures" / "documents" / "en_ministry" / "born_digital.pdf"


def _many_pages(path: Path, pages: int) -> Path:
    document = pymupdf.open()
    with pymupdf.open(ONE_PAGE) as page:
        for _ in range(pages):
            document.insert_pdf(page)
    document.save(path)
    return path


def _held(path: Path, options: ExtractOptions) -> float:
    started = time.perf_counter()
    with open_input(open_source(path), options) as document:
        for index in range(document.page_count()):
            document.text_layer_page(index)
    return time.perf_counter() - started


def _opened_per_page(path: Path, options: ExtractOptions) -> float:
    started = time.perf_counter()
    source = open_source(path)
    with open_input(source, options) as first:
        count = first.page_count()
    for index in range(count):
        with open_input(source, options) as document:
            document.text_layer_page(index)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    options = ExtractOptions(cache_dir=None, jobs=1)
    with tempfile.TemporaryDirectory() as folder:
        path = _many_pages(Path(folder) / "long.pdf", args.pages)
        held, opened = [], []
        for _ in range(args.runs):  # interleaved, so both see the same machine load
            held.append(_held(path, options))
            opened.append(_opened_per_page(path, options))
    held_s, opened_s = statistics.median(held), statistics.median(opened)
    print(f"{args.pages} text-layer pages, median of {args.runs} runs")
    print(f"  one input held for the reading : {held_s:8.3f} s")
    print(f"  a new input for every page     : {opened_s:8.3f} s  ({opened_s / held_s:.2f}x)")


if __name__ == "__main__":
    main()
