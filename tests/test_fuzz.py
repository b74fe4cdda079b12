"""Mutated fixture files through extract, forensics and scrub: verify's own errors, no hang.

A bounded, derandomized hypothesis run (the same examples on every machine) of byte flips,
truncations and splices of small renditions of the fixtures: a born-digital PDF, an
image-only PDF page, a JPEG photo, a PNG scan and a two-page TIFF. Every outcome must be a
record or a ``VerifyError`` (the CLI's one-line error), within the page budgets. The long
run is ``benchmarks/fuzz.py --minutes N``.
"""

from __future__ import annotations

import io
import tempfile
import time
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from tests.conftest import DOCUMENTS, FIXTURES, FOUNDING
from verify.errors import VerifyError
from verify.forensics.examine import forensics
from verify.forensics.scrub import scrub
from verify.options import ExtractOptions
from verify.pipeline import extract
from verify.reading.inputs import open_input
from verify.reading.load import open_source

OPTIONS = ExtractOptions(cache_dir=None, jobs=1, page_seconds=30, page_memory_mb=1024)
EXAMPLE_BOUND_S = 90.0
"""Most one example may take: three commands, each page within its 30-second budget."""


def _image_bytes(path: Path, box: tuple[int, int, int, int], fmt: str, frames: int = 1) -> bytes:
    """A crop of a fixture image at its own resolution: a few lines, OCRed in a second."""
    out = io.BytesIO()
    with Image.open(path) as image:
        pages = []
        for index in range(frames):
            image.seek(index)
            pages.append(image.convert("L").crop(box))
    pages[0].save(out, fmt, save_all=frames > 1, append_images=pages[1:])
    return out.getvalue()


def _pdf_of_image(png: bytes) -> bytes:
    """A one-page image-only PDF (the page is the PNG), written by Pillow."""
    out = io.BytesIO()
    with Image.open(io.BytesIO(png)) as image:
        image.save(out, "PDF", resolution=300)
    return out.getvalue()


@cache
def seeds() -> dict[str, bytes]:
    """The files mutated: small, so a whole example runs in a second or two."""
    scan = _image_bytes(DOCUMENTS / FOUNDING / "scan_300dpi.png", (200, 200, 1400, 700), "PNG")
    photo = FIXTURES / "formats" / "founding_photo_lowres.jpg"
    tiff = FIXTURES / "formats" / "two_pages.tif"
    return {
        "born_digital.pdf": (DOCUMENTS / FOUNDING / "born_digital.pdf").read_bytes(),
        "image_only.pdf": _pdf_of_image(scan),
        "photo.jpg": _image_bytes(photo, (100, 100, 700, 500), "JPEG"),
        "scan.png": scan,
        "two_pages.tif": _image_bytes(tiff, (200, 200, 1000, 500), "TIFF", 2),
    }


def mutate(data: bytes, edits: list[tuple[str, float, int]], donor: bytes) -> bytes:
    """Apply (kind, where 0..1, value) edits: a flipped byte, a cut, or a splice of ``donor``."""
    out = bytearray(data)
    for kind, where, value in edits:
        if not out:
            break
        at = min(len(out) - 1, int(where * len(out)))
        if kind == "flip":
            out[at] ^= value or 1
        elif kind == "cut":
            del out[max(1, at) :]
        elif kind == "splice":
            start = int(where * max(0, len(donor) - value))
            out[at:at] = donor[start : start + value]
        elif kind == "zero":
            out[at : at + value] = bytes(len(out[at : at + value]))
    return bytes(out)


EDITS = st.lists(
    st.tuples(
        st.sampled_from(["flip", "flip", "flip", "cut", "splice", "zero"]),
        st.floats(0.0, 1.0, allow_nan=False),
        st.integers(0, 255),
    ),
    min_size=1,
    max_size=6,
)


def run_commands(path: Path, workdir: Path) -> list[str]:
    """Extract, forensics and scrub of ``path``: what each did ("ok" or an error class)."""
    outcomes = []
    calls = (
        lambda: extract(path, OPTIONS),
        lambda: forensics(path, options=OPTIONS, ocr_checks=False),
        lambda: scrub(path, workdir / "safe.pdf", options=OPTIONS, check=False),
    )
    for call in calls:
        try:
            call()
        except VerifyError as error:
            message = str(error)
            assert message and "\n" not in message, message
            outcomes.append(type(error).__name__)
        else:
            outcomes.append("ok")
    return outcomes


@pytest.mark.slow
@settings(
    max_examples=20,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(name=st.sampled_from(sorted(seeds())), donor=st.sampled_from(sorted(seeds())), edits=EDITS)
def test_mutated_files_end_in_a_record_or_a_verify_error(name, donor, edits):
    data = mutate(seeds()[name], edits, seeds()[donor])
    with tempfile.TemporaryDirectory() as folder:
        workdir = Path(folder)
        path = workdir / name
        path.write_bytes(data)
        started = time.monotonic()
        outcomes = run_commands(path, workdir)
        assert time.monotonic() - started < EXAMPLE_BOUND_S, outcomes


def test_the_seeds_are_files_verify_reads():
    """The unmutated seeds open and count their pages: the run starts from readable files."""
    with tempfile.TemporaryDirectory() as folder:
        for name, data in seeds().items():
            path = Path(folder) / name
            path.write_bytes(data)
            expected = 2 if name == "two_pages.tif" else 1
            assert open_input(open_source(path), OPTIONS).page_count() == expected, name
