"""Loading: sniffing by content, PDF text layers and renders, images, limits, bad input.

Every input is made here in tmp_path with pymupdf, Pillow and pillow-heif, so each test
states exactly what the file contains and asserts values, not just "no exception".
"""

from __future__ import annotations

import hashlib
import io
import multiprocessing
import os
import time
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pillow_heif
import pymupdf
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageOps

from verify.errors import (
    CorruptInputError,
    EncryptedInputError,
    InputMissingError,
    InputTooLargeError,
    UnsupportedTypeError,
)
from verify.options import ExtractOptions
from verify.page import Word
from verify.reading import pdf as _pdf
from verify.reading.inputs import DocumentInput, PdfInput, open_input
from verify.reading.load import (
    SUPPORTED_MEDIA_TYPES,
    PageImage,
    Source,
    describe_content,
    open_source,
    sniff_media_type,
)

pillow_heif.register_heif_opener()

RUSSIAN = (
    "Приказ Министерства здравоохранения Российской Федерации о порядке направления "
    "медицинских работников в командировку"
)


def options(**values: object) -> ExtractOptions:
    return ExtractOptions(cache_dir=None, **values)  # type: ignore[arg-type]


def reading(path: Path, **values: object) -> DocumentInput:
    """The file at ``path`` opened as the input of its type, with ``options(**values)``."""
    return open_input(open_source(path), options(**values))


# --------------------------------------------------------------------------- makers


def text_pdf(path: Path, pages: int = 1, text: str = "Hello world") -> Path:
    document = pymupdf.open()
    for number in range(pages):
        page = document.new_page(width=595, height=842)
        page.insert_text((72, 100), f"{text} {number + 1}", fontsize=12)
    document.save(path)
    return path


def html_pdf(path: Path, html: str) -> Path:
    """A PDF with text in MuPDF's built-in Charis SIL, which has Cyrillic glyphs."""
    document = pymupdf.open()
    page = document.new_page(width=595, height=842)
    page.insert_htmlbox(pymupdf.Rect(72, 72, 523, 770), html)
    document.save(path)
    return path


def scan_pdf(path: Path, colour: bool = False, label: str | None = None) -> Path:
    """An image-only page (a "scan"), optionally with a tiny text label like scanners add."""
    array = np.full((1684, 1190, 3), 250, dtype=np.uint8)  # A4 at 2 pixels per point
    array[400:460, 200:1000] = 20  # a "line of print" at 200..230 pt from the top
    if colour:
        array[1400:1600, 700:1000] = (30, 60, 200)  # a blue stamp at 700..800 pt
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    document = pymupdf.open()
    page = document.new_page(width=595, height=842)
    page.insert_image(page.rect, stream=buffer.getvalue())
    if label:
        page.insert_text((10, 835), label, fontsize=5)
    document.save(path)
    return path


def image_file(path: Path, image: Image.Image, fmt: str, **save: object) -> Path:
    image.save(path, format=fmt, **save)
    return path


