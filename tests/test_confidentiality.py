"""Local confidentiality: private modes, symbolic links, passwords, encrypted sources.

Real archives through real ingests (tesseract included for the scan), checked on the
bytes on disk: modes with stat, leaks by searching every byte of the archive folder.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import DOCUMENTS, FOUNDING, document
from verify.archive import ingest, init_archive, open_archive
from verify.archive.originals import read_hashed
from verify.archive.private import loose_paths
from verify.archive.query import show
from verify.errors import ExitCode, InputMissingError
from verify.reading.ocr_cache import LAYOUT, SEALED_LAYOUT

FOUNDING_PDF = DOCUMENTS / FOUNDING / "born_digital.pdf"
VARIANT_PDF = DOCUMENTS / "ru_minzdrav_founding_variant" / "born_digital.pdf"
SCAN = document("en_ngo", "scan_300dpi.png")
PASSPHRASE = "correct horse battery"


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def _verify(*args: str | os.PathLike[str], stdin: str | None = None, **env: str):
    """``python -m verify ARGS`` with extra environment and, if given, a pipe on stdin."""
    done = subprocess.run(
        [sys.executable, "-m", "verify", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "COLUMNS": "200", **env},
        input=stdin,
        stdin=None if stdin is not None else subprocess.DEVNULL,
    )
    return done


# --- modes ------------------------------------------------------------------------------


def test_a_new_archive_is_private_to_its_owner(tmp_path):
    root = tmp_path / "newsroom"
    with init_archive(root) as archive:
        ingest(archive, [FOUNDING_PDF], source="A")
        wal, shm = root / "archive.sqlite-wal", root / "archive.sqlite-shm"
        assert wal.exists() and shm.exists()  # open: SQLite's files are there to check
        for folder, _, files in os.walk(root):
            assert _mode(Path(folder)) == 0o700, folder
            for name in files:
                path = Path(folder) / name
                if name == "signing.pub":
                    continue
                expected = 0o400 if path.parent.parent.parent.name == "originals" else 0o600
                assert _mode(path) == expected, path
        assert loose_paths(root) == []


def test_an_older_looser_archive_is_noted_by_verify_and_made_private_by_ingest(tmp_path):
    root = tmp_path / "old"
    with init_archive(root) as archive:
        ingest(archive, [FOUNDING_PDF], source="A")
    original = next(p for p in (root / "originals").rglob("*") if p.is_file())
    # What an archive made before 0700/0600 looks like.
    for folder in (root, root / "originals", original.parent.parent, original.parent):
        folder.chmod(0o755)
    original.chmod(0o444)
    (root / "archive.sqlite").chmod(0o644)

    checked = _verify("archive", "verify", root)
    assert checked.returncode == 0, checked.stderr
    assert "other users of this machine can read the archive" in checked.stdout
    assert "archive.sqlite (0644)" in checked.stdout
    assert f"chmod -R go= {root}" in checked.stdout

    with open_archive(root) as archive:
        ingest(archive, [OTHER := DOCUMENTS / "en_ngo" / "born_digital.pdf"], source="B")
    assert OTHER.exists()
    assert _mode(root) == 0o700 and _mode(root / "archive.sqlite") == 0o600
    assert _mode(root / "originals") == 0o700
    again = _verify("archive", "verify", root)
    assert again.returncode == 0, again.stderr
    assert "other users" not in again.stdout


# --- symbolic links ---------------------------------------------------------------------

SECRET = "-----BEGIN OPENSSH PRIVATE KEY----- not-a-real-key-7f3a9c"


@pytest.fixture
def inbox(tmp_path) -> Path:
    """A received folder with a letter and links: out of the folder, inside it, a loop."""
    home = tmp_path / "home" / ".ssh"
    home.mkdir(parents=True)
    (home / "id_rsa").write_text(SECRET)
    folder = tmp_path / "inbox"
    (folder / "sub").mkdir(parents=True)
    shutil.copy(FOUNDING_PDF, folder / "letter.pdf")
    (folder / "id_rsa").symlink_to(home / "id_rsa")  # a file outside the folder
    (folder / "inside.pdf").symlink_to(folder / "letter.pdf")  # a file inside: not followed either
    (folder / "loop").symlink_to(folder)  # a folder loop
    (folder / "sub" / "up").symlink_to("..")  # another loop, relative
    (folder / "sub" / "dangling").symlink_to(tmp_path / "nowhere")
    return folder


def _archive_holds(root: Path, needle: bytes) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and needle in p.read_bytes()]


def test_links_in_a_received_folder_are_skipped_and_counted(tmp_path, inbox):
    with init_archive(tmp_path / "a") as archive:
        summary = ingest(archive, [inbox], source="S")
        named_link = ingest(archive, [inbox / "id_rsa"], source="S")
    assert (summary.ingested, summary.failed, summary.skipped) == (1, 0, 5)
    skipped = {Path(o.path).name for o in summary.outcomes if o.status == "skipped"}
    assert skipped == {"id_rsa", "inside.pdf", "loop", "up", "dangling"}
    assert all("symbolic link" in (o.reason or "") for o in summary.outcomes[1:])
    assert summary.to_json()["skipped"] == 5
    assert (named_link.files, named_link.skipped, named_link.ingested) == (1, 1, 0)
    assert _archive_holds(tmp_path / "a", b"not-a-real-key-7f3a9c") == []


def test_a_file_swapped_for_a_link_after_listing_is_refused(inbox):
    with pytest.raises(InputMissingError, match="symbolic link: not followed"):
        read_hashed(inbox / "id_rsa")
    fifo = inbox / "pipe.pdf"
    os.mkfifo(fifo)
    with pytest.raises(InputMissingError, match="not a regular file"):
        read_hashed(fifo)  # never blocks the batch


def test_ingest_command_names_the_skipped_links(tmp_path, inbox):
    root = tmp_path / "a"
    assert _verify("archive", "init", root).returncode == 0
    run = _verify("ingest", "-a", root, inbox, "--source", "S", "-q")
    assert run.returncode == 0, run.stderr
    assert f"verify: skipped: {inbox / 'id_rsa'}: a symbolic link: not followed" in run.stderr
    assert "skipped 5 symbolic link(s)" in run.stdout
    assert _archive_holds(root, b"not-a-real-key-7f3a9c") == []


# --- passwords --------------------------------------------------------------------------


def test_password_on_the_command_line_is_refused(locked):
    run = _verify("extract", locked, "--password", "s3cret pw")
    assert run.returncode == ExitCode.usage
    assert "No such option: --password" in run.stderr and "--password-file" in run.stderr


@pytest.mark.slow
def test_password_from_file_pipe_or_environment(tmp_path, locked):
    secret_file = tmp_path / "pw.txt"
    secret_file.write_text("s3cret pw\n")
    for args, stdin, env in (
        (("--password-file", secret_file), None, {}),
        (("--password-file", "-"), "s3cret pw\n", {}),
        ((), None, {"VERIFY_PDF_PASSWORD": "s3cret pw"}),
    ):
        run = _verify("extract", locked, "--json", *args, stdin=stdin, **env)
        assert run.returncode == 0, (args, run.stderr)
        assert "behind a password" in run.stdout
    empty = tmp_path / "empty.txt"
    empty.write_text("\n")
    run = _verify("extract", locked, "--password-file", empty)
    assert run.returncode == ExitCode.usage
    assert run.stderr.strip() == (
        f"verify: error: --password-file {empty}: the first line is empty: write the password there"
    )
    missing = _verify("extract", locked)
    assert missing.returncode == ExitCode.encrypted
    assert "--password-file" in missing.stderr


@pytest.mark.slow
def test_ingest_reads_an_encrypted_pdf_with_a_password_file(tmp_path, locked):
    root = tmp_path / "a"
    assert _verify("archive", "init", root).returncode == 0
    refused = _verify("ingest", "-a", root, locked, "--source", "S", "-q")
    assert refused.returncode == ExitCode.some_failed
    assert "--password-file" in refused.stderr
    secret_file = tmp_path / "pw.txt"
    secret_file.write_text("s3cret pw\n")
    retried = _verify("ingest", "-a", root, "--retry-failed", "--password-file", secret_file)
    assert retried.returncode == 0, retried.stderr
    copy = tmp_path / "copy.pdf"
    shutil.copy(locked, copy)
    run = _verify("ingest", "-a", root, copy, "--source", "T", "--password-file", secret_file)
    assert run.returncode == 0, run.stderr
    assert "failed 0" in run.stdout


@pytest.mark.slow
def test_archive_passphrase_from_a_file(tmp_path):
    secret_file = tmp_path / "passphrase"
    secret_file.write_text(PASSPHRASE + "\n")
    root = tmp_path / "a"
    env = {"VERIFY_ARCHIVE_PASSPHRASE_FILE": str(secret_file)}
    made = _verify("archive", "init", root, "--encrypt-sources", "--encrypt-key", **env)
    assert made.returncode == 0, made.stderr
    run = _verify("ingest", "-a", root, FOUNDING_PDF, "--source", "Ivan_Petrov_FSB", **env)
    assert run.returncode == 0, run.stderr
    with open_archive(root, passphrase=PASSPHRASE) as archive:
        (receipt,) = show(archive, read_hashed(FOUNDING_PDF)[0])["receipts"]
    assert receipt["source"] == "Ivan_Petrov_FSB"
    wrong = tmp_path / "wrong"
    wrong.write_text("not it\n")
    sha = read_hashed(FOUNDING_PDF)[0]
    refused = _verify("show", "-a", root, sha, VERIFY_ARCHIVE_PASSPHRASE_FILE=str(wrong))
    assert refused.returncode != 0 and "wrong passphrase" in refused.stderr


# --- encrypted sources ------------------------------------------------------------------

PLANTED = [
    "Ivan_Petrov",
    "from_Ivan",
    "leak_from_ivan",
    "broken_from_ivan",
    "Cafe Pushkin",
    "Иван Петров",
    "second visit",
]
"""Strings of the source's name, folders, file names and notes: none may be on disk."""


