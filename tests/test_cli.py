"""The command line as a user meets it: exit codes, one-line errors, JSON Lines, help.

Bad input must give a one-line message and a documented exit code, never a traceback,
and must never change the input file.
"""

from __future__ import annotations

import hashlib
import re
import zipfile
from pathlib import Path

import pymupdf
import pytest
from PIL import Image

from verify.errors import ExitCode

from .conftest import FIXTURES, FOUNDING, ROOT, document


def _fingerprint(path: Path) -> tuple[str, int]:
    return hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns


def _text_pdf(path: Path, text: str = "Hello world", pages: int = 1, **save: object) -> Path:
    doc = pymupdf.open()
    for _ in range(pages):
        doc.new_page().insert_text((72, 72), text)
    doc.save(path, **save)
    return path


def _bad_inputs(tmp: Path) -> dict[str, tuple[Path, ExitCode, str]]:
    """name -> (path, expected exit code, a word the message must contain)."""
    empty = tmp / "empty.pdf"
    empty.write_bytes(b"")
    text = tmp / "notes.pdf"  # plain text with a PDF extension: type comes from content
    text.write_text("just some text, not a document\n" * 10)
    archive = tmp / "letter.jpg"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("a.txt", "x")
    whole = _text_pdf(tmp / "whole.pdf", pages=3).read_bytes()
    truncated = tmp / "truncated.pdf"
    truncated.write_bytes(whole[: len(whole) // 3])
    encrypted = _text_pdf(
        tmp / "locked.pdf",
        encryption=pymupdf.PDF_ENCRYPT_AES_256,
        owner_pw="owner",
        user_pw="secret",
    )
    bomb = tmp / "bomb.png"
    Image.new("L", (20_000, 20_000), 255).save(bomb)  # 400 Mpx of white: compresses to ~KB
    return {
        "missing": (tmp / "nope.jpg", ExitCode.input_missing, "not exist"),
        "directory": (tmp, ExitCode.input_missing, "directory"),
        "empty": (empty, ExitCode.corrupt_input, "empty"),
        "text": (text, ExitCode.unsupported_type, "text"),
        "zip": (archive, ExitCode.unsupported_type, "zip"),
        "truncated": (truncated, ExitCode.corrupt_input, "pdf"),
        "encrypted": (encrypted, ExitCode.encrypted, "--password"),
        "bomb": (bomb, ExitCode.too_large, "--max-pixels"),
    }


BAD = ["missing", "directory", "empty", "text", "zip", "truncated", "encrypted", "bomb"]


@pytest.mark.parametrize("case", BAD)
def test_bad_input_gives_one_line_and_documented_code(tmp_path, cli_subprocess, case):
    path, code, word = _bad_inputs(tmp_path)[case]
    before = _fingerprint(path) if path.is_file() else None
    run = cli_subprocess("extract", path)
    assert run.code == code, run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert lines[0].startswith("verify: error:")
    assert "Traceback" not in run.stderr
    assert word.lower() in lines[0].lower()
    assert run.stdout == ""
    if before is not None:
        assert _fingerprint(path) == before, "the input file was modified"


def test_encrypted_pdf_opens_with_password(tmp_path, cli_subprocess):
    path = _text_pdf(
        tmp_path / "locked.pdf",
        text="Ministry of Health letter text for the password test",
        encryption=pymupdf.PDF_ENCRYPT_AES_256,
        owner_pw="owner",
        user_pw="secret",
    )
    (tmp_path / "wrong.txt").write_text("wrong\n")
    (tmp_path / "right.txt").write_text("secret\n")
    wrong = cli_subprocess("extract", path, "--password-file", tmp_path / "wrong.txt", "--json")
    assert wrong.code == ExitCode.encrypted
    assert "password" in wrong.stderr.lower()
    right = cli_subprocess("extract", path, "--password-file", tmp_path / "right.txt", "--json")
    assert right.code == 0, right.stderr
    (record,) = right.json_lines()
    assert "Ministry of Health letter" in record["text"]
    assert record["pages"][0]["method"] == "text_layer"


def test_pixel_limit_is_overridable(tmp_path, cli_subprocess):
    path = tmp_path / "wide.png"
    Image.new("L", (3000, 2000), 255).save(path)
    refused = cli_subprocess("extract", path, "--max-pixels", "1000000")
    assert refused.code == ExitCode.too_large
    accepted = cli_subprocess("extract", path, "--max-pixels", "10000000", "--json")
    assert accepted.code == 0, accepted.stderr


def test_page_limit(tmp_path, cli_subprocess):
    path = _text_pdf(tmp_path / "long.pdf", pages=5)
    run = cli_subprocess("extract", path, "--max-pages", "3")
    assert run.code == ExitCode.too_large
    assert "--max-pages" in run.stderr


def test_blank_image_gives_empty_record_with_warning(cli_subprocess):
    run = cli_subprocess("extract", ROOT / "fixtures" / "formats" / "blank.png", "--json")
    assert run.code == 0, run.stderr
    (record,) = run.json_lines()
    assert record["issuer"] is None and record["signatories"] == []
    codes = {warning["code"] for warning in record["warnings"]}
    assert "no_text" in codes
    assert "field_not_found" in codes


def test_multi_file_run_goes_on_after_a_bad_file(tmp_path, cli_subprocess):
    good = _text_pdf(tmp_path / "good.pdf", text="A plain English letter of the Ministry of Health")
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"%PDF-1.7\n garbage")
    run = cli_subprocess("extract", bad, good, "--json")
    assert run.code == ExitCode.some_failed
    records = run.json_lines()
    assert [record["source"]["file_name"] for record in records] == ["good.pdf"]
    assert "bad.pdf" in run.stderr and run.stderr.count("verify: error:") == 1


def test_json_lines_for_several_files(cli_subprocess):
    pdf = document(FOUNDING, "born_digital.pdf")
    run = cli_subprocess("extract", pdf, pdf, "--json")
    assert run.code == 0, run.stderr
    first, second = run.json_lines()
    assert first["schema"] == "verify.record/1"
    assert first["source"]["sha256"] == hashlib.sha256(pdf.read_bytes()).hexdigest()
    assert first["source"]["media_type"] == "application/pdf"
    assert first == second


def test_readable_summary_names_the_key_fields(cli_subprocess):
    run = cli_subprocess("extract", document(FOUNDING, "born_digital.pdf"))
    assert run.code == 0, run.stderr
    for expected in ("30-2/И/2-2781", "2022-02-25", "Плутницкий", "2022-02-25T18:00"):
        assert expected in run.stdout


def test_unknown_language_is_a_usage_error(cli_subprocess):
    run = cli_subprocess("extract", document(FOUNDING, "born_digital.pdf"), "--lang", "de")
    assert run.code == ExitCode.usage
    assert "--lang" in run.stderr


def _commands() -> list[list[str]]:
    """Every command and sub-command path of the CLI, e.g. ["archive", "init"]."""
    import typer.main

    from verify.cli.main import app

    paths: list[list[str]] = []

    def walk(group, prefix: list[str]) -> None:
        for name, command in group.commands.items():
            if hasattr(command, "commands"):
                walk(command, [*prefix, name])
            else:
                paths.append([*prefix, name])

    walk(typer.main.get_command(app), [])
    return paths


COMMANDS = _commands()


def test_the_core_commands_exist():
    assert {"extract", "schema", "compare", "match", "index"} <= {" ".join(c) for c in COMMANDS}


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_has_help_and_is_documented(cli_subprocess, command):
    run = cli_subprocess(*command, "--help")
    assert run.code == 0, run.stderr
    assert "Usage" in run.stdout
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    words = r"\s+".join(command)
    assert re.search(rf"verify {words}\b", readme), f"verify {' '.join(command)} not in README"


def test_exit_codes_are_documented():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for code in ExitCode:
        assert re.search(rf"\|\s*{int(code)}\s*\|", readme), f"exit code {code} undocumented"


def test_version(cli_subprocess):
    run = cli_subprocess("--version")
    assert run.code == 0 and run.stdout.startswith("verify ")


def test_schema_command_matches_published_schema(cli_subprocess):
    run = cli_subprocess("schema")
    published = (ROOT / "docs" / "record.schema.json").read_text(encoding="utf-8")
    assert run.stdout == published, "regenerate: python -m verify.schema > docs/record.schema.json"


def test_python_api_is_public():
    import verify

    assert set(verify.__all__) >= {"extract", "Record", "ExtractOptions", "ExitCode"}
    assert callable(verify.extract)
    import verify.fields.specialties  # noqa: F401 - a subpackage import must not shadow it

    assert callable(verify.extract)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["extract", "--bogus", "x"], "No such option: --bogus"),
        (["extract"], "Missing argument"),
        (["compare", "only-one.pdf"], "Missing argument"),
        (["extract", "x.pdf", "--jobs", "abc"], "Invalid value for '--jobs'"),
        (
            ["corroborate", "x.pdf", "--claims", "r.txt", "--claims-date", "2022-13-45"],
            "give the date as YYYY-MM-DD",
        ),
        (["no-such-command"], "No such command"),
    ],
)
def test_usage_errors_exit_2_with_clicks_message(cli_subprocess, args, message):
    """Whatever click typer bundles, a bad command line is a usage error, never a bug."""
    run = cli_subprocess(*args)
    assert run.code == ExitCode.usage, run.stderr
    assert message in run.stderr
    assert "internal error" not in run.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["corroborate", "{doc}", "--claims", "{claims}", "--html", "{missing}/r.html"],
        ["corroborate", "{doc}", "--claims", "{claims}", "--markdown", "{missing}/r.md"],
        ["scrub", "{doc}", "-o", "{missing}/safe.pdf"],
        ["archive", "prove", "0123456789abcdef", "--archive", "{tmp}", "-o", "{missing}/p.json"],
    ],
)
def test_an_output_into_a_missing_folder_is_a_usage_error(cli_subprocess, tmp_path, args):
    """Refused before any work, with the folder named and what to do."""
    values = {
        "doc": str(document(FOUNDING, "born_digital.pdf")),
        "claims": str(FIXTURES / "claims" / "ru_accurate.txt"),
        "missing": str(tmp_path / "no" / "such"),
        "tmp": str(tmp_path),
    }
    run = cli_subprocess(*[arg.format(**values) for arg in args])
    assert run.code == ExitCode.usage, run.stderr
    assert "does not exist: create it first" in run.stderr
    assert not (tmp_path / "no").exists()


