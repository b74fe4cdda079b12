"""Page children that inherit the process's OCR models, against children that load their own.

Usage::

    python benchmarks/page_children.py DIR [--lang fr] [--rounds 2] [--cores 1]

Every OCR page runs in a forked child that dies with what it loaded. From its second page
on, a process loads the models its children used and later children inherit them
(``verify.reading.read._ModelsForChildren``). This benchmark reads every ``*.jpg`` in
``DIR`` one after another in one process, as ``verify extract a.jpg b.jpg ...`` does,
with that inheritance and without it, taking turns for ``--rounds`` rounds, pinned to
``--cores`` cores (one core stands for a machine busy with other work: with a core to
spare, a child loads its model in a thread while it decodes the photo, and the loading
hides). Prints seconds per photo and the children's CPU seconds, and their ratios.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ONE_RUN = """
import os, sys, time
from pathlib import Path
from verify.options import ExtractOptions
from verify.pipeline import extract
from verify.reading import read
if sys.argv[1] == "own":
    read._models_for_children.before_page = lambda: None
options = ExtractOptions(jobs=1, cache_dir=None, languages=(sys.argv[2],))
photos = [Path(p) for p in sys.argv[3:]]
extract(photos[0], options)
started, before = time.perf_counter(), os.times()
for photo in photos:
    extract(photo, options)
after = os.times()
children = after.children_user + after.children_system
children -= before.children_user + before.children_system
print((time.perf_counter() - started) / len(photos), children / len(photos))
"""


def run(mode: str, lang: str, photos: list[Path], cores: int) -> tuple[float, float]:
    os.sched_setaffinity(0, set(range(cores)))
    done = subprocess.run(
        [sys.executable, "-c", ONE_RUN, mode, lang, *map(str, photos)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "OMP_THREAD_LIMIT": "1"},
    )
    seconds, cpu = done.stdout.split()
    return float(seconds), float(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="photos to read (never committed)")
    parser.add_argument("--lang", default="fr")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--cores", type=int, default=1)
    args = parser.parse_args()
    photos = sorted(args.folder.glob("*.jpg"))
    if not photos:
        parser.error(f"no *.jpg in {args.folder}")
    print(
        f"page children: {len(photos)} photos from {args.folder}, --lang {args.lang}, "
        f"{args.cores} core(s), {args.rounds} rounds, {time.strftime('%Y-%m-%d %H:%M')}"
    )
    figures: dict[str, list[tuple[float, float]]] = {"own": [], "inherited": []}
    for round_number in range(1, args.rounds + 1):
        for mode in figures:
            seconds, cpu = run(mode, args.lang, photos, args.cores)
            figures[mode].append((seconds, cpu))
            print(
                f"  round {round_number}, {mode:9} models: {seconds:.2f} s/photo, {cpu:.2f} s CPU"
            )
    own_s = statistics.mean(s for s, _ in figures["own"])
    own_cpu = statistics.mean(c for _, c in figures["own"])
    kept_s = statistics.mean(s for s, _ in figures["inherited"])
    kept_cpu = statistics.mean(c for _, c in figures["inherited"])
    print(
        f"mean per photo: children loading their own models {own_s:.2f} s ({own_cpu:.2f} s CPU), "
        f"inheriting the process's {kept_s:.2f} s ({kept_cpu:.2f} s CPU): "
        f"{kept_s / own_s:.2f}x the time, {kept_cpu / own_cpu:.2f}x the CPU"
    )


if __name__ == "__main__":
    main()
