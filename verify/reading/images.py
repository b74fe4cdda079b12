"""The Pillow / pillow-heif wrapper: the only module that imports them (one wrapper per engine).

Images arrive as scans (PNG, TIFF, often multi-page) and phone photos (JPEG, HEIC, WebP
from messengers). This module counts their frames, checks their size against the pixel
limit from the header before decoding a byte, decodes one frame at a time, applies the
EXIF orientation, reduces every pixel format to 8-bit grey or RGB, and reads a dpi only
when it is believable. Every Pillow failure becomes a ``VerifyError``.

Files are opened read-only and never saved back.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pillow_heif
from PIL import Image

from verify.errors import CorruptInputError, InputTooLargeError, VerifyError
from verify.options import ExtractOptions
from verify.reading import budget

if TYPE_CHECKING:
    from verify.reading.load import Source

pillow_heif.register_heif_opener()

_FORMATS = {
    "image/png": ("PNG",),
    "image/jpeg": ("JPEG", "MPO"),  # phone JPEGs with a depth map open as MPO
    "image/tiff": ("TIFF",),
    "image/webp": ("WEBP",),
    "image/heic": ("HEIF",),
}
"""Pillow plugins allowed per sniffed type: content decides, not Pillow's own guessing."""

_ORIENTATION = {
    2: ("mirror", Image.Transpose.FLIP_LEFT_RIGHT),
    3: ("rot180", Image.Transpose.ROTATE_180),
    4: ("flip", Image.Transpose.FLIP_TOP_BOTTOM),
    5: ("transpose", Image.Transpose.TRANSPOSE),
    6: ("rot90cw", Image.Transpose.ROTATE_270),  # Pillow turns counter-clockwise
    7: ("transverse", Image.Transpose.TRANSVERSE),
    8: ("rot90ccw", Image.Transpose.ROTATE_90),
}
"""EXIF orientation value -> (name recorded in PageImage.applied, the correcting transpose)."""

_TAG_ORIENTATION = 0x0112
_TAG_MAKE = 0x010F
_TAG_MODEL = 0x0110
_TAG_X_RESOLUTION = 0x011A
_TAG_RESOLUTION_UNIT = 0x0128

MIN_DPI = 50
MAX_DPI = 2400
"""A dpi outside this range is a broken header, not a scanner setting."""
MAX_PAGE_INCHES = 25
"""A dpi implying a page longer than this (A2 is 23.4 in) is a default, not a measurement:
a 4000-pixel photo "at 72 dpi" would be a 55-inch page."""
DEFAULT_DPIS = (72, 96)
"""Values cameras and editors write when they know nothing: unknown on a photo."""


_TIFF = "image/tiff"


def open_frames(source: Source, options: ExtractOptions) -> Image.Image:
    """Open an image for reading frame after frame; the caller closes it.

    Pillow finds frame N by reading the N directories before it: reopening the file for
    every frame made a 2,000-page TIFF cost 2,000 x 1,000 directory reads. An image kept
    open remembers the offsets of the frames it has seen.
    """
    return _open(source, options)


def with_own_file(image: Image.Image) -> None:
    """Give an image inherited across a fork a file of its own, keeping its frame offsets.

    A forked child shares its parent's descriptors and their read positions: a child's
    seeks through an inherited file would leave the parent's next child reading from the
    wrong place. The offsets of the frames already found stay valid in a new descriptor.
    """
    opened: Any = image  # a TiffImageFile: its file attributes are not in Image's type
    own = Path(str(opened.filename)).open("rb")  # noqa: SIM115 - lives as long as the image
    opened.fp = own
    if hasattr(opened, "_fp"):
        opened._fp = own


