"""Forensics benchmark: detection precision and recall per finding type, and scrub speed.

Run from the repository root: ``python benchmarks/forensics.py``. Ground truth is
fixtures/forensics/truth.json (regenerate with fixtures/forensics/generate.py). A finding
counts when its type is expected for that file; info-severity findings count only where
expected (they are descriptions, not alarms). Target: recall 100%, and no finding of
severity low or above on the clean controls.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from verify.forensics import forensics  # noqa: E402
from verify.forensics.canary import canary_findings  # noqa: E402
from verify.forensics.scrub import scrub  # noqa: E402
from verify.options import ExtractOptions  # noqa: E402
from verify.pipeline import extract  # noqa: E402

FORENSICS = ROOT / "fixtures" / "forensics"
SCRUBBED = ["edited.pdf", "photo_exif.jpg", "dots_scan.png", "stamp_handwritten.png", "clean.pdf"]


def main() -> None:
    truth = json.loads((FORENSICS / "truth.json").read_text(encoding="utf-8"))
    options = ExtractOptions(cache_dir=None)
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # tp, fp, fn
    false_alarms = 0
    started = time.perf_counter()
    for name, entry in truth.items():
        if "expected" not in entry:
            continue
        found = forensics(FORENSICS / name, options=options)
        expected = set(entry["expected"])
        got = {f.type for f in found if f.severity != "info" or f.type in expected}
        for kind in got | expected:
            counts[kind][0 if kind in got and kind in expected else 1 if kind in got else 2] += 1
        if entry.get("clean"):
            false_alarms += len({f.type for f in found if f.severity != "info"})
        print(
            f"{name:28} expected {len(expected):2}  found {len(got):2}  "
            f"missed {sorted(expected - got)}  extra {sorted(got - expected)}"
        )
    canary = truth["canary"]
    records = [extract(FORENSICS / n, options) for n in canary["files"]]
    flagged = {f.data["copy"] for f in canary_findings(records, canary["files"])}
    for name in canary["files"]:
        marked = name in canary["marked"]
        hit = name in flagged
        counts["canary_difference"][0 if hit and marked else 1 if hit else 2] += hit or marked
        false_alarms += hit and not marked
    detect_s = time.perf_counter() - started
    print()
    print(f"{'finding type':28} {'TP':>3} {'FP':>3} {'FN':>3} {'precision':>9} {'recall':>7}")
    total = [0, 0, 0]
    for kind in sorted(counts):
        tp, fp, fn = counts[kind]
        total = [a + b for a, b in zip(total, (tp, fp, fn), strict=True)]
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / (tp + fn) if tp + fn else 1.0
        print(f"{kind:28} {tp:3} {fp:3} {fn:3} {precision:9.2f} {recall:7.2f}")
    tp, fp, fn = total
    print(
        f"{'ALL':28} {tp:3} {fp:3} {fn:3} {tp / max(1, tp + fp):9.2f} {tp / max(1, tp + fn):7.2f}"
    )
    print(f"false alarms on clean controls: {false_alarms}")
    print(f"detection wall time: {detect_s:.1f} s")
    with tempfile.TemporaryDirectory() as folder:
        pages = 0
        started = time.perf_counter()
        for name in SCRUBBED:
            report = scrub(
                FORENSICS / name,
                Path(folder) / f"{name}.pdf",
                options=options,
                redact=("stamps", "executor", "marks"),
                check=False,
            )
            pages += report.pages
        raw = time.perf_counter() - started
        started = time.perf_counter()
        remaining = 0
        for name in SCRUBBED:
            report = scrub(
                FORENSICS / name,
                Path(folder) / f"{name}.pdf",
                options=options,
                redact=("stamps", "executor", "marks"),
            )
            remaining += len(report.remaining)
        checked = time.perf_counter() - started
    print(
        f"scrub at 200 dpi: {pages / raw:.2f} pages/s without the self-check "
        f"(includes extraction for redaction), {pages / checked:.2f} pages/s with it; "
        f"identifying findings remaining in scrubbed copies: {remaining}"
    )


if __name__ == "__main__":
    main()
