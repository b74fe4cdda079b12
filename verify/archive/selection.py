"""Which collected files an ingest takes: ``--include GLOB`` and ``--exclude GLOB``.

A received folder often holds more than documents: a messenger export puts a ``.json`` or
``.txt`` beside each file, and those would only be quarantined. A glob is matched against
the end of each file's path, without regard to case: ``*.json`` matches any JSON file,
``attachments/*.pdf`` the PDFs of any ``attachments`` folder. ``*`` stays within one folder.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path, PurePath


class Selection:
    """Keeps a file when it matches an include (or none is given) and no exclude."""

    def __init__(self, include: Sequence[str] = (), exclude: Sequence[str] = ()) -> None:
        from verify.options import UsageError

        if any(not pattern.strip() for pattern in (*include, *exclude)):
            raise UsageError("--include and --exclude take a glob, e.g. --exclude '*.json'")
        self.include = tuple(pattern.lower() for pattern in include)
        self.exclude = tuple(pattern.lower() for pattern in exclude)
        self.left_out: list[Path] = []  # the files the globs turned away, in order met

    def __call__(self, path: Path) -> bool:
        """True when ``path`` is to be ingested; a file left out is remembered."""
        folded = PurePath(str(path).lower())
        included = not self.include or any(folded.match(p) for p in self.include)
        keep = included and not any(folded.match(p) for p in self.exclude)
        if not keep:
            self.left_out.append(path)
        return keep