def _leaks(root: Path) -> list[tuple[str, str]]:
    """(file, planted string) for every planted string found in any byte of the folder."""
    found = []
    for path in root.rglob("*"):
        if path.is_file():
            data = path.read_bytes().lower()
            found += [
                (str(path.relative_to(root)), s) for s in PLANTED if s.lower().encode() in data
            ]
    return found


@pytest.mark.slow
@pytest.mark.fresh_ocr_cache  # asserts that nothing reaches the user's cache
def test_encrypted_sources_leave_no_name_path_or_note_in_the_archive(tmp_path):
    received = tmp_path / "from_Ivan_Petrov_FSB"
    (received / "Ivan_Petrov_notes").mkdir(parents=True)
    shutil.copy(FOUNDING_PDF, received / "leak_from_ivan.pdf")
    shutil.copy(SCAN, received / "Ivan_Petrov_notes" / "leak_from_ivan_scan.png")
    (received / "broken_from_ivan.pdf").write_bytes(b"%PDF-1.4 not really a pdf")
    user_cache = Path(os.environ["VERIFY_CACHE_DIR"])
    root = tmp_path / "archive"
    with init_archive(root, encrypt_sources=True, passphrase=PASSPHRASE) as archive:
        first = ingest(
            archive,
            [received],
            source="Иван Петров (Ivan_Petrov_FSB)",
            note="met at Cafe Pushkin, 2023-01-01 18:00",
        )
        assert (first.ingested, first.failed) == (2, 1)
        assert (root / "archive.sqlite-wal").stat().st_size > 0  # the WAL is searched too
        assert _leaks(root) == []
        shutil.copy(VARIANT_PDF, received / "leak_from_ivan_2.pdf")
        second = ingest(
            archive, [received], source="Иван Петров (Ivan_Petrov_FSB)", note="second visit"
        )
        assert second.ingested == 1 and second.already + second.failed == 3
        assert _leaks(root) == []
        sha = read_hashed(received / "leak_from_ivan.pdf")[0]
        info = show(archive, sha)
        # Receipts of one source share no id, so nobody can group them or read when that
        # source delivered; the source's own pseudonym is stored nowhere.
        receipts = archive.store.receipts()
        assert len(receipts) == 4 and len({r.source_id for r in receipts}) == 4
        pseudonym = archive.cipher().source_id("Иван Петров (Ivan_Petrov_FSB)").encode()
    assert _leaks(root) == []  # after the WAL is checkpointed into the database
    assert not [p for p in root.rglob("*") if p.is_file() and pseudonym in p.read_bytes()]
    # The owner still reads everything back, and the record itself names no file.
    (receipt,) = info["receipts"]
    assert receipt["path"] == str(received / "leak_from_ivan.pdf")
    assert receipt["source"] == "Иван Петров (Ivan_Petrov_FSB)"
    assert info["record"]["source"]["path"] == sha == info["record"]["source"]["file_name"]
    # The scan was OCRed: its readings are in the archive, sealed; none in the user's cache.
    assert list((root / "cache" / SEALED_LAYOUT).rglob("*"))
    assert not (root / "cache" / LAYOUT).exists()
    assert not list(user_cache.rglob("*.json.gz"))


def test_an_encrypted_archive_drops_plain_cache_entries_left_by_an_older_verify(tmp_path):
    root = tmp_path / "archive"
    with init_archive(root, encrypt_sources=True, passphrase=PASSPHRASE) as archive:
        old = root / "cache" / LAYOUT / "ab" / ("ab" * 32 + ".json.gz")
        old.parent.mkdir(parents=True)
        old.write_bytes(b"plain OCR text of a page")
        ingest(archive, [FOUNDING_PDF], source="S")
    assert not (root / "cache" / LAYOUT).exists()
