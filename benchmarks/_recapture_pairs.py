"""`compare` on real recaptures: every pair of renditions of a real set, expected against found.

Usage::

    python benchmarks/_recapture_pairs.py DIR [--set dyslexia] [--half tuning|check|both]
                                              [--records OUT] [--lang fr]

``DIR`` is a copy of the set's folder (never committed); ``benchmarks/real_sets/<set>.json``
names each sheet's born-digital original, phone photos and flatbed scans. Every rendition is
extracted once and its record kept as JSON in ``--records`` (default ``DIR/../records``), so a
second run compares without reading a page.

Within a sheet every pair of renditions (photo/photo, photo/scan, photo/original, scan/original)
should be ``same_document``; across sheets, ``unrelated``. A pair belongs to the tuning half
only when both sheets do; any pair touching a check sheet belongs to the check half, so tuning
on the tuning half never looks at check material.

``pair_table`` (records in, rows out) and ``print_pair_table`` are what
``benchmarks/real_photos.py`` imports.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from verify import extract  # noqa: E402
from verify.errors import VerifyError  # noqa: E402
from verify.matching.compare import Comparison, compare  # noqa: E402
from verify.options import ExtractOptions  # noqa: E402
from verify.record import Record  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _real_sets import HALVES, Sheet, load_set  # noqa: E402


@dataclass(frozen=True)
class Rendition:
    """One extracted file of a sheet."""

    sheet: str
    half: str
    kind: str  # "photo", "scan" or "original"
    name: str
    record: Record


@dataclass(frozen=True)
class PairRow:
    """One compared pair: what was expected, what compare said."""

    half: str
    left: str
    right: str
    kinds: str
    expected: str
    verdict: str
    reason: str

    @property
    def right_verdict(self) -> bool:
        return self.expected == self.verdict


def _files(sheet: Sheet) -> Iterable[tuple[str, Path]]:
    if sheet.original.suffix != ".txt":  # a typed transcript is a reference, not a rendition
        yield "original", sheet.original
    for scan in sheet.scans:
        yield "scan", scan
    for photo in sheet.photos:
        yield "photo", photo


def load_renditions(
    sheets: Sequence[Sheet], records_dir: Path, lang: str, halves: Iterable[str] = HALVES
) -> list[Rendition]:
    """Every file of the chosen halves' sheets as a record: read from ``records_dir`` when
    kept there (``<sheet>__<stem>.json``, as ``real_photos.py`` names them), else extracted
    and kept."""
    records_dir.mkdir(parents=True, exist_ok=True)
    options = ExtractOptions(jobs=1, cache_dir=None, languages=(lang,))
    out = []
    for sheet in sheets:
        if sheet.half not in halves:
            continue
        for kind, path in _files(sheet):
            kept = records_dir / f"{sheet.name}__{path.stem}.json"
            if kept.is_file():
                record = Record.model_validate_json(kept.read_text(encoding="utf-8"))
            else:
                start = time.perf_counter()
                record = extract(path, options)
                kept.write_text(record.to_json(), encoding="utf-8")
                print(f"  extracted {path.name} in {time.perf_counter() - start:.1f} s", flush=True)
            out.append(Rendition(sheet.name, sheet.half, kind, path.name, record))
    return out


def pair_table(renditions: Sequence[Rendition]) -> list[PairRow]:
    """Every pair compared: same sheet expects ``same_document``, else ``unrelated``."""
    rows = []
    for a, b in itertools.combinations(renditions, 2):
        result: Comparison = compare(a.record, b.record)
        rows.append(
            PairRow(
                half="tuning" if a.half == b.half == "tuning" else "check",
                left=f"{a.sheet}/{a.name}",
                right=f"{b.sheet}/{b.name}",
                kinds="/".join(sorted((a.kind, b.kind))),
                expected="same_document" if a.sheet == b.sheet else "unrelated",
                verdict=result.verdict,
                reason=result.reason,
            )
        )
    return rows


def summarise(rows: Sequence[PairRow]) -> str:
    """Right verdicts, false ``same_document`` and the confusion counts of some rows."""
    right = sum(r.right_verdict for r in rows)
    false_same = sum(r.verdict == "same_document" != r.expected for r in rows)
    confusion = Counter(f"{r.expected}->{r.verdict}" for r in rows if not r.right_verdict)
    share = f"{right / len(rows):.1%}" if rows else "n/a"
    return f"{right}/{len(rows)} right ({share}), false same_document {false_same}" + (
        f"; wrong: {dict(confusion)}" if confusion else ""
    )


def print_rows(rows: Sequence[PairRow], everything: bool = False) -> None:
    """The table (every row, or the wrong ones only) and a summary line per half."""
    for half in HALVES:
        half_rows = [r for r in rows if r.half == half]
        if not half_rows:
            continue
        print(f"\ncompare on real recaptures, {half} half: {summarise(half_rows)}")
        within = [r for r in half_rows if r.expected == "same_document"]
        across = [r for r in half_rows if r.expected != "same_document"]
        print(f"  same sheet: {summarise(within)}")
        print(f"  other sheets: {summarise(across)}")
        for row in half_rows:
            if everything or not row.right_verdict:
                mark = "ok " if row.right_verdict else "BAD"
                print(
                    f"  {mark} {row.left} | {row.right} ({row.kinds}): expected {row.expected}, "
                    f"got {row.verdict} -- {row.reason}"
                )


def print_pair_table(
    sheets: Sequence[Sheet],
    records_dir: Path,
    lang: str,
    halves: Iterable[str] = HALVES,
    everything: bool = False,
) -> list[PairRow]:
    """Load or extract every rendition, compare every pair, print the table."""
    halves = tuple(halves)
    # A check-half pair may join a tuning sheet to a check sheet: load both then.
    loaded = HALVES if "check" in halves else ("tuning",)
    renditions = load_renditions(sheets, records_dir, lang, loaded)
    rows = [row for row in pair_table(renditions) if row.half in halves]
    print_rows(rows, everything)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="copy of the set's folder (never committed)")
    parser.add_argument("--set", default="dyslexia", help="benchmarks/real_sets/<set>.json")
    parser.add_argument("--half", choices=["tuning", "check", "both"], default="both")
    parser.add_argument("--records", type=Path, help="where records are kept (JSON)")
    parser.add_argument("--lang", help="reading language (default: the set's)")
    parser.add_argument("--all", action="store_true", help="print right rows too")
    args = parser.parse_args()
    if not args.folder.is_dir():
        parser.error(f"{args.folder} is not a folder")
    lang, sheets = load_set(args.folder, args.set)
    records = args.records or args.folder.resolve().parent / "records"
    halves = HALVES if args.half == "both" else (args.half,)
    print(f"compare on real recaptures: {args.folder}, set {args.set}, halves {', '.join(halves)}")
    try:
        print_pair_table(sheets, records, args.lang or lang, halves, args.all)
    except VerifyError as error:
        raise SystemExit(f"error: {error}") from None


if __name__ == "__main__":
    main()