def quarter_black(width: int = 64, height: int = 32) -> Image.Image:
    """White image whose left quarter is black: shows any rotation or mirroring."""
    image = Image.new("L", (width, height), 255)
    image.paste(0, (0, 0, width // 4, height))
    return image


def exif_bytes(orientation: int, **tags: object) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation
    for tag, value in tags.items():
        exif[int(tag.removeprefix("t"))] = value
    return exif.tobytes()


# --------------------------------------------------------------------------- sniffing


@pytest.fixture
def samples(tmp_path: Path) -> dict[str, Path]:
    """One small real file per supported type."""
    picture = Image.new("RGB", (40, 30), (200, 30, 30))
    return {
        "application/pdf": text_pdf(tmp_path / "a.pdf"),
        "image/png": image_file(tmp_path / "a.png", picture, "PNG"),
        "image/jpeg": image_file(tmp_path / "a.jpg", picture, "JPEG"),
        "image/tiff": image_file(tmp_path / "a.tif", picture, "TIFF"),
        "image/webp": image_file(tmp_path / "a.webp", picture, "WEBP"),
        "image/heic": image_file(tmp_path / "a.heic", picture, "HEIF"),
    }


def test_sniffs_every_supported_type_from_content(samples: dict[str, Path]) -> None:
    for media_type, path in samples.items():
        assert sniff_media_type(path.read_bytes()[:4096]) == media_type
        assert open_source(path).media_type == media_type
    assert set(samples) == set(SUPPORTED_MEDIA_TYPES)


def test_sniffing_ignores_the_extension(samples: dict[str, Path], tmp_path: Path) -> None:
    disguised_png = tmp_path / "letter.pdf"
    disguised_png.write_bytes(samples["image/png"].read_bytes())
    disguised_pdf = tmp_path / "photo.jpg"
    disguised_pdf.write_bytes(samples["application/pdf"].read_bytes())
    assert open_source(disguised_png).media_type == "image/png"
    assert open_source(disguised_pdf).media_type == "application/pdf"
    # and the disguised files load as what they are
    assert reading(disguised_png).page_image(0).pixels.shape == (30, 40, 3)
    assert reading(disguised_pdf).text_layer_page(0) is not None


def test_pdf_header_after_leading_junk_is_a_pdf(samples: dict[str, Path]) -> None:
    body = samples["application/pdf"].read_bytes()
    assert sniff_media_type(b"\r\n--mail gateway junk--\r\n" + body) == "application/pdf"


def test_heic_and_avif_are_told_apart_by_brand() -> None:
    heic = b"\x00\x00\x00\x1cftypheic\x00\x00\x00\x00mif1heicmiaf"
    avif = b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00mif1avifmiaf"
    avif_behind_mif1 = b"\x00\x00\x00\x1cftypmif1\x00\x00\x00\x00mif1avifmiaf"
    assert sniff_media_type(heic) == "image/heic"
    assert sniff_media_type(avif) is None
    assert sniff_media_type(avif_behind_mif1) is None


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=600))
def test_sniff_never_raises_on_random_bytes(head: bytes) -> None:
    assert sniff_media_type(head) in (None, *SUPPORTED_MEDIA_TYPES)
    assert describe_content(head) is None or isinstance(describe_content(head), str)


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from([b"%PDF-", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"RIFF", b"II*\x00", b""]),
    st.binary(max_size=64),
    st.binary(max_size=64),
)
def test_sniff_never_raises_near_real_signatures(magic: bytes, middle: bytes, tail: bytes) -> None:
    for head in (magic + middle, middle[:4] + b"ftyp" + tail, magic + tail + b"ftyp"):
        assert sniff_media_type(head) in (None, *SUPPORTED_MEDIA_TYPES)


# --------------------------------------------------------------------------- sources


def test_source_identifies_the_file_by_content(samples: dict[str, Path]) -> None:
    path = samples["image/jpeg"]
    source = open_source(str(path))
    data = path.read_bytes()
    assert source.sha256 == hashlib.sha256(data).hexdigest()
    assert source.size == len(data)
    assert source.file_name == "a.jpg"
    assert source.path == path.absolute()
    info = source.info()
    assert (info.sha256, info.media_type, info.size, info.path) == (
        source.sha256,
        "image/jpeg",
        len(data),
        str(path.absolute()),
    )


def test_hash_streams_files_bigger_than_one_chunk(tmp_path: Path) -> None:
    path = tmp_path / "big.pdf"
    data = b"%PDF-1.7\n" + os.urandom(3 * (1 << 20) + 123)
    path.write_bytes(data)
    source = open_source(path)
    assert source.sha256 == hashlib.sha256(data).hexdigest()
    assert source.size == len(data)


def test_missing_path(tmp_path: Path) -> None:
    with pytest.raises(InputMissingError, match="does not exist: check the path"):
        open_source(tmp_path / "nope.pdf")


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(InputMissingError, match="is a directory"):
        open_source(tmp_path)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes on this OS")
def test_named_pipe_is_refused_without_blocking(tmp_path: Path) -> None:
    pipe = tmp_path / "pipe.pdf"
    os.mkfifo(pipe)
    with pytest.raises(InputMissingError, match="not a regular file"):
        open_source(pipe)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads anything")
def test_unreadable_file(tmp_path: Path, samples: dict[str, Path]) -> None:
    path = samples["application/pdf"]
    path.chmod(0)
    try:
        with pytest.raises(InputMissingError, match="permission denied"):
            open_source(path)
    finally:
        path.chmod(0o644)


def test_read_permission_denied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a double for an unreadable file, so the test also runs as root (which reads anything)
    path = text_pdf(tmp_path / "locked.pdf")

    def refuse(self: Path, *args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "open", refuse)
    with pytest.raises(InputMissingError, match="permission denied.*check the file's permissions"):
        open_source(path)


def test_zero_byte_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.pdf"
    path.touch()
    with pytest.raises(CorruptInputError, match=r"empty \(0 bytes\)"):
        open_source(path)