def test_a_missing_command_module_fails_loudly():
    """A broken install (a command group's module gone) is an import error, not a CLI with
    one command group silently missing."""
    import subprocess
    import sys

    code = (
        "import sys; sys.modules['verify.cli.forensics'] = None\n"
        "import verify.cli.main\n"
        "print(sorted(c.name for c in verify.cli.main.app.registered_commands))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode != 0, done.stdout
    assert "verify.cli.forensics" in done.stderr


@pytest.mark.slow
def test_piped_tables_and_errors_are_not_wrapped(cli_subprocess, tmp_path):
    """Through a pipe (no terminal, no COLUMNS) a table cell and an error line keep whole paths:
    rich lays tables out at 80 columns when it cannot measure a terminal."""
    left = tmp_path / ("founding-" + "a" * 70 + ".pdf")
    right = tmp_path / ("variant-" + "b" * 70 + ".pdf")
    left.write_bytes(document(FOUNDING, "born_digital.pdf").read_bytes())
    right.write_bytes(document("ru_minzdrav_founding_variant", "born_digital.pdf").read_bytes())
    run = cli_subprocess("compare", left, right, columns=None)
    assert run.code == 0, run.stderr
    header = [line for line in run.stdout.splitlines() if line.strip().startswith("field")]
    assert header and left.name in header[0] and right.name in header[0], run.stdout
    specialties = [line for line in run.stdout.splitlines() if "requested_specialties" in line]
    assert specialties and "infectious_disease_specialist" in specialties[0], run.stdout

    missing = tmp_path / ("no-such-" + "c" * 120 + ".pdf")
    run = cli_subprocess("extract", left, missing, columns=None)
    assert run.code != 0
    assert any(str(missing) in line for line in run.stderr.splitlines()), run.stderr


_HEAVY = ("pymupdf", "fitz", "spacy", "onnxruntime", "dateparser")
_WHAT_LOADED = f"""
import atexit, pathlib, runpy, sys
out = pathlib.Path(sys.argv[1])
atexit.register(lambda: out.write_text(" ".join(m for m in {_HEAVY!r} if m in sys.modules)))
sys.argv = ["verify", *sys.argv[2:]]
runpy.run_module("verify", run_name="__main__")
"""

_INPUT_ERRORS = [
    ["extract", "{missing}"],
    ["extract", "{doc}", "--lang", "xx"],
    ["compare", "{missing}", "{doc}"],
    ["match", "{missing}", "--against", "{tmp}"],
    ["index", "{missing}", "-o", "{tmp}/index.json"],
    ["forensics", "{missing}"],
    ["scrub", "{missing}", "-o", "{tmp}/safe.pdf"],
    ["scrub", "{doc}", "-o", "{missing}/safe.pdf"],
    ["corroborate", "{missing}", "--claims", "{claims}"],
    ["corroborate", "{doc}", "--claims", "{missing}", "--html", "{missing}/r.html"],
    ["report", "check", "{missing}"],
    ["ingest", "{missing}", "--archive", "{tmp}", "--source", "A"],
]


@pytest.mark.parametrize(
    "args",
    [["--help"], *([*command, "--help"] for command in COMMANDS), *_INPUT_ERRORS],
    ids=" ".join,
)
def test_help_and_input_errors_load_no_heavy_library(tmp_path, args):
    """Help and a bad input answer at once: neither pymupdf (with onnxruntime), spaCy nor
    dateparser is imported, and each costs a second or more to import."""
    import subprocess
    import sys

    values = {
        "doc": str(document(FOUNDING, "born_digital.pdf")),
        "claims": str(FIXTURES / "claims" / "ru_accurate.txt"),
        "missing": str(tmp_path / "no" / "such"),
        "tmp": str(tmp_path),
    }
    loaded = tmp_path / "loaded.txt"
    done = subprocess.run(
        [sys.executable, "-c", _WHAT_LOADED, loaded, *[a.format(**values) for a in args]],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode in (0, *map(int, ExitCode)) and done.returncode != ExitCode.internal
    assert "Traceback" not in done.stderr, done.stderr
    if args[-1] != "--help":
        assert done.returncode != 0, done.stdout
    assert loaded.read_text().split() == [], done.stderr


def test_an_unreadable_file_among_several_is_its_own_error_and_the_others_are_read(tmp_path):
    """The run is not refused as a usage error: the readable file's record is printed, the
    unreadable one gets one line, and the exit code says some failed."""
    import os
    import shutil
    import subprocess
    import sys

    without_root_override: list[str] = []
    if os.geteuid() == 0:  # root reads anything unless its override is dropped
        if shutil.which("setpriv") is None:
            pytest.skip("running as root without setpriv")
        drop = "-dac_override,-dac_read_search"
        without_root_override = ["setpriv", f"--inh-caps={drop}", f"--bounding-set={drop}", "--"]
    good = tmp_path / "letter.pdf"
    good.write_bytes(document("en_ministry", "born_digital.pdf").read_bytes())
    locked_away = tmp_path / "noread.jpg"
    locked_away.write_bytes(document("en_ministry", "photo.jpg").read_bytes())
    locked_away.chmod(0)
    done = subprocess.run(
        [*without_root_override, sys.executable, "-m", "verify", "extract", "--json"]
        + [str(good), str(locked_away)],
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "VERIFY_CACHE_DIR": str(tmp_path / "cache")},
    )
    assert done.returncode == ExitCode.some_failed, done.stderr
    assert len(done.stdout.splitlines()) == 1 and '"sha256"' in done.stdout
    assert done.stderr.count("\n") == 1 and "permission denied" in done.stderr


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--page-memory", "50", "verify: error: --page-memory must be at least 64 (MB)"),
        ("--page-seconds", "0", "verify: error: --page-seconds must be positive"),
    ],
)
def test_a_budget_out_of_range_names_only_the_option_given(cli_subprocess, option, value, message):
    run = cli_subprocess("extract", document("en_ministry", "born_digital.pdf"), option, value)
    assert run.code == ExitCode.usage
    assert run.stderr.strip() == message


def test_a_failing_file_among_several_is_named_once_by_the_path_given(
    cli_subprocess, tmp_path, locked
):
    """Errors name a file by its bare name; in a batch line the path given replaces it."""
    folder = tmp_path / "inbox"
    folder.mkdir()
    encrypted = folder / "encrypted.pdf"
    encrypted.write_bytes(locked.read_bytes())
    run = cli_subprocess(
        "extract", "--json", document("en_ministry", "born_digital.pdf"), encrypted
    )
    assert run.code == ExitCode.some_failed
    line = run.stderr.strip()
    assert line.startswith(f"verify: error: {encrypted}: ") and line.count("encrypted.pdf") == 1, (
        line
    )
