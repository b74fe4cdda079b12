"""File metadata: what the PDF Info/XMP or the image EXIF says about who made the file.

Authors, camera serial numbers, GPS positions and timestamps identify people; producer
software and creation dates feed the consistency checks. Metadata is attacker-controlled
input: every value is length-capped, dates that do not parse are findings of their own,
and an oversized EXIF block is reported without being parsed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import numpy as np

from verify.forensics.findings import Finding, FindingEvidence, clip
from verify.reading.load import Source
from verify.resources import load_json

_PDF_DATE = re.compile(
    r"^D:(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(?:(Z)|([+-])(\d{2})'?(\d{2})?'?)?$"
)
_XMP_FIELDS = {
    "dc:creator": re.compile(r"<dc:creator>.*?<rdf:li[^>]*>(.*?)</rdf:li>", re.S),
    "xmp:CreatorTool": re.compile(r"xmp:CreatorTool(?:=\"|>)([^\"<]*)"),
    "pdf:Producer": re.compile(r"pdf:Producer(?:=\"|>)([^\"<]*)"),
    "pdf:Author": re.compile(r"pdf:Author(?:=\"|>)([^\"<]*)"),
    "xmpMM:DocumentID": re.compile(r"xmpMM:DocumentID(?:=\"|>)([^\"<]*)"),
    "xmp:CreateDate": re.compile(r"xmp:CreateDate(?:=\"|>)([^\"<]*)"),
}
_CAMERA_TAGS = ("Make", "Model", "BodySerialNumber", "LensMake", "LensModel", "LensSerialNumber")
_SERIAL_TAGS = ("BodySerialNumber", "LensSerialNumber", "CameraOwnerName", "Artist")
_TIME_TAGS = ("DateTime", "DateTimeOriginal", "DateTimeDigitized")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def params() -> dict[str, Any]:
    """models/forensics.json (thresholds and limits)."""
    return load_json("forensics.json")


@dataclass(frozen=True)
class FileFacts:
    """What metadata says, in the form the consistency checks need."""

    created: datetime | None = None
    modified: datetime | None = None
    software: tuple[str, ...] = ()


def parse_pdf_date(value: str) -> datetime | None:
    """A PDF date string ("D:20220225103000+03'00'") as an aware datetime, or None."""
    match = _PDF_DATE.match(value.strip())
    if not match:
        return None
    parts = [
        int(p) if p else d for p, d in zip(match.groups()[:6], (0, 1, 1, 0, 0, 0), strict=True)
    ]
    zone = UTC
    if match.group(8):
        offset = timedelta(hours=int(match.group(9)), minutes=int(match.group(10) or 0))
        zone = timezone(offset if match.group(8) == "+" else -offset)
    try:
        return datetime(*parts, tzinfo=zone)  # type: ignore[misc, arg-type]
    except ValueError:
        return None


def parse_exif_date(value: object) -> datetime | None:
    """An EXIF "YYYY:MM:DD HH:MM:SS" as a naive datetime, or None."""
    if not isinstance(value, str):
        return None
    try:
        return datetime.strptime(value.strip()[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None


# --------------------------------------------------------------------------- PDF


def pdf_findings(source: Source, password: str | None = None) -> tuple[list[Finding], FileFacts]:
    """A PDF's metadata findings, and the facts the consistency checks use."""
    from verify.forensics import _pdf_meta

    limits = params()["limits"]
    meta = _pdf_meta.read_meta(source.path, password)
    findings: list[Finding] = []
    info = dict(meta.info)
    for key, value in list(info.items()):
        if len(value) > limits["max_metadata_chars"] or _CONTROL.search(value):
            findings.append(
                Finding(
                    type="metadata_malformed",
                    severity="medium",
                    message=f"the PDF's {key} metadata is oversized or holds control characters "
                    f"({len(value)} characters): a damaged or deliberately malformed file",
                    evidence=[FindingEvidence(raw=clip(value, 120))],
                )
            )
            info[key] = _CONTROL.sub("", value)[: limits["max_metadata_chars"]]
    xmp = meta.xmp[: limits["max_xmp_chars"]]
    xmp_values = {
        name: clip(m.group(1).strip(), 200)
        for name, rx in _XMP_FIELDS.items()
        if (m := rx.search(xmp)) and m.group(1).strip()
    }
    author = info.get("author") or xmp_values.get("dc:creator") or xmp_values.get("pdf:Author")
    if author:
        findings.append(
            Finding(
                type="metadata_author",
                severity="medium",
                identifies=True,
                message=f"the PDF names an author: {clip(author, 80)!r} (may identify who "
                "made or handled this copy)",
                evidence=[FindingEvidence(raw=clip(author))],
                data={"author": clip(author)},
            )
        )
    software = tuple(
        dict.fromkeys(
            v
            for v in (
                info.get("producer"),
                info.get("creator"),
                xmp_values.get("xmp:CreatorTool"),
                xmp_values.get("pdf:Producer"),
            )
            if v
        )
    )
    if software:
        findings.append(
            Finding(
                type="metadata_software",
                severity="info",
                message="made with: " + "; ".join(clip(s, 80) for s in software),
                evidence=[FindingEvidence(raw=clip(s)) for s in software],
                data={"producer": info.get("producer"), "creator": info.get("creator")},
            )
        )
    created = modified = None
    for key in ("creationDate", "modDate"):
        stamp = info.get(key)
        if not stamp:
            continue
        parsed = parse_pdf_date(stamp)
        if parsed is None:
            findings.append(
                Finding(
                    type="metadata_malformed",
                    severity="low",
                    message=f"the PDF's {key} is not a valid PDF date: {clip(stamp, 60)!r}",
                    evidence=[FindingEvidence(raw=clip(stamp))],
                )
            )
        elif key == "creationDate":
            created = parsed
        else:
            modified = parsed
    if created or modified:
        later = bool(created and modified and modified - created > timedelta(minutes=5))
        findings.append(
            Finding(
                type="metadata_dates",
                severity="low" if later else "info",
                message=(
                    f"created {created.isoformat() if created else '?'}, modified "
                    f"{modified.isoformat() if modified else '?'}"
                    + (" (modified after creation)" if later else "")
                ),
                evidence=[FindingEvidence(raw=info.get("creationDate") or info.get("modDate"))],
                data={
                    "created": created.isoformat() if created else None,
                    "modified": modified.isoformat() if modified else None,
                },
            )
        )
    if xmp.strip():
        names = {k: v for k, v in xmp_values.items() if k in ("dc:creator", "pdf:Author")}
        findings.append(
            Finding(
                type="metadata_xmp",
                severity="medium" if names else "info",
                identifies=bool(names) or "xmpMM:DocumentID" in xmp_values,
                message="the PDF carries an XMP packet"
                + (f" naming {', '.join(names.values())}" if names else "")
                + (
                    " and a document id that links copies"
                    if "xmpMM:DocumentID" in xmp_values
                    else ""
                ),
                evidence=[FindingEvidence(raw=clip(xmp, 200))],
                data=xmp_values,
            )
        )
    return findings, FileFacts(created=created, modified=modified, software=software)


