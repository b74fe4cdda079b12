"""The flags several commands share, declared once, and the options object built from them.

Each reading command (``extract``, ``compare``, ``match``, ``ingest``, ``search``,
``corroborate``) takes the same ``--lang``, ``--password-file`` and cache flags and hands
them to ``extract_options``, which builds the one ``ExtractOptions`` of the run: a flag
means the same thing in every command, and a command that reads documents cannot lack one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from verify.options import ExtractOptions


def languages(value: str | None) -> tuple[str, ...] | None:
    """``--lang ru,uk`` as a tuple; None (choose per page) when absent or ``auto``."""
    if value is None or value == "auto":
        return None
    return tuple(part.strip() for part in value.split(",") if part.strip())


def extract_options(
    lang: str | None = None,
    password: str | None = None,
    jobs: int | None = None,
    dpi: int = 300,
    max_pixels: int | None = None,
    max_pages: int | None = None,
    cache_dir: Path | None = None,
    no_cache: bool = False,
) -> ExtractOptions:
    """The one options object of a run, from the flags every reading command shares."""
    from verify.options import ExtractOptions

    values: dict[str, object] = {
        "languages": languages(lang),
        "password": password,
        "render_dpi": dpi,
    }
    optional = {"jobs": jobs, "max_pixels": max_pixels, "max_pages": max_pages}
    values.update({key: value for key, value in optional.items() if value is not None})
    if no_cache:
        values["cache_dir"] = None
    elif cache_dir is not None:
        values["cache_dir"] = cache_dir
    return ExtractOptions(**values)  # type: ignore[arg-type]


LangOption = Annotated[
    str | None, typer.Option("--lang", help="OCR language(s), e.g. ru or ru,uk; default: per page.")
]
NoCacheOption = Annotated[
    bool, typer.Option("--no-cache", help="Do not read or write the OCR cache.")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable JSON output.")]


def command_options(app: typer.Typer, argv: Sequence[str]) -> frozenset[str] | None:
    """The flags of the command of ``app`` that ``argv`` names (``["archive", "verify"]``).

    None when ``argv`` names no single command. An error's hint to pass a flag is shown only
    when the command has that flag (see ``verify.errors.without_foreign_hints``).
    """
    command = typer.main.get_command(app)
    for word in argv:
        commands = getattr(command, "commands", None)
        if commands is None:
            break
        if not word.startswith("-"):
            command = commands.get(word)
            if command is None:
                return None
    if getattr(command, "commands", None) is not None:
        return None
    return frozenset(
        name for param in command.params for name in (*param.opts, *param.secondary_opts)
    )


def function_options(function: Callable[..., Any]) -> frozenset[str]:
    """The flags of the command that ``function`` declares, wherever it is registered."""
    app = typer.Typer()
    app.command()(function)
    return command_options(app, ()) or frozenset()
