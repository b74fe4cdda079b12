"""The archive commands as a user runs them: exit codes, JSON, help and README entries."""

from __future__ import annotations

import json
import re
import sqlite3

import pytest

from tests.conftest import DOCUMENTS, FOUNDING, ROOT
from verify.errors import ExitCode

FOUNDING_PDF = DOCUMENTS / FOUNDING / "born_digital.pdf"
VARIANT_PDF = DOCUMENTS / "ru_minzdrav_founding_variant" / "born_digital.pdf"


@pytest.mark.parametrize(
    "command",
    [
        "ingest",
        "search",
        "show",
        "archive init",
        "archive verify",
        "archive head",
        "archive prove",
        "archive reextract",
        "proof check",
    ],
)
def test_every_archive_command_has_help_and_is_documented(cli_subprocess, command):
    run = cli_subprocess(*command.split(), "--help")
    assert run.code == 0, run.stderr
    assert "Usage" in run.stdout
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert re.search(rf"verify {command}\b", readme), f"verify {command} is not in the README"


def test_end_to_end(cli_subprocess, tmp_path):
    archive = tmp_path / "newsroom"
    assert cli_subprocess("archive", "init", archive).code == 0
    run = cli_subprocess(
        "ingest", FOUNDING_PDF, VARIANT_PDF, "--archive", archive, "--source", "A", "--json"
    )
    assert run.code == 0, run.stderr
    summary = json.loads(run.stdout)
    assert (summary["ingested"], summary["matches"], summary["failed"]) == (2, 1, 0)
    assert 0 < summary["extract_seconds"] < summary["seconds"]
    founding_id = summary["documents"][0]["sha256"]

    run = cli_subprocess("search", VARIANT_PDF, "--archive", archive, "--json")
    assert run.code == 0, run.stderr
    matches = json.loads(run.stdout)["matches"]
    assert matches[0]["verdict"] == "identical" and matches[0]["same_bytes"]  # held already
    assert matches[1]["sha256"] == founding_id and matches[1]["verdict"] == "variant"
    assert 0 < matches[1]["score"] <= 1

    run = cli_subprocess("show", founding_id[:12], "--archive", archive, "--json")
    shown = json.loads(run.stdout)
    assert shown["receipts"][0]["source"] == "A" and shown["links"][0]["verdict"] == "variant"

    proof = tmp_path / "proof.json"
    assert cli_subprocess("archive", "prove", founding_id, "-a", archive, "-o", proof).code == 0
    key = archive / "keys" / "signing.pub"
    run = cli_subprocess("proof", "check", proof, "--public-key", key, "--json")
    assert run.code == 0 and json.loads(run.stdout)["document_sha256"] == founding_id
    forged = json.loads(proof.read_text())
    forged["leaf_index"] += 1
    proof.write_text(json.dumps(forged))
    run = cli_subprocess("proof", "check", proof, "--public-key", key)
    assert run.code == ExitCode.integrity_failed

    assert cli_subprocess("archive", "verify", archive).code == 0
    run = cli_subprocess("archive", "reextract", archive, "--json")
    assert run.code == 0 and json.loads(run.stdout)["unchanged"] == 2

    db = sqlite3.connect(archive / "archive.sqlite")
    db.execute("UPDATE records SET record = replace(record, '2781', '2782')")
    db.commit()
    db.close()
    run = cli_subprocess("archive", "verify", archive, "--json")
    assert run.code == ExitCode.integrity_failed
    assert founding_id in run.stderr
    assert founding_id in json.loads(run.stdout)["affected_documents"]


def test_missing_archive_is_exit_10(cli_subprocess, tmp_path):
    run = cli_subprocess("ingest", FOUNDING_PDF, "--archive", tmp_path, "--source", "A")
    assert run.code == ExitCode.archive_failed
    assert "archive init" in run.stderr


def test_piped_output_keeps_each_line_whole(cli_subprocess, tmp_path):
    """A sha256 split over two lines can be neither copied nor grepped: nothing is wrapped."""
    archive = tmp_path / "newsroom"
    assert cli_subprocess("archive", "init", archive).code == 0
    run = cli_subprocess(
        "ingest", FOUNDING_PDF, VARIANT_PDF, "--archive", archive, "--source", "A", "--json"
    )
    founding_id = json.loads(run.stdout)["documents"][0]["sha256"]
    for args in (["search", VARIANT_PDF], ["show", founding_id[:12]]):
        run = cli_subprocess(*args, "--archive", archive, columns=None)
        assert run.code == 0, run.stderr
        lines = [line for line in run.stdout.splitlines() if founding_id[:16] in line]
        assert lines and all(founding_id in line for line in lines), run.stdout
        assert max(len(line) for line in run.stdout.splitlines()) > 80


def test_ctrl_c_during_an_ingest_says_so_and_leaves_a_sound_archive(cli_subprocess, tmp_path):
    """Ctrl-C exits 130 with one line saying so (typer had returned the code silently), and
    what was committed before it still verifies."""
    import os
    import signal
    import subprocess
    import sys
    import time

    archive = tmp_path / "archive"
    assert cli_subprocess("archive", "init", archive).code == ExitCode.ok
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for letter in ("ru_minzdrav_founding", "ru_order", "uk_moz", "en_ministry"):
        for rendition in ("photo.jpg", "camera.jpg"):
            (inbox / f"{letter}_{rendition}").write_bytes(
                (DOCUMENTS / letter / rendition).read_bytes()
            )
    ingest = subprocess.Popen(
        [sys.executable, "-m", "verify", "ingest", str(inbox), "--archive", str(archive)]
        + ["--source", "a source"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "VERIFY_CACHE_DIR": str(tmp_path / "cache")},
    )
    time.sleep(6)  # a few photos in: the run is mid-batch
    ingest.send_signal(signal.SIGINT)
    _, stderr = ingest.communicate(timeout=120)
    assert ingest.returncode == ExitCode.interrupted, stderr
    assert stderr.strip().splitlines()[-1] == "verify: interrupted"
    assert cli_subprocess("archive", "verify", archive).code == ExitCode.ok
