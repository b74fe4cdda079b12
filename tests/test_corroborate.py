"""Claims checked against the founding letter: supported, contradicted, not in the document."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, FOUNDING, document
from tests.test_claims import TRUTH, key, report_path
from verify.claims import claims_from_file, claims_from_text
from verify.claims.corroborate import corroborate
from verify.pipeline import extract


@pytest.fixture(scope="module")
def founding():
    return extract(document(FOUNDING, "born_digital.pdf"))


def statuses(record, path: Path) -> dict:
    findings = corroborate(record, claims_from_file(path).claims)
    return {key(f.claim.kind, f.claim.value): f for f in findings}


@pytest.mark.parametrize("entry", TRUTH["reports"], ids=lambda e: e["file"])
def test_statuses_match_truth(founding, entry):
    found = statuses(founding, report_path(entry))
    expected = {key(c["kind"], c["value"]): c["status"] for c in entry["claims"]}
    assert {k: f.status for k, f in found.items()} == expected


@pytest.mark.parametrize("seed", [0, 1])
def test_seeds_000_and_001_are_wholly_supported(founding, seed):
    found = statuses(founding, report_path(TRUTH["reports"][seed]))
    assert found and all(f.status == "supported" for f in found.values())
    for finding in found.values():
        assert finding.evidence and finding.evidence[0].page == 1


@pytest.mark.parametrize("seed", [2, 3])
def test_other_stories_support_nothing_about_the_letter(founding, seed):
    found = statuses(founding, report_path(TRUTH["reports"][seed]))
    assert not [f for f in found.values() if f.status == "supported"]


def test_misreport_shows_both_values(founding):
    found = statuses(founding, FIXTURES / "claims" / "en_misreport.txt")
    date = found[("document_date", "2022-02-24")]
    assert date.status == "contradicted" and date.document_value == "2022-02-25"
    assert date.evidence[0].raw == "25.02.2022"
    name = found[key("signatory_name", "Viktor Fisenko")]
    assert name.status == "contradicted" and name.document_value == "А.Н. Плутницкий"
    specialty = found[("specialty", "neurosurgeon")]
    assert specialty.status == "contradicted" and "trauma surgeon" in specialty.document_value
    deadline = found[("deadline", "--02-25T17:00")]
    assert deadline.document_value == "2022-02-25T18:00"


def test_fields_missing_from_the_record_and_its_text_are_not_in_document(founding):
    bare = founding.model_copy(
        update={
            "deadlines": [],
            "signatories": [],
            "funding_source": None,
            "document_number": None,
            "text": "",
        }
    )
    found = statuses(bare, FIXTURES / "claims" / "ru_accurate.txt")
    for kind in ("deadline", "signatory_name", "signatory_position", "funding_source"):
        assert {f.status for k, f in found.items() if k[0] == kind} == {"not_in_document"}
    assert found[("document_number", "30-2/И/2-2781")].status == "not_in_document"
    assert found[("document_date", "2022-02-25")].status == "supported"


def test_a_value_extraction_missed_is_found_in_the_full_text(founding):
    """Before 'not in document', the whole text is searched: the number is printed there."""
    missed = founding.model_copy(update={"document_number": None, "signatories": []})
    found = statuses(missed, FIXTURES / "claims" / "ru_accurate.txt")
    number = found[("document_number", "30-2/И/2-2781")]
    assert number.status == "supported" and "full text" in number.note
    text_only = statuses(missed, FIXTURES / "claims" / "en_misreport.txt")
    assert text_only[("document_number", "30-2/И/2-2781")].status == "supported"


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("The letter was signed by Deputy Health Minister Plutnitskiy.", "supported"),
        ("The letter was signed by Deputy Health Minister Alexei Plutnitskii.", "supported"),
        ("Письмо подписал замминистра Плутницкий.", "supported"),
        ("Письмо за подписью А.Н. Плутницкого.", "supported"),
        ("The letter was signed by Deputy Health Minister Viktor Plutnitsky.", "contradicted"),
        ("The letter was signed by Deputy Health Minister Plotnikov.", "contradicted"),
    ],
)
def test_names_across_scripts_and_spellings(founding, text, status):
    names = [c for c in claims_from_text(text) if c.kind == "signatory_name"]
    assert len(names) == 1
    assert corroborate(founding, names)[0].status == status


@pytest.mark.parametrize(
    ("number", "status"),
    [
        ("30-2/И/2-2781", "supported"),
        ("30-2/I/2-2781", "supported"),
        ("30-2/И/2-2718", "contradicted"),
    ],
)
def test_document_numbers_across_scripts(founding, number, status):
    claims = claims_from_text(f"The letter No. {number} was sent to the regions on Friday.")
    numbers = [c for c in claims if c.kind == "document_number"]
    assert corroborate(founding, numbers)[0].status == status


def test_scan_supports_the_seed_claims_like_the_pdf():
    record = extract(document(FOUNDING, "scan_300dpi.png"))
    for seed in (0, 1):
        found = statuses(record, report_path(TRUTH["reports"][seed]))
        assert {f.status for f in found.values()} == {"supported"}, {
            k: f.note for k, f in found.items() if f.status != "supported"
        }
        assert all(f.evidence[0].bbox[2] > 300 for f in found.values())  # pixel boxes


def test_findings_serialise(founding):
    findings = corroborate(
        founding, claims_from_file(FIXTURES / "claims" / "ru_misreport.txt").claims
    )
    data = json.loads(findings[0].model_dump_json())
    assert data["status"] in ("supported", "contradicted", "not_in_document")


@pytest.mark.parametrize(
    ("letter", "text", "claims_date"),
    [
        (FOUNDING, "The letter asked for the lists no later than 6pm.", "2022-02-26"),
        ("ru_minzdrav_monthly", "В письме просят списки не позднее 18 марта.", "2022-03-01"),
    ],
)
def test_a_true_claim_is_never_contradicted_on_an_assumed_day_or_year(letter, text, claims_date):
    """Only what the report states is compared: no day from the report's date, no year."""
    import datetime as dt

    record = extract(document(letter, "born_digital.pdf"))
    claims = claims_from_text(text, dt.date.fromisoformat(claims_date))
    findings = [f for f in corroborate(record, claims) if f.claim.kind == "deadline"]
    assert findings and all(f.status == "supported" for f in findings)
