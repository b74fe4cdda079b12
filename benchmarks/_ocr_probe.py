"""OCR accuracy and speed of verify's pipeline against plain tesseract, per rendition kind.

For every fixtures/documents/<id>/ rendition that needs OCR (scan_300dpi.png, lowq.jpg,
photo.jpg, image_only.pdf page 1) this prints the character error rate against
truth.json's "text" (Levenshtein on whitespace-normalised text) and the CPU seconds taken,
for ``verify.reading.ocr.ocr_page`` and for plain ``tesseract IMAGE - -l LANG`` on the unprepared
image (a PDF page is first rendered by verify.reading.load at 300 dpi, as verify itself reads it).
Both run single-threaded (OMP_THREAD_LIMIT=1, as verify's workers do) with the OCR cache
off. Usage: python benchmarks/_ocr_probe.py [--auto] [--kinds photo,lowq] [--docs ru_order]
(--auto lets verify choose the language; otherwise it is given the true one).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

os.environ["OMP_THREAD_LIMIT"] = "1"

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402
from rapidfuzz.distance import Levenshtein  # noqa: E402

from verify.options import ExtractOptions  # noqa: E402
from verify.reading.inputs import open_input  # noqa: E402
from verify.reading.load import open_source  # noqa: E402
from verify.reading.ocr import ocr_page  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent / "fixtures" / "documents"
KINDS = ("scan_300dpi.png", "lowq.jpg", "photo.jpg", "image_only.pdf")
TESS = {"ru": "rus", "uk": "ukr", "en": "eng"}


def normalise(text: str) -> str:
    return " ".join(text.split())


def cer(text: str, truth: str) -> float:
    return Levenshtein.normalized_distance(normalise(text), normalise(truth))


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (tesseract runs as a child).

    CPU time, not wall time: on a shared machine other work stretches wall time at
    random, while the CPU a page costs is what decides throughput.
    """
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def plain(image_path: Path, lang: str) -> tuple[str, float]:
    start = cpu_seconds()
    out = subprocess.run(
        ["tesseract", str(image_path), "-", "-l", lang],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return out, cpu_seconds() - start


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--auto", action="store_true", help="let verify choose the language")
    parser.add_argument("--kinds", default=",".join(k.split(".")[0] for k in KINDS))
    parser.add_argument("--docs", default="")
    args = parser.parse_args()
    kinds = [k for k in KINDS if k.split(".")[0] in args.kinds.split(",")]
    docs = sorted(p for p in ROOT.iterdir() if (p / "truth.json").is_file())
    if args.docs:
        docs = [d for d in docs if d.name in args.docs.split(",")]
    totals: dict[str, list[tuple[float, ...]]] = defaultdict(list)
    print(
        f"{'document':32s} {'kind':15s} {'CER ours':>8s} {'CER tess':>8s} {'cpu ours':>8s} "
        f"{'cpu tess':>8s}  language preparation"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for doc in docs:
            truth = json.loads((doc / "truth.json").read_text(encoding="utf-8"))
            language = truth.get("language", "ru")
            for kind in kinds:
                path = doc / kind
                if not path.is_file():
                    continue
                source = open_source(path)
                languages = None if args.auto else (language,)
                options = ExtractOptions(languages=languages, cache_dir=None, jobs=1)
                image = open_input(source, options).page_image(0)
                if kind.endswith(".pdf"):
                    rendered = Path(tmp) / f"{doc.name}.png"
                    Image.fromarray(np.asarray(image.pixels)).save(rendered)
                    plain_path = rendered
                else:
                    plain_path = path
                start = cpu_seconds()
                page = ocr_page(image, 1, options)
                ours_s = cpu_seconds() - start
                ours_text = " ".join(w.text for w in page.words)
                tess_text, tess_s = plain(plain_path, TESS[language])
                ours_cer, tess_cer = cer(ours_text, truth["text"]), cer(tess_text, truth["text"])
                totals[kind].append((ours_cer, tess_cer, ours_s, tess_s))
                print(
                    f"{doc.name:32s} {kind:15s} {ours_cer:8.4f} {tess_cer:8.4f} {ours_s:8.2f} "
                    f"{tess_s:8.2f}  {page.language} "
                    f"{','.join(page.preparation)}"
                )
                sys.stdout.flush()
    print("\nmean per kind:")
    for kind, rows in totals.items():
        arr = np.array(rows)
        ours_cer, tess_cer, ours_s, tess_s = arr.mean(axis=0)
        print(
            f"  {kind:15s} CER ours {ours_cer:.4f}  tess {tess_cer:.4f}   "
            f"cpu s ours {ours_s:.2f}  tess {tess_s:.2f}  ratio {ours_s / tess_s:.2f}  "
            f"worst CER ours-tess {max(r[0] - r[1] for r in rows):+.4f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
