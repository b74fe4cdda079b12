"""How well `compare` tells documents apart: a confusion matrix on the fixtures, and the
false-match rate on a larger generated set with hard negatives.

1. Fixtures: every rendition (born-digital, scan, low-quality JPEG, phone photo, image-only
   PDF) of every letter is extracted, then every pair is compared. Expected: renditions of one
   letter are `same_document` (a file against a byte copy of itself is `identical`); the founding
   letter against its copy to another addressee is `variant`; against its doctored copy (same
   number, other date, signatory, an added specialty) `conflict`; every other pair `unrelated`,
   also two letters of one ministry on the same blank.
2. Generated: N letters made from the fixture letters' templates (same letterhead, layout,
   addressee and signatory; another number, date, subject and body drawn from the other letters of
   the language), each as a born-digital PDF and as a 300-dpi scan read by OCR. Pairs of one
   letter should be `same_document`; pairs of different letters (hard negatives: same template)
   `unrelated`. Prints the false-match rate (negatives not `unrelated`) and the false non-match
   rate.
3. Latency of `compare` on two already-extracted records (target < 50 ms).
4. A batch: every fixture rendition against the other renditions of its letter, as an archive
   compares each new copy with the archived copies of its letter, with one `Comparer` held for
   the whole run (as an open archive holds one) and with `compare(a, b)` (a fresh one per pair),
   in turns; prints both and their ratio, which says whether what the `Comparer` keeps pays.

Usage: python benchmarks/matching.py [--generated 40 (0: none)] [--skip-fixtures]
"""

from __future__ import annotations

import argparse
import copy
import itertools
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "fixtures"))
os.environ.setdefault("VERIFY_CACHE_DIR", str(Path(tempfile.gettempdir()) / "verify-bench-cache"))

import _degrade  # noqa: E402
import _render  # noqa: E402
import numpy as np  # noqa: E402
from _layout import compose  # noqa: E402

from verify import extract  # noqa: E402
from verify.matching.compare import Comparer, compare  # noqa: E402
from verify.record import Record  # noqa: E402

DOCUMENTS = ROOT / "fixtures" / "documents"
LETTERS = ROOT / "fixtures" / "letters"
RENDITIONS = ["born_digital.pdf", "scan_300dpi.png", "lowq.jpg", "photo.jpg", "image_only.pdf"]
MONTHS = "January February March April May June July August September October November December"
MONTHS = MONTHS.split()
VERDICTS = ["identical", "same_document", "variant", "conflict", "unrelated"]
FOUNDING = "ru_minzdrav_founding"
SAME_ACT = {FOUNDING, f"{FOUNDING}_variant", f"{FOUNDING}_doctored"}


def expected_verdict(a: tuple[str, str], b: tuple[str, str]) -> str:
    (letter_a, file_a), (letter_b, file_b) = a, b
    if letter_a == letter_b:
        return "identical" if file_a == file_b else "same_document"
    if {letter_a, letter_b} <= SAME_ACT:
        return "conflict" if "doctored" in letter_a + letter_b else "variant"
    return "unrelated"


def print_matrix(title: str, pairs: list[tuple[str, str]]) -> int:
    """Rows: expected verdict; columns: verdict given. Returns the number of errors."""
    counts = Counter(pairs)
    print(f"\n{title}: {len(pairs)} pairs (rows expected, columns found)")
    print(" " * 15 + "".join(f"{v[:13]:>14}" for v in VERDICTS))
    for want in VERDICTS:
        if any(w == want for w, _ in pairs):
            print(f"{want:<15}" + "".join(f"{counts[(want, got)]:>14}" for got in VERDICTS))
    errors = sum(n for (want, got), n in counts.items() if want != got)
    print(f"errors: {errors} of {len(pairs)}")
    return errors


def fixture_matrix() -> list[Record]:
    keys, records = [], []
    for folder in sorted(p for p in DOCUMENTS.iterdir() if p.is_dir()):
        for name in RENDITIONS:
            if (folder / name).exists():
                keys.append((folder.name, name))
                records.append(extract(folder / name))
    # A byte copy of one file stands for the same bytes received from two sources.
    with tempfile.TemporaryDirectory() as tmp:
        copy_path = Path(tmp) / "copy.pdf"
        copy_path.write_bytes((DOCUMENTS / FOUNDING / "born_digital.pdf").read_bytes())
        keys.append((FOUNDING, "born_digital.pdf"))
        records.append(extract(copy_path))
    results, mistakes = [], []
    for (ka, ra), (kb, rb) in itertools.combinations(zip(keys, records, strict=True), 2):
        want, got = expected_verdict(ka, kb), compare(ra, rb)
        results.append((want, got.verdict))
        if want != got.verdict:
            mistakes.append(
                f"  {ka[0]}/{ka[1]} vs {kb[0]}/{kb[1]}: {got.verdict}, want {want} ({got.reason})"
            )
    print_matrix("fixtures", results)
    for line in mistakes[:40]:
        print(line)
    return records


