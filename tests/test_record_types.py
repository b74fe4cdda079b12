"""The record is typed to its leaves: fingerprints and forensic findings are models, records
saved before they were still load unchanged, and the published schema names their fields."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from verify.errors import RecordError
from verify.matching.files import record_of
from verify.options import ExtractOptions
from verify.record import Record, read_record, read_record_file, read_record_json
from verify.record_findings import Finding, FindingEvidence
from verify.record_fingerprints import Fingerprints, MinHashSignature
from verify.schema import record_schema

ROOT = Path(__file__).resolve().parent.parent
SAVED = ROOT / "fixtures" / "records" / "edited_with_forensics.json"
ARCHIVE_DB = ROOT / "fixtures" / "archives" / "raw_key_id" / "archive" / "archive.sqlite"


def test_a_record_saved_before_the_types_loads_typed_and_unchanged() -> None:
    saved = json.loads(SAVED.read_text(encoding="utf-8"))
    record = read_record_file(SAVED)
    assert isinstance(record.fingerprints, Fingerprints)
    assert isinstance(record.fingerprints.text_minhash, MinHashSignature)
    assert record.fingerprints.text_minhash.array().shape == (
        record.fingerprints.text_minhash.num_perm,
    )
    assert record.fingerprints.sha256 == record.source.sha256
    assert record.forensics is not None and len(record.forensics) == 10
    assert all(isinstance(f, Finding) for f in record.forensics)
    assert {f.type for f in record.forensics} >= {"incremental_update", "metadata_author"}
    located = [e for f in record.forensics for e in f.evidence if e.bbox is not None]
    assert located and all(isinstance(e, FindingEvidence) for e in located)
    # Nothing is lost or changed on the way through the models: saved again, it is the same
    # text, byte for byte (the archive's log entries carry the SHA-256 of a record's text).
    assert json.loads(record.to_json()) == saved
    assert record.to_json(indent=1) == SAVED.read_text(encoding="utf-8")


def test_a_record_stored_in_an_archive_of_an_older_verify_loads_typed(tmp_path: Path) -> None:
    copy = tmp_path / "archive.sqlite"  # SQLite opens a WAL database's side files beside it
    shutil.copyfile(ARCHIVE_DB, copy)
    db = sqlite3.connect(copy)
    try:
        rows = db.execute("SELECT record, fingerprints FROM records").fetchall()
    finally:
        db.close()
    assert rows
    for text, fingerprints_json in rows:
        record = read_record_json(text)
        assert isinstance(record.fingerprints, Fingerprints)
        assert record.fingerprints == Fingerprints.model_validate_json(fingerprints_json)
        assert record.to_json() == text


def test_saved_records_are_read_by_the_record_reader(tmp_path: Path) -> None:
    record = read_record_file(SAVED)
    assert record_of(SAVED, ExtractOptions()) == record
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(RecordError, match=r"bad\.json: not a JSON record"):
        record_of(bad, ExtractOptions())
    damaged = json.loads(SAVED.read_text(encoding="utf-8"))
    damaged["fingerprints"]["text_minhash"]["num_perm"] = "many"
    (tmp_path / "damaged.json").write_text(json.dumps(damaged), encoding="utf-8")
    with pytest.raises(RecordError, match=r"damaged\.json: malformed .*fingerprints"):
        read_record_file(tmp_path / "damaged.json")
    unknown = json.loads(SAVED.read_text(encoding="utf-8"))
    unknown["forensics"][0]["severity"] = "catastrophic"
    with pytest.raises(RecordError, match=r"malformed .*forensics\.0\.severity"):
        read_record(unknown)


def test_the_published_schema_names_the_fingerprint_and_finding_fields() -> None:
    schema = record_schema()
    defs = schema["$defs"]
    assert isinstance(defs, dict)
    properties = schema["properties"]
    assert isinstance(properties, dict)
    assert {"$ref": "#/$defs/Fingerprints"} in properties["fingerprints"]["anyOf"]
    assert {"items": {"$ref": "#/$defs/Finding"}, "type": "array"} in properties["forensics"][
        "anyOf"
    ]
    assert set(defs["Fingerprints"]["properties"]) == {
        "parameters_version",
        "sha256",
        "pages",
        "text_minhash",
        "body_minhash",
        "identity_key",
        "body_digest",
    }
    assert set(defs["MinHashSignature"]["properties"]) >= {"num_perm", "shingles", "values"}
    assert set(defs["PageFingerprint"]["properties"]) >= {"pdq", "pdq_quality"}
    assert set(defs["Finding"]["properties"]) == {
        "type",
        "severity",
        "message",
        "identifies",
        "evidence",
        "data",
    }
    assert "incremental_update" in defs["Finding"]["properties"]["type"]["enum"]
    assert set(defs["FindingEvidence"]["properties"]) == {"page", "bbox", "unit", "raw"}


def test_a_record_made_now_keeps_its_fingerprints_and_findings_typed() -> None:
    record = Record.model_validate_json(SAVED.read_text(encoding="utf-8"))
    again = read_record_json(record.to_json())
    assert again == record
    assert isinstance(again.forensics, list) and isinstance(again.forensics[0], Finding)
