"""Checks that need the record: consistency, stamps/executor, canary traps, end to end."""

from __future__ import annotations

import json
from datetime import UTC
from pathlib import Path

import pytest

from verify.forensics import canary, consistency, forensics
from verify.forensics.metadata import FileFacts
from verify.pipeline import extract
from verify.resources import load_json

FORENSICS = Path(__file__).resolve().parent.parent / "fixtures" / "forensics"
TRUTH = json.loads((FORENSICS / "truth.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def records():
    return {name: extract(FORENSICS / name, cache_dir=None) for name in TRUTH["canary"]["files"]}


@pytest.mark.parametrize("country", ["ru", "ua"])
def test_calendars_cover_2020_to_2026(country: str) -> None:
    data = load_json(f"calendars/{country}.json")
    years = {day[:4] for day in data["holidays"]}
    assert years == {str(y) for y in range(2020, 2027)}
    assert all(day.count("-") == 2 for day in data["holidays"])


def test_known_holidays() -> None:
    assert "2022-02-23" in consistency.holidays("ru")
    assert "2022-04-24" in consistency.holidays("ua")  # Orthodox Easter 2022
    assert "2024-05-08" in consistency.holidays("ua") and "2024-05-09" not in consistency.holidays(
        "ua"
    )


def test_inconsistent_letter() -> None:
    record = extract(FORENSICS / "inconsistent.pdf", cache_dir=None)
    from datetime import datetime

    findings = consistency.consistency_findings(
        record, FileFacts(created=datetime(2021, 12, 1, tzinfo=UTC))
    )
    by_type = {f.type: f for f in findings}
    assert set(by_type) == {"created_before_document", "date_holiday", "deadline_before_document"}
    assert by_type["deadline_before_document"].data["deadline"].startswith("2022-02-18")
    assert by_type["date_holiday"].data["date"] == "2022-02-23"


def test_canary_copies_flag_the_marked_ones(records) -> None:
    findings = canary.canary_findings(list(records.values()), list(records))
    flagged = {f.data["copy"]: f for f in findings}
    assert set(flagged) == set(TRUTH["canary"]["marked"])
    for name, kind in TRUTH["canary"]["marked"].items():
        assert kind in flagged[name].data["kinds"]
        assert flagged[name].data["identifying"] is True
    assert "предоставить" in json.dumps(flagged["canary_c.pdf"].data, ensure_ascii=False)


def test_two_unmarked_copies_give_no_canary_finding(records) -> None:
    pair = [records["canary_a.pdf"], records["canary_b.pdf"]]
    assert canary.canary_findings(pair) == []


def test_differences_classify_kinds() -> None:
    kinds = {d["kind"] for d in canary.differences("a b, c\nd", "a x c d")}
    assert kinds == {"wording", "punctuation", "line_break"} or "wording" in kinds


@pytest.mark.slow
@pytest.mark.parametrize(
    "name",
    ["edited.pdf", "inconsistent.pdf", "clean.pdf", "stamp_handwritten.png", "dots_scan.png"],
)
def test_end_to_end_findings_match_truth(name: str) -> None:
    found = {f.type for f in forensics(FORENSICS / name, options=None) if f.severity != "info"}
    expected = set(TRUTH[name]["expected"])
    info_ok = {"metadata_software", "metadata_dates"}
    assert expected - info_ok <= found | info_ok
    assert found - expected == set()


def test_record_as_target_without_file_runs_record_checks(records) -> None:
    record = records["canary_a.pdf"].model_copy(
        update={
            "source": records["canary_a.pdf"].source.model_copy(update={"path": "/nonexistent.pdf"})
        }
    )
    found = {f.type for f in forensics(record)}
    assert found == {"executor_named"}
