"""The one wrapper around tesseract: the only module that imports pytesseract.

Every failure of the engine — binary missing, language data missing, a crash, a page that
runs past its time limit — leaves this module as an ``OcrError`` whose message says what to
install or change, so callers never see pytesseract's own exceptions.
"""

from __future__ import annotations

import os
import re
from functools import cache
from typing import Any, TypedDict

import numpy as np
import pytesseract
from PIL import Image

from verify.errors import OcrError

INSTALL_HINT = (
    "install tesseract and its language data, e.g. "
    "apt-get install tesseract-ocr tesseract-ocr-rus tesseract-ocr-ukr tesseract-ocr-eng "
    "(or set TESSDATA_PREFIX to a folder holding rus/ukr/eng/osd .traineddata)"
)

# Tesseract's OpenMP threads fight each other and every other process: on a small machine
# a page takes many times longer with the default threads than with one. verify gets
# its parallelism from one process per page instead (verify.read), so every tesseract it
# starts runs single-threaded unless the user has chosen otherwise.
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

_BLOCK_LEVEL = 2
"""The ``level`` of a block's row in tesseract's TSV (1 page, 2 block, 3 paragraph, ...)."""

DEFAULT_TIMEOUT_S = 300.0
"""Longest one tesseract call may run: a runaway page becomes an error, not a hung batch."""


class OcrWord(TypedDict):
    """One word from tesseract's TSV, in the pixels of the image it was given."""

    text: str
    left: int
    top: int
    width: int
    height: int
    conf: float  # 0..100 as tesseract reports it
    block: int
    par: int
    line: int


def gap_on_line(left: OcrWord, right: OcrWord) -> float | None:
    """The gap from ``left`` to ``right`` in line heights, or None if on different lines.

    Measured in the taller word's height; negative when the boxes overlap. Both the speck
    filter and the apostrophe joiner ask whether two words touch on one line.
    """
    if (left["block"], left["par"], left["line"]) != (right["block"], right["par"], right["line"]):
        return None
    gap = right["left"] - (left["left"] + left["width"])
    return gap / max(left["height"], right["height"], 1)


@cache
def tesseract_version() -> str:
    """Return tesseract's version string (part of every OCR cache key)."""
    try:
        return str(pytesseract.get_tesseract_version())
    except pytesseract.TesseractNotFoundError as e:
        raise OcrError(f"tesseract is not installed or not on PATH: {INSTALL_HINT}") from e
    except (OSError, pytesseract.TesseractError) as e:
        raise OcrError(f"tesseract failed to report its version ({e}): {INSTALL_HINT}") from e


def _as_image(pixels: np.ndarray) -> Image.Image:
    """Wrap pixels as an uncompressed TIFF for the engine.

    pytesseract writes its input to a temporary file; PNG compression of a 300-dpi page
    costs a noticeable share of the OCR time; an uncompressed TIFF almost nothing (a BMP
    is slower: tesseract converts its palette).
    """
    image = Image.fromarray(pixels)
    image.format = "TIFF"
    return image


def _raise_ocr_error(error: Exception, langs: str) -> None:
    """Translate a pytesseract failure into an ``OcrError`` that says what to do."""
    if isinstance(error, pytesseract.TesseractNotFoundError):
        raise OcrError(f"tesseract is not installed or not on PATH: {INSTALL_HINT}") from error
    message = str(error)
    if isinstance(error, RuntimeError) and "timeout" in message.lower():
        raise OcrError(
            f"tesseract ran past its time limit on a page: the image may be huge or "
            f"damaged; try a lower --dpi or split the file ({message})"
        ) from error
    if "Failed loading language" in message or "Error opening data file" in message:
        missing = re.findall(r"Failed loading language '([^']+)'", message)
        which = ", ".join(missing) or langs
        raise OcrError(
            f"tesseract lacks language data for {which}: install it, e.g. "
            f"apt-get install tesseract-ocr-{which.split(',')[0].strip()} "
            f"(or set TESSDATA_PREFIX to a folder holding {which}.traineddata)"
        ) from error
    raise OcrError(f"tesseract failed ({message.strip()[:300]}): {INSTALL_HINT}") from error


class OcrData(TypedDict):
    """A page's words, and the blocks its layout analysis found but read nothing in."""

    words: list[OcrWord]
    empty_blocks: list[list[int]]  # [left, top, right, bottom] each, in the image's pixels


def ocr_words(
    pixels: np.ndarray,
    langs: str,
    psm: int = 3,
    config: str = "",
    timeout: float = DEFAULT_TIMEOUT_S,
) -> list[OcrWord]:
    """OCR an image and return its words (empty text and layout-only rows dropped).

    ``langs`` is tesseract's own spelling ("rus", "rus+ukr"); ``config`` is passed through
    as extra command-line options.
    """
    return ocr_data(pixels, langs, psm, config, timeout)["words"]


def ocr_data(
    pixels: np.ndarray,
    langs: str,
    psm: int = 3,
    config: str = "",
    timeout: float = DEFAULT_TIMEOUT_S,
) -> OcrData:
    """``ocr_words`` plus the empty blocks of the same pass.

    Tesseract's layout analysis sometimes takes a bold letterhead next to a shadow for a
    picture: its block is in the TSV with no words. The caller may read such blocks again
    alone (``verify.ocr``).
    """
    try:
        data: dict[str, list[Any]] = pytesseract.image_to_data(
            _as_image(pixels),
            lang=langs,
            config=f"--psm {psm} {config}".strip(),
            output_type=pytesseract.Output.DICT,
            timeout=timeout,
        )
    except (pytesseract.TesseractError, pytesseract.TesseractNotFoundError, RuntimeError) as e:
        _raise_ocr_error(e, langs)
        raise  # unreachable: _raise_ocr_error always raises
    words: list[OcrWord] = []
    blocks: dict[int, list[int]] = {}
    for i, text in enumerate(data["text"]):
        if int(data["level"][i]) == _BLOCK_LEVEL:
            left, top = int(data["left"][i]), int(data["top"][i])
            box = [left, top, left + int(data["width"][i]), top + int(data["height"][i])]
            blocks[int(data["block_num"][i])] = box
        conf = float(data["conf"][i])
        text = str(text).strip()
        if not text or conf < 0:
            continue
        words.append(
            OcrWord(
                text=text,
                left=int(data["left"][i]),
                top=int(data["top"][i]),
                width=int(data["width"][i]),
                height=int(data["height"][i]),
                conf=conf,
                block=int(data["block_num"][i]),
                par=int(data["par_num"][i]),
                line=int(data["line_num"][i]),
            )
        )
    read = {word["block"] for word in words}
    return OcrData(
        words=words, empty_blocks=[box for number, box in blocks.items() if number not in read]
    )