# --------------------------------------------------------------------------- images


def image_findings(source: Source) -> tuple[list[Finding], FileFacts]:
    """An image's metadata findings, and the facts the consistency checks use."""
    from verify.forensics import _image_meta

    limits = params()["limits"]
    meta = _image_meta.read_meta(source.path, limits["max_exif_bytes"], limits["max_xmp_chars"])
    findings: list[Finding] = []
    if meta.oversized:
        findings.append(
            Finding(
                type="metadata_malformed",
                severity="medium",
                message=f"the EXIF block is {meta.exif_bytes} bytes, over the "
                f"{limits['max_exif_bytes']}-byte limit of the standard: not parsed; it may "
                "hide anything, scrub removes it",
                data={"exif_bytes": meta.exif_bytes},
            )
        )
    if meta.error:
        findings.append(
            Finding(
                type="metadata_malformed",
                severity="medium",
                message=f"the image's metadata is malformed: {meta.error}",
                evidence=[FindingEvidence(raw=clip(meta.error))],
            )
        )
    tags = {k: v for k, v in meta.tags.items()}
    camera = {k: clip(tags[k], 80) for k in _CAMERA_TAGS + _SERIAL_TAGS if tags.get(k)}
    if camera:
        serial = any(k in camera for k in _SERIAL_TAGS)
        findings.append(
            Finding(
                type="exif_camera",
                severity="high" if serial else "medium",
                identifies=True,
                message="the image names the device that made it: "
                + ", ".join(f"{k} {v}" for k, v in camera.items()),
                evidence=[FindingEvidence(raw=f"{k}={v}") for k, v in camera.items()],
                data=camera,
            )
        )
    software = tuple(clip(tags[k], 80) for k in ("Software", "ProcessingSoftware") if tags.get(k))
    if software:
        findings.append(
            Finding(
                type="metadata_software",
                severity="info",
                message="processed with: " + "; ".join(software),
                evidence=[FindingEvidence(raw=s) for s in software],
                data={"software": list(software)},
            )
        )
    times = {k: clip(tags[k], 40) for k in _TIME_TAGS if tags.get(k)}
    created = None
    if times:
        created = parse_exif_date(tags.get("DateTimeOriginal") or tags.get("DateTime"))
        findings.append(
            Finding(
                type="exif_timestamp",
                severity="medium",
                identifies=True,
                message="the image records when it was taken: "
                + ", ".join(f"{k} {v}" for k, v in times.items())
                + " (narrows down who held the paper, and when)",
                evidence=[FindingEvidence(raw=f"{k}={v}") for k, v in times.items()],
                data=times,
            )
        )
    position = _gps_position(meta.gps)
    if meta.gps:
        findings.append(
            Finding(
                type="exif_gps",
                severity="high",
                identifies=True,
                message=(
                    f"the image records a GPS position: {position[0]:.5f}, {position[1]:.5f}"
                    if position
                    else "the image carries GPS tags"
                )
                + " (where the photo was taken)",
                evidence=[FindingEvidence(raw=clip({k: str(v) for k, v in meta.gps.items()}))],
                data={"latitude": position[0], "longitude": position[1]} if position else {},
            )
        )
    if meta.xmp.strip():
        findings.append(
            Finding(
                type="metadata_xmp",
                severity="low",
                identifies=True,
                message="the image carries an XMP packet (editing history, software, ids)",
                evidence=[FindingEvidence(raw=clip(meta.xmp, 200))],
            )
        )
    if meta.thumbnail:
        findings.append(_thumbnail_finding(source, meta.thumbnail))
    return findings, FileFacts(created=created, software=software)


