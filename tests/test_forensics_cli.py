"""The forensics and scrub commands: help, README, JSON output, bad input without traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORENSICS = ROOT / "fixtures" / "forensics"


@pytest.mark.parametrize("command", ["forensics", "scrub"])
def test_help_and_readme(cli_subprocess, command: str) -> None:
    run = cli_subprocess(command, "--help")
    assert run.code == 0 and "Usage" in run.stdout
    assert f"### `verify {command}" in (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.slow
def test_forensics_json(cli_subprocess) -> None:
    run = cli_subprocess("forensics", FORENSICS / "edited.pdf", "--json", "--no-ocr-checks")
    assert run.code == 0, run.stderr
    found = {f["type"] for f in json.loads(run.stdout)}
    assert {"incremental_update", "revision_change", "metadata_author"} <= found


def test_extract_with_forensics_adds_the_findings_to_the_record(cli_subprocess) -> None:
    run = cli_subprocess("extract", FORENSICS / "edited.pdf", "--json", "--forensics")
    assert run.code == 0, run.stderr
    record = json.loads(run.stdout)
    found = {finding["type"] for finding in record["forensics"]}
    assert {"incremental_update", "revision_change", "metadata_author"} <= found
    plain = cli_subprocess("extract", FORENSICS / "edited.pdf", "--json")
    assert json.loads(plain.stdout)["forensics"] is None


@pytest.mark.slow
@pytest.mark.parametrize(
    "name",
    [
        "bad/many_revisions.pdf",
        "bad/malformed_metadata.pdf",
        "bad/huge_exif.png",
        "bad/broken_exif.jpg",
    ],
)
def test_bad_input_gives_findings_not_tracebacks(cli_subprocess, name: str) -> None:
    run = cli_subprocess("forensics", FORENSICS / name, "--no-ocr-checks", timeout=120)
    assert run.code == 0, run.stderr
    assert "Traceback" not in run.stderr


def test_scrub_bad_redact_is_a_usage_error(cli_subprocess, tmp_path: Path) -> None:
    run = cli_subprocess(
        "scrub", FORENSICS / "clean.pdf", "-o", tmp_path / "x.pdf", "--redact", "faces"
    )
    assert run.code == 2 and "unknown --redact" in run.stderr


@pytest.mark.slow
def test_scrub_says_what_it_was_asked_to_redact_and_did_not_find(
    cli_subprocess, tmp_path: Path
) -> None:
    """Not finding a stamp is no proof that none is there: scrub must not sound sure."""
    run = cli_subprocess(
        "scrub", FORENSICS / "clean.pdf", "-o", tmp_path / "x.pdf", "--redact", "stamps"
    )
    assert run.code == 0, run.stderr
    assert "NOT FOUND stamps: nothing was blacked out" in run.stdout
    assert "remaining: nothing identifying found" in run.stdout
    run = cli_subprocess(
        "scrub", FORENSICS / "clean.pdf", "-o", tmp_path / "y.pdf", "--redact", "stamps", "--json"
    )
    assert json.loads(run.stdout)["not_found"] == ["stamps"]


def test_scrub_output_resolution_is_its_own_flag(cli_subprocess, tmp_path: Path) -> None:
    """scrub's page resolution is --output-dpi: --dpi means extract's reading resolution."""
    import pymupdf

    run = cli_subprocess(
        "scrub", FORENSICS / "clean.pdf", "-o", tmp_path / "x.pdf", "--output-dpi", "100"
    )
    assert run.code in (0, 1), run.stderr
    with pymupdf.open(tmp_path / "x.pdf") as copy:
        page = copy[0]
        image = page.get_images(full=True)[0]
        assert round(image[2] / (page.rect.width / 72)) == 100  # pixels across per inch
    wrong = cli_subprocess(
        "scrub", FORENSICS / "clean.pdf", "-o", tmp_path / "y.pdf", "--dpi", "100"
    )
    assert wrong.code == 2 and "--dpi" in wrong.stderr
