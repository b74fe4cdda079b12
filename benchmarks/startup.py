"""Start-up cost of the command line: how long a fresh ``verify`` process takes to answer.

Run from the repository root: ``python benchmarks/startup.py [--runs N]``. Each command runs
N times (default 7) in a new interpreter, as a user's shell would start it, with the OCR
cache in a throw-away folder; the median and the fastest wall time are printed, each also as
a ratio to the baseline measured in the same run, ``python -c "import pymupdf"`` (what any
command that opens a PDF cannot avoid paying).

The commands: ``verify --help``, ``verify extract --help``, ``verify extract`` of a missing
path (an input error), and ``verify extract`` of a one-page born-digital PDF (the fixture
``en_ministry/born_digital.pdf``: a text layer, no OCR). The target for the last is at most
twice the baseline.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ONE_PAGE = ROOT / "fixtures" / "documents" / "en_ministry" / "born_digital.pdf"


def _seconds(argv: list[str], env: dict[str, str], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    python = sys.executable
    verify = [python, "-m", "verify"]
    with tempfile.TemporaryDirectory() as cache:
        path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
        env = {**os.environ, "VERIFY_CACHE_DIR": cache, "PYTHONPATH": path}
        cases = [
            ('python -c "import pymupdf" (baseline)', [python, "-c", "import pymupdf"]),
            ("verify --help", [*verify, "--help"]),
            ("verify extract --help", [*verify, "extract", "--help"]),
            ("verify extract /missing", [*verify, "extract", "/missing"]),
            ("verify extract (1-page born-digital PDF)", [*verify, "extract", str(ONE_PAGE)]),
        ]
        _seconds(cases[0][1], env, 1)  # warm the disk cache once
        results = [(name, _seconds(argv, env, args.runs)) for name, argv in cases]
    baseline = statistics.median(results[0][1])
    print(f"python {sys.version.split()[0]}, {args.runs} runs each, fresh processes")
    print(f"{'command':<42} {'median s':>9} {'min s':>7} {'x baseline':>11}")
    for name, times in results:
        median = statistics.median(times)
        print(f"{name:<42} {median:>9.2f} {min(times):>7.2f} {median / baseline:>11.2f}")


if __name__ == "__main__":
    main()
