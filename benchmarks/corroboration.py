"""Claim extraction precision/recall and status accuracy on the claims fixtures.

Reads fixtures/claims/truth.json: for each report (the seed news reports in
../shared/seeds or $VERIFY_SEEDS_DIR, and this repository's own texts in fixtures/claims),
the claims it makes about the founding letter and the status each must get. A claim is
found when verify reads the same (kind, value) from the report (names compared on their
folded surname); status accuracy is over the claims found. Also prints seconds per report.

Targets: recall >= 95%, precision >= 95%, status accuracy 100%.
Usage: python benchmarks/corroboration.py [--document PATH] [--verbose]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from verify.claims import claims_from_file  # noqa: E402
from verify.corroborate import corroborate  # noqa: E402
from verify.pipeline import extract  # noqa: E402
from verify.translit import fold_name  # noqa: E402

TRUTH = ROOT / "fixtures" / "claims" / "truth.json"


def seeds_dir() -> Path:
    """Where the seed news reports are: $VERIFY_SEEDS_DIR or ../shared/seeds."""
    return Path(os.environ.get("VERIFY_SEEDS_DIR") or ROOT.parent / "shared" / "seeds")


def report_path(entry: dict) -> Path:
    """Path of one report of truth.json."""
    base = seeds_dir() if entry["in"] == "seeds" else ROOT / "fixtures" / "claims"
    return base / entry["file"]


def key(kind: str, value: str | None) -> tuple[str, str | None]:
    """Claims meet on kind and value; names on the folded surname."""
    if kind == "signatory_name" and value:
        return kind, fold_name(value).split()[-1]
    return kind, value


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--document", type=Path, default=None)
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    truth = json.loads(TRUTH.read_text(encoding="utf-8"))
    document = args.document or ROOT / truth["document"]
    record = extract(document)
    tp = fp = fn = right = checked = file_ok = 0
    seconds: list[float] = []
    skipped = []
    for entry in truth["reports"]:
        path = report_path(entry)
        if not path.is_file():
            skipped.append(str(path))
            continue
        started = time.perf_counter()
        claims_file = claims_from_file(path)
        findings = corroborate(record, claims_file.claims)
        seconds.append(time.perf_counter() - started)
        got = {key(f.claim.kind, f.claim.value): f.status for f in findings}
        expected = {key(c["kind"], c["value"]): c["status"] for c in entry["claims"]}
        file_ok += claims_file.status == entry["status"]
        tp += len(set(got) & set(expected))
        fp += len(set(got) - set(expected))
        fn += len(set(expected) - set(got))
        for claim in set(got) & set(expected):
            checked += 1
            right += got[claim] == expected[claim]
            if args.verbose and got[claim] != expected[claim]:
                print(f"  {entry['file']}: {claim}: {got[claim]}, expected {expected[claim]}")
        if args.verbose:
            for claim in set(got) - set(expected):
                print(f"  {entry['file']}: extra {claim}")
            for claim in set(expected) - set(got):
                print(f"  {entry['file']}: missed {claim}")
    total = len(truth["reports"]) - len(skipped)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    accuracy = right / checked if checked else 1.0
    print(f"document: {document.relative_to(ROOT) if document.is_relative_to(ROOT) else document}")
    print(f"reports: {total} ({len(skipped)} skipped: not found)")
    for path in skipped:
        print(f"  skipped {path}")
    print(f"claims expected: {tp + fn}, read: {tp + fp}, matching: {tp}")
    print(f"claim extraction precision: {precision:.1%} (target >= 95%)")
    print(f"claim extraction recall:    {recall:.1%} (target >= 95%)")
    print(f"status accuracy:            {accuracy:.1%} over {checked} claims (target 100%)")
    print(f"file status (ok / no_claims) right: {file_ok}/{total}")
    if seconds:
        print(f"seconds per report: mean {sum(seconds) / len(seconds):.3f}, max {max(seconds):.3f}")
    return 0 if precision >= 0.95 and recall >= 0.95 and accuracy == 1.0 else 1


if __name__ == "__main__":
    sys.exit(main())
