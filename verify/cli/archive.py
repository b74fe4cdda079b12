"""The archive commands: ``archive init|verify|prove|reextract``, ``ingest``, ``search``, ``show``.

Also ``proof check``. Each parses flags, calls ``verify.archive``, and prints (``--json`` for
machines); failures are ``VerifyError`` subclasses handled by ``verify.cli.main.main``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from verify.cli.options import JsonOption, Reading, function_options, reading_command
from verify.cli.passwords import ask_archive_passphrase
from verify.console import console, json_safe, printable
from verify.errors import ExitCode, IntegrityError

if TYPE_CHECKING:
    from verify.archive.archive import Archive
    from verify.archive.ingest import FileOutcome

_out = console()
_err = console(stderr=True)

archive_app = typer.Typer(
    help="Create, check and prove things about a newsroom archive.", no_args_is_help=True
)
proof_app = typer.Typer(
    help="Check inclusion proofs made by `verify archive prove`.", no_args_is_help=True
)

ArchiveOption = Annotated[Path, typer.Option("--archive", "-a", help="The archive folder.")]


def _open(path: Path, *, writes: bool = False) -> Archive:
    from verify.archive import open_archive
    from verify.archive.signing import is_encrypted

    archive = open_archive(path, readonly=not writes)  # show and search work on read-only copies
    needs = archive.encrypts_sources or (writes and is_encrypted(archive.key_path))
    archive.passphrase = ask_archive_passphrase(needs)
    return archive


def _print_json(value: Any) -> None:
    print(json_safe(json.dumps(value, ensure_ascii=False, indent=1)))


@archive_app.command("init")
def init_command(
    path: Annotated[Path, typer.Argument(help="New (or empty) folder for the archive.")],
    encrypt_sources: Annotated[
        bool, typer.Option("--encrypt-sources", help="Store source names, notes, paths encrypted.")
    ] = False,
    encrypt_key: Annotated[
        bool, typer.Option("--encrypt-key", help="Encrypt the signing key with the passphrase.")
    ] = False,
    database: Annotated[
        str | None,
        typer.Option(
            "--database",
            help="Keep the tables in this PostgreSQL database (postgresql://USER@HOST/NAME, "
            "no password: PGPASSWORD, ~/.pgpass or a service file).",
        ),
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """Create an archive and its Ed25519 signing key (keys/signing.key, mode 0600).

    With --database the archive's tables live in that (empty) PostgreSQL database, which
    the archive remembers: later commands need only --archive. Exit code 2 for a URL that
    carries a password, 10 when the database cannot be reached or already holds an archive.
    """
    from verify.archive import init_archive

    if database is not None:
        from verify.archive.postgres_store import check_url

        check_url(database)  # before asking for a passphrase
    passphrase = ask_archive_passphrase(encrypt_sources or encrypt_key, confirm=True)
    with init_archive(
        path,
        encrypt_sources=encrypt_sources,
        encrypt_key=encrypt_key,
        passphrase=passphrase,
        database=database,
    ) as archive:
        kid = archive.store.get_meta("key_id")
    if json_output:
        _print_json(
            {"archive": str(path), "key_id": kid, "public_key": str(path / "keys/signing.pub")}
        )
    else:
        _out.print(
            printable(
                f"created archive {path} (signing key {kid}); public key: {path}/keys/signing.pub"
            )
        )


@reading_command
def ingest_command(
    reading: Reading,
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Files and folders (recursive).")
    ] = None,
    archive_path: ArchiveOption = Path(),
    source: Annotated[
        str | None, typer.Option("--source", help="Who gave these documents.")
    ] = None,
    note: Annotated[
        str | None, typer.Option("--note", help="A note kept with each receipt.")
    ] = None,
    retry_failed: Annotated[
        bool, typer.Option("--retry-failed", help="Re-run extraction of quarantined files only.")
    ] = False,
    include: Annotated[
        list[str] | None,
        typer.Option("--include", help="Take only files matching this glob (repeatable)."),
    ] = None,
    exclude: Annotated[
        list[str] | None,
        typer.Option("--exclude", help="Leave out files matching this glob, e.g. '*.json'."),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            help="Extract on a Dask cluster: tcp://host:8786, or local:N for N local workers.",
        ),
    ] = None,
    json_output: JsonOption = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Archive files from one source: originals, records, matches, a signed custody log.

    Resumable (run the same command again after an interruption) and idempotent. Exit code
    1 when some files are quarantined (their bytes are archived; see --retry-failed), in
    this run or an earlier one that no --retry-failed has read since; 12 when the
    --scheduler's cluster cannot be reached or goes away (run the same command again).
    """
    from contextlib import nullcontext

    from verify.archive.cluster import Scheduler
    from verify.archive.ingest import ingest
    from verify.archive.ingest import retry_failed as retry
    from verify.archive.progress import RichProgress
    from verify.archive.selection import Selection
    from verify.options import UsageError

    selection = Selection(include or (), exclude or ())
    cluster = Scheduler.parse(scheduler) if scheduler is not None else None
    if cluster is not None and retry_failed:
        raise UsageError("--retry-failed reads on this machine: leave out --scheduler")
    archive = _open(archive_path, writes=True)
    options = reading.options(cache_dir=archive.cache_dir)
    bar = RichProgress(_err) if not quiet and _err.is_terminal else None
    with archive, bar if bar is not None else nullcontext():
        if retry_failed:
            summary = retry(archive, options=options, progress=bar)
        else:
            if not paths or not source:
                raise UsageError("give files or folders and --source (or use --retry-failed)")
            summary = ingest(
                archive,
                paths,
                source=source,
                note=note,
                options=options,
                progress=bar,
                select=selection,
                scheduler=cluster,
            )
    if json_output:
        _print_json({**summary.to_json(), "left_out": [str(p) for p in selection.left_out]})
    else:
        for outcome in summary.outcomes:
            if outcome.status in ("failed", "unreadable"):
                _err.print(printable(f"verify: quarantined: {_named(outcome)}"))
            elif outcome.status == "skipped":
                _err.print(printable(f"verify: skipped: {outcome.path}: {outcome.reason}"))
        _out.print(
            f"ingested {summary.ingested}, duplicates {summary.duplicates}, already archived "
            f"{summary.already}, matches found {summary.matches}, failed {summary.failed} "
            f"({summary.files} files, {summary.pages} pages, {summary.seconds:.1f} s, "
            f"{summary.extract_seconds:.1f} s of them extracting; "
            f"log size {summary.tree_size}, signed)"
            + (f"; skipped {summary.skipped} symbolic link(s)" if summary.skipped else "")
            + (
                f"; left out {len(selection.left_out)} by --include/--exclude"
                if selection.left_out
                else ""
            ),
            markup=False,
        )
    raise typer.Exit(int(ExitCode.some_failed if summary.failed else ExitCode.ok))