@pytest.mark.parametrize(
    ("content", "looks_like"),
    [
        ("Уважаемый коллега,\nпересылаю письмо.\n".encode(), "plain text"),
        ("Уважаемый коллега".encode("cp1251"), "plain text"),
        (b"<!DOCTYPE html><html><body>letter</body></html>", "an HTML page"),
        (b"From: press@example.org\nSubject: letter\n\nsee attached", "an e-mail message"),
        (b"GIF89a\x01\x00\x01\x00", "a GIF image"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "old Microsoft Office"),
    ],
)
def test_unknown_types_say_what_they_look_like(
    tmp_path: Path, content: bytes, looks_like: str
) -> None:
    path = tmp_path / "letter.pdf"
    path.write_bytes(content)
    with pytest.raises(UnsupportedTypeError) as raised:
        open_source(path)
    message = str(raised.value)
    assert looks_like in message
    assert "PDF, PNG, JPEG, TIFF, WebP and HEIC" in message


def test_zip_and_docx_are_named(tmp_path: Path) -> None:
    archive = tmp_path / "scans.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr("letter.txt", "hello")
    docx = tmp_path / "letter.docx"
    with zipfile.ZipFile(docx, "w") as handle:
        handle.writestr("[Content_Types].xml", "<Types/>")
        handle.writestr("word/document.xml", "<w:document/>")
    with pytest.raises(UnsupportedTypeError, match="a ZIP archive"):
        open_source(archive)
    with pytest.raises(UnsupportedTypeError, match="Word, Excel or PowerPoint"):
        open_source(docx)


def test_binary_of_no_known_kind(tmp_path: Path) -> None:
    path = tmp_path / "blob.jpg"
    path.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(UnsupportedTypeError, match="its type is not recognised"):
        open_source(path)


# --------------------------------------------------------------------------- PDFs


def test_truncated_pdf(tmp_path: Path) -> None:
    whole = text_pdf(tmp_path / "whole.pdf", pages=5).read_bytes()
    for share in (0.3, 0.6, 0.95):
        cut = tmp_path / f"cut{share}.pdf"
        cut.write_bytes(whole[: int(len(whole) * share)])
        with pytest.raises(CorruptInputError, match="truncated.*complete copy"):
            reading(cut).page_count()


def test_pdf_that_is_only_a_header(tmp_path: Path) -> None:
    path = tmp_path / "bad.pdf"
    path.write_bytes(b"%PDF-1.7\n" + b"this is not a pdf body\n" * 20)
    with pytest.raises(CorruptInputError, match="get a"):
        reading(path).page_count()


@pytest.fixture
def encrypted_pdf(tmp_path: Path) -> Path:
    document = pymupdf.open()
    page = document.new_page()
    page.insert_text((72, 100), "Secret letter text", fontsize=12)
    path = tmp_path / "locked.pdf"
    document.save(
        path, encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="open sesame", owner_pw="owner"
    )
    return path


def test_encrypted_pdf_without_password(encrypted_pdf: Path) -> None:
    with pytest.raises(EncryptedInputError, match="encrypted: pass --password"):
        reading(encrypted_pdf).page_count()


def test_encrypted_pdf_with_wrong_password(encrypted_pdf: Path) -> None:
    with pytest.raises(EncryptedInputError, match="wrong password.*--password"):
        reading(encrypted_pdf, password="guess").page_count()


def test_encrypted_pdf_with_right_password(encrypted_pdf: Path) -> None:
    source = open_source(encrypted_pdf)
    right = options(password="open sesame")
    assert open_input(source, right).page_count() == 1
    page = open_input(source, right).text_layer_page(0)
    assert page is not None
    assert [word.text for word in page.words] == ["Secret", "letter", "text"]
    # a cached, decrypted document is not handed to a caller without the password
    with pytest.raises(EncryptedInputError):
        open_input(source, options()).text_layer_page(0)


def test_too_many_pdf_pages(tmp_path: Path) -> None:
    source = open_source(text_pdf(tmp_path / "long.pdf", pages=3))
    assert open_input(source, options(max_pages=3)).page_count() == 3
    with pytest.raises(InputTooLargeError, match=r"3 pages.*limit of 2.*--max-pages 3"):
        open_input(source, options(max_pages=2)).page_count()


def test_text_layer_words_and_boxes(tmp_path: Path) -> None:
    source = open_source(text_pdf(tmp_path / "letter.pdf", pages=2))
    page = open_input(source, options()).text_layer_page(1)
    assert page is not None
    assert (page.number, page.unit, page.method, page.confidence) == (2, "pt", "text_layer", 1.0)
    assert (page.width, page.height) == (595, 842)
    assert [word.text for word in page.words] == ["Hello", "world", "2"]
    hello = page.words[0]
    assert hello.confidence == 1.0
    # insert_text puts the baseline at y=100 from x=72: the box sits on it
    x0, y0, x1, y1 = hello.bbox
    assert x0 == pytest.approx(72, abs=0.5)
    assert y0 < 100 < y1 + 4 and y1 - y0 == pytest.approx(12 * 1.37, abs=2)
    assert 25 < x1 - x0 < 35  # "Hello" in 12 pt Helvetica is about 30 pt wide
    assert page.words[1].bbox[0] > x1


