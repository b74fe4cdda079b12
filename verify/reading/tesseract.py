"""The one wrapper around tesseract: the only module that talks to the engine.

Tesseract runs in this process through its C++ API (tesserocr), not as a program started per
call: a model is loaded once per process and thread (a handle per language set, kept by
``_Handles``) and every later page, probe line or region is read by the same handle. A
handle loaded before a page's child process is forked is inherited by it, and a page can
start loading its handle in a thread while it is still decoded and prepared
(``warm_up``). The results are tesseract's own TSV, the same rows its command line writes
(same library, same settings, same pixels), so the OCR cache and ``models/ocr.json`` mean
what they meant before.

Every failure of the engine (library or language data missing, a page that runs past its
time limit) leaves this module as an ``OcrError`` whose message says what to install or
change, so callers never see the binding's own exceptions.
"""

from __future__ import annotations

import os
import shlex
import threading
from concurrent.futures import Future
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

import numpy as np
from PIL import Image

from verify.errors import OcrError

if TYPE_CHECKING:
    from tesserocr import PyTessBaseAPI

INSTALL_HINT = (
    "install tesseract, its language data and tesserocr, e.g. "
    "apt-get install tesseract-ocr tesseract-ocr-rus tesseract-ocr-ukr tesseract-ocr-eng "
    "libtesseract-dev and pip install --no-binary tesserocr tesserocr "
    "(or set TESSDATA_PREFIX to a folder holding rus/ukr/eng/osd .traineddata)"
)

# Tesseract's OpenMP threads fight each other and every other process: on a small machine
# a page takes many times longer with the default threads than with one. verify gets
# its parallelism from one process per page instead (verify.reading.read), so tesseract runs
# single-threaded unless the user has chosen otherwise. Read by the library when it is
# first loaded, so set before tesserocr is imported.
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


def _tesserocr() -> Any:
    """The tesserocr module (imported on first use: commands that OCR nothing never load it)."""
    try:
        import tesserocr
    except ImportError as e:
        raise OcrError(
            f"tesserocr, verify's binding to tesseract, is missing: {INSTALL_HINT}"
        ) from e
    return tesserocr


@cache
def tesseract_version() -> str:
    """Return tesseract's version, e.g. "5.3.0" (part of every OCR cache key)."""
    first_line = str(_tesserocr().tesseract_version()).splitlines()[0]
    return first_line.split()[-1]


def _tessdata() -> str:
    """The folder of the language data: $TESSDATA_PREFIX, else the library's own default."""
    folder = os.environ.get("TESSDATA_PREFIX") or _default_tessdata()
    return folder if folder.endswith("/") else folder + "/"


@cache
def _default_tessdata() -> str:
    return str(_tesserocr().get_languages()[0])


def _load(tessdata: str, langs: str) -> PyTessBaseAPI:
    """A handle with ``langs`` loaded from ``tessdata``; an ``OcrError`` names missing data."""
    tesserocr = _tesserocr()
    try:
        return tesserocr.PyTessBaseAPI(path=tessdata, lang=langs)
    except RuntimeError as error:
        missing = [
            lang
            for lang in langs.split("+")
            if not (Path(tessdata) / f"{lang}.traineddata").is_file()
        ]
        which = ", ".join(missing) or langs
        raise OcrError(
            f"tesseract lacks language data for {which}: install it, e.g. "
            f"apt-get install tesseract-ocr-{which.split(',')[0].strip()} "
            f"(or set TESSDATA_PREFIX to a folder holding {which}.traineddata)"
        ) from error


class _Handles(threading.local):
    """The calling thread's tesseract handles, one per (language data folder, languages).

    A handle is a loaded model: loading one costs about as much as reading a small page, so
    it is kept for every later call. Per thread, because a handle reads one image at a
    time; and tagged with the process that started loading it, because a handle still
    loading in another thread when a page's child was forked never finishes in the
    child (the child then loads its own). One finished before the fork is the child's to use.
    """

    def __init__(self) -> None:
        self.loads: dict[tuple[str, str], tuple[int, Future[PyTessBaseAPI]]] = {}

    def start(self, langs: str, in_thread: bool) -> Future[PyTessBaseAPI]:
        key = (_tessdata(), langs)
        held = self.loads.get(key)
        if held is not None and (held[0] == os.getpid() or held[1].done()):
            return held[1]
        future: Future[PyTessBaseAPI] = Future()
        self.loads[key] = (os.getpid(), future)

        def load() -> None:
            try:
                future.set_result(_load(*key))
            except BaseException as error:  # noqa: BLE001 - the caller gets it from the future
                future.set_exception(error)

        if in_thread:
            threading.Thread(target=load, name="verify-tesseract-load", daemon=True).start()
        else:
            load()
        return future

    def get(self, langs: str) -> PyTessBaseAPI:
        future = self.start(langs, in_thread=False)
        try:
            return future.result()
        except OcrError:
            del self.loads[(_tessdata(), langs)]  # a later call may find the data installed
            raise