def _named(outcome: FileOutcome) -> str:
    """``path: reason``, naming the file once (most reasons already start with it).

    A hint naming an option ``ingest`` lacks (``--max-pixels`` of ``extract``) is left out.
    """
    from verify.errors import without_foreign_hints

    reason = without_foreign_hints(outcome.reason or "", function_options(ingest_command))
    return reason if reason.startswith(outcome.path) else f"{outcome.path}: {reason}"


@reading_command
def search_command(
    file: Annotated[Path, typer.Argument(help="A document (or saved record) to look up.")],
    reading: Reading,
    archive_path: ArchiveOption = Path(),
    top: Annotated[int, typer.Option("--top", "-k", min=1, help="How many matches.")] = 10,
    json_output: JsonOption = False,
) -> None:
    """Find archived documents matching FILE, each with its compare verdict and score."""
    from verify.archive import private
    from verify.archive.query import file_names, found_json, search

    with _open(archive_path) as archive:
        options = private.archive_options(archive, reading.options(cache_dir=archive.cache_dir))
        found = search(archive, file, options, k=top)
        rows = [found_json(f, file_names(archive, f.sha256)) for f in found]
    if json_output:
        _print_json({"query": str(file), "matches": rows})
        return
    if not rows:
        _out.print("no match in the archive")
    for row in rows:
        names = ", ".join(row["file_names"]) or "-"
        _out.print(
            printable(
                f"{row['sha256']}  {names}  {row['verdict']:<14} {row['score']:.2f}  "
                f"{row['reason']}"
            )
        )


def show_command(
    doc_id: Annotated[str, typer.Argument(help="Document id: its sha256 or 8+ leading digits.")],
    archive_path: ArchiveOption = Path(),
    json_output: JsonOption = False,
) -> None:
    """Show a document's record summary, receipts (sources, when) and matches."""
    from verify.archive.query import show, show_lines

    with _open(archive_path) as archive:
        info = show(archive, doc_id)
    if json_output:
        _print_json(info)
        return
    for line in show_lines(info):
        _out.print(printable(line))