def _variants(count: int, rng: random.Random) -> list[dict]:
    """Letters on the fixtures' templates with another number, date, subject and body."""
    bases = [
        json.loads(p.read_text(encoding="utf-8"))
        for p in sorted(LETTERS.glob("*.json"))
        if not p.stem.startswith(f"{FOUNDING}_")
    ]
    pools: dict[str, dict[str, list]] = {}
    for letter in bases:
        pool = pools.setdefault(letter["language"], {"body": [], "subject": []})
        pool["body"].extend(p for p in letter["layout"]["body"] if not p.startswith("- "))
        pool["subject"].append(letter["layout"]["subject"])
    made = []
    for index in range(count):
        base = copy.deepcopy(bases[index % len(bases)])
        layout, pool = base["layout"], pools[base["language"]]
        day, month = rng.randint(1, 28), rng.randint(1, 12)
        number = f"{rng.randint(10, 99)}-{rng.randint(1, 9)}/{rng.randint(1000, 9999)}"
        if layout.get("registration"):
            layout["registration"] = f"{day:02d}.{month:02d}.2022 № {number}"
        if layout.get("date_line"):
            layout["date_line"] = f"{day} {MONTHS[month - 1]} 2022"
        layout["subject"] = rng.choice(pool["subject"])
        layout["body"] = rng.sample(pool["body"], k=min(4, len(pool["body"])))
        base["id"] = f"generated_{index:03d}"
        made.append(base)
    return made


def generated_set(count: int) -> None:
    rng = random.Random(20221125)
    letters = _variants(count, rng)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        digital, scanned = [], []
        for letter in letters:
            pdf = _render.born_digital(compose(letter))
            (folder / f"{letter['id']}.pdf").write_bytes(pdf)
            grey, _ = _degrade.scan(_render.raster(pdf, 300), np.random.default_rng(len(digital)))
            (folder / f"{letter['id']}.png").write_bytes(_degrade.encode(grey, "PNG", dpi=300))
            digital.append(extract(folder / f"{letter['id']}.pdf"))
            scanned.append(extract(folder / f"{letter['id']}.png"))
    positives = [
        ("same_document", compare(a, b).verdict) for a, b in zip(digital, scanned, strict=True)
    ]
    negatives = []
    same_template = 0
    overlapping: Counter[str] = Counter()
    for i, j in itertools.combinations(range(len(letters)), 2):
        shared = set(letters[i]["layout"]["body"]) & set(letters[j]["layout"]["body"])
        for a, b in ((digital[i], digital[j]), (digital[i], scanned[j])):
            verdict = compare(a, b).verdict
            if shared:
                # Drawn from one small pool, these two share body paragraphs: not "different
                # content", so not counted as negatives; their verdicts are shown apart.
                overlapping[verdict] += 1
                continue
            negatives.append(("unrelated", verdict))
            same_template += (
                letters[i]["layout"]["letterhead"] == letters[j]["layout"]["letterhead"]
            )
    print_matrix(f"generated ({count} letters, born-digital and OCRed scan)", positives + negatives)
    false_matches = sum(got != "unrelated" for _, got in negatives)
    misses = sum(got != "same_document" for _, got in positives)
    print(
        f"false-match rate: {false_matches}/{len(negatives)} = {false_matches / len(negatives):.4%}"
        f" ({same_template} of the negative pairs share a letterhead and layout)"
    )
    print(f"false non-match rate: {misses}/{len(positives)} = {misses / len(positives):.2%}")
    print(
        f"pairs left out because they share body paragraphs: {sum(overlapping.values())}, "
        f"verdicts {dict(overlapping)}"
    )


def compare_latency(records: list[Record]) -> None:
    a, b = records[0], records[1]
    compare(a, b)
    times = []
    for _ in range(50):
        start = time.perf_counter()
        compare(a, b)
        times.append(time.perf_counter() - start)
    p50 = statistics.median(times) * 1000
    p99 = sorted(times)[int(len(times) * 0.99) - 1] * 1000
    print(
        f"\ncompare on two extracted records: p50 {p50:.1f} ms, p99 {p99:.1f} ms (target < 50 ms)"
    )


def batch_latency(records: list[Record], rounds: int = 6) -> None:
    letters: dict[str, list[Record]] = {}
    for record in records:
        letters.setdefault(Path(record.source.path).parent.name, []).append(record)
    pairs = [pair for copies in letters.values() for pair in itertools.permutations(copies, 2)]
    held = Comparer()  # kept for the whole run, as an open archive keeps its MatchState's

    def kept() -> None:
        for a, b in pairs:
            held.compare(a, b)

    def fresh() -> None:
        for a, b in pairs:
            compare(a, b)

    kept()  # warm: imports, and the comparisons a process has already seen
    seconds = {"kept": 0.0, "fresh": 0.0}
    for turn in range(rounds):  # in turns, each going first as often: drift weighs on both
        order = (("kept", kept), ("fresh", fresh))
        for name, run in order if turn % 2 == 0 else order[::-1]:
            start = time.perf_counter()
            run()
            seconds[name] += time.perf_counter() - start
    per = {name: 1e6 * total / (rounds * len(pairs)) for name, total in seconds.items()}
    print(
        f"\nbatch: {len(pairs)} comparisons of copies of one letter, {rounds} rounds: one held"
        f" Comparer {per['kept']:.0f} us a comparison, compare(a, b) {per['fresh']:.0f} us;"
        f" ratio {per['fresh'] / per['kept']:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generated", type=int, default=40, help="generated letters")
    parser.add_argument("--skip-fixtures", action="store_true")
    args = parser.parse_args()
    print(
        f"verify matching benchmark on {platform.node()} ({os.cpu_count()} cores), "
        f"{time.strftime('%Y-%m-%d')}"
    )
    records = []
    if not args.skip_fixtures:
        records = fixture_matrix()
    if args.generated > 0:  # --generated 0 skips the generated set
        generated_set(args.generated)
    if records:
        compare_latency(records)
        batch_latency(records)


if __name__ == "__main__":
    main()
