"""Reports saved as web pages, Markdown, PDFs and images give the claims a reader sees."""

from __future__ import annotations

import pymupdf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from verify.claims import claims_from_file
from verify.claims.formats import html_text, markdown_text
from verify.errors import InputMissingError

FOUNDING = "fixtures/documents/ru_minzdrav_founding/born_digital.pdf"
SENTENCE = "The letter, signed by Deputy Minister Andrei Plutnitsky, asks for radiologists."

PAGE = """<!DOCTYPE html>
<html><head><title>Leak</title>
<script>var teaser = "The letter was signed by Deputy Minister Ivanov";</script>
<style>p::after { content: "signed by Petrov"; }</style></head>
<body>
<nav><a href="/">Home</a> <a href="/x">The letter signed by Minister Murashko</a></nav>
<article><h1>Hospitals told to list doctors</h1>
<p>The letter, signed by Deputy Minister <b>Andrei Plutnitsky</b>, asks for
radiologists&nbsp;and nurses.</p></article>
<footer>The letter signed by nobody &copy; 2022</footer>
</body></html>"""


def kinds_and_values(path) -> set[tuple[str, str | None]]:
    return {(c.kind, c.value) for c in claims_from_file(path).claims}


def test_a_saved_web_page_gives_only_the_article(tmp_path):
    path = tmp_path / "page.html"
    path.write_text(PAGE, encoding="utf-8")
    claims = claims_from_file(path).claims
    names = {c.value for c in claims if c.kind == "signatory_name"}
    assert names == {"Andrei Plutnitsky"}
    assert {c.value for c in claims if c.kind == "specialty"} == {"radiologist", "nurse"}
    text = html_text(PAGE)
    for claim in claims:  # offsets point into the visible text the report shows
        assert text[claim.start : claim.end] == claim.raw


def test_a_page_without_an_article_keeps_its_body_but_not_its_menus():
    text = html_text("<html><body><nav>Menu</nav><p>One.</p><div>Two</div></body></html>")
    assert text == "One.\n\nTwo"


def test_markdown_links_and_emphasis_read_as_their_words(tmp_path):
    path = tmp_path / "note.md"
    path.write_text(
        "# Leak\n\nThe [letter](https://example.org/a) was **signed by** Deputy Minister "
        "Plutnitsky.\n\n![pixel](https://tracker.example/p.png)\n",
        encoding="utf-8",
    )
    assert markdown_text(path.read_text(encoding="utf-8")).startswith("Leak\n\nThe letter was")
    assert ("signatory_name", "Plutnitsky") in kinds_and_values(path)


def test_a_pdf_report_is_read_from_its_text_layer(tmp_path):
    path = tmp_path / "clipping.pdf"
    document = pymupdf.open()
    page = document.new_page()
    page.insert_text((72, 72), SENTENCE, fontsize=10)
    document.save(path)
    assert ("signatory_name", "Andrei Plutnitsky") in kinds_and_values(path)


def test_an_image_of_a_report_is_read_by_ocr(tmp_path):
    path = tmp_path / "screenshot.png"
    document = pymupdf.open()
    page = document.new_page(width=700, height=120)
    page.insert_text((20, 60), SENTENCE, fontsize=14)
    page.get_pixmap(dpi=200).save(path)
    values = kinds_and_values(path)
    assert ("specialty", "radiologist") in values
    assert ("signatory_position", "deputy_minister") in values


def test_a_url_is_refused_as_a_usage_error(cli_subprocess):
    with pytest.raises(InputMissingError, match="never goes online"):
        claims_from_file("https://example.org/story")
    run = cli_subprocess("corroborate", FOUNDING, "--claims", "https://example.org/story")
    assert run.code == 2
    assert "never goes online" in run.stderr


@settings(max_examples=60, deadline=None)
@given(st.text())
def test_any_markup_gives_text_without_tags_or_a_crash(markup):
    text = html_text(markup)
    assert "<script" not in text.lower() or "<script" in markup.lower()
    assert not text.startswith(("\n", " ")) and not text.endswith(("\n", " "))


def test_corroborate_takes_the_reading_language_like_every_reading_command(
    cli_subprocess, tmp_path
):
    claims = tmp_path / "report.txt"
    claims.write_text(
        "The letter was signed by Deputy Minister Plutnitsky on 25 February 2022.\n",
        encoding="utf-8",
    )
    run = cli_subprocess("corroborate", FOUNDING, "--claims", claims, "--lang", "xx")
    assert run.code == 2 and "unknown language xx" in run.stderr
    run = cli_subprocess("corroborate", FOUNDING, "--claims", claims, "--lang", "ru", "--json")
    assert run.code == 0, run.stderr
    assert '"supported"' in run.stdout
