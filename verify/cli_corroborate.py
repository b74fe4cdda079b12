"""``verify corroborate`` and ``verify report check``: thin commands over verify.report."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from verify.errors import ExitCode

_stdout = Console(highlight=False)
_stderr = Console(stderr=True, highlight=False)

report_app = typer.Typer(
    name="report",
    help="Work with saved corroboration reports.",
    no_args_is_help=True,
    add_completion=False,
)

_STYLE = {"supported": "green", "contradicted": "red", "not_in_document": "bright_black"}


def _date(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as error:
        raise typer.BadParameter(f"{value!r}: give the date as YYYY-MM-DD") from error


def corroborate_command(
    document: Annotated[Path, typer.Argument(help="The document (or a saved record .json).")],
    claims: Annotated[
        list[Path],
        typer.Option("--claims", help="A report's text (.txt): article, post, transcript."),
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
    password: Annotated[str | None, typer.Option(help="Password of an encrypted PDF.")] = None,
) -> None:
    """Check what reports say about a document: supported, contradicted or not in it.

    Exit code 0 when every claims file was read (whatever the statuses), 1 when a claims
    file was empty, not text or in another language (the report says which).
    """
    from verify.options import ExtractOptions
    from verify.report import corroborate_files, render_html, render_markdown

    when = _date(claims_date)
    options = ExtractOptions(password=password)
    report, record = corroborate_files(document, claims, when, options)
    if html is not None:
        html.write_text(render_html(report, record, document), encoding="utf-8")
    if markdown is not None:
        markdown.write_text(render_markdown(report), encoding="utf-8")
    for message in report.summary.messages:
        _stderr.print(f"verify: note: {message}", markup=False)
    if json_output:
        print(report.to_json(indent=2))
    else:
        _print_summary(report)
    unusable = [f for f in report.claims_files if f.status not in ("ok", "no_claims")]
    raise typer.Exit(int(ExitCode.some_failed if unusable else ExitCode.ok))


def _print_summary(report: object) -> None:
    from rich.table import Table

    from verify.report import Report

    assert isinstance(report, Report)
    summary = report.summary
    _stdout.print(
        f"{report.document.file_name}: {summary.supported} supported, "
        f"{summary.contradicted} contradicted, {summary.not_in_document} not in document",
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
            finding.claim.raw,
            f"[{style}]{finding.status.replace('_', ' ')}[/]",
            finding.document_value or "—",
        )
    _stdout.print(table)


@report_app.command("check")
def check_command(
    report: Annotated[Path, typer.Argument(help="A JSON report saved from verify corroborate.")],
    inputs: Annotated[
        Path | None,
        typer.Option("--inputs", help="Folder holding the inputs, if they were moved."),
    ] = None,
) -> None:
    """Verify a saved report: its signature and the sha256 of every input.

    Exit code 0 when nothing changed, 11 when an input changed or the signature fails.
    """
    from verify.report import check_report

    result = check_report(report, inputs)
    for role, path, state in result.inputs:
        _stdout.print(f"{role}: {path}: {state}", markup=False)
    _stdout.print(f"signature: {result.signature}", markup=False)
    for note in result.notes:
        _stdout.print(f"note: {note}", markup=False)


def register(app: typer.Typer) -> None:
    """Add ``corroborate`` and the ``report`` group to the main app."""
    app.command("corroborate")(corroborate_command)
    app.add_typer(report_app)