@archive_app.command("verify")
def verify_command(
    path: Annotated[Path, typer.Argument(help="The archive folder.")],
    public_key: Annotated[
        Path | None, typer.Option("--public-key", help="Pin the key (default keys/signing.pub).")
    ] = None,
    since: Annotated[
        Path | None,
        typer.Option(
            "--since",
            help="A checkpoint saved earlier (verify archive head): prove the log continues it.",
        ),
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """Re-hash every original and check the custody log, every table row and signed tree heads.

    Exit code 11 when anything was changed, deleted, inserted or not signed by the key
    (every affected row named by table and field), or, with --since, when the archive was
    rolled back or forked since that checkpoint. Opens the archive read-only.
    """
    from verify.archive import open_archive
    from verify.archive.private import loose_paths
    from verify.archive.signing import load_public_key
    from verify.archive.verify_archive import verify_archive

    key = load_public_key(public_key) if public_key else None
    saved = _read_text(since) if since is not None else None
    with open_archive(path, readonly=True) as archive:
        report = verify_archive(archive, key)
        if saved is not None:
            _check_since(archive, saved, key or archive.public_key(), report)
    report.notes.extend(loose_paths(path))  # readable by others: a note, not tampering
    if json_output:
        _print_json(report.to_json())
    else:
        for problem in report.problems:
            who = problem.sha256 or "-"
            _out.print(printable(f"TAMPERED {problem.kind}: {who}: {problem.detail}"))
        for note in report.notes:
            _out.print(printable(f"note: {note}"))
        _out.print(
            f"{'OK' if report.ok else 'FAILED'}: {report.documents} documents, "
            f"{report.original_bytes / 1e6:.1f} MB re-hashed at "
            f"{report.megabytes_per_second:.0f} MB/s, "
            f"log {report.log_size} entries, {report.tree_heads} signed tree heads",
            markup=False,
        )
    if not report.ok:
        raise IntegrityError(
            f"the archive does not verify: {len(report.problems)} problem(s), affected documents: "
            + (", ".join(report.affected) or "none named")
        )


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise IntegrityError(f"cannot read the checkpoint {path}: {error}") from error


def _check_since(archive: Archive, text: str, key: Any, report: Any) -> None:
    """Add the --since verdict to the report: a problem when rolled back or forked."""
    from verify.archive.rows import Problem
    from verify.archive.since import check_since

    since = check_since(archive, text, key)
    report.since = since.to_json()
    if since.ok:
        report.notes.append(f"since the checkpoint: {since.detail}")
    else:
        report.problems.append(Problem(since.verdict, None, since.detail))


@archive_app.command("head")
def head_command(
    path: Annotated[Path, typer.Argument(help="The archive folder.")],
    json_output: JsonOption = False,
) -> None:
    """Print the newest signed tree head as a C2SP checkpoint (a signed note) to publish.

    Save it outside the archive (mail it, commit it to a public repository, hand it to a
    witness); `verify archive verify ARCHIVE --since FILE` later proves the archive still
    continues it. Reads only.
    """
    from verify.archive import custody, open_archive
    from verify.archive.signing import format_checkpoint

    with open_archive(path, readonly=True) as archive:
        head = custody.latest_head(archive.store)
        key = archive.public_key()
        if head is None or not head.verify(key):
            raise IntegrityError(
                f"{path} has no signed tree head that verifies: run verify archive verify"
            )
        text = format_checkpoint(head, key)
    if json_output:
        _print_json({"checkpoint": text, **head.to_json()})
    else:
        sys.stdout.write(text)


@archive_app.command("prove")
def prove_command(
    doc_id: Annotated[str, typer.Argument(help="Document id: its sha256 or 8+ leading digits.")],
    archive_path: ArchiveOption = Path(),
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the proof here.")
    ] = None,
) -> None:
    """Emit an inclusion proof (leaf, audit path, signed tree head) for one document, as JSON."""
    from verify.archive.proof import prove
    from verify.options import output_file

    output = output_file(output, "--output")
    with _open(archive_path, writes=True) as archive:
        proof = prove(archive, doc_id)
    text = json.dumps(proof, ensure_ascii=False, indent=1)
    if output:
        output.write_text(text + "\n", encoding="utf-8")
        _err.print(printable(f"proof written to {output}"))
    else:
        print(json_safe(text))


@archive_app.command("reextract")
@reading_command
def reextract_command(
    path: Annotated[Path, typer.Argument(help="The archive folder.")],
    reading: Reading,
    json_output: JsonOption = False,
) -> None:
    """Re-run extraction and fingerprints on every document (after a rules or model update).

    Reuses the archive's OCR cache, so unchanged pages are not OCRed again.
    """
    from verify.archive.reextract import reextract

    with _open(path, writes=True) as archive:
        summary = reextract(archive, reading.options(cache_dir=archive.cache_dir))
    if json_output:
        _print_json(summary.to_json())
    else:
        _out.print(
            f"{summary.documents} documents: {summary.changed} changed, {summary.unchanged} "
            f"unchanged, {summary.failed} failed, {summary.new_links} new links",
            markup=False,
        )


@proof_app.command("check")
def proof_check_command(
    proof: Annotated[Path, typer.Argument(help="A proof from `verify archive prove`.")],
    public_key: Annotated[
        Path, typer.Option("--public-key", help="The archive's public key (PEM).")
    ],
    json_output: JsonOption = False,
) -> None:
    """Verify a proof with only the public key; exit code 11 if it does not hold."""
    from verify.archive.proof import check_proof, load_proof
    from verify.archive.signing import load_public_key

    try:
        text = proof.read_text(encoding="utf-8")
    except OSError as error:
        raise IntegrityError(f"cannot read {proof}: {error}") from error
    result = check_proof(load_proof(text), load_public_key(public_key))
    if json_output:
        _print_json({"valid": True, **result.__dict__})
    else:
        _out.print(
            printable(
                f"VALID: document {result.document_sha256} was received {result.received_at}; "
                f"in a log of {result.tree_size} entries signed {result.signed_at} "
                f"by key {result.key_id}"
            )
        )


def register(app: typer.Typer) -> None:
    """Add the archive commands to the main ``verify`` app."""
    app.command("ingest")(ingest_command)
    app.command("search")(search_command)
    app.command("show")(show_command)
    app.add_typer(archive_app, name="archive")
    app.add_typer(proof_app, name="proof")
