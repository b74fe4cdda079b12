"""Reports: HTML opened in a real headless chromium, Markdown, JSON schema, signing, check."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from tests.conftest import FIXTURES, FOUNDING, ROOT, document
from tests.test_claims import SEEDS
from verify.errors import ExitCode, IntegrityError
from verify.report import (
    corroborate_files,
    render_html,
    render_markdown,
    sign_report,
    verify_signature,
)
from verify.report.check import check_report
from verify.resources import load_json

CLAIMS = FIXTURES / "claims"
FRENCH = "Le ministère russe de la Santé a envoyé une lettre signée par le vice-ministre."
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    pdf = document(FOUNDING, "born_digital.pdf")
    claims = [CLAIMS / "en_misreport.txt", CLAIMS / "ru_accurate.txt"]
    report, record = corroborate_files(pdf, claims)
    return report, record, pdf


def chromium_dom(html: Path, profile: Path) -> str:
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (install.sh installs it: apt-get install chromium)")
    done = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            "--dump-dom",
            html.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_html_opens_offline_in_chromium_with_page_image_and_every_claim(made, tmp_path):
    report, record, pdf = made
    html = render_html(report, record, pdf)
    # self-contained: no URL to fetch, nothing but data: images
    assert not re.search(r"""(?:src|href)=["'](?!data:|#)""", html)
    assert "http://" not in html and "https://" not in html
    path = tmp_path / "report.html"
    path.write_text(html, encoding="utf-8")
    dom = chromium_dom(path, tmp_path / "profile")
    assert re.search(r'<img src="data:image/png;base64,[A-Za-z0-9+/=]{10000,}"', dom)
    assert 'id="page-1"' in dom
    for finding in report.findings:
        row = re.search(rf'<tr class="{finding.status}" id="claim-{re.escape(finding.ref)}">', dom)
        assert row, f"claim {finding.ref} missing from the rendered page"
    assert f"contradicted: {report.summary.contradicted}" in dom
    assert report.summary.contradicted == 6 and report.summary.supported == 21


def test_html_screenshot_is_not_blank(made, tmp_path):
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (install.sh installs it: apt-get install chromium)")
    report, record, pdf = made
    path = tmp_path / "report.html"
    path.write_text(render_html(report, record, pdf), encoding="utf-8")
    shot = tmp_path / "shot.png"
    subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--window-size=1200,1600",
            f"--screenshot={shot}",
            path.as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=True,
    )
    from PIL import Image

    image = Image.open(shot).convert("RGB")
    colours = image.getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 50  # text, page image and status colours
    greens = sum(n for n, (r, g, b) in colours if g > 100 and r < 80 and b < 100)
    assert greens > 100  # the green evidence boxes are drawn on the visible page image


def test_html_of_a_scan_draws_on_the_page_image(tmp_path):
    scan = document(FOUNDING, "scan_300dpi.png")
    report, record = corroborate_files(scan, [CLAIMS / "uk_accurate.txt"])
    html = render_html(report, record, scan)
    assert html.count("data:image/png;base64,") == 1
    assert report.summary.supported == 11  # and "датований сьогоднішнім днем", not checkable
    assert (report.summary.not_checkable, report.summary.total) == (1, 12)


def test_markdown_lists_every_claim(made):
    report, _, _ = made
    markdown = render_markdown(report)
    for finding in report.findings:
        assert f"| {finding.ref} |" in markdown
    assert "**contradicted**" in markdown and report.document.sha256 in markdown


