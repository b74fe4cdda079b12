"""``report check`` passes a report only when its signature verifies under a pinned key.

The key a report carries proves that the report is unchanged, not who made it: whoever edits
a report can strip its signature or sign it again with a key of their own. So an unsigned
report, a stripped one, or one checked only with its own key never passes (exit 11).
"""

from __future__ import annotations

import json
import shutil

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from tests.conftest import FIXTURES, FOUNDING, document
from verify.errors import ExitCode
from verify.report import check_report, corroborate_files, sign_report

CLAIMS = FIXTURES / "claims"


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A report signed by the newsroom's key, its public key, and an unsigned twin."""
    folder = tmp_path_factory.mktemp("check")
    pdf, claims = folder / "letter.pdf", folder / "article.txt"
    shutil.copy(document(FOUNDING, "born_digital.pdf"), pdf)
    shutil.copy(CLAIMS / "en_misreport.txt", claims)
    report, _ = corroborate_files(pdf, [claims])
    newsroom = Ed25519PrivateKey.generate()
    public = folder / "newsroom.pub"
    public.write_bytes(
        newsroom.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    )
    signed = folder / "signed.json"
    signed.write_text(sign_report(report, newsroom).to_json(indent=2), encoding="utf-8")
    unsigned = folder / "unsigned.json"
    unsigned.write_text(report.to_json(indent=2), encoding="utf-8")
    return signed, unsigned, public


def test_a_pinned_key_passes_the_report_it_signed(saved, cli_subprocess):
    signed, _, public = saved
    run = cli_subprocess("report", "check", signed, "--public-key", public)
    assert run.code == 0, run.stderr
    assert "signature: valid" in run.stdout


def test_without_a_pinned_key_the_signature_is_not_verified(saved, cli_subprocess):
    signed, _, _ = saved
    result = check_report(signed)
    assert not result.ok and result.signer == "embedded"
    run = cli_subprocess("report", "check", signed)
    assert run.code == ExitCode.integrity_failed, run.stdout
    assert "signature: not verified" in run.stdout
    assert "signature not verified" in run.stderr and "--public-key" in run.stderr
    assert "document: " in run.stdout  # the inputs are still checked and listed


def test_an_unsigned_or_stripped_report_never_passes(saved, tmp_path, cli_subprocess):
    signed, unsigned, public = saved
    stripped = tmp_path / "stripped.json"
    data = json.loads(signed.read_text(encoding="utf-8"))
    data["signature"] = None
    stripped.write_text(json.dumps(data), encoding="utf-8")
    for report in (unsigned, stripped):
        assert not check_report(report).ok
        run = cli_subprocess("report", "check", report)
        assert run.code == ExitCode.integrity_failed, run.stdout
        assert "not signed" in run.stderr
        run = cli_subprocess("report", "check", report, "--public-key", public)
        assert run.code == ExitCode.integrity_failed and "not signed" in run.stderr


def test_a_report_signed_again_by_another_key_fails_against_the_pinned_one(
    saved, tmp_path, cli_subprocess
):
    signed, _, public = saved
    data = json.loads(signed.read_text(encoding="utf-8"))
    data["summary"]["contradicted"] = 0
    forged = tmp_path / "forged.json"
    from verify.report.check import load_report

    forged.write_text(json.dumps(data), encoding="utf-8")
    resigned = sign_report(load_report(forged), Ed25519PrivateKey.generate())
    forged.write_text(resigned.to_json(), encoding="utf-8")
    assert check_report(forged).signer == "embedded"  # valid under its own key...
    run = cli_subprocess("report", "check", forged)
    assert run.code == ExitCode.integrity_failed  # ...which is not enough
    run = cli_subprocess("report", "check", forged, "--public-key", public)
    assert run.code == ExitCode.integrity_failed and "another key" in run.stderr


def test_archive_that_is_not_one_is_named_not_taken_for_a_bad_signature(
    saved, tmp_path, cli_subprocess
):
    signed, _, _ = saved
    run = cli_subprocess("report", "check", signed, "--archive", tmp_path / "nowhere")
    assert run.code == ExitCode.archive_failed and "not an archive" in run.stderr


def test_a_report_names_its_signer_by_the_archives_key_id(saved):
    """The RFC 6962 log id, as archives name their key: SHA-256 of the DER public key."""
    import base64
    import hashlib

    signed, _, public = saved
    der = base64.b64decode("".join(public.read_text().strip().splitlines()[1:-1]))
    expected = hashlib.sha256(der).hexdigest()
    assert json.loads(signed.read_text(encoding="utf-8"))["signature"]["key_id"] == expected
    assert check_report(signed, public_key=public).ok
