"""Office text layers: soft hyphens, no-break spaces, U+2011, ligatures and zero-width marks.

Word and Chrome write a printed hyphen into the text layer as U+00AD and spaces as U+00A0;
MuPDF does the same when it writes a font's ToUnicode map by reversing its cmap (the
fixtures repair that in fixtures/_render.py). So the bundled letters drawn *without* the
repair are such office PDFs: these tests draw them so, check with pymupdf that the text
layer really holds those characters, and read them with the real pipeline.
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

import pymupdf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import verify
from verify.page import BBox, PageText, Word
from verify.reading.textmap import DocumentText
from verify.resources import load_json
from verify.text.normalise import normalise_text, normalise_words

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "fixtures"))  # fixtures/_render.py imports _layout as top level

import _layout  # noqa: E402
import _render  # noqa: E402

TABLE = load_json("text_normalisation.json")
CHANGED = set(TABLE["hyphens"] + TABLE["spaces"] + TABLE["zero_width"] + TABLE["ligatures"]) | set(
    TABLE["equivalents"]
)
NARROW_FONT = "LibSerifN"


def letter(name: str) -> dict:
    path = ROOT / "fixtures" / "letters" / f"{name}.json"
    return json.loads(path.read_text(encoding="utf-8"))


def office_pdf(path: Path, composed: _layout.Page, narrow_role: str | None = None) -> Path:
    """Draw a composed letter as office software writes it, and save it to ``path``.

    Fonts keep MuPDF's own ToUnicode maps, so every "-" reads U+00AD, every space U+00A0
    and ";" U+037E. Runs of ``narrow_role`` use a font of their own whose space reads
    U+202F (narrow no-break space), which pymupdf does not split words at.
    """
    document = pymupdf.open()
    page = document.new_page(width=_layout.PAGE_W, height=_layout.PAGE_H)
    for key, alias in _render.FONT_ALIASES.items():
        page.insert_font(fontname=alias, fontfile=str(_layout.FONT_FILES[key]))
    # A font object of its own (MuPDF shares one per font file): a byte more than the file.
    padded = _layout.FONT_FILES["serif"].read_bytes() + b"\0"
    page.insert_font(fontname=NARROW_FONT, fontbuffer=padded)
    for run in composed.runs:
        font = NARROW_FONT if run.role == narrow_role else _render.FONT_ALIASES[run.font]
        if run.word_xs is None:
            page.insert_text((run.x, run.y), run.text, fontsize=run.size, fontname=font)
            continue
        words = run.text.split()
        for i, (word, x) in enumerate(zip(words, run.word_xs, strict=True)):
            text = word if i == len(words) - 1 else word + " "
            page.insert_text((x, run.y), text, fontsize=run.size, fontname=font)
    document.subset_fonts()
    for xref, *_, name, _encoding in (font[:6] for font in page.get_fonts()):
        kind, value = document.xref_get_key(xref, "ToUnicode")
        if name == NARROW_FONT and kind == "xref":
            cmap = int(value.split()[0])
            document.update_stream(cmap, document.xref_stream(cmap).replace(b"<00a0>", b"<202f>"))
    path.write_bytes(document.tobytes(garbage=4, deflate=True))
    document.close()
    return path


def text_layer(path: Path) -> list[tuple[str, list[BBox]]]:
    """Each text-layer line as pymupdf reads its characters (nothing expanded), with boxes."""
    flags = pymupdf.TEXT_PRESERVE_WHITESPACE | pymupdf.TEXT_PRESERVE_LIGATURES
    lines = []
    with pymupdf.open(path) as document:
        for block in document[0].get_text("rawdict", flags=flags)["blocks"]:
            for line in block.get("lines", ()):
                chars = [char for span in line["spans"] for char in span["chars"]]
                lines.append(("".join(c["c"] for c in chars), [tuple(c["bbox"]) for c in chars]))
    return lines


def layer_text(path: Path) -> str:
    return "\n".join(text for text, _ in text_layer(path))


def box_of(path: Path, printed: str) -> BBox:
    """Union box of the characters ``printed`` (as the text layer has them) on its line."""
    for text, boxes in text_layer(path):
        start = text.find(printed)
        if start >= 0:
            chars = boxes[start : start + len(printed)]
            return (
                min(b[0] for b in chars),
                min(b[1] for b in chars),
                max(b[2] for b in chars),
                max(b[3] for b in chars),
            )
    raise AssertionError(f"{printed!r} is not in the text layer")


def break_line(composed: _layout.Page, head: str) -> _layout.Page:
    """Break the run starting ``head`` after it (a hyphenated line end), the rest one line down."""
    for index, run in enumerate(composed.runs):
        at = run.text.find(head)
        if at >= 0 and run.word_xs is None:
            cut = at + len(head)
            step = run.size * _layout.LEADING
            first = replace(run, text=run.text[:cut])
            second = replace(run, text=run.text[cut:], y=run.y + step)
            later = [replace(r, y=r.y + step) for r in composed.runs[index + 1 :]]
            runs = [*composed.runs[:index], first, second, *later]
            return _layout.Page(runs=runs, boxes=list(composed.boxes))
    raise AssertionError(f"no unjustified run holds {head!r}")


def assert_box(actual: tuple[float, ...], expected: BBox) -> None:
    """Evidence boxes are rounded to 0.1 pt."""
    assert actual == pytest.approx(expected, abs=0.11)


# --------------------------------------------------------------------------- real PDFs


def test_founding_letter_as_office_software_writes_it(tmp_path: Path) -> None:
    source = letter("ru_minzdrav_founding")
    composed = break_line(_layout.compose(source), "- врачей - сердечно-")
    path = office_pdf(tmp_path / "founding.pdf", composed, narrow_role="registration")
    layer = layer_text(path)
    number = "30\u00ad2/И/2\u00ad2781"
    assert f"25.02.2022\u202f№\u202f{number}" in layer  # one "word" to pymupdf by default
    assert "врачей\u00a0\u00ad\u00a0сердечно\u00ad\nсосудистых\u00a0хирургов\u037e" in layer

    record = verify.extract(path)

    field = record.document_number
    assert field is not None
    assert (field.value, field.raw) == ("30-2/И/2-2781", "30-2/И/2-2781")
    assert_box(field.bbox, box_of(path, number))  # the number's own box, not the line's
    date = record.document_date
    assert date is not None and date.value == "2022-02-25"
    assert_box(date.bbox, box_of(path, "25.02.2022"))
    assert [s.value for s in record.requested_specialties] == source["truth"][
        "requested_specialties"
    ]
    cardio = next(s for s in record.requested_specialties if s.value == "cardiovascular_surgeon")
    assert cardio.raw.replace("\n", " ") == "сердечно- сосудистых хирургов"
    # Evidence spans both lines; boxes are whole words', so "хирургов;" with its semicolon.
    first = box_of(path, "сердечно\u00ad")
    second = box_of(path, "сосудистых\u00a0хирургов\u037e")
    assert_box(cardio.bbox, (second[0], first[1], max(first[2], second[2]), second[3]))


@pytest.mark.parametrize("name", ["en_ministry", "ru_hospital", "uk_moz", "ru_region_health"])
def test_office_rendering_reads_like_the_repaired_fixture(tmp_path: Path, name: str) -> None:
    path = office_pdf(tmp_path / f"{name}.pdf", _layout.compose(letter(name)))
    assert "\u00ad" in layer_text(path) and "\u00a0" in layer_text(path)
    fixture = ROOT / "fixtures" / "documents" / name / "born_digital.pdf"
    skip = {"source", "fingerprints", "pages"}
    office = verify.extract(path).model_dump(mode="json", exclude=skip)
    repaired = verify.extract(fixture).model_dump(mode="json", exclude=skip)
    assert office == repaired


@pytest.mark.parametrize(
    "label", ["№ Ref: ", "Ref: ", "Ref. No. ", "Reference: ", "No. Reference: "]
)
def test_english_reference_labels_give_the_number(tmp_path: Path, label: str) -> None:
    source = letter("en_ngo")
    source["layout"]["registration"] = f"{label}NRMC/2022/031"
    source["layout"]["signature"]["name"] = "Dr Sarah Whit\ufb01eld"
    path = office_pdf(tmp_path / "ref.pdf", _layout.compose(source))
    assert "Whit\ufb01eld" in layer_text(path)  # the ligature is in the text layer

    record = verify.extract(path)

    field = record.document_number
    assert field is not None
    assert (field.value, field.raw) == ("NRMC/2022/031", "NRMC/2022/031")
    assert field.confidence == pytest.approx(0.95)
    assert_box(field.bbox, box_of(path, "NRMC/2022/031"))
    assert [s.value for s in record.signatories] == ["Dr Sarah Whitfield"]


def test_non_breaking_hyphen_in_numbers(tmp_path: Path) -> None:
    source = letter("en_ministry")
    layout = source["layout"]
    layout["registration"] = layout["registration"].replace("1-2", "1\u20112")
    layout["body"][0] = layout["body"][0].replace("07/1-2/377", "07/1\u20112/377")
    path = office_pdf(tmp_path / "nbhyphen.pdf", _layout.compose(source))
    assert "07/1\u20112/418" in layer_text(path) and "07/1\u20112/377" in layer_text(path)

    record = verify.extract(path)

    assert record.document_number is not None
    assert record.document_number.value == "07/1-2/418"
    assert_box(record.document_number.bbox, box_of(path, "07/1\u20112/418"))
    assert [(r.number, r.date) for r in record.references] == [("07/1-2/377", "2022-02-25")]


# --------------------------------------------------------------------------- the table


@pytest.mark.parametrize(
    ("printed", "plain"),
    [
        ("30\u00ad2/И/2\u00ad2781", "30-2/И/2-2781"),
        ("сердечно\u00ad", "сердечно-"),  # a hyphenation point at a line end stays printed
        ("07/1\u20112/418", "07/1-2/418"),
        ("1\u20102", "1-2"),
        ("30\u22122781", "30-2781"),
        ("628\u201244\u201253", "628-44-53"),
        ("\u22125", "\u22125"),  # a minus sign before a number is left as printed
        ("№\u00a030", "№ 30"),
        ("№\u202f30", "№ 30"),
        (
            "\ufb01eld \ufb02ow e\ufb00ort o\ufb03ce ba\ufb04e \ufb05 \ufb06",
            "field flow effort office baffle st st",
        ),
        ("30\u200b2\ufeff\u200c\u200d\u2060", "302"),
        ("хирургов\u037e", "хирургов;"),
        ("№ 5 ½ ²", "№ 5 ½ ²"),  # compatibility characters outside the table stay
    ],
)
def test_normalise_text_examples(printed: str, plain: str) -> None:
    assert normalise_text(printed) == plain


# --------------------------------------------------------------------------- properties

SPECIAL = sorted(CHANGED | set(TABLE["hyphens_between"]))
TEXTS = st.lists(st.sampled_from([*SPECIAL, "a", "б", "7", "-", "/", " ", "№", "."]), max_size=24)
WORD_TEXTS = st.lists(
    st.sampled_from([*SPECIAL, "a", "б", "7", "-", "/", "№", "."]), min_size=1, max_size=16
)
"""What a word reader gives: never empty, never a plain space, any special character."""


@given(TEXTS.map("".join))
def test_normalised_text_is_plain_and_stable(text: str) -> None:
    once = normalise_text(text)
    assert normalise_text(once) == once
    assert not CHANGED & set(once)
    assert once.count("№") == text.count("№")  # never NFKC of the whole text
    # A dash left as printed stands next to something other than a letter or digit.
    for i, char in enumerate(once):
        if char in TABLE["hyphens_between"]:
            assert not (0 < i < len(once) - 1 and once[i - 1].isalnum() and once[i + 1].isalnum())


@given(
    st.lists(
        st.tuples(WORD_TEXTS.map("".join), st.floats(0, 500), st.floats(1, 200)),
        min_size=1,
        max_size=8,
    )
)
@settings(max_examples=200)
def test_normalised_words_keep_their_boxes(specs: list[tuple[str, float, float]]) -> None:
    words = [Word(text, (x, 10.0, x + w, 22.0), 1.0, 0, 0) for text, x, w in specs]
    result = normalise_words(words)
    assert normalise_words(result) == result
    expected = [part for word in words for part in normalise_text(word.text).split(" ") if part]
    assert [word.text for word in result] == expected  # one word per printed part, no empty
    for word in result:
        assert not CHANGED & set(word.text)
    parts = iter(result)
    for word in words:
        count = len(normalise_text(word.text).split())
        mine = [next(parts) for _ in range(count)]
        if normalise_text(word.text) == word.text:
            assert mine == [word]  # untouched words keep their identity
        for part in mine:  # inside the word's box, left to right, never overlapping
            assert word.bbox[0] - 1e-6 <= part.bbox[0] <= part.bbox[2] <= word.bbox[2] + 1e-6
            assert part.bbox[1::2] == word.bbox[1::2]
        assert all(a.bbox[2] <= b.bbox[0] + 1e-6 for a, b in zip(mine, mine[1:], strict=False))


@given(st.lists(st.lists(WORD_TEXTS.map("".join), min_size=1, max_size=5), min_size=1, max_size=4))
@settings(max_examples=150)
def test_document_text_maps_every_normalised_word_back(lines: list[list[str]]) -> None:
    words = [
        Word(text, (40.0 + 60 * i, 30.0 + 20 * n, 90.0 + 60 * i, 42.0 + 20 * n), 0.9, 0, n)
        for n, texts in enumerate(lines)
        for i, text in enumerate(texts)
    ]
    page = PageText(1, 595.0, 842.0, "px", "ocr", tuple(words), None, 0.9)
    doc = DocumentText([page])
    assert not CHANGED & set(doc.text)
    assert doc.pages[0].words == normalise_words(words)
    for line in doc.lines:
        offset = line.start
        for word in line.words:
            assert doc.text[offset : offset + len(word.text)] == word.text
            evidence = doc.evidence(offset, offset + len(word.text))
            assert evidence is not None
            assert (evidence.raw, evidence.bbox) == (word.text, word.bbox)
            offset += len(word.text) + 1
        assert offset - 1 == line.end