def frame_count(source: Source, options: ExtractOptions, held: Image.Image | None = None) -> int:
    """Frames to read: every frame of a TIFF, the first (primary) image of anything else.

    Reads headers only; damaged pixel data is reported when the frame is decoded.
    ``held`` is an image the caller keeps open (``open_frames``), else the file is opened
    and closed here.
    """
    with _opened(source, options, held) as image:
        if source.media_type != "image/tiff":
            return 1
        try:
            return int(getattr(image, "n_frames", 1))
        except Exception as error:
            raise _corrupt(source, error) from error


def decode_frame(
    source: Source, index: int, options: ExtractOptions, held: Image.Image | None = None
) -> tuple[np.ndarray, float | None, tuple[str, ...]]:
    """Decode frame ``index``: (uint8 pixels, grey or RGB; dpi or None; steps applied).

    Raises ``InputTooLargeError`` from the header size before decoding,
    ``CorruptInputError`` when the data is truncated or malformed. ``held`` as for
    ``frame_count``.
    """
    with _opened(source, options, held) as image:
        _seek(source, image, index)
        width, height = image.size
        if width * height > options.max_pixels:
            raise _too_large(source, options, width, height)
        budget.check_shape(source.file_name, index + 1, width, height, "px")
        try:
            exif = image.getexif()
            orientation = _orientation(image, exif)
            dpi = _dpi(image, exif, source.media_type == "image/heic")
            image.load()
            applied: list[str] = []
            frame: Image.Image = image
            if orientation in _ORIENTATION:
                name, method = _ORIENTATION[orientation]
                if source.media_type != "image/heic":  # libheif already turned HEIC images
                    frame = frame.transpose(method)
                applied.append(f"exif_orientation:{name}")
            pixels = _to_uint8(frame, applied)
        except (VerifyError, MemoryError):
            raise  # a MemoryError is the page's memory budget, which verify.reading.budget reports
        except Exception as error:
            raise _corrupt(source, error) from error
    return pixels, dpi, tuple(applied)


@contextmanager
def _opened(
    source: Source, options: ExtractOptions, held: Image.Image | None
) -> Iterator[Image.Image]:
    """The caller's ``held`` image, or the file opened here and closed after use.

    Opening reads the file read-only with the plugin of its sniffed type and our pixel
    limit: Pillow's own bomb guard (``MAX_IMAGE_PIXELS``, a process-wide setting) is set
    to our limit; Pillow raises above twice the limit while parsing the header, and our
    explicit check in ``decode_frame`` covers the band in between, so its warning is
    silenced.
    """
    if held is not None:
        yield held
        return
    image = _open(source, options)
    try:
        yield image
    finally:
        image.close()


def _open(source: Source, options: ExtractOptions) -> Image.Image:
    Image.MAX_IMAGE_PIXELS = options.max_pixels
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(source.path, formats=_FORMATS[source.media_type])
    except Image.DecompressionBombError as error:
        raise InputTooLargeError(
            f"{source.file_name}: the image header claims over twice the limit of "
            f"{options.max_pixels / 1e6:g} Mpx (a possible decompression bomb): "
            "pass a larger --max-pixels if the file is genuine"
        ) from error
    except Exception as error:
        raise _corrupt(source, error) from error
    return image


def _seek(source: Source, image: Image.Image, index: int) -> None:
    frames = getattr(image, "n_frames", 1) if source.media_type == "image/tiff" else 1
    if not 0 <= index < frames:
        raise IndexError(f"frame index {index} out of range 0..{frames - 1}")
    if index:
        try:
            image.seek(index)
        except Exception as error:
            raise _corrupt(source, error) from error


def _orientation(image: Image.Image, exif: Image.Exif) -> int:
    """The EXIF orientation of the current frame (1 = as stored)."""
    if "original_orientation" in image.info:  # pillow-heif: applied by libheif already
        value = image.info["original_orientation"]
    elif hasattr(image, "tag_v2"):  # TIFF: the tag of this frame, not of the first
        value = image.tag_v2.get(_TAG_ORIENTATION, 1)
    else:
        value = exif.get(_TAG_ORIENTATION, 1)
    return value if isinstance(value, int) else 1


