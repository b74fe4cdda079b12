"""Start-up cost of the command line: how long a fresh ``verify`` process takes to answer.

Run from the repository root: ``python benchmarks/startup.py [--runs N]``. Each command runs
N times (default 7) in a new interpreter, as a user's shell would start it, with the OCR
cache in a throw-away folder; the median and the fastest wall time are printed, the median
also as a ratio to the baseline measured in the same run, ``python -c "import pymupdf"``
(what any command that opens a PDF cannot avoid paying), and so is the median CPU time (user
and system, the process and its children), which a busy machine disturbs far less.

The commands: ``verify --help``, ``verify extract --help``, ``verify extract`` of a missing
path (an input error), and ``verify extract`` of a one-page born-digital PDF (the fixture
``en_ministry/born_digital.pdf``: a text layer, no OCR). The target for the last is at most
twice the baseline.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ONE_PAGE = ROOT / "fixtures" / "documents" / "en_ministry" / "born_digital.pdf"


def _seconds(argv: list[str], env: dict[str, str], runs: int) -> list[tuple[float, float]]:
    """(wall, CPU) seconds of each run; CPU is user + system of the process and its children."""
    times = []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        times.append((wall, cpu))
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
    baseline = statistics.median(wall for wall, _ in results[0][1])
    baseline_cpu = statistics.median(cpu for _, cpu in results[0][1])
    print(f"python {sys.version.split()[0]}, {args.runs} runs each, fresh processes")
    print(
        f"{'command':<42} {'median s':>9} {'min s':>7} {'x baseline':>11}"
        f" {'CPU s':>7} {'CPU x baseline':>15}"
    )
    for name, times in results:
        median = statistics.median(wall for wall, _ in times)
        fastest = min(wall for wall, _ in times)
        cpu = statistics.median(cpu for _, cpu in times)
        print(
            f"{name:<42} {median:>9.2f} {fastest:>7.2f} {median / baseline:>11.2f}"
            f" {cpu:>7.2f} {cpu / baseline_cpu:>15.2f}"
        )


if __name__ == "__main__":
    main()