def test_json_report_matches_published_schema(made):
    report, _, _ = made
    schema = json.loads((ROOT / "docs" / "report.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(json.loads(report.to_json()), schema)
    from verify.report import report_schema_json

    assert report_schema_json() == (ROOT / "docs" / "report.schema.json").read_text(
        encoding="utf-8"
    ), "regenerate: python -m verify.report > docs/report.schema.json"


def test_report_carries_provenance(made):
    report, _, pdf = made
    roles = [item.role for item in report.inputs]
    assert roles == ["document", "claims", "claims"]
    assert report.inputs[0].sha256 == report.document.sha256
    assert report.models_version["claims_patterns"] == load_json("claims_patterns.json")["version"]
    assert set(report.thresholds) == {"surname_ratio", "organisation_ratio"}
    assert report.copies.copies == [] and report.signature is None


def test_signing_round_trip_and_tamper(made):
    report, _, _ = made
    key = Ed25519PrivateKey.generate()
    signed = sign_report(report, key)
    key_id = verify_signature(signed)
    import hashlib

    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    der = key.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    assert key_id == hashlib.sha256(der).hexdigest() == signed.signature.key_id  # RFC 6962

    public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    assert verify_signature(json.loads(signed.to_json()), expected_key=public) == key_id
    tampered = json.loads(signed.to_json())
    tampered["findings"][0]["status"] = (
        "supported" if tampered["findings"][0]["status"] != "supported" else "contradicted"
    )
    with pytest.raises(IntegrityError, match="changed after signing"):
        verify_signature(tampered)
    with pytest.raises(IntegrityError, match="another key"):
        verify_signature(
            signed,
            expected_key=Ed25519PrivateKey.generate()
            .public_key()
            .public_bytes(Encoding.Raw, PublicFormat.Raw),
        )
    with pytest.raises(IntegrityError, match="not signed"):
        verify_signature(report)


def test_report_check_hashes_inputs_and_signature(made, tmp_path, cli_subprocess):
    pdf = tmp_path / "letter.pdf"
    claims = tmp_path / "article.txt"
    shutil.copy(document(FOUNDING, "born_digital.pdf"), pdf)
    shutil.copy(CLAIMS / "en_misreport.txt", claims)
    report, _ = corroborate_files(pdf, [claims])
    signer = Ed25519PrivateKey.generate()
    signed = sign_report(report, signer)
    saved = tmp_path / "report.json"
    saved.write_text(signed.to_json(indent=2), encoding="utf-8")
    public = tmp_path / "signer.pub"
    public.write_bytes(
        signer.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    )
    result = check_report(saved, public_key=public)
    assert result.ok and [state for _, _, state in result.inputs] == ["ok", "ok"]
    assert result.signature.startswith("valid")
    run = cli_subprocess("report", "check", saved, "--public-key", public)
    assert run.code == 0, run.stderr
    assert "signature: valid" in run.stdout
    claims.write_text(claims.read_text(encoding="utf-8") + "\nEdited.", encoding="utf-8")
    run = cli_subprocess("report", "check", saved, "--public-key", public)
    assert run.code == ExitCode.integrity_failed
    assert "input changed" in run.stderr and "Traceback" not in run.stderr
    data = json.loads(saved.read_text(encoding="utf-8"))
    data["summary"]["supported"] = 99
    saved.write_text(json.dumps(data), encoding="utf-8")
    run = cli_subprocess("report", "check", saved)
    assert run.code == ExitCode.integrity_failed and "signature" in run.stderr


def test_cli_writes_html_markdown_and_json(tmp_path, cli_subprocess):
    html, markdown = tmp_path / "r.html", tmp_path / "r.md"
    run = cli_subprocess(
        "corroborate",
        document(FOUNDING, "born_digital.pdf"),
        "--claims",
        CLAIMS / "ru_misreport.txt",
        "--claims",
        CLAIMS / "uk_accurate.txt",
        "--html",
        html,
        "--markdown",
        markdown,
        "--json",
    )
    assert run.code == 0, run.stderr
    data = json.loads(run.stdout)
    assert data["schema"] == "verify.report/1"
    assert {f["ref"] for f in data["findings"]} >= {"r1.c1", "r2.c1"}
    assert html.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert "r2.c11" in markdown.read_text(encoding="utf-8")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "not text"),
        (
            FRENCH.encode(),
            "not in English, Russian or Ukrainian",
        ),
    ],
)
def test_bad_claims_files_give_a_message_and_a_report(tmp_path, cli_subprocess, content, expected):
    claims = tmp_path / "claims.txt"
    claims.write_bytes(content)
    out = tmp_path / "r.html"
    run = cli_subprocess(
        "corroborate",
        document(FOUNDING, "born_digital.pdf"),
        "--claims",
        claims,
        "--html",
        out,
        "--json",
    )
    assert run.code == ExitCode.some_failed
    assert "Traceback" not in run.stderr and expected in " ".join(run.stderr.split())
    data = json.loads(run.stdout)
    assert data["findings"] == [] and expected in " ".join(
        data["claims_files"][0]["message"].split()
    )
    assert "No claim about a document was found" in out.read_text(encoding="utf-8")