_handles = _Handles()


def warm_up(langs: str) -> None:
    """Start loading the model for ``langs`` in a thread, for a reading that is coming.

    Tesseract loads its model without holding Python's lock, so a page can be decoded and
    prepared meanwhile. Errors surface at the reading that needs the handle.
    """
    _handles.start(langs, in_thread=True)


def load_here(langs: str) -> None:
    """Load the model for ``langs`` in this process now, for the children it forks later.

    A page's child that finds a loaded handle reads with it at once instead of loading its
    own. A model that cannot load is left for the page that needs it to report.
    """
    try:
        _handles.get(langs)
    except OcrError:
        pass


def _set_image(api: PyTessBaseAPI, pixels: np.ndarray) -> None:
    """Give tesseract the page: 8-bit grey or RGB pixels as they are, else through Pillow.

    Handing the bytes over raw spares an encode and a decode of the whole page; tesseract
    then sees the pixels, and the unknown resolution, that the TIFF file its command line
    was given carried, so its readings are the same.
    """
    if pixels.dtype == np.uint8 and (
        pixels.ndim == 2 or (pixels.ndim == 3 and pixels.shape[2] == 3)
    ):
        raw = np.ascontiguousarray(pixels)
        channels = 1 if raw.ndim == 2 else raw.shape[2]
        height, width = raw.shape[:2]
        api.SetImageBytes(raw.tobytes(), width, height, channels, channels * width)
        return
    image = Image.fromarray(pixels)
    image.format = "TIFF"  # tesserocr encodes it so: tesseract decodes the same bytes
    api.SetImage(image)


def _options(config: str) -> dict[str, str]:
    """Tesseract variables from a command-line style ``config`` ("-c name=value ...")."""
    variables: dict[str, str] = {}
    tokens = shlex.split(config)
    while tokens:
        token = tokens.pop(0)
        if token == "-c" and tokens and "=" in tokens[0]:
            name, value = tokens.pop(0).split("=", 1)
            variables[name] = value
        elif token == "--dpi" and tokens:
            variables["user_defined_dpi"] = tokens.pop(0)
        else:
            raise OcrError(f"unsupported tesseract option {token!r} in OCR config {config!r}")
    return variables


_TSV_COLUMNS = 12
"""level, page, block, paragraph, line, word, left, top, width, height, conf, text."""


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
    alone (``verify.reading.ocr``).
    """
    variables = _options(config)
    api = _handles.get(langs)
    before = {name: api.GetVariableAsString(name) for name in variables}
    try:
        api.SetPageSegMode(psm)
        for name, value in variables.items():
            if not api.SetVariable(name, value):
                raise OcrError(f"tesseract has no variable {name!r} (OCR config {config!r})")
        _set_image(api, pixels)
        if not api.Recognize(timeout=max(1, round(timeout * 1000))):
            raise OcrError(
                f"tesseract ran past its time limit ({timeout:g} s) on a page: the image may "
                "be huge or damaged; try a lower --dpi or split the file"
            )
        tsv = api.GetTSVText(0)
    except RuntimeError as error:
        raise OcrError(f"tesseract failed ({str(error).strip()[:300]}): {INSTALL_HINT}") from error
    finally:
        for name, value in before.items():  # the handle serves later calls without them
            if value is not None:
                api.SetVariable(name, value)
        api.Clear()
    return _parse_tsv(tsv)


def _parse_tsv(tsv: str) -> OcrData:
    """Words and empty blocks from tesseract's TSV rows.

    Confidences are kept whole (truncated), as verify has always read them: its thresholds
    and the OCR cache were made with whole numbers.
    """
    words: list[OcrWord] = []
    blocks: dict[int, list[int]] = {}
    for row in tsv.split("\n"):
        if not row:
            continue
        cells = row.split("\t")
        cells += [""] * (_TSV_COLUMNS - len(cells))
        level, block, par, line = int(cells[0]), int(cells[2]), int(cells[3]), int(cells[4])
        left, top, width, height = (int(cells[i]) for i in range(6, 10))
        if level == _BLOCK_LEVEL:
            blocks[block] = [left, top, left + width, top + height]
        conf = float(int(float(cells[10])))
        text = cells[11].strip()
        if not text or conf < 0:
            continue
        words.append(
            OcrWord(
                text=text,
                left=left,
                top=top,
                width=width,
                height=height,
                conf=conf,
                block=block,
                par=par,
                line=line,
            )
        )
    read = {word["block"] for word in words}
    return OcrData(
        words=words, empty_blocks=[box for number, box in blocks.items() if number not in read]
    )
