"""The flags several commands share, declared once, and the options object built from them.

Every command that reads documents (``extract``, ``compare``, ``index``, ``match``,
``ingest``, ``search``, ``archive reextract``, ``corroborate``, ``forensics``, ``scrub``)
is declared with ``@reading_command``, which gives it the one group of reading flags
(``--lang``, ``--password-file``, ``--jobs``, ``--no-cache`` and the limits and budgets of
``cli_budget``) and hands the command a ``Reading`` of their values. So a flag means the
same thing in every command, and a command that reads documents cannot lack one: the way
OCRmyPDF's ``get_parser`` builds its argument groups once for every entry point.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from verify.cli.budget_options import (
    FileSecondsOption,
    MaxPagesOption,
    MaxPixelsOption,
    PageMemoryOption,
    PageSecondsOption,
    budget_values,
)
from verify.cli.passwords import PasswordOption

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
JobsOption = Annotated[
    int | None, typer.Option("--jobs", help="Pages OCRed in parallel; default: one per core.")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable JSON output.")]


@dataclass(frozen=True)
class Reading:
    """The values of the reading flags a command was given (None: the default)."""

    lang: str | None = None
    password: str | None = None
    jobs: int | None = None
    no_cache: bool = False
    max_pixels: int | None = None
    max_pages: int | None = None
    page_seconds: float | None = None
    page_memory: int | None = None
    file_seconds: float | None = None

    def options(self, *, cache_dir: Path | None = None, dpi: int = 300) -> ExtractOptions:
        """The run's ``ExtractOptions``; ``cache_dir`` (an archive's) unless ``--no-cache``."""
        options = extract_options(
            lang=self.lang,
            password=self.password,
            jobs=self.jobs,
            dpi=dpi,
            cache_dir=cache_dir,
            no_cache=self.no_cache,
        )
        budgets = budget_values(
            self.max_pixels, self.max_pages, self.page_seconds, self.page_memory, self.file_seconds
        )
        return dataclasses.replace(options, **budgets) if budgets else options


_READING_FLAGS: tuple[tuple[str, Any], ...] = (
    ("lang", LangOption),
    ("password", PasswordOption),
    ("jobs", JobsOption),
    ("no_cache", NoCacheOption),
    ("max_pixels", MaxPixelsOption),
    ("max_pages", MaxPagesOption),
    ("page_seconds", PageSecondsOption),
    ("page_memory", PageMemoryOption),
    ("file_seconds", FileSecondsOption),
)
"""The reading group: parameter names (``Reading``'s fields) and their one declaration."""

READING_FLAGS = frozenset(
    {"--lang", "--password-file", "--jobs", "--no-cache", "--max-pixels", "--max-pages"}
    | {"--page-seconds", "--page-memory", "--file-seconds"}
)
"""The flags of the reading group, as a user types them."""


def reading_command(command: Callable[..., None]) -> Callable[..., None]:
    """Give ``command`` the reading flags; it receives their values as ``reading: Reading``.

    The command declares its own arguments and flags and one parameter ``reading``; the
    wrapper's signature (what typer turns into flags) replaces ``reading`` by the group.
    """
    signature = inspect.signature(command, eval_str=True)
    own = [p for name, p in signature.parameters.items() if name != "reading"]
    if len(own) == len(signature.parameters):
        raise TypeError(f"{command.__name__} must take a 'reading' parameter")
    group = [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=kind)
        for (name, kind), default in zip(
            _READING_FLAGS, (getattr(Reading(), name) for name, _ in _READING_FLAGS), strict=True
        )
    ]

    @functools.wraps(command)
    def wrapper(**values: Any) -> None:
        flags = {name: values.pop(name) for name, _ in _READING_FLAGS}
        command(**values, reading=Reading(**flags))

    own_kinds = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in own]
    wrapper.__signature__ = signature.replace(parameters=[*own_kinds, *group])  # type: ignore[attr-defined]
    wrapper.__annotations__ = {p.name: p.annotation for p in (*own_kinds, *group)}
    return wrapper


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