@pytest.mark.slow
def test_report_without_claims_about_a_letter_says_so(cli_subprocess):
    run = cli_subprocess(
        "corroborate",
        document(FOUNDING, "born_digital.pdf"),
        "--claims",
        CLAIMS / "en_no_document.txt",
    )
    assert run.code == 0
    assert "no checkable claim about a document" in " ".join(run.stderr.split())
    assert "0 supported, 0 contradicted, 0 not in document" in run.stdout


@pytest.mark.slow
def test_missing_claims_file_is_a_one_line_error(cli_subprocess, tmp_path):
    run = cli_subprocess(
        "corroborate", document(FOUNDING, "born_digital.pdf"), "--claims", tmp_path / "nope.txt"
    )
    assert run.code == ExitCode.input_missing and "Traceback" not in run.stderr


@pytest.mark.parametrize("command", [["corroborate"], ["report", "check"]])
def test_commands_have_help_and_are_documented(cli_subprocess, command):
    run = cli_subprocess(*command, "--help")
    assert run.code == 0 and "Usage" in run.stdout
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert re.search(rf"verify {' '.join(command)}\b", readme)


def test_seed_report_with_claims_date(cli_subprocess):
    seed = SEEDS / "000_024935d5cfec2ff7.txt"
    if not seed.is_file():
        pytest.skip(f"seed report not found in {SEEDS} (set VERIFY_SEEDS_DIR)")
    run = cli_subprocess(
        "corroborate",
        document(FOUNDING, "born_digital.pdf"),
        "--claims",
        seed,
        "--claims-date",
        "2022-02-25",
        "--json",
    )
    assert run.code == 0, run.stderr
    data = json.loads(run.stdout)
    assert data["summary"]["supported"] == data["summary"]["total"] == 15
    values = {f["claim"]["kind"]: f["claim"]["value"] for f in data["findings"]}
    assert values["deadline"] == "T18:00" and values["document_date"] == "--02-25"


@pytest.mark.slow
def test_a_box_on_a_photo_is_where_the_browser_shows_its_words(tmp_path):
    """In Chromium, each evidence frame of a photo's report sits where the mapping puts it.

    The report's page image is pinned to the window's corner (a test copy of the HTML
    with one extra style rule), the screenshot is taken at the image's size, and the
    outline of every frame must show its status colour along the polygon that the
    preparation's inverse gives for its box; the words inside are checked on the same
    polygons by tests/test_redaction_photos.py.
    """
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (install.sh installs it: apt-get install chromium)")
    from PIL import Image

    from verify.report.pages import COLOURS, page_views

    photo = document(FOUNDING, "photo.jpg")
    report, record = corroborate_files(photo, [CLAIMS / "ru_accurate.txt"])
    views, message = page_views(record, photo, report.findings)
    assert message is None and views
    view = views[0]
    pinned = "img{position:fixed;left:0;top:0;z-index:9;width:auto;height:auto}</style>"
    html = render_html(report, record, photo).replace("</style>", pinned, 1)
    path = tmp_path / "report.html"
    path.write_text(html, encoding="utf-8")
    shot = tmp_path / "shot.png"
    subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--hide-scrollbars",
            "--force-device-scale-factor=1",
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--window-size={view.width},{view.height}",
            f"--screenshot={shot}",
            path.as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=True,
    )
    screen = Image.open(shot).convert("RGB")
    assert view.polygons
    for (_, status, _), polygon in zip(view.boxes, view.polygons, strict=True):
        colour = COLOURS[status]
        corners = list(polygon) + [polygon[0]]
        hits = total = 0
        for (ax, ay), (bx, by) in zip(corners, corners[1:], strict=False):
            for step in range(1, 10):
                x, y = ax + (bx - ax) * step / 10, ay + (by - ay) * step / 10
                total += 1
                near = [
                    screen.getpixel((int(x) + dx, int(y) + dy))
                    for dx in range(-4, 5)
                    for dy in range(-4, 5)
                    if 0 <= int(x) + dx < screen.width and 0 <= int(y) + dy < screen.height
                ]
                hits += any(
                    sum(abs(a - b) for a, b in zip(p, colour, strict=True)) < 60 for p in near
                )
        assert hits >= 0.8 * total, (status, polygon, hits, total)
