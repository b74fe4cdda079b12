"""Crafted files that declare or cause unbounded work end in a clean error within a bound.

Each file is made here, small on disk, the way an attacker would make it: a PNG of one row
of 150 million pixels, a PDF of 30 nested forms that draw one object 2^30 times, a content
stream that inflates to 1 GiB, a 14000 x 14000 JPEG, a 2,000-page TIFF. Every command that
reads pages (extract, forensics, scrub, ingest) must refuse them with a ``VerifyError``
(exit 7 on the command line) long before the work they ask for would end.
"""

from __future__ import annotations

import io
import json
import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from tests.conftest import DOCUMENTS, FOUNDING
from verify.errors import ExitCode, InputTooLargeError, VerifyError
from verify.forensics.examine import forensics
from verify.forensics.scrub import scrub
from verify.options import ExtractOptions
from verify.pipeline import extract
from verify.reading.budget import BudgetExceededError
from verify.reading.inputs import open_input
from verify.reading.load import open_source

BOUND_S = 30.0
"""Wall time within which every refusal here must come: the attacks ran for hours."""


# --------------------------------------------------------------------------- crafted files


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def long_png(path: Path, width: int = 150_000_000) -> Path:
    """A valid grey PNG of one row of ``width`` pixels, streamed: 146 KB on disk."""
    deflate = zlib.compressobj(9)
    block = b"\xff" * (1 << 20)
    parts = [deflate.compress(b"\x00")]  # the row's filter byte
    for start in range(0, width, len(block)):
        parts.append(deflate.compress(block[: min(len(block), width - start)]))
    parts.append(deflate.flush())
    header = struct.pack(">IIBBBBB", width, 1, 8, 0, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", b"".join(parts))
        + _png_chunk(b"IEND", b"")
    )
    return path


def _pdf(path: Path, objects: list[bytes]) -> Path:
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    path.write_bytes(out.getvalue())
    return path


def _stream(entries: bytes, data: bytes) -> bytes:
    return b"<< " + entries + b" /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"


_PAGE_TREE = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"]


def nested_forms_pdf(path: Path, levels: int = 30) -> Path:
    """A page drawing form 1, which draws form 2 twice, ... : 2^levels draws in ~6 KB."""
    objects = [
        *_PAGE_TREE,
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /XObject << /X 5 0 R >> >> /Contents 4 0 R >>",
        _stream(b"", b"q /X Do Q"),
    ]
    form = b"/Type /XObject /Subtype /Form /BBox [0 0 595 842]"
    for level in range(levels):
        if level == levels - 1:
            objects.append(_stream(form, b"0 0 1 1 re f"))
        else:
            inner = b" /Resources << /XObject << /X %d 0 R >> >>" % (5 + level + 1)
            objects.append(_stream(form + inner, b"/X Do /X Do"))
    return _pdf(path, objects)


