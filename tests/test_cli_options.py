"""Every command that reads documents takes the one group of reading flags, and uses them.

The group (``verify.cli.options.reading_command``): --lang, --password-file, --jobs,
--no-cache and the limits and budgets. Each test runs the real command: a flag a command
took but did not hand to the reader would pass the first test and fail the others.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from tests.conftest import document, run_verify
from verify.cli.main import app
from verify.cli.options import READING_FLAGS, command_options
from verify.errors import ExitCode
from verify.options import UsageError
from verify.reading.ocr_cache import LAYOUT

PHOTO = document("en_ngo", "photo.jpg")
SCAN = document("en_ngo", "scan_300dpi.png")
LETTER = document("en_ngo", "born_digital.pdf")

READING_COMMANDS = [
    ["extract"],
    ["compare"],
    ["index"],
    ["match"],
    ["ingest"],
    ["search"],
    ["archive", "reextract"],
    ["corroborate"],
    ["forensics"],
    ["scrub"],
]


def _all_commands() -> list[list[str]]:
    found: list[list[str]] = []

    def walk(group, prefix: list[str]) -> None:
        for name, command in group.commands.items():
            if hasattr(command, "commands"):
                walk(command, [*prefix, name])
            else:
                found.append([*prefix, name])

    walk(typer.main.get_command(app), [])
    return found


@pytest.mark.parametrize("command", READING_COMMANDS, ids=" ".join)
def test_every_reading_command_takes_the_whole_group(command):
    options = command_options(app, command)
    assert options is not None
    assert READING_FLAGS <= options, sorted(READING_FLAGS - options)


def test_a_command_takes_all_reading_flags_or_none():
    for command in _all_commands():
        shared = READING_FLAGS & (command_options(app, command) or frozenset())
        assert shared in (frozenset(), READING_FLAGS), (command, sorted(READING_FLAGS - shared))
    assert {" ".join(c) for c in READING_COMMANDS} <= {" ".join(c) for c in _all_commands()}


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    """An archive holding the born-digital letter (no OCR, so cheap)."""
    root = tmp_path_factory.mktemp("options") / "archive"
    assert run_verify("archive", "init", root).code == 0
    run = run_verify("ingest", LETTER, "-a", root, "--source", "S", "-q")
    assert run.code == 0, run.stderr
    return root


def _argv(command: list[str], file: Path, archive: Path, tmp_path: Path) -> list[object]:
    """The command's arguments around one input file."""
    if command == ["compare"]:
        return ["compare", file, LETTER]
    if command == ["index"]:
        folder = tmp_path / "in"
        folder.mkdir(exist_ok=True)
        shutil.copy(file, folder / file.name)
        return ["index", folder, "-o", tmp_path / "index"]
    if command == ["match"]:
        return ["match", file, "--against", LETTER.parent]
    if command == ["ingest"]:
        return ["ingest", file, "-a", archive, "--source", "S", "-q"]
    if command == ["search"]:
        return ["search", file, "-a", archive]
    if command == ["archive", "reextract"]:
        return ["archive", "reextract", archive]
    if command == ["corroborate"]:
        claims = tmp_path / "claims.txt"
        claims.write_text("The letter was signed by the director.\n", encoding="utf-8")
        return ["corroborate", file, "--claims", claims]
    if command == ["scrub"]:
        return ["scrub", file, "-o", tmp_path / "safe.pdf"]
    return [*command, file]


@pytest.mark.parametrize("command", READING_COMMANDS, ids=" ".join)
@pytest.mark.parametrize(
    ("flag", "message"),
    [(["--lang", "zz"], "unknown language zz"), (["--jobs", "0"], "--jobs must be at least 1")],
    ids=["lang", "jobs"],
)
def test_lang_and_jobs_reach_the_reader(command, flag, message, archive, tmp_path):
    """In-process (the options are checked before any page is read): a wrong value is refused."""
    argv = [str(arg) for arg in _argv(command, PHOTO, archive, tmp_path)]
    result = CliRunner().invoke(app, [*argv, *flag])
    assert isinstance(result.exception, UsageError), result.output
    assert message in str(result.exception)


