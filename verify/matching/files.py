"""Compare files or saved records, and find matches among many documents.

The CLI's ``compare``, ``index`` and ``match`` are thin layers over these functions. A side
may be a document (extracted on the fly) or a saved record (``verify extract --json``), so an
editor can compare a new photo against a record kept months ago without re-reading it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from verify.errors import InputMissingError, VerifyError
from verify.matching.compare import Comparer, Comparison, compare
from verify.matching.fingerprint import fingerprints_of
from verify.matching.match_index import Candidate, MatchIndex
from verify.options import ExtractOptions
from verify.pipeline import extract
from verify.record import Record, read_record_file, read_record_json

RECORDS_FILE = "records.jsonl"
"""Inside an index folder: the records the index was built from, one per line."""


def _looks_like_json(path: Path) -> bool:
    with path.open("rb") as handle:
        head = handle.read(64).lstrip()
    return head.startswith(b"{")


def record_of(path: str | os.PathLike[str], options: ExtractOptions) -> Record:
    """A record for ``path``: loaded when it is a saved record, else extracted."""
    path = Path(path)
    if path.is_file() and _looks_like_json(path):
        return read_record_file(path)
    return extract(path, options)


def _side(label: str, path: Path, options: ExtractOptions) -> Record:
    """Load or extract one side of a comparison, naming the side in any error."""
    try:
        return record_of(path, options)
    except VerifyError as error:
        raise type(error)(f"{label} ({path}): {error}") from error


def compare_paths(a: Path, b: Path, options: ExtractOptions) -> Comparison:
    """Compare two files or saved records; errors say which side failed."""
    return compare(_side("first file", a, options), _side("second file", b, options))


@dataclass(frozen=True)
class Match:
    """A known document that may match the query.

    The index's candidate, and the full comparison when the known record is at hand.
    """

    candidate: Candidate
    comparison: Comparison | None


def _documents_in(folder: Path) -> Iterator[Path]:
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.name.startswith("."):
            yield path


def build_index(
    folder: Path,
    options: ExtractOptions,
    *,
    on_error: Callable[[Path, VerifyError], None] | None = None,
) -> tuple[MatchIndex, dict[str, Record]]:
    """Index every document or saved record under ``folder``; ids are relative paths.

    Files that cannot be read are passed to ``on_error`` and left out, so one bad file
    does not stop indexing a folder of thousands.
    """
    if not folder.is_dir():
        raise InputMissingError(f"{folder}: is not a folder: pass a folder of documents")
    index = MatchIndex()
    records: dict[str, Record] = {}
    for path in _documents_in(folder):
        try:
            record = record_of(path, options)
        except VerifyError as error:
            if on_error is not None:
                on_error(path, error)
            continue
        doc_id = path.relative_to(folder).as_posix()
        index.add(doc_id, fingerprints_of(record))
        records[doc_id] = record
    index.build()
    return index, records


def save_index(index: MatchIndex, records: dict[str, Record], target: Path) -> None:
    """Write the index and its records, so ``match`` can give verdicts, not just candidates."""
    index.save(target)
    lines = (record.to_json() + "\n" for record in records.values())
    tmp = target / (RECORDS_FILE + ".tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        handle.writelines(lines)
    tmp.replace(target / RECORDS_FILE)
    ids = list(records)
    (target / "record_ids.json").write_text(json.dumps(ids, ensure_ascii=False))


def load_index(folder: Path) -> tuple[MatchIndex, dict[str, Record]]:
    """Read an index folder written by ``save_index`` (records are optional)."""
    index = MatchIndex.load(folder)
    records: dict[str, Record] = {}
    ids_path, records_path = folder / "record_ids.json", folder / RECORDS_FILE
    if ids_path.is_file() and records_path.is_file():
        ids = json.loads(ids_path.read_text(encoding="utf-8"))
        with records_path.open(encoding="utf-8") as handle:
            for doc_id, line in zip(ids, handle, strict=False):
                records[doc_id] = read_record_json(line)
    return index, records


def is_index(folder: Path) -> bool:
    """True for a folder written by ``save_index`` / ``MatchIndex.save``."""
    return (folder / "header.json").is_file()


def match(
    query: Record,
    index: MatchIndex,
    records: dict[str, Record],
    k: int = 10,
    comparer: Comparer | None = None,
) -> list[Match]:
    """Candidates from the index, each compared in full when its record is known.

    A caller matching many queries against one index passes one ``comparer`` for them all.
    """
    comparer = comparer or Comparer()
    matches = []
    for candidate in index.query(fingerprints_of(query), k=k):
        known = records.get(candidate.doc_id)
        found = comparer.compare(query, known) if known is not None else None
        matches.append(Match(candidate, found))
    return matches