def inflating_pdf(path: Path, size: int = 1 << 30) -> Path:
    """One page whose 1-MB content stream inflates to ``size`` bytes of fill operators."""
    deflate = zlib.compressobj(9)
    unit = b"0 0 1 1 re f\n"
    block = unit * ((1 << 20) // len(unit))
    parts = [deflate.compress(block) for _ in range(size // len(block) + 1)]
    parts.append(deflate.flush())
    objects = [
        *_PAGE_TREE,
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        _stream(b"/Filter /FlateDecode", b"".join(parts)),
    ]
    return _pdf(path, objects)


class _LzwCodes:
    """PDF LZW codes (EarlyChange 1), packed high bit first: widths grow from 9 to 12 bits."""

    def __init__(self) -> None:
        self.out = bytearray()
        self.buffer = self.buffered = 0
        self.width, self.next_code = 9, 258
        self.emit(256)

    def emit(self, code: int) -> None:
        self.buffer = (self.buffer << self.width) | code
        self.buffered += self.width
        while self.buffered >= 8:
            self.buffered -= 8
            self.out.append((self.buffer >> self.buffered) & 0xFF)
        self.buffer &= (1 << self.buffered) - 1
        if code == 256:
            self.width, self.next_code = 9, 258
        elif code != 257:  # the reader adds an entry for every code but the first
            self.next_code += 1
            if self.next_code >= 1 << self.width and self.width < 12:
                self.width += 1

    def finish(self) -> bytes:
        self.emit(257)
        if self.buffered:
            self.out.append((self.buffer << (8 - self.buffered)) & 0xFF)
        return bytes(self.out)


def lzw(data: bytes) -> bytes:
    """``data`` encoded for PDF's LZWDecode filter."""
    codes = _LzwCodes()
    table = {bytes([i]): i for i in range(256)}
    current = b""
    for value in data:
        grown = current + bytes([value])
        if grown in table:
            current = grown
            continue
        table[grown] = codes.next_code
        codes.emit(table[current])
        current = bytes([value])
        if codes.next_code >= 4000:
            codes.emit(256)
            table = {bytes([i]): i for i in range(256)}
    if current:
        codes.emit(table[current])
    return codes.finish()


def lzw_bomb(cycles: int = 12) -> bytes:
    """LZW codes for a run of spaces: code n stands for n - 256 of them, ~88 MB in 66 KB."""
    codes = _LzwCodes()
    for _ in range(cycles):
        codes.emit(ord(" "))
        for code in range(258, 4000):
            codes.emit(code)
        codes.emit(256)
    return codes.finish()


def huge_jpeg(path: Path, side: int = 14000) -> Path:
    """A side x side grey JPEG of lines of text: legal size, minutes of OCR."""
    tile = Image.new("L", (700, 100), 255)
    ImageDraw.Draw(tile).text((5, 30), "Приказ No 25-4/И/2-4011 от 25.02.2022", fill=0)
    pixels = np.tile(np.asarray(tile), (side // 100, side // 700))
    Image.fromarray(pixels).save(path, "JPEG", quality=30)
    return path


def many_page_tiff(path: Path, pages: int = 2000) -> Path:
    frames = [Image.new("1", (16, 16), 1) for _ in range(pages)]
    frames[0].save(path, "TIFF", save_all=True, append_images=frames[1:])
    return path


# --------------------------------------------------------------------------- helpers

OPTIONS = ExtractOptions(cache_dir=None, jobs=1)


def _refused(call, *args, **kwargs) -> tuple[VerifyError, float]:
    started = time.monotonic()
    with pytest.raises(VerifyError) as caught:
        call(*args, **kwargs)
    return caught.value, time.monotonic() - started


def _every_command(path: Path, tmp_path: Path, options: ExtractOptions = OPTIONS) -> list:
    """The error and time of extract, forensics and scrub on ``path``."""
    out = tmp_path / "safe.pdf"
    return [
        _refused(extract, path, options),
        _refused(forensics, path, options=options),
        _refused(scrub, path, out, options=options),
    ]


def _one_line(error: VerifyError) -> str:
    message = str(error)
    assert "\n" not in message
    return message


# --------------------------------------------------------------------------- the attacks


def test_a_one_row_png_is_refused_by_every_command(tmp_path):
    path = long_png(tmp_path / "long.png")
    assert path.stat().st_size < 200_000
    for error, seconds in _every_command(path, tmp_path):
        assert isinstance(error, InputTooLargeError), error
        assert "150000000 x 1 pixels" in _one_line(error)
        assert seconds < BOUND_S


def test_a_png_too_narrow_for_its_length_is_refused(tmp_path):
    path = long_png(tmp_path / "thin.png", width=40_000)  # under the side limit: its shape
    error, _ = _refused(extract, path, OPTIONS)
    assert isinstance(error, InputTooLargeError)
    assert "times longer than wide" in str(error)


def test_nested_forms_are_counted_before_mupdf_draws_them(tmp_path):
    path = nested_forms_pdf(tmp_path / "nested.pdf")
    assert path.stat().st_size < 8_000
    for error, seconds in _every_command(path, tmp_path):
        assert isinstance(error, InputTooLargeError), error
        assert "draws over 100,000 objects through nested forms" in _one_line(error)
        assert seconds < BOUND_S


def test_a_few_nested_forms_are_an_ordinary_page(tmp_path):
    path = nested_forms_pdf(tmp_path / "nested.pdf", levels=6)  # 63 draws
    source = open_source(path)
    assert open_input(source, OPTIONS).page_count() == 1
    assert open_input(source, OPTIONS).page_image(0).pixels.shape[1] == 2480  # A4 at 300 dpi


def _with_clean_revision(path: Path) -> Path:
    """Append an incremental update whose page draws nothing: the bomb stays in revision 1."""
    data = path.read_bytes()
    previous = int(data.rsplit(b"startxref", 1)[1].split()[0])
    size = data.count(b" 0 obj") + 1
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R >>" % size
    bodies = [(3, page), (size, _stream(b"", b"0 0 1 1 re f"))]
    update = bytearray(data)
    offsets = []
    for number, body in bodies:
        offsets.append((number, len(update)))
        update += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(update)
    update += b"xref\n"
    for number, offset in offsets:
        update += b"%d 1\n%010d 00000 n \n" % (number, offset)
    update += b"trailer\n<< /Size %d /Root 1 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n" % (
        size + 1,
        previous,
        xref,
    )
    path.write_bytes(bytes(update))
    return path


def test_a_bomb_in_an_earlier_revision_does_not_stall_forensics(tmp_path):
    path = _with_clean_revision(nested_forms_pdf(tmp_path / "revised.pdf"))
    started = time.monotonic()
    findings = forensics(path, options=OPTIONS, ocr_checks=False)
    assert time.monotonic() - started < BOUND_S
    assert "revision_change" in {finding.type for finding in findings}


@pytest.mark.slow
def test_a_content_stream_inflating_to_a_gibibyte_is_refused(tmp_path):
    path = inflating_pdf(tmp_path / "inflate.pdf")
    assert path.stat().st_size < 4_000_000
    for error, seconds in _every_command(path, tmp_path):
        assert isinstance(error, InputTooLargeError), error
        assert "MiB of drawing instructions" in _one_line(error)
        assert seconds < BOUND_S


def test_lzw_streams_are_decoded_as_mupdf_decodes_them_but_capped(tmp_path):
    from verify.reading.pdf import _lzw

    content = b"BT /F1 24 Tf 72 720 Td (Hello LZW, hello LZW, hello LZW) Tj ET\n" * 300
    assert _lzw(lzw(content), 1 << 20, True) == content
    assert _lzw(lzw(content), 1000, True) == content[:1001]
    objects = [
        *_PAGE_TREE,
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        _stream(b"/Filter /LZWDecode", lzw(content)),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    path = _pdf(tmp_path / "lzw.pdf", objects)
    import pymupdf

    with pymupdf.open(path) as document:
        assert document.xref_stream(4) == content
    record = extract(path, OPTIONS)
    assert "Hello LZW" in str(record.text) and record.pages[0].method == "text_layer"
    bomb = lzw_bomb()
    assert len(bomb) < 100_000 and len(_lzw(bomb, 1 << 40, True)) > 80_000_000


def test_a_content_stream_of_lzw_codes_expanding_a_thousandfold_is_refused(tmp_path):
    objects = [
        *_PAGE_TREE,
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        _stream(b"/Filter /LZWDecode", lzw_bomb()),
    ]
    path = _pdf(tmp_path / "lzw_bomb.pdf", objects)
    for error, seconds in _every_command(path, tmp_path):
        assert isinstance(error, InputTooLargeError), error
        assert "MiB of drawing instructions" in _one_line(error)
        assert seconds < BOUND_S


def test_an_lzw_bomb_is_judged_without_decoding_it_whole(tmp_path):
    """2 MB of LZW codes decode to 3 GB: MuPDF would hold them all before the page is judged."""
    objects = [
        *_PAGE_TREE,
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        _stream(b"/Filter /LZWDecode", lzw_bomb(cycles=400)),
    ]
    path = _pdf(tmp_path / "lzw_gigabytes.pdf", objects)
    # VmHWM is this process's own peak: ru_maxrss also counts the forking test worker's.
    script = (
        "import re, sys, pymupdf\n"
        "from verify.reading.pdf import page_problem\n"
        "with pymupdf.open(sys.argv[1]) as document:\n"
        "    print(page_problem(document, 0))\n"
        "status = open('/proc/self/status').read()\n"
        "print(int(re.search(r'VmHWM:\\s+(\\d+) kB', status).group(1)) // 1024)\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", script, str(path)], capture_output=True, text=True, timeout=120
    )
    problem, peak_mb = run.stdout.splitlines()
    assert "MiB of drawing instructions" in problem, run.stderr
    assert int(peak_mb) < 1000, peak_mb


@pytest.mark.slow
def test_a_huge_photo_is_stopped_by_its_page_time_budget(tmp_path):
    path = huge_jpeg(tmp_path / "huge.jpg")
    options = ExtractOptions(cache_dir=None, jobs=1, page_seconds=8)
    for error, seconds in _every_command(path, tmp_path, options):
        assert isinstance(error, BudgetExceededError), error
        assert "took over 8 s and was stopped" in _one_line(error)
        assert seconds < BOUND_S


def test_a_huge_photo_is_stopped_by_its_page_memory_budget(tmp_path):
    path = huge_jpeg(tmp_path / "huge.jpg")
    options = ExtractOptions(cache_dir=None, jobs=1, page_memory_mb=200)
    error, seconds = _refused(extract, path, options)
    assert isinstance(error, BudgetExceededError), error
    assert "needed more than 200 MB" in _one_line(error)
    assert seconds < BOUND_S


@pytest.mark.slow
def test_a_2000_page_tiff_is_held_to_the_page_limit_in_every_command(tmp_path):
    path = many_page_tiff(tmp_path / "many.tif")
    options = ExtractOptions(cache_dir=None, jobs=1, max_pages=500)
    for error, seconds in _every_command(path, tmp_path, options):
        assert isinstance(error, InputTooLargeError), error
        assert "has 2000 pages, more than the limit of 500" in _one_line(error)
        assert seconds < BOUND_S


@pytest.mark.slow
def test_a_long_tiff_is_stopped_by_the_file_time_budget(tmp_path, cli_subprocess):
    """Under the page limit, a file of many cheap pages still ends within its budget."""
    frame = Image.new("L", (900, 300), 255)
    ImageDraw.Draw(frame).text((40, 120), "Page of a long file " * 3, fill=0)
    path = tmp_path / "long.tif"
    frame.save(path, save_all=True, append_images=[frame] * 119, compression="tiff_deflate")
    started = time.perf_counter()
    with pytest.raises(
        BudgetExceededError, match=r"stopped after \d+ of 120 pages.*--file-seconds"
    ):
        extract(path, ExtractOptions(cache_dir=None, jobs=1, file_seconds=2))
    assert time.perf_counter() - started < BOUND_S
    run = cli_subprocess("extract", path, "--no-cache", "--file-seconds", "2", timeout=120)
    assert run.code == ExitCode.too_large and run.stderr.count("\n") == 1, run.stderr


def test_every_frame_of_a_compressed_tiff_is_read_one_page_child_after_another(tmp_path):
    """Each page's child reads through a file of its own: a shared read position once made
    the second frame of a compressed TIFF 'damaged' with --jobs 1."""
    frame = Image.new("L", (900, 300), 255)
    ImageDraw.Draw(frame).text((40, 120), "Page of a long file", fill=0)
    path = tmp_path / "three.tif"
    frame.save(path, save_all=True, append_images=[frame] * 2, compression="tiff_deflate")
    record = extract(path, ExtractOptions(cache_dir=None, jobs=1))
    assert [page.number for page in record.pages] == [1, 2, 3]
    assert all(page.method == "ocr" for page in record.pages)


def test_frames_of_a_compressed_tiff_read_in_any_order_are_the_frames_asked_for(tmp_path):
    """The input holds the open TIFF: each page's child seeks through a descriptor of its
    own, so the parent's next child still finds its frame wherever the last one left off."""
    frames = [Image.new("L", (120, 80), shade) for shade in (30, 130, 230)]
    for frame, label in zip(frames, "ABC", strict=True):
        ImageDraw.Draw(frame).text((10, 10), label, fill=255 - frame.getpixel((0, 0)))
    path = tmp_path / "three.tif"
    frames[0].save(path, save_all=True, append_images=frames[1:], compression="tiff_deflate")
    with open_input(open_source(path), OPTIONS) as document:
        assert document.page_count() == 3
        for index in (2, 0, 1, 2, 1, 0):
            pixels = document.page_image(index).pixels
            assert np.array_equal(pixels, np.asarray(frames[index])), index


def test_a_tiff_input_closes_its_file(tmp_path):
    path = many_page_tiff(tmp_path / "few.tif", pages=3)
    document = open_input(open_source(path), OPTIONS)
    document.page_image(1)
    held = document._held  # the open image: closed with the input, not left to the collector
    assert held is not None and held.fp is not None
    document.close()
    assert document._held is None and (held.fp is None or held.fp.closed)


@pytest.mark.slow
def test_the_last_frame_of_a_long_tiff_costs_what_the_first_does(tmp_path):
    """Frames are found from the offsets read once, not by re-reading every earlier one."""
    path = many_page_tiff(tmp_path / "many.tif")
    source = open_source(path)
    with open_input(source, OPTIONS) as document:
        assert document.page_count() == 2000
    timings = []
    for index in (0, 1999, 0, 1999):
        started = time.perf_counter()
        with open_input(source, OPTIONS) as document:
            document.page_image(index)
        timings.append(time.perf_counter() - started)
    assert max(timings[1], timings[3]) < 0.15 + 2 * max(timings[0], timings[2])


def test_the_command_line_prints_one_line_and_exits_7(cli_subprocess, tmp_path):
    path = nested_forms_pdf(tmp_path / "nested.pdf")
    for command in (["extract"], ["forensics"], ["scrub", "-o", tmp_path / "safe.pdf"]):
        run = cli_subprocess(*command, path, timeout=120)
        assert run.code == ExitCode.too_large, run.stderr
        assert run.stderr.count("\n") == 1 and "Traceback" not in run.stderr
        assert "nested forms" in run.stderr


def test_forensics_and_scrub_take_the_budget_options(cli_subprocess, tmp_path):
    path = long_png(tmp_path / "long.png", width=20_000)  # 20000 x 1: refused by its shape
    for command in (["forensics"], ["scrub", "-o", tmp_path / "safe.pdf"]):
        run = cli_subprocess(*command, path, "--max-pixels", "1000", "--page-seconds", "30")
        assert run.code == ExitCode.too_large, run.stderr
        assert "limit of 0.001 Mpx" in run.stderr


def test_ingest_quarantines_a_hostile_file_and_goes_on(cli_subprocess, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    nested_forms_pdf(inbox / "a_nested.pdf")
    long_png(inbox / "b_long.png")
    (inbox / "c_letter.pdf").write_bytes((DOCUMENTS / FOUNDING / "born_digital.pdf").read_bytes())
    archive = tmp_path / "archive"
    assert cli_subprocess("archive", "init", archive).code == 0
    started = time.monotonic()
    run = cli_subprocess("ingest", inbox, "--archive", archive, "--source", "A", "--json")
    assert time.monotonic() - started < 120
    assert run.code == 1, run.stderr
    summary = json.loads(run.stdout)
    assert summary["ingested"] == 1 and summary["failed"] == 2, summary
    reasons = {Path(d["path"]).name: d["reason"] for d in summary["documents"]}
    assert reasons["a_nested.pdf"].startswith("a_nested.pdf: page 1 draws over 100,000")
    assert reasons["b_long.png"].startswith("b_long.png: page 1 is 150000000 x 1 pixels")
    assert reasons["c_letter.pdf"] is None
