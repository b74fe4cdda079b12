"""Pillow for forensics: EXIF, GPS, XMP and embedded thumbnails; PNG encoding for scrub.

``verify.reading.images`` decodes pixels for OCR and reads only orientation and dpi; forensics
needs the rest of the metadata a camera or editor leaves behind, and the scrubbed pages
must be encoded. Every Pillow failure becomes a finding-friendly ``ImageMeta.error`` or a
``VerifyError``. Files are opened read-only.
"""

from __future__ import annotations

import io
import struct
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pillow_heif
from PIL import ExifTags, Image

from verify.errors import VerifyError

pillow_heif.register_heif_opener()

_EXIF_IFD = 0x8769
_GPS_IFD = 0x8825
_THUMB_OFFSET = 0x0201
_THUMB_LENGTH = 0x0202


@dataclass(frozen=True)
class ImageMeta:
    """Metadata of an image file, each part empty when absent."""

    format: str = ""
    size: tuple[int, int] = (0, 0)
    exif_bytes: int = 0
    tags: dict[str, Any] = field(default_factory=dict)  # IFD0 and Exif IFD, by tag name
    gps: dict[str, Any] = field(default_factory=dict)  # GPS IFD, by tag name
    xmp: str = ""
    comment: str = ""
    thumbnail: bytes | None = None
    oversized: bool = False
    error: str | None = None


def read_meta(path: Path, max_exif_bytes: int, max_xmp_chars: int) -> ImageMeta:
    """Read the metadata of the image at ``path``; problems come back in ``error``.

    An EXIF block larger than ``max_exif_bytes`` is not parsed (``oversized``): the JPEG
    standard caps it at 64 KiB, so a larger one is malformed or an attack on parsers.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            image = Image.open(path)
    except Exception as error:
        return ImageMeta(error=_first_line(error))
    with image:
        fmt = image.format or ""
        size = image.size
        raw_exif = image.info.get("exif") or b""
        if isinstance(raw_exif, str):
            raw_exif = raw_exif.encode("latin-1", "replace")
        xmp = _text(image.info.get("xmp") or image.info.get("XML:com.adobe.xmp") or b"")
        comment = _text(image.info.get("comment") or b"")[:max_xmp_chars]
        if len(raw_exif) > max_exif_bytes:
            return ImageMeta(
                format=fmt,
                size=size,
                exif_bytes=len(raw_exif),
                xmp=xmp[:max_xmp_chars],
                comment=comment,
                oversized=True,
            )
        tags: dict[str, Any] = {}
        gps: dict[str, Any] = {}
        problem_text: str | None = None
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                exif = image.getexif()
                tags = {_name(k): v for k, v in exif.items() if k not in (_EXIF_IFD, _GPS_IFD)}
                tags.update({_name(k): v for k, v in exif.get_ifd(_EXIF_IFD).items()})
                gps = {
                    ExifTags.GPSTAGS.get(k, str(k)): v for k, v in exif.get_ifd(_GPS_IFD).items()
                }
            if caught:  # Pillow warns, rather than raises, on corrupt EXIF
                problem_text = f"EXIF is corrupt ({_first_line(str(caught[0].message))})"
        except Exception as problem:  # malformed EXIF: say so, keep what was read
            problem_text = f"EXIF cannot be parsed ({_first_line(problem)})"
        if raw_exif and problem_text is None:
            problem_text = exif_problem(raw_exif)
        thumbnail = ifd1_thumbnail(raw_exif) if raw_exif else None
        return ImageMeta(
            format=fmt,
            size=size,
            exif_bytes=len(raw_exif),
            tags=tags,
            gps=gps,
            xmp=xmp[:max_xmp_chars],
            comment=comment,
            thumbnail=thumbnail,
            error=problem_text,
        )


def exif_problem(exif: bytes) -> str | None:
    """Why an EXIF block is structurally broken (header, IFD0 offset and size), or None.

    Pillow returns an empty tag list for such a block without a word; a camera never
    writes one, so it is worth saying.
    """
    data = exif[6:] if exif.startswith(b"Exif\x00\x00") else exif
    if len(data) < 8 or data[:4] not in (b"II*\x00", b"MM\x00*"):
        return "EXIF does not start with a TIFF header"
    endian = "<" if data[:2] == b"II" else ">"
    (ifd0,) = struct.unpack_from(endian + "I", data, 4)
    if ifd0 < 8 or ifd0 + 2 > len(data):
        return f"EXIF points its first directory at byte {ifd0}, outside its {len(data)} bytes"
    (count,) = struct.unpack_from(endian + "H", data, ifd0)
    if ifd0 + 2 + 12 * count + 4 > len(data):
        return f"EXIF's first directory claims {count} entries, more than the block holds"
    return None


def ifd1_thumbnail(exif: bytes) -> bytes | None:
    """The JPEG thumbnail of EXIF IFD1, bounds-checked; None when absent or malformed."""
    data = exif[6:] if exif.startswith(b"Exif\x00\x00") else exif
    if len(data) < 8 or data[:2] not in (b"II", b"MM"):
        return None
    endian = "<" if data[:2] == b"II" else ">"
    try:
        (ifd0,) = struct.unpack_from(endian + "I", data, 4)
        (count,) = struct.unpack_from(endian + "H", data, ifd0)
        (ifd1,) = struct.unpack_from(endian + "I", data, ifd0 + 2 + 12 * count)
        if ifd1 == 0 or ifd1 >= len(data):
            return None
        (count,) = struct.unpack_from(endian + "H", data, ifd1)
        values: dict[int, int] = {}
        for i in range(count):
            tag, kind, _n = struct.unpack_from(endian + "HHI", data, ifd1 + 2 + 12 * i)
            if tag in (_THUMB_OFFSET, _THUMB_LENGTH):
                fmt = "H" if kind == 3 else "I"
                (values[tag],) = struct.unpack_from(endian + fmt, data, ifd1 + 2 + 12 * i + 8)
    except struct.error:
        return None
    offset, length = values.get(_THUMB_OFFSET), values.get(_THUMB_LENGTH)
    if offset is None or not length or offset + length > len(data):
        return None
    return data[offset : offset + length]


def thumbnail_difference(pixels: np.ndarray, thumbnail: bytes) -> float | None:
    """Mean absolute grey difference (0..255) between the image and its thumbnail.

    Both are reduced to 64 x 64 grey, so scale and JPEG noise cost a few levels; an
    edited image whose thumbnail still shows the original differs by tens.
    """
    try:
        with Image.open(io.BytesIO(thumbnail)) as thumb:
            small_thumb = np.asarray(thumb.convert("L").resize((64, 64)), dtype=np.float32)
    except Exception:
        return None
    main = Image.fromarray(pixels).convert("L").resize((64, 64))
    return float(np.abs(np.asarray(main, dtype=np.float32) - small_thumb).mean())


def encode_png(pixels: np.ndarray) -> bytes:
    """Encode a grey or bilevel page as PNG (no text chunks, no EXIF, no dpi)."""
    try:
        image = Image.fromarray(pixels)
        if pixels.dtype == np.bool_:
            image = image.convert("1")
        buffer = io.BytesIO()
        image.save(buffer, "PNG", optimize=False)
        return buffer.getvalue()
    except Exception as error:
        raise VerifyError(f"a scrubbed page cannot be encoded ({_first_line(error)})") from error


def _name(tag: int) -> str:
    return ExifTags.TAGS.get(tag, str(tag))


def _text(value: bytes | str) -> str:
    if isinstance(value, str):
        return value
    return value.decode("utf-8", "replace").replace("\x00", "")


def _first_line(error: BaseException | str) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__
