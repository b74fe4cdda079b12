"""Text from documents and file names never drives the terminal.

A letter's subject may read ``[/bold]`` or ``[link=...]``; a received file may be named with
an escape sequence, a right-to-left override or a newline. Such text is printed as text:
no markup error (it was exit 70), no hyperlink, no colour, no reordered or forged line.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
import unicodedata
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import DOCUMENTS, ROOT
from verify.cli.summary import render_comparison, render_summary
from verify.console import console, json_safe, printable
from verify.errors import ExitCode
from verify.record import Record

sys.path.insert(0, str(ROOT / "fixtures"))  # fixtures/_render.py imports _layout as top level

import _layout  # noqa: E402
import _render  # noqa: E402

HOSTILE_SUBJECT = "On the [/bold] preparedness [link=https://evil.example]of hospitals[/link] x"
HOSTILE_NAME = (
    ":smile: bad\nverify: error: forged \x1b[31mred\x1b]8;;https:evil.example\x07\u202efdp.pdf"
)
_UNSAFE = {"Cc", "Cf", "Cs", "Zl", "Zp"}
_SGR = re.compile(r"\x1b\[[0-9;]*m")  # rich's own colours, on a terminal


def _raw_controls(text: str) -> list[str]:
    """Characters that would act on a terminal: all but the line breaks of the output itself."""
    return [c for c in _SGR.sub("", text) if c != "\n" and unicodedata.category(c) in _UNSAFE]


def _run(*args: object, terminal: bool = False) -> subprocess.CompletedProcess[str]:
    """``python -m verify ARGS``; with ``terminal``, rich writes colours and links as on a tty."""
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "TERM")}
    env["COLUMNS"] = "200"
    if terminal:
        env["FORCE_COLOR"] = "1"
    return subprocess.run(
        [sys.executable, "-m", "verify", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
        stdin=subprocess.DEVNULL,
    )


@cache
def _hostile_letter(folder: str) -> Path:
    """A born-digital letter whose subject line is rich markup."""
    data = json.loads((ROOT / "fixtures/letters/en_ministry.json").read_text(encoding="utf-8"))
    data["layout"]["subject"] = HOSTILE_SUBJECT
    path = Path(folder) / "hostile_subject.pdf"
    path.write_bytes(_render.born_digital(_layout.compose(data)))
    return path


@pytest.fixture(scope="module")
def hostile_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _hostile_letter(str(tmp_path_factory.mktemp("hostile")))


def test_printable_escapes_every_control_format_and_separator_character():
    for code in [*range(0x20), 0x7F, *range(0x80, 0xA0), *range(0x202A, 0x202F)]:
        assert not _raw_controls(printable(chr(code))), hex(code)
    for code in (*range(0x2066, 0x206A), 0x2028, 0x2029, 0x200B, 0xFEFF, 0xDCFF):
        assert not _raw_controls(printable(chr(code))), hex(code)
    assert printable("a\x1b[31mb\u202ec\nd") == "a\\x1b[31mb\\u202ec\\nd"
    assert printable("Минздрав России, № 25-4/И/2-4011\u00a0от") == (
        "Минздрав России, № 25-4/И/2-4011\u00a0от"
    )


@given(st.text(max_size=200))
def test_printable_leaves_no_raw_control_and_no_line_break(text: str):
    shown = printable(text)
    assert not _raw_controls(shown)
    assert "\n" not in shown
    if text.isprintable():
        assert shown == text


@given(st.recursive(st.none() | st.text() | st.integers(), lambda inner: st.lists(inner)))
def test_json_safe_decodes_to_the_same_value_with_no_raw_control(value):
    for indent in (None, 1):
        text = json.dumps(
            {"v": value, "k": ["\u202e\x9b\x7f\u2028"]}, ensure_ascii=False, indent=indent
        )
        safe = json_safe(text)
        assert json.loads(safe) == json.loads(text)
        assert not _raw_controls(safe)


@pytest.mark.slow
def test_json_output_of_a_hostile_file_name_carries_no_raw_control(hostile_pdf, tmp_path):
    """JSON escapes only C0: a right-to-left override or a C1 control went out raw."""
    named = tmp_path / ("\x9b31m\u202efdp.pdf" + "\u2028x.pdf")
    shutil.copy(hostile_pdf, named)
    run = _run("extract", named, "--json")
    assert run.returncode == 0, run.stderr
    assert not _raw_controls(run.stdout)
    assert json.loads(run.stdout)["source"]["file_name"] == named.name
    run = _run("compare", named, hostile_pdf, "--json")
    assert run.returncode == 0, run.stderr
    assert not _raw_controls(run.stdout) and json.loads(run.stdout)["verdict"]


@pytest.fixture(scope="module")
def hostile_record(hostile_pdf: Path) -> Record:
    from verify.options import ExtractOptions
    from verify.pipeline import extract

    return extract(hostile_pdf, ExtractOptions(cache_dir=None))


@pytest.mark.slow
@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(subject=st.text(max_size=80), name=st.text(min_size=1, max_size=40))
def test_summary_of_any_subject_and_file_name_never_crashes_nor_emits_a_control(
    hostile_record: Record, subject: str, name: str
):
    assert hostile_record.subject is not None
    record = hostile_record.model_copy(
        update={
            "subject": hostile_record.subject.model_copy(update={"value": subject}),
            "source": hostile_record.source.model_copy(update={"file_name": name}),
        }
    )
    for force_terminal in (False, True):
        out = io.StringIO()
        terminal = console(file=out)
        terminal._force_terminal = force_terminal  # colours on, as on a tty
        terminal.print(render_summary(record))
        terminal.print(render_comparison(_self_comparison(record), name, subject or "x"))
        text = out.getvalue()
        assert not _raw_controls(text), repr(text)
        assert "\x1b]8;" not in text  # no hyperlink escape


def _self_comparison(record: Record):
    from verify.matching.compare import compare

    return compare(record, record)


@pytest.mark.slow
def test_markup_in_a_subject_is_printed_as_text_by_extract_and_compare(hostile_pdf, tmp_path):
    """``[/bold]`` crashed the summary (MarkupError, exit 70); ``[link=]`` made a hyperlink."""
    run = _run("extract", hostile_pdf, terminal=True)
    assert run.returncode == 0, run.stderr
    assert "[/bold] preparedness [link=https://evil.example]of" in _SGR.sub("", run.stdout)
    assert "\x1b]8;" not in run.stdout and "Traceback" not in run.stderr
    assert not _raw_controls(run.stdout)
    other = tmp_path / "copy.pdf"
    shutil.copy(hostile_pdf, other)
    run = _run("compare", hostile_pdf, other, terminal=True)
    assert run.returncode == 0, run.stderr
    assert "[/bold]" in _SGR.sub("", run.stdout) and "\x1b]8;" not in run.stdout


@pytest.mark.slow
def test_a_hostile_file_name_is_shown_escaped_and_forges_no_line(hostile_pdf, tmp_path):
    named = tmp_path / HOSTILE_NAME
    shutil.copy(hostile_pdf, named)
    run = _run("extract", named, terminal=True)
    assert run.returncode == 0, run.stderr
    assert not _raw_controls(run.stdout)
    assert ":smile: bad\\nverify: error: forged \\x1b[31mred\\x1b]8;;" in run.stdout
    assert "\\u202efdp.pdf" in run.stdout

    unreadable = tmp_path / ("notes" + HOSTILE_NAME)
    unreadable.write_text("not a document\n", encoding="utf-8")
    for args in (
        ["extract", unreadable],
        ["compare", unreadable, named],
        ["forensics", unreadable],
    ):
        run = _run(*args)
        assert run.returncode == ExitCode.unsupported_type, (args, run.stderr)
        lines = run.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("verify: error: "), (args, run.stderr)
        assert not _raw_controls(run.stderr) and "\\u202e" in run.stderr


def test_an_undecodable_file_name_is_escaped_not_a_crash(tmp_path):
    """Bytes that are not UTF-8 reach Python as lone surrogates, which stdout cannot encode."""
    named = Path(os.fsdecode(bytes(tmp_path) + b"/letter-\xff\xfe.pdf"))
    named.write_text("not a document\n", encoding="utf-8")
    run = _run("extract", named)
    assert run.returncode == ExitCode.unsupported_type, run.stderr
    assert "letter-\\udcff\\udcfe.pdf" in run.stderr and "internal error" not in run.stderr
    from PIL import Image

    blank = Path(os.fsdecode(bytes(tmp_path) + b"/blank-\xff.png"))
    Image.new("L", (200, 200), 255).save(blank)
    run = _run("forensics", "--no-ocr-checks", blank)  # printed by rich on stdout
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("blank-\\udcff.png: ")


def _options_of(command: str) -> set[str]:
    run = _run(*command.split(), "--help")
    return set(re.findall(r"--[a-z][a-z0-9-]*", run.stdout))


def _oversized_png(path: Path) -> Path:
    """A PNG whose header declares 15000 x 15000 pixels (225 Mpx, over the 200 Mpx guard)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 15000, 15000, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"\x00" + b"\xff" * 15000)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )
    return path


