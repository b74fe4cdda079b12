"""One key, one id: RFC 6962's log id, and archives made under the earlier id keep working.

The log id is the SHA-256 of the key's DER SubjectPublicKeyInfo, which is the base64 body of
``keys/signing.pub``: so the test computes it from the PEM text alone. The fixture archive
``fixtures/archives/raw_key_id`` was made by verify before the change (commit bc84ba7:
``archive init``, ``ingest`` of en_ngo/born_digital.pdf, ``archive prove``), when the id was
the SHA-256 of the raw 32 key bytes; its proof and checkpoint were handed out under that id.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, document
from verify.archive import init_archive
from verify.errors import ExitCode

LEGACY = FIXTURES / "archives" / "raw_key_id"
LEGACY_ID = "ff8407d27b347d17b45269f55ae0b7a59da593761d5b6a5d0bf57f8c1e85593a"
LEGACY_DOCUMENT = "4cd93b02c6e406d24e00ce643a8df9388d8b63ad64855d3d4e6bab8f07a3aba5"


def _log_id(pem: Path) -> str:
    lines = pem.read_text(encoding="ascii").strip().splitlines()
    return hashlib.sha256(base64.b64decode("".join(lines[1:-1]))).hexdigest()


def _raw_id(pem: Path) -> str:
    der = base64.b64decode("".join(pem.read_text(encoding="ascii").strip().splitlines()[1:-1]))
    return hashlib.sha256(der[-32:]).hexdigest()  # an Ed25519 SPKI ends with the raw key


def test_a_new_archive_names_its_key_by_the_log_id_everywhere(tmp_path):
    root = tmp_path / "newsroom"
    with init_archive(root) as archive:
        stored = archive.store.get_meta("key_id")
        head = json.loads(archive.store.latest_tree_head())
    expected = _log_id(root / "keys" / "signing.pub")
    assert expected != _raw_id(root / "keys" / "signing.pub")
    assert stored == expected
    assert json.loads((root / "archive.json").read_text())["key_id"] == expected
    assert head["key_id"] == expected
    checkpoint = (root / "heads" / "checkpoint").read_text()
    assert checkpoint.startswith(f"verify.archive/{expected[:32]}\n")


def _legacy_copy(tmp_path: Path) -> Path:
    """The fixture archive, writable (git keeps no modes but the executable bit)."""
    copy = tmp_path / "legacy"
    shutil.copytree(LEGACY, copy)
    for folder, _, files in os.walk(copy):
        Path(folder).chmod(0o700)
        for name in files:
            (Path(folder) / name).chmod(0o600)
    return copy


@pytest.mark.slow
def test_an_archive_made_under_the_raw_key_id_still_opens_signs_and_proves(
    tmp_path, cli_subprocess
):
    legacy = _legacy_copy(tmp_path)
    archive, public = legacy / "archive", legacy / "archive" / "keys" / "signing.pub"
    assert _raw_id(public) == LEGACY_ID != _log_id(public)

    run = cli_subprocess("archive", "verify", archive)
    assert run.code == 0, run.stdout + run.stderr
    run = cli_subprocess("proof", "check", legacy / "proof.json", "--public-key", public)
    assert run.code == 0 and "VALID" in run.stdout, run.stdout + run.stderr
    kept = archive / "heads" / "checkpoint"
    checkpoint = tmp_path / "published.checkpoint"
    shutil.copy(kept, checkpoint)

    run = cli_subprocess(
        "ingest", document("en_ministry", "born_digital.pdf"), "--archive", archive, "--source", "B"
    )
    assert run.code == 0, run.stderr
    heads = [json.loads(line) for line in (archive / "heads" / "tree_heads.jsonl").open()]
    assert len(heads) > 3 and {head["key_id"] for head in heads} == {LEGACY_ID}
    assert kept.read_text().startswith(f"verify.archive/{LEGACY_ID[:32]}\n")  # one log name
    run = cli_subprocess("archive", "verify", archive, "--since", checkpoint)
    assert run.code == 0, run.stdout + run.stderr
    assert "prefix of the log" in run.stdout + run.stderr

    proof = tmp_path / "new-proof.json"
    run = cli_subprocess(
        "archive", "prove", LEGACY_DOCUMENT[:12], "--archive", archive, "-o", proof
    )
    assert run.code == 0, run.stderr
    run = cli_subprocess("proof", "check", proof, "--public-key", public)
    assert run.code == 0 and LEGACY_ID in run.stdout, run.stdout + run.stderr


def test_a_key_that_is_not_the_archives_is_still_refused(tmp_path, cli_subprocess):
    legacy = _legacy_copy(tmp_path)
    other = tmp_path / "other"
    with init_archive(other):
        pass
    shutil.copy(other / "keys" / "signing.key", legacy / "archive" / "keys" / "signing.key")
    run = cli_subprocess(
        "ingest",
        document("en_ministry", "born_digital.pdf"),
        "--archive",
        legacy / "archive",
        "--source",
        "B",
    )
    assert run.code == ExitCode.archive_failed, run.stdout + run.stderr
    assert "not the key this archive was created with" in run.stderr