def _dpi(image: Image.Image, exif: Image.Exif, heic: bool) -> float | None:
    """Resolution from the file when believable, else None (see MIN_DPI..DEFAULT_DPIS)."""
    try:
        if "dpi" in image.info:
            x_dpi, y_dpi = image.info["dpi"]
            dpi = (float(x_dpi) + float(y_dpi)) / 2  # fax-style 204 x 196 gives the mean
        elif _TAG_X_RESOLUTION in exif:
            unit = exif.get(_TAG_RESOLUTION_UNIT, 2)
            if unit not in (2, 3):  # 1 = no absolute unit
                return None
            dpi = float(exif[_TAG_X_RESOLUTION]) * (2.54 if unit == 3 else 1)
        else:
            return None
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    if not math.isfinite(dpi) or not MIN_DPI <= dpi <= MAX_DPI:
        return None
    photo = heic or _TAG_MAKE in exif or _TAG_MODEL in exif
    if photo and round(dpi) in DEFAULT_DPIS:
        return None
    if max(image.size) / dpi > MAX_PAGE_INCHES:
        return None
    return round(dpi, 1)  # PNG stores dots per metre: 11811 reads back as 299.9994


def _to_uint8(image: Image.Image, applied: list[str]) -> np.ndarray:
    """Reduce any Pillow mode to uint8 grey (H x W) or RGB (H x W x 3)."""
    mode = image.mode
    if mode == "L":
        return np.array(image)
    if mode == "1":
        return np.array(image.convert("L"))
    if mode.startswith("I;16") or mode in ("I", "F"):
        return _reduce_depth(np.array(image), mode, applied)
    if mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
        mode = image.mode
    if mode in ("LA", "La", "PA", "RGBA", "RGBa"):
        rgba = image.convert("RGBA")
        lowest_alpha = rgba.getchannel("A").getextrema()[0]
        if isinstance(lowest_alpha, int) and lowest_alpha < 255:
            white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
            rgba = Image.alpha_composite(white, rgba)
            applied.append("alpha_flattened")
        return np.array(rgba.convert("L" if mode in ("LA", "La") else "RGB"))
    if mode == "CMYK":
        applied.append("cmyk_to_rgb")
    return np.array(image if mode == "RGB" else image.convert("RGB"))


def _reduce_depth(values: np.ndarray, mode: str, applied: list[str]) -> np.ndarray:
    """16-bit and 32-bit grey to 8 bits: drop the low byte, or stretch floats and ints."""
    if values.ndim != 2:
        values = values.reshape(values.shape[0], -1)
    if mode.startswith("I;16"):
        applied.append("depth:16to8")
        return (values.astype(np.uint16) >> 8).astype(np.uint8)
    values = np.nan_to_num(values.astype(np.float64))
    low, high = float(values.min()), float(values.max())
    if low >= 0 and high <= 255:
        return values.astype(np.uint8)
    if mode == "I" and low >= 0 and high <= 65535:  # 16-bit data that Pillow widened
        applied.append("depth:16to8")
        return (values.astype(np.uint32) >> 8).astype(np.uint8)
    applied.append("depth:stretched_to_8")
    scale = 255 / (high - low) if high > low else 0.0
    return ((values - low) * scale).astype(np.uint8)


def _too_large(
    source: Source, options: ExtractOptions, width: int, height: int
) -> InputTooLargeError:
    return InputTooLargeError(
        f"{source.file_name}: the image is {width} x {height} pixels "
        f"({width * height / 1e6:.0f} Mpx), over the limit of {options.max_pixels / 1e6:g} Mpx: "
        "pass a larger --max-pixels if the file is genuine"
    )


def _corrupt(source: Source, error: BaseException) -> CorruptInputError:
    lines = str(error).strip().splitlines()
    detail = lines[0] if lines else type(error).__name__
    return CorruptInputError(
        f"{source.file_name}: the image is truncated or damaged ({detail}): "
        "get a complete copy of the file"
    )