def test_text_layer_language_and_unique_line_ids(tmp_path: Path) -> None:
    html = "".join(f"<p>{RUSSIAN}</p>" for _ in range(4))
    page = reading(html_pdf(tmp_path / "ru.pdf", html)).text_layer_page(0)
    assert page is not None
    assert page.language == "ru"
    assert " ".join(word.text for word in page.words).startswith(RUSSIAN[:40])
    pairs = {(word.block, word.line) for word in page.words}
    lines = {line for _, line in pairs}
    assert len(lines) == len(pairs) > 4  # several lines, each id used by one block only
    assert all(line // 1000 == block for block, line in pairs)


@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
def test_text_layer_boxes_match_the_rendered_page(tmp_path: Path, rotation: int) -> None:
    """Word boxes land on the word's ink in the render, whatever the rotation and crop."""
    document = pymupdf.open()
    page = document.new_page(width=595, height=842)
    page.insert_text((150, 200), "Rotated", fontsize=30)
    page.set_cropbox(pymupdf.Rect(100, 100, 400, 500))
    page.set_rotation(rotation)
    path = tmp_path / "rotated.pdf"
    document.save(path)
    source = open_source(path)
    text = open_input(source, options()).text_layer_page(0)
    assert text is not None
    upright = rotation in (0, 180)
    assert (text.width, text.height) == ((300, 400) if upright else (400, 300))
    x0, y0, x1, y1 = (round(value) for value in text.words[0].bbox)
    assert (x1 - x0 > y1 - y0) is upright  # turned pages show the word running down
    ink = open_input(source, options(render_dpi=72)).page_image(0).pixels < 128
    assert ink.shape == (round(text.height), round(text.width))
    assert ink.sum() > 300 and ink[y0 : y1 + 1, x0 : x1 + 1].sum() == ink.sum()


def test_image_only_pdf_has_no_text_layer_and_renders_grey(tmp_path: Path) -> None:
    source = open_source(scan_pdf(tmp_path / "scan.pdf"))
    assert open_input(source, options()).text_layer_page(0) is None
    image = open_input(source, options(render_dpi=100)).page_image(0)
    assert isinstance(image, PageImage)
    assert image.pixels.shape == (1170, 827)  # A4 at 100 dpi, one grey channel
    assert image.pixels.dtype == np.uint8 and image.pixels.flags.writeable
    assert (image.dpi, image.applied) == (100.0, ("render:100dpi",))
    line = image.pixels[int(215 * 100 / 72), int(300 * 100 / 72)]
    assert line < 60 and image.pixels[50, 50] > 200


def test_colour_pdf_page_stays_rgb(tmp_path: Path) -> None:
    image = reading(scan_pdf(tmp_path / "c.pdf", colour=True)).page_image(0)
    assert image.pixels.shape == (3509, 2480, 3)  # A4 at the default 300 dpi, rounded up
    stamp = image.pixels[int(750 * 300 / 72), int(425 * 300 / 72)]
    assert stamp[2] > 150 and stamp[0] < 80


def test_thin_blue_signature_keeps_the_page_in_colour(tmp_path: Path) -> None:
    document = pymupdf.open()
    page = document.new_page(width=595, height=842)
    page.insert_text((72, 100), "Black print only", fontsize=12)
    document.save(tmp_path / "grey.pdf")
    page.draw_line((300, 700), (500, 720), color=(0.1, 0.2, 0.8), width=1)
    document.save(tmp_path / "signed.pdf")
    assert reading(tmp_path / "grey.pdf").page_image(0).pixels.ndim == 2
    assert reading(tmp_path / "signed.pdf").page_image(0).pixels.ndim == 3


def test_huge_pdf_page_is_refused_before_rendering(tmp_path: Path) -> None:
    document = pymupdf.open()
    document.new_page(width=5000, height=5000)
    path = tmp_path / "poster.pdf"
    document.save(path)
    started = time.perf_counter()
    with pytest.raises(InputTooLargeError, match=r"20834 x 20834.*--max-pixels or a lower --dpi"):
        reading(path).page_image(0)
    # Refused from the page size alone: rendering 434 Mpx would take far longer than this.
    assert time.perf_counter() - started < 10


# --------------------------------------------------------------------------- garbage


def test_text_layer_without_unicode_map_is_garbage(tmp_path: Path) -> None:
    path = html_pdf(tmp_path / "nomap.pdf", f"<p>{RUSSIAN}</p>")
    document = pymupdf.open(path)
    for xref, *_ in document[0].get_fonts():
        document.xref_set_key(xref, "ToUnicode", "null")
    broken = tmp_path / "broken.pdf"
    document.save(broken)
    assert reading(path).text_layer_page(0) is not None
    assert reading(broken).text_layer_page(0) is None


def test_cyrillic_in_a_latin_font_is_garbage(tmp_path: Path) -> None:
    # Helvetica has no Cyrillic glyphs: the text layer holds only placeholder dots
    document = pymupdf.open()
    document.new_page().insert_text((72, 100), RUSSIAN, fontsize=11)
    path = tmp_path / "dots.pdf"
    document.save(path)
    assert reading(path).text_layer_page(0) is None


def test_cp1251_mojibake_is_garbage(tmp_path: Path) -> None:
    mojibake = RUSSIAN.encode("cp1251").decode("latin-1")  # "Ïðèêàç Ìèíèñòåðñòâà ..."
    path = text_pdf(tmp_path / "moji.pdf", text=mojibake)
    assert reading(path).text_layer_page(0) is None


def test_scan_with_a_scanner_label_is_not_a_text_layer(tmp_path: Path) -> None:
    source = open_source(scan_pdf(tmp_path / "labelled.pdf", label="Scanned with SuperScan"))
    assert open_input(source, options()).text_layer_page(0) is None


def word(text: str, size: float = 10) -> Word:
    return Word(text=text, bbox=(0, 0, size, size), confidence=1.0, block=0, line=0)


@pytest.mark.parametrize(
    ("text", "garbage"),
    [
        ("Приказ о направлении врачей 25.02.2022 № 30-2/И/2-2757", False),
        ("Итого 1 234 567,89 12,5% 2021 2022 2023 45 67 89", False),
        ("Résumé of the café meeting in Zürich, naïve façade", False),
        ("(cid:12)(cid:45)(cid:77) (cid:3)(cid:18) letter", True),
        ("\ufffd\ufffd\ufffd\ufffd \ufffd\ufffd word", True),
        ("!\"#$%&'() *+,-./ :;<=>?@", True),
        ("\ue000\ue001\ue002\ue003\ue004 ab", True),
        ("Ïðèêàç Ìèíèñòåðñòâà çäðàâîîõðàíåíèÿ", True),
        ("   ", True),
    ],
)
def test_garbage_heuristic(text: str, garbage: bool) -> None:
    words = [word(part, 50) for part in text.split()]
    assert (_pdf.garbage_reason(text, words, 595 * 842) is not None) is garbage


_GARBAGE_ALPHABET = st.sampled_from(
    list("Приказ іїєґ Résumé ÀÖ×÷Øÿ abc 0123 ½²٣ !#$%&.,-")
    + ["\ufffd", "\ue000", "\x07", "\u0378", "\u00ad", "\u200b", "\n", "\t", "\u3000", "(cid:7)"]
)


def _garbage_by_definition(text: str) -> str | None:
    """garbage_reason's first three tests written out character by character."""
    import unicodedata

    chars = [c for c in _pdf._CID.sub("\ufffd", text) if not c.isspace()]
    if not chars:
        return "empty"
    bad = sum(
        1 for c in chars if c == "\ufffd" or unicodedata.category(c) in ("Cc", "Co", "Cs", "Cn")
    )
    if bad > _pdf.MAX_BAD_RATIO * len(chars):
        return f"unmapped glyphs ({bad} of {len(chars)} characters)"
    alnum = sum(1 for c in chars if c.isalnum())
    if alnum < _pdf.MIN_ALNUM_RATIO * len(chars):
        return f"few letters or digits ({alnum} of {len(chars)} characters)"
    letters = [c for c in chars if c.isalpha()]
    latin1 = sum(1 for c in letters if "\u00c0" <= c <= "\u00ff")
    if len(letters) >= _pdf.MIN_MOJIBAKE_LETTERS and latin1 > _pdf.MAX_MOJIBAKE_RATIO * len(
        letters
    ):
        return f"8-bit text without a Unicode map ({latin1} of {len(letters)} letters)"
    return None


@given(st.lists(_GARBAGE_ALPHABET, max_size=200).map("".join))
@example("abcdefghijklmn ÀÁÂÃÄÅ ×")  # 6 of 20 letters are Latin-1: "×" is not a letter
@settings(max_examples=300, deadline=None)
def test_garbage_counts_match_their_definition(text: str) -> None:
    # The check counts with str.split, map and a regex for speed; the counts and reasons
    # must be those of the per-character definition in its docstring.
    assert _pdf.garbage_reason(text, [], 0.0) == _garbage_by_definition(text)


def test_sparse_text_is_garbage_only_on_an_image_page() -> None:
    words = [word("Page"), word("1")]
    assert _pdf.garbage_reason("Page 1", words, 595 * 842, lambda: 0.0) is None
    assert _pdf.garbage_reason("Page 1", words, 595 * 842, lambda: 0.95) is not None


# --------------------------------------------------------------------------- images


def test_exif_orientation_6_is_applied_to_a_jpeg(tmp_path: Path) -> None:
    path = image_file(
        tmp_path / "photo.jpg", quarter_black(), "JPEG", exif=exif_bytes(6), quality=95
    )
    image = reading(path).page_image(0)
    assert image.applied == ("exif_orientation:rot90cw",)
    assert image.pixels.shape == (64, 32)  # stored 64 wide x 32 high, shown upright
    # turned clockwise, the black left quarter becomes the top quarter
    assert image.pixels[:14].mean() < 20 and image.pixels[20:].mean() > 235


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_exif_orientation_matches_pillow(tmp_path: Path, orientation: int) -> None:
    picture = quarter_black(48, 20)
    picture.paste(128, (40, 0, 48, 5))  # a mark in one corner so mirrors differ too
    path = image_file(tmp_path / "o.png", picture, "PNG", exif=exif_bytes(orientation))
    expected = np.array(ImageOps.exif_transpose(Image.open(path)))
    image = reading(path).page_image(0)
    assert np.array_equal(image.pixels, expected)
    assert (orientation == 1) == (image.applied == ())


def test_heic_orientation_is_recorded_and_applied_once(tmp_path: Path) -> None:
    path = image_file(
        tmp_path / "photo.heic", quarter_black().convert("RGB"), "HEIF", exif=exif_bytes(6)
    )
    source = open_source(path)
    assert open_input(source, options()).page_count() == 1
    image = open_input(source, options()).page_image(0)
    assert image.applied == ("exif_orientation:rot90cw",)
    assert image.pixels.shape == (64, 32)
    assert image.pixels[:14].mean() < 30 and image.pixels[20:].mean() > 225
    assert image.dpi is None


def test_multi_page_tiff_frames(tmp_path: Path) -> None:
    frames = [Image.new("L", (30 + 10 * n, 20), 40 * (n + 1)) for n in range(3)]
    path = tmp_path / "scan.tif"
    frames[0].save(path, save_all=True, append_images=frames[1:], dpi=(300, 300))
    source = open_source(path)
    assert open_input(source, options()).page_count() == 3
    for index in range(3):
        image = open_input(source, options()).page_image(index)
        assert image.pixels.shape == (20, 30 + 10 * index)
        assert int(image.pixels[0, 0]) == 40 * (index + 1)
        assert image.dpi == pytest.approx(300)
    with pytest.raises(InputTooLargeError, match="--max-pages"):
        open_input(source, options(max_pages=2)).page_count()
    with pytest.raises(IndexError):
        open_input(source, options()).page_image(3)


def test_animated_webp_counts_one_page_the_first_frame(tmp_path: Path) -> None:
    frames = [Image.new("RGB", (20, 20), colour) for colour in ((250, 0, 0), (0, 0, 250))]
    path = tmp_path / "sticker.webp"
    frames[0].save(path, save_all=True, append_images=frames[1:], lossless=True, duration=100)
    source = open_source(path)
    assert open_input(source, options()).page_count() == 1
    pixel = open_input(source, options()).page_image(0).pixels[10, 10]
    assert pixel[0] > 200 and pixel[2] < 50


@pytest.mark.parametrize(
    ("fmt", "save", "expected"),
    [
        ("PNG", {"dpi": (300, 300)}, 300.0),  # stored as 11811 dots per metre
        ("TIFF", {"dpi": (204, 196)}, 200.0),
        ("PNG", {}, None),
        ("JPEG", {"dpi": (5, 5)}, None),  # outside MIN_DPI..MAX_DPI: a broken header
        ("JPEG", {"dpi": (72, 72), "exif": exif_bytes(1, t271="Apple", t272="iPhone")}, None),
        ("JPEG", {"dpi": (300, 300), "exif": exif_bytes(1, t271="Apple")}, 300.0),
    ],
)
def test_dpi_from_metadata_only_when_plausible(
    tmp_path: Path, fmt: str, save: dict, expected: float | None
) -> None:
    path = image_file(tmp_path / "p.img", Image.new("L", (1240, 1754), 255), fmt, **save)
    dpi = reading(path).page_image(0).dpi
    assert dpi == expected


def test_72_dpi_on_a_large_image_is_a_default(tmp_path: Path) -> None:
    path = image_file(tmp_path / "big.jpg", Image.new("L", (3000, 4000), 255), "JPEG", dpi=(72, 72))
    assert reading(path).page_image(0).dpi is None  # a 55-inch page: no


def test_pixel_formats_become_8_bit_grey_or_rgb(tmp_path: Path) -> None:
    transparent = Image.new("RGBA", (10, 10), (0, 0, 0, 0))
    transparent.paste((200, 0, 0, 255), (0, 0, 5, 10))
    deep = Image.fromarray(np.full((10, 10), 40000, dtype=np.uint16))
    palette = Image.new("RGB", (10, 10), (90, 90, 90)).convert("P", palette=Image.Palette.ADAPTIVE)
    cmyk = Image.new("CMYK", (10, 10), (0, 255, 255, 0))
    cases = {
        "rgba.png": (transparent, "PNG", (10, 10, 3), ("alpha_flattened",)),
        "deep.png": (deep, "PNG", (10, 10), ("depth:16to8",)),
        "palette.png": (palette, "PNG", (10, 10), ()),
        "bilevel.tif": (Image.new("1", (10, 10), 1), "TIFF", (10, 10), ()),
        "cmyk.jpg": (cmyk, "JPEG", (10, 10, 3), ("cmyk_to_rgb",)),
    }
    for name, (picture, fmt, shape, applied) in cases.items():
        image = reading(image_file(tmp_path / name, picture, fmt)).page_image(0)
        assert (image.pixels.shape, image.pixels.dtype, image.applied) == (
            shape,
            np.uint8,
            applied,
        ), name
    flat = reading(tmp_path / "rgba.png").page_image(0).pixels
    assert tuple(flat[5, 8]) == (255, 255, 255) and tuple(flat[5, 2]) == (200, 0, 0)
    assert reading(tmp_path / "deep.png").page_image(0).pixels[0, 0] == 40000 >> 8
    assert reading(tmp_path / "palette.png").page_image(0).pixels[0, 0] == 90
    red = reading(tmp_path / "cmyk.jpg").page_image(0).pixels[5, 5]
    assert red[0] > 200 and red[1] < 60


def test_colourless_rgb_image_becomes_grey(tmp_path: Path) -> None:
    path = image_file(tmp_path / "g.png", Image.new("RGB", (20, 20), (120, 120, 120)), "PNG")
    image = reading(path).page_image(0)
    assert image.pixels.shape == (20, 20) and image.pixels[0, 0] == 120


def test_pixel_bomb_header_is_refused_before_decoding(tmp_path: Path) -> None:
    # a real 100000 x 100000 grey PNG header (10 Gpx) with one tiny IDAT: a bomb's shape
    small = io.BytesIO()
    Image.new("L", (1, 1), 0).save(small, format="PNG")
    data = bytearray(small.getvalue())
    data[16:24] = (100_000).to_bytes(4, "big") * 2  # width, height in IHDR
    data[29:33] = zlib.crc32(bytes(data[12:29])).to_bytes(4, "big")  # IHDR CRC
    path = tmp_path / "bomb.png"
    path.write_bytes(bytes(data))
    source = open_source(path)
    with pytest.raises(InputTooLargeError, match="--max-pixels"):
        open_input(source, options()).page_image(0)
    with pytest.raises(InputTooLargeError, match="--max-pixels"):
        open_input(source, options()).page_count()


def test_solid_png_over_the_pixel_limit(tmp_path: Path) -> None:
    path = image_file(tmp_path / "wide.png", Image.new("L", (2000, 1000), 255), "PNG")
    assert path.stat().st_size < 10_000  # compresses to little, decodes to 2 Mpx
    source = open_source(path)
    with pytest.raises(InputTooLargeError, match=r"2000 x 1000.*limit of 1 Mpx.*--max-pixels"):
        open_input(source, options(max_pixels=1_000_000)).page_image(0)
    assert open_input(source, options(max_pixels=2_000_000)).page_image(0).pixels.shape == (
        1000,
        2000,
    )


@pytest.mark.parametrize(("fmt", "keep"), [("JPEG", 0.5), ("PNG", 0.5), ("HEIF", 0.6)])
def test_truncated_image(tmp_path: Path, fmt: str, keep: float) -> None:
    noise = Image.fromarray(np.random.default_rng(1).integers(0, 255, (200, 200, 3), np.uint8))
    whole = io.BytesIO()
    noise.save(whole, format=fmt)
    path = tmp_path / "cut.img"
    path.write_bytes(whole.getvalue()[: int(len(whole.getvalue()) * keep)])
    source = open_source(path)
    with pytest.raises(CorruptInputError, match="truncated or damaged.*complete copy"):
        for index in range(open_input(source, options()).page_count()):
            open_input(source, options()).page_image(index)


# --------------------------------------------------------------------------- read-only


def test_loading_never_modifies_the_input(
    tmp_path: Path, samples: dict[str, Path], encrypted_pdf: Path
) -> None:
    rotated = image_file(tmp_path / "r.jpg", quarter_black(), "JPEG", exif=exif_bytes(6))
    broken = tmp_path / "cut.pdf"
    broken.write_bytes(text_pdf(tmp_path / "w.pdf", pages=3).read_bytes()[:-400])
    paths = [*samples.values(), rotated, encrypted_pdf, broken]
    before = {path: (path.read_bytes(), path.stat().st_mtime_ns) for path in paths}
    for path in paths:
        for password in (None, "open sesame"):
            try:
                with reading(path, password=password) as document:
                    for index in range(document.page_count()):
                        document.text_layer_page(index)
                        document.page_image(index, 72)
            except (EncryptedInputError, CorruptInputError):
                pass
    assert {path: (path.read_bytes(), path.stat().st_mtime_ns) for path in paths} == before


# --------------------------------------------------------------------------- speed


_inherited: PdfInput | None = None
"""The input a forked worker inherits from the test that forks it."""


def _child_reads(_: int) -> tuple[bool, list[str]]:
    assert _inherited is not None
    parents = _inherited._opened
    page = _inherited.text_layer_page(0)
    return _inherited._opened is not parents, [word.text for word in page.words] if page else []


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this OS")
def test_forked_workers_open_their_own_documents(tmp_path: Path) -> None:
    global _inherited
    document = reading(text_pdf(tmp_path / "shared.pdf"))
    assert isinstance(document, PdfInput)
    document.page_count()  # the parent now holds the document open
    held = document._opened
    _inherited = document
    try:
        with multiprocessing.get_context("fork").Pool(2, maxtasksperchild=1) as pool:
            results = pool.map(_child_reads, range(4))
    finally:
        _inherited = None
    # every worker opens a document of its own and reads the page correctly
    assert results == [(True, ["Hello", "world", "1"])] * 4
    # and the parent's stays open, at its own place in the file
    assert document._opened is held
    page = document.text_layer_page(0)
    assert page is not None and [word.text for word in page.words] == ["Hello", "world", "1"]
    document.close()


def test_an_input_holds_its_document_until_closed(tmp_path: Path) -> None:
    with reading(text_pdf(tmp_path / "held.pdf", pages=2)) as document:
        assert isinstance(document, PdfInput)
        assert document.page_count() == 2
        held = document.document()
        assert document.text_layer_page(1) is not None
        document.page_image(0, 72)  # in a child process, which opens its own copy
        assert document.document() is held  # opened once for every page
    assert held._document.is_closed


def test_source_and_page_image_are_frozen(samples: dict[str, Path]) -> None:
    source = open_source(samples["image/png"])
    assert isinstance(source, Source)
    with pytest.raises(AttributeError):
        source.size = 1  # type: ignore[misc]
    image = open_input(source, options()).page_image(0)
    with pytest.raises(AttributeError):
        image.dpi = 1.0  # type: ignore[misc]


# --------------------------------------------------------------------------- fixtures

FORMATS = Path(__file__).resolve().parent.parent / "fixtures" / "formats"


@pytest.mark.skipif(not (FORMATS / "mixed.pdf").exists(), reason="fixtures not generated")
def test_bundled_format_fixtures_load() -> None:
    mixed = open_source(FORMATS / "mixed.pdf")
    assert open_input(mixed, options()).page_count() == 2
    assert open_input(mixed, options()).text_layer_page(0) is not None  # born-digital page
    assert open_input(mixed, options()).text_layer_page(1) is None  # scanned page
    tiff = open_source(FORMATS / "two_pages.tif")
    assert (tiff.media_type, open_input(tiff, options()).page_count()) == ("image/tiff", 2)
    heic = open_source(FORMATS / "founding.heic")
    assert (
        heic.media_type == "image/heic"
        and open_input(heic, options()).page_image(0).pixels.ndim >= 2
    )
