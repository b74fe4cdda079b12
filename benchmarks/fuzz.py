"""Long fuzz run: mutated fixtures (or a folder of your files) through extract, forensics, scrub.

Run from the repository root: ``python benchmarks/fuzz.py --minutes 10 [--folder DIR]
[--seed N]``. Each input is a seed file (the small fixture renditions of tests/test_fuzz.py,
plus every file of ``--folder``) with random byte flips, cuts, zeroed runs and splices;
each goes through the three commands in this process, as tests/test_fuzz.py does, with
the page budgets of models/budgets.json (``--page-seconds`` to tighten them).

Printed at the end: inputs tried, outcomes by kind (ok, each VerifyError class, and
``CRASH`` for anything else, with the first examples kept under ``--keep``), the slowest
input, and the largest resident memory of this process and of its children (the page
children and tesseract). Exit code 1 when anything crashed.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import tempfile
import time
import traceback
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.test_fuzz import mutate, seeds  # noqa: E402
from verify.errors import VerifyError  # noqa: E402
from verify.forensics.examine import forensics  # noqa: E402
from verify.forensics.scrub import scrub  # noqa: E402
from verify.options import ExtractOptions  # noqa: E402
from verify.pipeline import extract  # noqa: E402

KINDS = ("flip", "flip", "flip", "cut", "splice", "zero")


def _edits(rng: random.Random) -> list[tuple[str, float, int]]:
    return [(rng.choice(KINDS), rng.random(), rng.randrange(256)) for _ in range(rng.randint(1, 8))]


def _run(path: Path, out: Path, options: ExtractOptions) -> list[str]:
    """The outcome of each command: "ok", a VerifyError class name, or "CRASH <type>"."""
    calls = (
        ("extract", lambda: extract(path, options)),
        ("forensics", lambda: forensics(path, options=options, ocr_checks=False)),
        ("scrub", lambda: scrub(path, out, options=options, check=False)),
    )
    outcomes = []
    for command, call in calls:
        try:
            call()
            outcomes.append(f"{command}: ok")
        except VerifyError as error:
            outcomes.append(f"{command}: {type(error).__name__}")
        except Exception as error:  # noqa: BLE001 - what the run is looking for
            outcomes.append(f"{command}: CRASH {type(error).__name__}")
            traceback.print_exc()
    return outcomes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--folder", type=Path, help="more seed files (PDFs, images)")
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--page-seconds", type=float, default=30.0)
    parser.add_argument("--keep", type=Path, help="folder to keep the inputs that crashed")
    args = parser.parse_args()
    pool = dict(seeds())
    if args.folder:
        pool.update({p.name: p.read_bytes() for p in sorted(args.folder.iterdir()) if p.is_file()})
    names = sorted(pool)
    rng = random.Random(args.seed)
    options = ExtractOptions(cache_dir=None, jobs=1, page_seconds=args.page_seconds)
    outcomes: Counter[str] = Counter()
    tried = crashes = 0
    slowest = (0.0, "")
    deadline = time.monotonic() + args.minutes * 60
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        while time.monotonic() < deadline:
            name = rng.choice(names)
            data = mutate(pool[name], _edits(rng), pool[rng.choice(names)])
            path = work / name
            path.write_bytes(data)
            started = time.monotonic()
            result = _run(path, work / "safe.pdf", options)
            seconds = time.monotonic() - started
            tried += 1
            slowest = max(slowest, (seconds, f"#{tried} {name}"))
            outcomes.update(result)
            if any("CRASH" in item for item in result):
                crashes += 1
                if args.keep:
                    args.keep.mkdir(parents=True, exist_ok=True)
                    (args.keep / f"crash_{tried}_{name}").write_bytes(data)
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"inputs tried: {tried} in {args.minutes:g} min (seed {args.seed}), {len(names)} seeds")
    for outcome, count in sorted(outcomes.items()):
        print(f"  {outcome:<40} {count}")
    print(f"inputs with a crash: {crashes}")
    print(f"slowest input: {slowest[0]:.1f} s ({slowest[1]})")
    print(f"max RSS: {own:.0f} MB in this process, {children:.0f} MB in a child")
    return 1 if crashes else 0


if __name__ == "__main__":
    raise SystemExit(main())
