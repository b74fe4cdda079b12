"""What ``ingest``, ``search`` and ``show`` tell a user about files they already hold.

A received folder holds sidecar files (a messenger's .json and .txt beside each document):
they can be left out with ``--exclude``; if they are quarantined, every rerun says so until
``--retry-failed`` reads them, and names them as received. ``search`` answers "do we already
hold this file?" first, by file name; ``show`` of a quarantined document prints no ``None``.
"""

from __future__ import annotations

import json
import shutil

import pytest

from tests.conftest import DOCUMENTS
from verify.errors import ExitCode

LETTER = DOCUMENTS / "en_ngo" / "born_digital.pdf"


@pytest.fixture
def received(tmp_path):
    """A folder as a messenger exports it: a letter with a .json and a .txt beside it."""
    folder = tmp_path / "from_source"
    folder.mkdir()
    shutil.copy(LETTER, folder / "Letter.pdf")
    (folder / "Letter.pdf.json").write_text('{"sender": "x"}\n', encoding="utf-8")
    (folder / "chat.TXT").write_text("see the letter\n", encoding="utf-8")
    return folder


@pytest.fixture
def archive(tmp_path, cli_subprocess):
    path = tmp_path / "newsroom"
    assert cli_subprocess("archive", "init", path).code == 0
    return path


@pytest.mark.slow
def test_exclude_leaves_sidecars_out_and_include_takes_only_matches(
    received, archive, cli_subprocess
):
    run = cli_subprocess(
        "ingest", received, "-a", archive, "--source", "A",
        "--exclude", "*.json", "--exclude", "*.txt", "--json",
    )  # fmt: skip
    assert run.code == 0, run.stderr
    summary = json.loads(run.stdout)
    assert (summary["ingested"], summary["failed"]) == (1, 0)
    assert sorted(p.rsplit("/", 1)[-1] for p in summary["left_out"]) == [
        "Letter.pdf.json",
        "chat.TXT",
    ]
    run = cli_subprocess("ingest", received, "-a", archive, "--source", "B", "--include", "*.PDF")
    assert run.code == 0, run.stderr
    assert "duplicates 1" in run.stdout and "left out 2 by --include/--exclude" in run.stdout


@pytest.mark.slow
def test_a_quarantine_is_reported_on_every_rerun_until_retried(received, archive, cli_subprocess):
    run = cli_subprocess("ingest", received, "-a", archive, "--source", "A")
    assert run.code == ExitCode.some_failed and "failed 2" in run.stdout
    quarantined = [
        line for line in run.stderr.splitlines() if line.startswith("verify: quarantined")
    ]
    assert len(quarantined) == 2
    assert all(line.count(str(received)) == 1 for line in quarantined)  # named once

    run = cli_subprocess("ingest", received, "-a", archive, "--source", "A")
    assert run.code == ExitCode.some_failed, run.stdout  # it said "failed 0", exit 0
    assert "failed 2" in run.stdout and "already archived 1" in run.stdout
    assert run.stderr.count("quarantined by an earlier run") == 2

    run = cli_subprocess("ingest", "-a", archive, "--retry-failed")
    assert run.code == ExitCode.some_failed
    assert "originals/" not in run.stderr, run.stderr  # the archive's own name of the bytes
    assert str(received / "chat.TXT") in run.stderr
    assert str(received / "Letter.pdf.json") in run.stderr


@pytest.mark.slow
def test_show_of_a_quarantined_document_prints_no_none(received, archive, cli_subprocess):
    run = cli_subprocess("ingest", received, "-a", archive, "--source", "A", "--json")
    failed = [d for d in json.loads(run.stdout)["documents"] if d["status"] == "failed"]
    assert failed
    run = cli_subprocess("show", failed[0]["sha256"][:12], "-a", archive)
    assert run.code == 0, run.stderr
    assert "None" not in run.stdout, run.stdout
    assert "quarantined:" in run.stdout and "received " in run.stdout


@pytest.mark.slow
def test_search_lists_the_byte_identical_copy_first_by_file_name(
    received, archive, cli_subprocess, tmp_path
):
    variant = DOCUMENTS / "ru_minzdrav_founding_variant" / "born_digital.pdf"
    founding = DOCUMENTS / "ru_minzdrav_founding" / "born_digital.pdf"
    shutil.copy(founding, received / "founding.pdf")
    shutil.copy(variant, received / "variant.pdf")
    run = cli_subprocess("ingest", received, "-a", archive, "--source", "A", "--include", "*.pdf")
    assert run.code == 0, run.stderr
    query = tmp_path / "asked_again.pdf"
    shutil.copy(founding, query)
    run = cli_subprocess("search", query, "-a", archive, "--json")
    assert run.code == 0, run.stderr
    matches = json.loads(run.stdout)["matches"]
    assert matches[0]["same_bytes"] and matches[0]["verdict"] == "identical"
    assert matches[0]["file_names"] == ["founding.pdf"]
    assert matches[1]["file_names"] == ["variant.pdf"] and matches[1]["verdict"] == "variant"
    run = cli_subprocess("search", query, "-a", archive)
    first = run.stdout.splitlines()[0]
    assert "founding.pdf" in first and "identical" in first


def test_a_hostile_received_name_is_one_escaped_line(tmp_path, archive, cli_subprocess):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a\nverify: error: forged \x1b[2J\u202e.txt").write_text("text\n", encoding="utf-8")
    run = cli_subprocess("ingest", folder, "-a", archive, "--source", "[bold]A\x1b[31m")
    assert run.code == ExitCode.some_failed, run.stderr
    lines = run.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("verify: quarantined: "), run.stderr
    assert "a\\nverify: error: forged \\x1b[2J\\u202e.txt" in lines[0]
