"""Corroboration with an archive: copies, honest independence, a signed and logged report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from tests.conftest import DOCUMENTS, FIXTURES, FOUNDING
from verify.archive import ingest, init_archive, open_archive
from verify.archive.verify_archive import verify_archive
from verify.errors import ExitCode, IntegrityError
from verify.report import check_report, corroborate_files, render_markdown
from verify.report.archived import corroborate_archived, exported_entry

FOUNDING_PDF = DOCUMENTS / FOUNDING / "born_digital.pdf"
VARIANT_PDF = DOCUMENTS / "ru_minzdrav_founding_variant" / "born_digital.pdf"
DOCTORED_PDF = DOCUMENTS / "ru_minzdrav_founding_doctored" / "born_digital.pdf"
CLAIMS = FIXTURES / "claims" / "en_misreport.txt"


def _build(root: Path, extra: tuple[tuple[Path, str], ...] = ()) -> Path:
    with init_archive(root) as archive:
        for path, source in [
            (FOUNDING_PDF, "source A"),
            (FOUNDING_PDF, "source B"),
            (VARIANT_PDF, "source C"),
            (DOCTORED_PDF, "source D"),
            *extra,
        ]:
            ingest(archive, [path], source=source)
    return root


@pytest.fixture(scope="module")
def newsroom(tmp_path_factory) -> Path:
    """A founding letter from A and (same bytes) B, the variant from C, the doctored one from D."""
    return _build(tmp_path_factory.mktemp("corroborate") / "newsroom")


def _by_source(copies) -> dict:
    return {copy.sources[0]: copy for copy in copies.copies}


def test_copies_count_byte_identical_files_once_and_flag_the_conflict(newsroom):
    with open_archive(newsroom) as archive:
        size = archive.store.log_size()
        done = corroborate_archived(archive, FOUNDING_PDF, [CLAIMS])
        copies = done.report.copies
        by = _by_source(copies)
        assert set(by) == {"source A", "source B", "source C", "source D"}
        assert by["source A"].verdict == "identical" and by["source A"].independent
        assert by["source B"].sha256 == by["source A"].sha256 and not by["source B"].independent
        assert "byte-identical" in by["source B"].reason and "source A" in by["source B"].reason
        assert by["source C"].verdict == "variant" and by["source C"].independent
        assert by["source D"].verdict == "conflict" and not by["source D"].independent
        assert "conflict" in by["source D"].reason
        assert copies.independent_sources == 2
        assert [c.verdict for c in copies.copies][-1] == "conflict"  # listed apart, last
        assert all(c.received for c in copies.copies)
        assert done.report.thresholds["copies.capture_pdq_distance"] == 12
        # signed with the archive's key, and logged as exported under a new signed head
        public = archive.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        assert done.report.signature is not None
        assert done.report.signature.public_key == public.hex()
        assert done.log_entry == size and exported_entry(archive, done.report) == size
        entry = json.loads(archive.store.leaf(size).data)
        assert entry["event"] == "exported" and entry["what"] == "corroboration_report"
        assert entry["report_sha256"] == done.report_sha256
        assert verify_archive(archive).ok
    markdown = render_markdown(done.report)
    assert "Independent sources: 2" in markdown and "byte-identical" in markdown


def test_a_recompressed_copy_shares_a_capture(tmp_path):
    """Same page, new bytes (a re-saved file): one origin, not a second confirmation."""
    import pymupdf

    resaved = tmp_path / "resaved.pdf"
    with pymupdf.open(FOUNDING_PDF) as pdf:
        pdf.set_metadata({"title": "forwarded"})
        pdf.save(resaved, garbage=4, deflate=True)
    root = _build(tmp_path / "newsroom", [(resaved, "source E")])
    with open_archive(root) as archive:
        copies = corroborate_archived(archive, FOUNDING_PDF, [CLAIMS]).report.copies
    by = _by_source(copies)
    assert by["source E"].sha256 != by["source A"].sha256
    assert not by["source E"].independent and "shares a capture" in by["source E"].reason
    assert copies.independent_sources == 2


@pytest.mark.parametrize("passphrase", [None, "correct horse battery"])
def test_the_first_receipt_of_an_origin_is_the_independent_one(tmp_path, passphrase):
    """A sent the file first and later a variant; B forwarded A's file: B is not independent.

    A count that maximises confirmations would credit B with the file and A with the
    variant, calling the first receipt a copy of the later one. With encrypted sources
    each receipt stores its own source id, so A's two receipts are regrouped by name.
    """
    root = tmp_path / "newsroom"
    encrypted = passphrase is not None
    with init_archive(root, encrypt_sources=encrypted, passphrase=passphrase) as archive:
        for path, source in [
            (FOUNDING_PDF, "source A"),
            (VARIANT_PDF, "source A"),
            (FOUNDING_PDF, "source B"),
        ]:
            ingest(archive, [path], source=source)
        stored_ids = {receipt.source_id for receipt in archive.store.receipts()}
        assert len(stored_ids) == (3 if encrypted else 2)
    with open_archive(root, passphrase=passphrase) as archive:
        copies = corroborate_archived(archive, FOUNDING_PDF, [CLAIMS]).report.copies
    original = {c.sources[0]: c for c in copies.copies if c.verdict == "identical"}
    assert original["source A"].independent
    assert not original["source B"].independent
    assert "byte-identical" in original["source B"].reason
    assert "source A" in original["source B"].reason
    assert copies.independent_sources == 1


@pytest.mark.slow
def test_cli_by_document_id_signs_and_report_check_catches_tampering(
    newsroom, tmp_path, cli_subprocess
):
    with open_archive(newsroom) as archive:
        doc_id = archive.store.receipts()[0].sha256[:16]
    html = tmp_path / "report.html"
    run = cli_subprocess(
        "corroborate", doc_id, "--archive", newsroom, "--claims", CLAIMS, "--json", "--html", html
    )
    assert run.code == 0, run.stderr
    saved = tmp_path / "report.json"
    saved.write_text(run.stdout, encoding="utf-8")
    data = json.loads(run.stdout)
    assert data["signature"] and data["copies"]["independent_sources"] == 2
    assert "Independent sources: 2" in html.read_text(encoding="utf-8")
    pub = newsroom / "keys" / "signing.pub"
    run = cli_subprocess("report", "check", saved, "--public-key", pub, "--archive", newsroom)
    assert run.code == 0, run.stderr
    assert "signature: valid" in run.stdout and "exported entry" in run.stdout
    assert result_ok(saved, pub)
    other = tmp_path / "other.pub"
    other.write_bytes(
        Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    )
    run = cli_subprocess("report", "check", saved, "--public-key", other)
    assert run.code == ExitCode.integrity_failed and "another key" in run.stderr
    data["copies"]["independent_sources"] = 4
    saved.write_text(json.dumps(data), encoding="utf-8")
    run = cli_subprocess("report", "check", saved)
    assert run.code == ExitCode.integrity_failed and "signature" in run.stderr
    assert "Traceback" not in run.stderr
    run = cli_subprocess("archive", "verify", newsroom)
    assert run.code == 0, run.stdout + run.stderr


def result_ok(saved: Path, public_key: Path) -> bool:
    result = check_report(saved, public_key=public_key)
    return result.ok and all(state == "ok" for _, _, state in result.inputs)


def test_unknown_document_id_says_what_to_give(newsroom, cli_subprocess):
    run = cli_subprocess("corroborate", "nosuchfile.pdf", "-a", newsroom, "--claims", CLAIMS)
    assert run.code == ExitCode.input_missing and "document id" in run.stderr
    assert "Traceback" not in run.stderr


def test_pinned_key_refuses_an_unsigned_report(newsroom, tmp_path):
    report, _ = corroborate_files(FOUNDING_PDF, [CLAIMS])
    saved = tmp_path / "unsigned.json"
    saved.write_text(report.to_json(indent=2), encoding="utf-8")
    assert check_report(saved).signature == "not signed"
    with pytest.raises(IntegrityError, match="not signed"):
        check_report(saved, public_key=newsroom / "keys" / "signing.pub")
