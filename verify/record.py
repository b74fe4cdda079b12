"""The record: what verify says about one document, every value with its evidence.

Schema ``verify.record/1``. Pydantic models are the single definition: the JSON Schema in
``docs/record.schema.json`` is generated from them (``python -m verify.schema``), so the
published schema cannot drift from what the code writes. Every part is typed down to its
leaves (fingerprints in ``verify.record_fingerprints``, forensic findings in
``verify.record_findings``), so a record read back is checked once, here, and every stage
after reads typed values.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from verify.errors import RecordError
from verify.page import PageText
from verify.record_findings import Finding
from verify.record_fingerprints import Fingerprints

SCHEMA_ID = "verify.record/1"

EXTRACTED_FIELDS = (
    "issuer",
    "document_kind",
    "document_number",
    "document_date",
    "addressees",
    "subject",
    "signatories",
    "deadlines",
    "requested_specialties",
    "funding_source",
    "executor",
    "references",
    "stamps",
)
"""The fields read from a document's text, in the order the record and the reports show them;
fixtures' ground truth and the benchmarks use the same list."""

BBox = tuple[float, float, float, float]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Evidence(_Model):
    """Where a value was read and who read it: the core promise of verify."""

    raw: str = Field(description="The text exactly as read from the page (OCR or text layer).")
    page: int = Field(ge=1, description="1-based page number.")
    bbox: BBox = Field(description="[x0, y0, x1, y1] in the page's unit (see pages[].unit).")
    confidence: float = Field(ge=0, le=1, description="0..1: OCR confidence times rule confidence.")
    source: str = Field(description="The rule or model that produced the value, e.g. rule:date.ru.")


class TextField(Evidence):
    """A single extracted value with its evidence."""

    value: str


class Signatory(Evidence):
    """A person who signed the document; ``value`` is the name as written."""

    value: str
    position: str | None = Field(
        None, description="Position as written, e.g. 'Заместитель Министра'."
    )
    position_id: str | None = Field(None, description="Canonical id from models/positions.json.")
    latin: list[str] = Field(
        default_factory=list, description="Latin transliterations of the name."
    )


class Deadline(Evidence):
    """A time limit set by the document, resolved against the document date."""

    value: str | None = Field(
        description="ISO date or datetime; null for a recurring deadline (see recurrence)."
    )
    recurring: bool = False
    recurrence: str | None = Field(
        None, description="RFC 5545 RRULE for recurring deadlines, e.g. FREQ=MONTHLY;BYMONTHDAY=5."
    )


class Specialty(Evidence):
    """A requested medical (or other) specialty; ``value`` is the taxonomy id."""

    value: str
    label_en: str | None = None


class Reference(Evidence):
    """Another document cited by number and/or date."""

    value: str = Field(
        description="The citation as normalised text: 'No. 30-2/И/2-2757 of 2022-02-25'."
    )
    number: str | None = None
    date: str | None = None


class Stamp(Evidence):
    """An incoming registration mark or annotation (identifies the recipient)."""

    value: str = Field(description="Registration number, e.g. '412'.")
    kind: Literal["incoming", "annotation"] = "incoming"
    date: str | None = None


class Executor(_Model):
    """The person who prepared the letter (GOST 'исполнитель'), named at the bottom."""

    name: TextField | None = None
    phone: TextField | None = None


class SourceInfo(_Model):
    """The input file, identified by content."""

    path: str
    file_name: str
    sha256: str
    media_type: str = Field(description="Sniffed from content, never from the extension.")
    size: int


class PageInfo(_Model):
    """How one page was read."""

    number: int
    width: float
    height: float
    unit: Literal["pt", "px"]
    method: Literal["text_layer", "ocr", "empty"]
    language: str | None
    ocr_confidence: float | None
    preparation: list[str] = Field(default_factory=list)
    image_sha256: str | None = None
    dpi: float | None = None

    @classmethod
    def of(cls, page: PageText) -> PageInfo:
        """What a record says of a page read: its size, method and preparation."""
        return cls(
            number=page.number,
            width=page.width,
            height=page.height,
            unit=page.unit,
            method=page.method,
            language=page.language,
            ocr_confidence=page.confidence if page.method == "ocr" else None,
            preparation=list(page.preparation),
            image_sha256=page.image_sha256,
            dpi=page.dpi,
        )


class RecordWarning(_Model):
    """Why a field is null, or anything else the reader should know."""

    code: str = Field(description="Stable machine code, e.g. field_not_found.")
    message: str
    field: str | None = None
    page: int | None = None


class Record(_Model):
    """Everything verify extracted from one document."""

    schema_: str = Field(SCHEMA_ID, alias="schema")
    verify_version: str
    models_version: dict[str, str] = Field(
        default_factory=dict, description="Version of each models/ file used."
    )
    source: SourceInfo
    language: str | None
    pages: list[PageInfo]
    text: str
    issuer: TextField | None = None
    document_kind: TextField | None = None
    document_number: TextField | None = None
    document_date: TextField | None = None
    addressees: list[TextField] = Field(default_factory=list)
    subject: TextField | None = None
    signatories: list[Signatory] = Field(default_factory=list)
    deadlines: list[Deadline] = Field(default_factory=list)
    requested_specialties: list[Specialty] = Field(default_factory=list)
    funding_source: TextField | None = None
    executor: Executor | None = None
    references: list[Reference] = Field(default_factory=list)
    stamps: list[Stamp] = Field(default_factory=list)
    fingerprints: Fingerprints | None = None
    forensics: list[Finding] | None = Field(
        None, description="Forensic findings, most severe first; null when not asked for."
    )
    warnings: list[RecordWarning] = Field(default_factory=list)

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    def to_json(self, indent: int | None = None) -> str:
        """Serialise with the ``schema`` key (pydantic would otherwise write ``schema_``)."""
        return self.model_dump_json(by_alias=True, indent=indent)


def read_record(value: Record | dict[str, Any]) -> Record:
    """A ``Record`` from a record or its JSON dict; refuses another schema with RecordError.

    The one reader of stored and saved records: the archive's rows, saved ``--json`` files
    and match indexes all pass through it, so a record of another schema or a malformed
    one gives the same one-line error wherever it is read.
    """
    if isinstance(value, Record):
        return value
    if not isinstance(value, dict):
        raise RecordError(f"expected a verify record, got {type(value).__name__}")
    schema = value.get("schema", value.get("schema_"))
    if schema != SCHEMA_ID:
        raise RecordError(
            f"record schema is {schema!r}, this verify reads {SCHEMA_ID}: "
            "re-extract the original file with this version of verify"
        )
    try:
        return Record.model_validate(value)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise RecordError(
            f"malformed {SCHEMA_ID} record at {where}: {first['msg']}; re-extract the file"
        ) from error


def read_record_json(text: str) -> Record:
    """A ``Record`` from its JSON text (as the archive stores it); RecordError if not one."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise RecordError(f"not a JSON record ({error}): re-extract the file") from error
    return read_record(value)


def read_record_file(path: Path) -> Record:
    """A ``Record`` from a saved record file (``verify extract --json``); RecordError if not one.

    The error names the file, so a folder of saved records says which one is bad.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise RecordError(f"{path}: is not a JSON record ({error}): re-extract the file") from error
    try:
        return read_record_json(text)
    except RecordError as error:
        raise RecordError(f"{path}: {error}") from error
