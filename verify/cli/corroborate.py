"""``verify corroborate`` and ``verify report check``: thin commands over verify.report."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from verify.cli.options import Reading, reading_command
from verify.console import console, json_safe, printable
from verify.errors import ExitCode

if TYPE_CHECKING:
    from verify.options import ExtractOptions
    from verify.record import Record
    from verify.report import Report

_stdout = console()
_stderr = console(stderr=True)

report_app = typer.Typer(
    name="report",
    help="Work with saved corroboration reports.",
    no_args_is_help=True,
    add_completion=False,
)

_STYLE = {
    "supported": "green",
    "contradicted": "red",
    "not_in_document": "bright_black",
    "not_checkable": "yellow",
}


def _date(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as error:
        raise typer.BadParameter(f"{value!r}: give the date as YYYY-MM-DD") from error


def _claims_path(value: str) -> Path:
    """A claims file path; a URL is a usage error, since verify never goes online."""
    from verify.claims.formats import is_url

    if is_url(value):
        raise typer.BadParameter(
            f"{value!r} is a web address: verify never goes online. Save the page "
            "(or paste its text into a .txt file) and pass the file.",
            param_hint="--claims",
        )
    return Path(value)


@reading_command
def corroborate_command(
    reading: Reading,
    document: Annotated[
        str,
        typer.Argument(
            help="The document (or a saved record .json); with --archive also a document id."
        ),
    ],
    claims_given: Annotated[
        list[str],
        typer.Option(
            "--claims",
            help=(
                "A report: .txt, .md, a saved web page (.html), a PDF or an image "
                "(article, post, transcript). Repeat for several. Not a URL."
            ),
        ),
    ],
    claims_date: Annotated[
        str | None,
        typer.Option(
            "--claims-date", help="The reports' own date (YYYY-MM-DD): what 'today' means."
        ),
    ] = None,
    html: Annotated[
        Path | None, typer.Option("--html", help="Write a self-contained HTML report here.")
    ] = None,
    markdown: Annotated[
        Path | None, typer.Option("--markdown", help="Write a Markdown report here.")
    ] = None,
    json_output: Annotated[
        bool, typer.Option("--json", help="Print the report as JSON (verify.report/1).")
    ] = False,
    archive: Annotated[
        Path | None,
        typer.Option(
            "--archive",
            "-a",
            help="An archive: list the document's copies and sources, sign and log the report.",
        ),
    ] = None,
) -> None:
    """Check what reports say about a document: supported, contradicted or not in it.

    With --archive, DOCUMENT may be an archived document id; the report then lists every
    archived copy and how many independent sources hold it, is signed with the archive's
    key and recorded in its custody log. Exit code 0 when every claims file was read
    (whatever the statuses), 1 when a claims file was empty, not text or in another
    language (the report says which).
    """
    from verify.options import output_file
    from verify.report import corroborate_files, render_html, render_markdown

    html = output_file(html, "--html")
    markdown = output_file(markdown, "--markdown")
    claims = [_claims_path(value) for value in claims_given]
    when = _date(claims_date)
    options = reading.options()
    if archive is not None:
        report, record, path = _corroborate_archived(archive, document, claims, when, options)
    else:
        path = Path(document)
        report, record = corroborate_files(path, claims, when, options)
    if html is not None:
        html.write_text(render_html(report, record, path), encoding="utf-8")
    if markdown is not None:
        markdown.write_text(render_markdown(report), encoding="utf-8")
    for message in report.summary.messages:
        _stderr.print(printable(f"verify: note: {message}"))
    if json_output:
        print(json_safe(report.to_json(indent=2)))
    else:
        _print_summary(report)
    unusable = [f for f in report.claims_files if f.status not in ("ok", "no_claims")]
    raise typer.Exit(int(ExitCode.some_failed if unusable else ExitCode.ok))


def _corroborate_archived(
    root: Path,
    document: str,
    claims: list[Path],
    when: dt.date | None,
    options: ExtractOptions,
) -> tuple[Report, Record, Path]:
    """Open the archive (passphrase from the environment or a prompt) and report with it."""
    from verify.archive import open_archive
    from verify.archive.signing import is_encrypted
    from verify.cli.passwords import ask_archive_passphrase
    from verify.report.archived import corroborate_archived

    with open_archive(root) as opened:
        opened.passphrase = ask_archive_passphrase(
            opened.encrypts_sources or is_encrypted(opened.key_path)
        )
        if options.cache_dir is not None:  # the archive's own cache, unless --no-cache
            options = dataclasses.replace(options, cache_dir=opened.cache_dir)
        done = corroborate_archived(opened, document, claims, when, options)
    key = done.report.signature.key_id if done.report.signature else "?"
    _stderr.print(
        f"verify: note: signed with the archive key {key}; custody log entry "
        f"{done.log_entry} (exported, report sha256 {done.report_sha256})"
    )
    return done.report, done.record, done.document


def _print_summary(report: object) -> None:
    from rich.table import Table
    from rich.text import Text

    from verify.report import Report

    assert isinstance(report, Report)
    summary = report.summary
    _stdout.print(
        f"{printable(report.document.file_name)}: {summary.supported} supported, "
        f"{summary.contradicted} contradicted, {summary.not_in_document} not in document, "
        f"{summary.not_checkable} not checkable",
        markup=False,
    )
    copies = report.copies
    if copies.copies:
        _stdout.print(
            printable(
                f"copies in the archive: {len(copies.copies)}; independent sources: "
                f"{copies.independent_sources} ({copies.note})"
            ),
            markup=False,
        )
    if not report.findings:
        return
    table = Table("#", "kind", "the report says", "status", "the document says")
    for finding in report.findings:
        style = _STYLE[finding.status]
        table.add_row(
            finding.ref,
            finding.claim.kind.replace("_", " "),
            printable(finding.claim.raw),
            Text(finding.status.replace("_", " "), style=style),
            printable(finding.document_value or "—"),
        )
    _stdout.print(table)


@report_app.command("check")
def check_command(
    report: Annotated[Path, typer.Argument(help="A JSON report saved from verify corroborate.")],
    inputs: Annotated[
        Path | None,
        typer.Option("--inputs", help="Folder holding the inputs, if they were moved."),
    ] = None,
    public_key: Annotated[
        Path | None,
        typer.Option(
            "--public-key",
            help="The signer's public key (PEM, e.g. an archive's keys/signing.pub) to pin.",
        ),
    ] = None,
    archive: Annotated[
        Path | None,
        typer.Option(
            "--archive",
            "-a",
            help="Pin this archive's key and find the report's 'exported' entry in its log.",
        ),
    ] = None,
) -> None:
    """Verify a saved report: its signature and the sha256 of every input.

    The signer is pinned by --public-key, or by the archive's keys/signing.pub with
    --archive. Exit code 0 when nothing changed and the signature verifies under the pinned
    key; 11 when an input changed, the signature fails or is of another key, the report is
    unsigned, or no key was pinned ("signature not verified": the key a report carries
    proves it unchanged, not who signed it).
    """
    from verify.errors import IntegrityError
    from verify.report import check_report

    if public_key is None and archive is not None:
        from verify.archive import open_archive

        with open_archive(archive, readonly=True) as opened:  # exit 10 when not an archive
            public_key = opened.public_key_path
    result = check_report(report, inputs, public_key=public_key)
    for role, path, state in result.inputs:
        _stdout.print(printable(f"{role}: {path}: {state}"))
    _stdout.print(f"signature: {result.signature}")
    if archive is not None:
        _stdout.print(printable(f"custody: {_custody_entry(archive, report)}"))
    for note in result.notes:
        _stdout.print(printable(f"note: {note}"))
    if result.unverified:
        raise IntegrityError(f"{report}: signature not verified: {result.unverified}")


def _custody_entry(root: Path, report: Path) -> str:
    """Which custody-log entry recorded this report; IntegrityError when none did."""
    import json

    from verify.archive import open_archive
    from verify.errors import IntegrityError
    from verify.report.archived import exported_entry

    data = json.loads(report.read_text(encoding="utf-8"))
    with open_archive(root, readonly=True) as opened:  # an auditor's copy may be read-only
        seq = exported_entry(opened, data)
    if seq is None:
        raise IntegrityError(
            f"{report}: no 'exported' entry in {root}'s custody log names this report: it "
            "did not leave that archive as it is now"
        )
    return f"exported entry {seq} in {root}"


def register(app: typer.Typer) -> None:
    """Add ``corroborate`` and the ``report`` group to the main app."""
    app.command("corroborate")(corroborate_command)
    app.add_typer(report_app)
