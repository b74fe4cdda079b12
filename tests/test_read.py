"""Reading whole sources: page order, streaming, the worker pool, and errors from workers."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pymupdf
import pytest
from PIL import Image

from tests.test_prepare import render_page
from verify.errors import InputTooLargeError, VerifyError
from verify.options import ExtractOptions
from verify.reading import read
from verify.reading.inputs import open_input
from verify.reading.load import open_source

PAGE_WORDS = ["Alpha", "Bravo", "Charlie", "Delta"]


def _png(pixels: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


def _text_of(word: str) -> str:
    return f"{word} section of the report lists hospitals and their staff for {word} region."


def _pdf(path: Path, kinds: list[str]) -> Path:
    """A PDF whose page i says PAGE_WORDS[i], as a text layer ("text") or a scan ("image")."""
    document = pymupdf.open()
    for word, kind in zip(PAGE_WORDS, kinds, strict=False):
        page = document.new_page(width=595, height=200)
        if kind == "text":
            page.insert_text((40, 60), _text_of(word), fontsize=11)
        else:
            pixels = render_page(_text_of(word), width=2000, font_px=46, wrap=60)
            page.insert_image(page.rect, stream=_png(pixels))
    document.save(path)
    return path


def _first_word(page) -> str:
    return page.words[0].text if page.words else ""


@pytest.mark.parametrize("jobs", [1, 2])
def test_pages_come_in_order_with_progress(tmp_path, jobs):
    source = open_source(_pdf(tmp_path / "scan.pdf", ["image", "image", "image"]))
    options = ExtractOptions(languages=("en",), jobs=jobs, cache_dir=None, render_dpi=150)
    seen: list[tuple[int, int]] = []
    pages = list(
        read.read_pages(open_input(source, options), lambda done, total: seen.append((done, total)))
    )
    assert [p.number for p in pages] == [1, 2, 3]
    assert [_first_word(p) for p in pages] == PAGE_WORDS[:3]
    assert all(p.method == "ocr" for p in pages)
    assert seen == [(1, 3), (2, 3), (3, 3)]


def test_text_layer_and_scanned_pages_mix(tmp_path):
    source = open_source(_pdf(tmp_path / "mixed.pdf", ["text", "image", "text", "image"]))
    options = ExtractOptions(languages=("en",), jobs=2, cache_dir=None, render_dpi=150)
    pages = list(read.read_pages(open_input(source, options)))
    assert [p.method for p in pages] == ["text_layer", "ocr", "text_layer", "ocr"]
    assert [_first_word(p) for p in pages] == PAGE_WORDS
    assert [p.number for p in pages] == [1, 2, 3, 4]


def test_text_layer_only_never_starts_a_pool(tmp_path, monkeypatch):
    def no_pool(jobs):
        raise AssertionError("a pool was created for a text-only document")

    monkeypatch.setattr(read, "_new_pool", no_pool)
    source = open_source(_pdf(tmp_path / "digital.pdf", ["text", "text"]))
    pages = list(read.read_pages(open_input(source, ExtractOptions(jobs=2, cache_dir=None))))
    assert [_first_word(p) for p in pages] == PAGE_WORDS[:2]


def test_read_page_reads_one_page(tmp_path):
    source = open_source(_pdf(tmp_path / "mixed.pdf", ["text", "image"]))
    options = ExtractOptions(languages=("en",), jobs=1, cache_dir=None, render_dpi=150)
    assert read.read_page(open_input(source, options), 0).method == "text_layer"
    page = read.read_page(open_input(source, options), 1)
    assert page.method == "ocr" and page.number == 2 and _first_word(page) == "Bravo"


def test_unexpected_failure_becomes_a_verify_error(tmp_path, monkeypatch):
    def broken(image, number, options):
        raise ZeroDivisionError("boom")

    # read imports it when a page needs OCR
    monkeypatch.setattr("verify.reading.ocr.ocr_page", broken)
    source = open_source(_pdf(tmp_path / "scan.pdf", ["image"]))
    with pytest.raises(VerifyError, match="page 1 failed .*ZeroDivisionError"):
        list(
            read.read_pages(
                open_input(source, ExtractOptions(jobs=1, cache_dir=None, render_dpi=150))
            )
        )


def test_worker_errors_arrive_as_verify_errors(tmp_path):
    # The pixel limit is checked where the page is rendered: inside the worker.
    source = open_source(_pdf(tmp_path / "scan.pdf", ["image", "image"]))
    options = ExtractOptions(jobs=2, cache_dir=None, render_dpi=150, max_pixels=10_000)
    with pytest.raises(InputTooLargeError, match="page"):
        list(read.read_pages(open_input(source, options)))


def test_closing_early_stops_the_pool(tmp_path):
    source = open_source(_pdf(tmp_path / "scan.pdf", ["image", "image", "image"]))
    options = ExtractOptions(languages=("en",), jobs=2, cache_dir=None, render_dpi=150)
    iterator = read.read_pages(open_input(source, options))
    assert next(iterator).number == 1
    iterator.close()  # shuts the pool down, cancelling pages not yet started


def test_from_its_second_ocr_page_a_process_holds_the_models_its_page_children_use(
    tmp_path, monkeypatch
):
    """A page's child dies with the model it loaded: from the second page on, the process
    loads the models the pages before used once, and its later children inherit them.
    Without a language the probe's model and the page's language's are both kept."""
    from verify.reading import tesseract

    monkeypatch.setattr(tesseract, "_handles", tesseract._Handles())
    monkeypatch.setattr(read, "_models_for_children", read._ModelsForChildren())
    source = open_source(_pdf(tmp_path / "scan.pdf", ["image", "image", "image"]))
    options = ExtractOptions(jobs=1, cache_dir=None, render_dpi=150)
    loaded_here = []
    pages = []
    for page in read.read_pages(open_input(source, options)):
        pages.append(page)
        loaded_here.append(sorted(langs for _, langs in tesseract._handles.loads))
    assert [_first_word(p) for p in pages] == PAGE_WORDS[:3]
    assert [p.language for p in pages] == ["en", "en", "en"]
    assert loaded_here == [[], ["eng", "rus+ukr"], ["eng", "rus+ukr"]]
