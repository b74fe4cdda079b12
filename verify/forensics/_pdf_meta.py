"""pymupdf for forensics: metadata, revisions, fonts, annotations, and the scrubbed PDF.

``verify.reading.pdf`` is the wrapper that reads pages for extraction; forensics needs what that
module deliberately ignores (the Info dictionary, XMP, earlier revisions, font names,
annotations) and must write a new PDF, which extraction never does. Keeping those calls
here keeps pymupdf out of every other forensics module, and turns its failures into
``VerifyError``s. Documents are opened read-only; the original is never saved.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pymupdf

from verify.errors import CorruptInputError, EncryptedInputError, InputTooLargeError, VerifyError
from verify.reading.pdf import page_problem

pymupdf.TOOLS.mupdf_display_errors(False)
pymupdf.TOOLS.mupdf_display_warnings(False)

_SUBSET_PREFIX = re.compile(r"^[A-Z]{6}\+")
_STYLE_SUFFIX = re.compile(
    r"[-,](bold|italic|oblique|regular|roman|medium|light|semibold|black|bolditalic|mt|psmt)+$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class PdfMeta:
    """The Info dictionary (as pymupdf normalises it) and the XMP packet of a PDF."""

    info: dict[str, str]
    xmp: str
    page_count: int
    linearized: bool


@dataclass(frozen=True)
class RevisionState:
    """What one revision (the file cut after one %%EOF) shows."""

    info: dict[str, str]
    page_texts: tuple[str, ...]
    annotations: tuple[tuple[int, str, str], ...]  # (page, type, content)
    error: str | None = None


@dataclass(frozen=True)
class Span:
    """A run of text in one font, as the PDF draws it."""

    page: int
    block: int
    line: int
    font: str
    family: str
    size: float
    text: str
    bbox: tuple[float, float, float, float]


def _utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _open(
    path: Path | None, data: bytes | None, password: str | None, name: str
) -> pymupdf.Document:
    try:
        if data is None and path is not None and not _utf8(str(path)):
            data = path.read_bytes()  # MuPDF takes a path as UTF-8 text
        document = (
            pymupdf.open(stream=data, filetype="pdf")
            if data is not None
            else pymupdf.open(path, filetype="pdf")
        )
    except Exception as error:
        raise CorruptInputError(
            f"{name}: the PDF cannot be opened ({_first_line(error)}): get a fresh copy"
        ) from error
    if document.needs_pass and not (password and document.authenticate(password)):
        document.close()
        raise EncryptedInputError(
            f"{name}: the PDF is encrypted: pass --password-file FILE or set VERIFY_PDF_PASSWORD"
        )
    return document


def read_meta(path: Path, password: str | None = None) -> PdfMeta:
    """Info dictionary, XMP and page count of the PDF at ``path``."""
    document = _open(path, None, password, path.name)
    try:
        info = {k: str(v) for k, v in (document.metadata or {}).items() if v}
        try:
            xmp = document.get_xml_metadata() or ""
        except Exception:  # a broken XMP stream is reported as absent, not as a crash
            xmp = ""
        linearized = bool(getattr(document, "is_fast_webaccess", False))
        return PdfMeta(info=info, xmp=xmp, page_count=document.page_count, linearized=linearized)
    except VerifyError:
        raise
    except Exception as error:
        raise CorruptInputError(
            f"{path.name}: the PDF's metadata cannot be read ({_first_line(error)})"
        ) from error
    finally:
        document.close()


def revision_state(data: bytes, max_pages: int, max_chars: int = 200_000) -> RevisionState:
    """Open the bytes of one revision and say what it shows; never raises."""
    try:
        document = pymupdf.open(stream=data, filetype="pdf")
    except Exception as error:
        return RevisionState({}, (), (), error=_first_line(error))
    try:
        info = {k: str(v) for k, v in (document.metadata or {}).items() if v}
        texts: list[str] = []
        annotations: list[tuple[int, str, str]] = []
        for index in range(min(document.page_count, max_pages)):
            if problem := page_problem(document, index):
                return RevisionState({}, (), (), error=f"page {index + 1} {problem}")
            page = document.load_page(index)
            texts.append(page.get_text("text")[:max_chars])
            for annot in page.annots() or []:
                kind = annot.type[1] if annot.type else "?"
                annotations.append((index + 1, kind, (annot.info or {}).get("content", "")))
        return RevisionState(info, tuple(texts), tuple(annotations))
    except Exception as error:
        return RevisionState({}, (), (), error=_first_line(error))
    finally:
        document.close()


def spans(path: Path, max_pages: int, password: str | None = None) -> list[Span]:
    """Every text span of the first ``max_pages`` pages with its font and size."""
    document = _open(path, None, password, path.name)
    out: list[Span] = []
    try:
        for index in range(min(document.page_count, max_pages)):
            if problem := page_problem(document, index):
                raise InputTooLargeError(f"{path.name}: page {index + 1} {problem}")
            data = document.load_page(index).get_text("dict")
            for b_no, block in enumerate(data.get("blocks", [])):
                for l_no, line in enumerate(block.get("lines", [])):
                    for span in line.get("spans", []):
                        font = _SUBSET_PREFIX.sub("", str(span.get("font", "")))
                        out.append(
                            Span(
                                page=index + 1,
                                block=b_no,
                                line=l_no,
                                font=font,
                                family=font_family(font),
                                size=round(float(span.get("size", 0.0)), 1),
                                text=str(span.get("text", "")),
                                bbox=tuple(span.get("bbox", (0, 0, 0, 0))),
                            )
                        )
    except VerifyError:
        raise
    except Exception as error:
        raise CorruptInputError(
            f"{path.name}: the PDF's text cannot be read ({_first_line(error)})"
        ) from error
    finally:
        document.close()
    return out


def font_family(font: str) -> str:
    """The family of a font name: "ABCDEF+TimesNewRomanPS-BoldMT" -> "timesnewromanps"."""
    name = _SUBSET_PREFIX.sub("", font)
    previous = None
    while previous != name:
        previous = name
        name = _STYLE_SUFFIX.sub("", name)
    return name.lower().replace(" ", "")


def write_image_pdf(pages: list[tuple[bytes, float, float]], out: Path) -> None:
    """Write a PDF of one PNG per page, sized in points, with no text and no metadata.

    A fresh document: nothing of the original (objects, fonts, XMP, /ID history) can leak
    into it. The Info dictionary is emptied and no XMP is written.
    """
    document = pymupdf.open()
    try:
        for png, width, height in pages:
            page = document.new_page(width=width, height=height)
            page.insert_image(page.rect, stream=png)
        document.set_metadata({})
        document.del_xml_metadata()
        document.save(out, garbage=4, deflate=True, no_new_id=True)
    except Exception as error:
        raise VerifyError(
            f"{out}: the scrubbed PDF cannot be written ({_first_line(error)})"
        ) from error
    finally:
        document.close()


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__