@pytest.mark.parametrize(
    "command",
    [c for c in READING_COMMANDS if c not in (["index"], ["ingest"], ["archive", "reextract"])],
    ids=" ".join,
)
def test_max_pixels_refuses_a_page_in_every_command(command, cli_subprocess, archive, tmp_path):
    run = cli_subprocess(*_argv(command, PHOTO, archive, tmp_path), "--max-pixels", "1000")
    assert run.code == ExitCode.too_large, run.stderr
    assert "limit of 0.001 Mpx" in run.stderr and "Traceback" not in run.stderr


def test_index_and_ingest_leave_out_a_page_over_the_limit(cli_subprocess, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(PHOTO, folder / "photo.jpg")
    run = cli_subprocess("index", folder, "-o", tmp_path / "index", "--max-pixels", "1000")
    assert run.code == ExitCode.some_failed and "limit of 0.001 Mpx" in run.stderr
    root = tmp_path / "archive"
    assert cli_subprocess("archive", "init", root).code == 0
    run = cli_subprocess("ingest", folder, "-a", root, "--source", "S", "--max-pixels", "1000")
    assert run.code == ExitCode.some_failed
    assert "quarantined" in run.stderr and "limit of 0.001 Mpx" in run.stderr


def _reextracted(run) -> dict:
    assert run.code == 0, run.stderr
    return json.loads(run.stdout)


@pytest.mark.slow  # OCRs a page in a fresh archive
def test_reextract_reads_under_the_limits_given(cli_subprocess, tmp_path):
    root = tmp_path / "archive"
    assert cli_subprocess("archive", "init", root).code == 0
    assert cli_subprocess("ingest", PHOTO, "-a", root, "--source", "S", "-q").code == 0
    over = cli_subprocess("archive", "reextract", root, "--json", "--max-pixels", "1000")
    assert _reextracted(over)["failed"] == 1
    assert _reextracted(cli_subprocess("archive", "reextract", root, "--json"))["failed"] == 0


@pytest.mark.slow  # OCRs a page in a fresh archive
def test_ingest_no_cache_keeps_no_ocr_in_the_archive(cli_subprocess, tmp_path):
    with_cache, without = tmp_path / "with", tmp_path / "without"
    for root, extra in ((with_cache, ()), (without, ("--no-cache",))):
        assert cli_subprocess("archive", "init", root).code == 0
        run = cli_subprocess("ingest", SCAN, "-a", root, "--source", "S", "-q", *extra)
        assert run.code == 0, run.stderr
    assert list((with_cache / "cache" / LAYOUT).rglob("*.json.gz"))
    assert not list((without / "cache").rglob("*.json.gz"))


def test_search_and_reextract_read_an_encrypted_pdf_with_a_password_file(
    cli_subprocess, tmp_path, locked
):
    secret = tmp_path / "pw.txt"
    secret.write_text("s3cret pw\n")
    root = tmp_path / "archive"
    assert cli_subprocess("archive", "init", root).code == 0
    run = cli_subprocess("ingest", locked, "-a", root, "--source", "S", "--password-file", secret)
    assert run.code == 0, run.stderr
    refused = cli_subprocess("search", locked, "-a", root)
    assert refused.code == ExitCode.encrypted and "--password-file" in refused.stderr
    found = cli_subprocess("search", locked, "-a", root, "--json", "--password-file", secret)
    assert found.code == 0, found.stderr
    (match,) = json.loads(found.stdout)["matches"]
    assert match["same_bytes"] and match["verdict"] == "identical"
    without = cli_subprocess("archive", "reextract", root, "--json")
    assert _reextracted(without)["failed"] == 1
    given = cli_subprocess("archive", "reextract", root, "--json", "--password-file", secret)
    assert _reextracted(given)["failed"] == 0