def _thumbnail_finding(source: Source, thumbnail: bytes) -> Finding:
    """An embedded thumbnail, and whether it still shows another picture than the image."""
    from verify.forensics import _image_meta
    from verify.options import ExtractOptions
    from verify.reading.inputs import open_input

    threshold = params()["thumbnail"]["max_difference"]
    try:
        with open_input(source, ExtractOptions(cache_dir=None)) as document:
            pixels = document.page_image(0).pixels
    except Exception:  # an undecodable main image is reported by extraction itself
        pixels = None
    difference = _image_meta.thumbnail_difference(pixels, thumbnail) if pixels is not None else None
    if difference is not None and difference > threshold:
        return Finding(
            type="thumbnail_mismatch",
            severity="high",
            identifies=True,
            message=f"the embedded EXIF thumbnail differs from the image (mean difference "
            f"{difference:.0f}/255): the image was edited after it was taken, and the "
            "thumbnail may still show the original",
            evidence=[FindingEvidence(raw=f"thumbnail {len(thumbnail)} bytes")],
            data={"difference": round(difference, 1)},
        )
    return Finding(
        type="exif_thumbnail",
        severity="low",
        identifies=True,
        message=f"the image embeds a {len(thumbnail)}-byte EXIF thumbnail"
        + (f" matching it (difference {difference:.0f}/255)" if difference is not None else ""),
        evidence=[FindingEvidence(raw=f"thumbnail {len(thumbnail)} bytes")],
        data={"difference": round(difference, 1) if difference is not None else None},
    )


def _gps_position(gps: dict[str, Any]) -> tuple[float, float] | None:
    """Decimal degrees from EXIF GPS tags, or None when they do not parse."""
    try:
        lat = _degrees(gps["GPSLatitude"]) * (-1 if gps.get("GPSLatitudeRef") == "S" else 1)
        lon = _degrees(gps["GPSLongitude"]) * (-1 if gps.get("GPSLongitudeRef") == "W" else 1)
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return None
    if not (np.isfinite(lat) and np.isfinite(lon) and abs(lat) <= 90 and abs(lon) <= 180):
        return None
    return lat, lon


def _degrees(value: Any) -> float:
    d, m, s = (float(v) for v in value)
    return d + m / 60 + s / 3600