@pytest.mark.parametrize("command", ["extract", "compare", "forensics", "scrub"])
def test_a_hint_names_only_options_the_command_has(command, tmp_path):
    """``forensics`` and ``scrub`` were told to pass a ``--max-pixels`` they do not have."""
    big = _oversized_png(tmp_path / "big.png")
    args: list[object] = [command, big]
    if command == "compare":
        args.append(DOCUMENTS / "en_ngo" / "born_digital.pdf")
    if command == "scrub":
        args += ["-o", tmp_path / "out.pdf"]
    run = _run(*args)
    assert run.returncode == ExitCode.too_large, run.stderr
    named = set(re.findall(r"(?<![\w-])--[a-z][a-z0-9-]*", run.stderr))
    assert named <= _options_of(command), (command, run.stderr)
    if command == "extract":
        assert "--max-pixels" in named  # the hint stays where it helps


@pytest.mark.slow
def test_a_file_name_that_is_not_utf8_is_read_and_shown_escaped(tmp_path, cli_subprocess):
    """Linux names are bytes: 'l\\xe9tter.pdf' (Latin-1) once failed in MuPDF and in --json."""
    name = os.fsdecode(b"l\xe9tter.pdf")
    path = tmp_path / name
    shutil.copy(DOCUMENTS / "en_ministry" / "born_digital.pdf", path)
    run = cli_subprocess("extract", path, "--json", "--no-cache")
    assert run.code == ExitCode.ok, run.stderr
    record = json.loads(run.stdout)
    assert record["source"]["file_name"] == "l\\xe9tter.pdf"
    assert record["document_number"]["value"] == "07/1-2/418"
    forensics = cli_subprocess("forensics", path)
    assert forensics.code in (ExitCode.ok, ExitCode.some_failed), forensics.stderr
    assert "cannot be opened" not in forensics.stderr
