"""``verify forensics`` and ``verify scrub``: thin commands over verify.forensics."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from verify.cli.options import Reading, reading_command
from verify.console import console, json_safe, printable

_stdout = console()
_stderr = console(stderr=True)

_COLOURS = {"high": "red", "medium": "yellow", "low": "cyan", "info": "dim"}


@reading_command
def forensics_command(
    file: Annotated[Path, typer.Argument(help="The document: PDF or image.")],
    reading: Reading,
    json_output: Annotated[bool, typer.Option("--json", help="Findings as a JSON array.")] = False,
    copies: Annotated[
        list[Path] | None,
        typer.Option("--copy", help="Another copy of the same act (canary-trap check)."),
    ] = None,
    no_ocr_checks: Annotated[
        bool, typer.Option("--no-ocr-checks", help="Skip the checks that OCR pages (faster).")
    ] = False,
) -> None:
    """Say what FILE betrays and whether it shows signs of editing.

    Metadata, stamps, executor, handwriting, tracking dots; revisions, hidden text, mixed
    fonts, dates that do not fit.
    """
    from verify.forensics import forensics

    findings = forensics(
        file,
        options=reading.options(),
        copies=copies or (),
        ocr_checks=not no_ocr_checks,
    )
    if json_output:
        print(
            json_safe(json.dumps([f.model_dump(mode="json") for f in findings], ensure_ascii=False))
        )
        return
    if not findings:
        _stdout.print(printable(f"{file.name}: no findings"))
    from rich.text import Text

    for finding in findings:
        mark = (" (identifies)", "bold") if finding.identifies else ""
        _stdout.print(
            Text.assemble(
                (f"{finding.severity:>6}", _COLOURS[finding.severity]),
                f" {finding.type}",
                mark,
                ": ",
                printable(finding.message),  # metadata and page text: the file's own words
            )
        )


@reading_command
def scrub_command(
    file: Annotated[Path, typer.Argument(help="The document to make safe: PDF or image.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="The safe copy (PDF) to write.")],
    reading: Reading,
    redact: Annotated[
        str | None,
        typer.Option(help="Black out: any of stamps,executor,marks (comma-separated)."),
    ] = None,
    output_dpi: Annotated[
        int,
        typer.Option(
            "--output-dpi",
            help="Resolution of the safe copy's pages (extract's --dpi is another thing: the "
            "resolution image-only PDF pages are read at).",
        ),
    ] = 200,
    json_output: Annotated[bool, typer.Option("--json", help="The report as JSON.")] = False,
) -> None:
    """Write a copy safe to publish, then check it and say what was removed and what remains.

    Pages become black-and-white pixels, metadata goes, flagged regions are blacked out.

    Exit code 0 when nothing identifying remains, 1 when something does. A --redact kind
    that was not found is said (NOT FOUND) but does not change the exit code.
    """
    from verify.forensics.scrub import parse_redact, scrub

    report = scrub(
        file,
        output,
        redact=parse_redact(redact),
        dpi=output_dpi,
        options=reading.options(),
    )
    if json_output:
        print(json_safe(report.model_dump_json(exclude={"before"})))
    else:
        _stdout.print(
            printable(
                f"wrote {report.output}: {report.pages} page(s) at {report.dpi} dpi, "
                f"{len(report.redactions)} box(es) blacked out"
            ),
            markup=False,
        )
        _stdout.print("removed: " + (", ".join(report.removed) or "nothing"), markup=False)
        for still in report.readable:
            _stdout.print(printable(f"STILL READABLE ({still.kind}): {still.text}"))
        for kind in report.not_found:
            _stdout.print(
                f"NOT FOUND {kind}: nothing was blacked out for it; verify found none, which "
                "does not prove there is none: look at the copy before publishing",
                markup=False,
            )
        if report.remaining:
            for finding in report.remaining:
                _stdout.print(printable(f"REMAINS {finding.type}: {finding.message}"))
        elif not report.readable:
            found = " found" if report.not_found else ""
            _stdout.print(f"remaining: nothing identifying{found}", markup=False)
    raise typer.Exit(0 if report.safe else 1)


def register(app: typer.Typer) -> None:
    """Add ``forensics`` and ``scrub`` to the main app."""
    app.command("forensics")(forensics_command)
    app.command("scrub")(scrub_command)
