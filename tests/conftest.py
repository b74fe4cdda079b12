"""Shared test fixtures: paths to the bundled documents and three ways to run verify.

The API runner calls ``verify.extract``; ``cli`` runs the console entry point in-process
(fast, for argument handling); ``cli_subprocess`` runs ``python -m verify`` as a real
process, for exit codes and end-to-end behaviour exactly as a user sees them.

``postgres`` is a real throwaway PostgreSQL cluster (``tests/postgres.py``), started once per
test process when a test asks for it; ``database`` runs a test once on each store (None for
SQLite, an empty PostgreSQL database's URL).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.postgres import Cluster, find_binaries

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
DOCUMENTS = FIXTURES / "documents"
FORMATS = FIXTURES / "formats"
FOUNDING = "ru_minzdrav_founding"


@dataclass(frozen=True)
class Run:
    """What a finished command printed and returned."""

    code: int
    stdout: str
    stderr: str

    def json_lines(self) -> list[dict]:
        return [json.loads(line) for line in self.stdout.splitlines() if line.strip()]


def document(letter: str, rendition: str) -> Path:
    """Path of a bundled rendition, e.g. document('ru_minzdrav_founding', 'photo.jpg')."""
    path = DOCUMENTS / letter / rendition
    if not path.exists():
        pytest.fail(f"fixture missing: {path} (run python fixtures/generate.py)")
    return path


def truth(letter: str) -> dict:
    """Ground truth of a bundled letter."""
    return json.loads((DOCUMENTS / letter / "truth.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def shared_ocr_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One OCR cache for the whole run, filled as tests read pages, shared by xdist workers.

    The same bundled pages are read by dozens of tests; OCRing each of them once per run
    instead of once per test is most of the suite's time. Sharing is safe because a cache
    entry is keyed by the prepared image's hash, the OCR request and tesseract's version,
    and written atomically, so two workers writing one entry leave one whole entry.
    Under xdist each worker's base temporary folder sits in the run's common one.
    """
    base = tmp_path_factory.getbasetemp()
    root = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    folder = root / "ocr-cache-shared"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


@pytest.fixture(autouse=True)
def _ocr_cache(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Point $VERIFY_CACHE_DIR at the run's shared OCR cache, or a fresh one when marked.

    Tests of OCR and of the cache itself (``@pytest.mark.fresh_ocr_cache``) start from an
    empty cache, so that what they see was read by tesseract in that test.
    """
    if request.node.get_closest_marker("fresh_ocr_cache"):
        folder = tmp_path_factory.mktemp("ocr-cache")
    else:
        folder = request.getfixturevalue("shared_ocr_cache")
    monkeypatch.setenv("VERIFY_CACHE_DIR", str(folder))


def run_verify(
    *args: str | os.PathLike[str], timeout: float = 600, columns: int | None = 200
) -> Run:
    """Run ``python -m verify ARGS`` as a separate process, as a user would.

    ``columns`` None runs as a plain pipe does, with no COLUMNS in the environment.
    """
    env = {key: value for key, value in os.environ.items() if key != "COLUMNS"}
    if columns is not None:
        env["COLUMNS"] = str(columns)
    done = subprocess.run(
        [sys.executable, "-m", "verify", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        stdin=subprocess.DEVNULL,
    )
    return Run(done.returncode, done.stdout, done.stderr)


@pytest.fixture
def cli_subprocess() -> Callable[..., Run]:
    """``run_verify``: ``python -m verify ARGS`` as a separate process, as a user would."""
    return run_verify


@pytest.fixture(scope="session")
def postgres():
    """A running PostgreSQL cluster; missing binaries fail the run in CI, skip elsewhere."""
    binaries = find_binaries()
    if binaries is None:
        message = (
            "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): "
            "bash install.sh --dev installs it"
        )
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    cluster = Cluster.start(binaries)
    yield cluster
    cluster.stop()


@pytest.fixture(params=["sqlite", "postgres"])
def database(request: pytest.FixtureRequest) -> str | None:
    """Where a new archive keeps its tables: None (archive.sqlite) or a new PostgreSQL database."""
    if request.param == "sqlite":
        return None
    return request.getfixturevalue("postgres").new_database()


@pytest.fixture
def locked(tmp_path) -> Path:
    """A PDF encrypted with the user password "s3cret pw" (owner password "owner")."""
    import pymupdf

    path = tmp_path / "locked.pdf"
    doc = pymupdf.open()
    doc.new_page().insert_text((72, 72), "Ministry of Health letter behind a password")
    doc.save(path, encryption=pymupdf.PDF_ENCRYPT_AES_256, owner_pw="owner", user_pw="s3cret pw")
    return path
