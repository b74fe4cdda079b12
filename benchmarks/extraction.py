"""Extraction accuracy, OCR quality and speed on the bundled fixtures, against plain tesseract.

Prints, per rendition kind and overall:
  - field accuracy: exact match per field against fixtures/documents/*/truth.json (after folding
    case, whitespace, quotes and dashes; phones compared by digits);
  - CER of verify's text against the ground-truth text, and CER of plain
    `tesseract IMAGE - -l LANG` on the unprepared image (the baseline), in the same run;
  - seconds per page for verify (no OCR cache, one job) and for plain tesseract, and their ratio.
Then throughput of born-digital pages (no OCR) and the peak memory of a 100-page scanned PDF.

Both verify and the baseline run with OMP_THREAD_LIMIT=1 so that the ratio compares work, not
thread counts. Usage: python benchmarks/extraction.py [--kinds scan,photo] [--letters a,b]
[--skip-memory]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections import defaultdict
from pathlib import Path

os.environ["OMP_THREAD_LIMIT"] = "1"

import pymupdf  # noqa: E402
from rapidfuzz.distance import Levenshtein  # noqa: E402

from verify import extract  # noqa: E402
from verify.options import ExtractOptions  # noqa: E402
from verify.record import EXTRACTED_FIELDS, Record  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = ROOT / "fixtures" / "documents"
RENDITIONS = {
    "born_digital.pdf": "born_digital",
    "scan_300dpi.png": "scan",
    "image_only.pdf": "image_only",
    "lowq.jpg": "lowq",
    "photo.jpg": "photo",
    "camera.jpg": "camera",
}
TESSERACT_LANG = {"ru": "rus", "uk": "ukr", "en": "eng"}
FIELDS = list(EXTRACTED_FIELDS)
QUOTES = str.maketrans({c: '"' for c in "«»“”„‟\u201e'’`"} | {c: "-" for c in "‐‑‒–—―−"})


def norm(value: object) -> str:
    """Fold what the benchmark does not count as a difference."""
    text = unicodedata.normalize("NFC", str(value)).casefold().replace("ё", "е").translate(QUOTES)
    text = " ".join(text.split())
    return text.replace(". ", ".").replace(" .", ".")


def digits(value: object) -> str:
    return "".join(ch for ch in str(value) if ch.isdigit())


def predicted(record: Record, field: str) -> object:
    """The record's value for a field, in the shape of truth.json."""
    value = getattr(record, field)
    if field == "signatories":
        return sorted(norm(s.value) for s in value)
    if field == "deadlines":
        return sorted(((d.value, d.recurrence) for d in value), key=repr)
    if field == "requested_specialties":
        return sorted({s.value for s in value})
    if field == "addressees":
        return sorted(norm(a.value) for a in value)
    if field == "executor":
        if value is None:
            return None
        return (
            norm(value.name.value) if value.name else None,
            digits(value.phone.value) if value.phone else None,
        )
    if field == "references":
        return sorted(((norm(r.number or ""), r.date) for r in value), key=repr)
    if field == "stamps":
        return sorted(((norm(s.value), s.date) for s in value), key=repr)
    return None if value is None else norm(value.value)


def expected(truth: dict, field: str) -> object:
    value = truth.get(field)
    if field == "signatories":
        return sorted(norm(s["name"]) for s in value or [])
    if field == "deadlines":
        return sorted(((d.get("value"), d.get("recurrence")) for d in value or []), key=repr)
    if field == "requested_specialties":
        return sorted(set(value or []))
    if field == "addressees":
        return sorted(norm(a) for a in value or [])
    if field == "executor":
        if not value:
            return None
        return (
            norm(value["name"]) if value.get("name") else None,
            digits(value["phone"]) if value.get("phone") else None,
        )
    if field == "references":
        return sorted(((norm(r.get("number") or ""), r.get("date")) for r in value or []), key=repr)
    if field == "stamps":
        return sorted(((norm(s.get("number") or ""), s.get("date")) for s in value or []), key=repr)
    return None if value is None else norm(value)


def cer(hypothesis: str, reference: str) -> float:
    hyp, ref = " ".join(hypothesis.split()), " ".join(reference.split())
    return Levenshtein.distance(hyp, ref) / max(len(ref), 1)


def baseline_image(path: Path, workdir: Path) -> Path:
    """Plain tesseract cannot read PDFs: give it the page's embedded image, untouched."""
    if path.suffix != ".pdf":
        return path
    with pymupdf.open(path) as doc:
        xref = doc[0].get_images()[0][0]
        image = doc.extract_image(xref)
    out = workdir / f"{path.parent.name}_{path.stem}.{image['ext']}"
    out.write_bytes(image["image"])
    return out


def plain_tesseract(image: Path, language: str) -> tuple[str, float]:
    start = time.perf_counter()
    done = subprocess.run(
        ["tesseract", str(image), "-", "-l", TESSERACT_LANG[language]],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout, time.perf_counter() - start


def measure(kinds: set[str], letters: set[str] | None) -> None:
    options = ExtractOptions(jobs=1, cache_dir=None)
    rows: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    failures: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        for folder in sorted(p for p in DOCUMENTS.iterdir() if p.is_dir()):
            if letters and folder.name not in letters:
                continue
            truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
            for file_name, kind in RENDITIONS.items():
                path = folder / file_name
                if kind not in kinds or not path.exists():
                    continue
                start = time.perf_counter()
                record = extract(path, options)
                seconds = time.perf_counter() - start
                row = rows[kind]
                for field in FIELDS:
                    ok = predicted(record, field) == expected(truth, field)
                    row["fields"].append(ok)
                    if not ok:
                        failures.append(
                            f"{folder.name}/{file_name} {field}: got {predicted(record, field)!r}"
                            f" want {expected(truth, field)!r}"
                        )
                row["cer"].append(cer(record.text, truth["text"]))
                row["seconds"].append(seconds / max(len(record.pages), 1))
                if kind != "born_digital":
                    text, base_seconds = plain_tesseract(
                        baseline_image(path, Path(tmp)), truth["language"]
                    )
                    row["base_cer"].append(cer(text, truth["text"]))
                    row["base_seconds"].append(base_seconds)
                print(
                    f"  {folder.name}/{file_name}: {sum(r for r in row['fields'][-len(FIELDS) :])}"
                    f"/{len(FIELDS)} fields, CER {row['cer'][-1]:.3f}"
                    + (f" (tesseract {row['base_cer'][-1]:.3f})" if kind != "born_digital" else "")
                    + f", {seconds:.2f} s",
                    flush=True,
                )
    _print_table(rows)
    if failures:
        print("\nfield mismatches:")
        for failure in failures:
            print("  " + failure)


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else float("nan")


def _print_table(rows: dict[str, dict[str, list]]) -> None:
    print(
        "\nkind          docs  field acc   CER verify  CER tesseract  s/page verify  s/page tess"
        "  ratio"
    )
    everything: dict[str, list] = defaultdict(list)
    for kind in [k for k in RENDITIONS.values() if k in rows] + ["overall"]:
        row = rows[kind] if kind != "overall" else everything
        if kind != "overall":
            for key, values in row.items():
                everything[key].extend(values)
        docs = len(row["cer"])
        accuracy = _mean([float(v) for v in row["fields"]])
        ratio = (
            (_mean(row["seconds"]) / _mean(row["base_seconds"])) if row["base_seconds"] else None
        )
        base_cer = f"{_mean(row['base_cer']):.4f}" if row["base_cer"] else "   n/a"
        base_s = f"{_mean(row['base_seconds']):.2f}" if row["base_seconds"] else " n/a"
        print(
            f"{kind:<13} {docs:>4}  {accuracy:>8.1%}   {_mean(row['cer']):>10.4f}  {base_cer:>13}"
            f"  {_mean(row['seconds']):>13.2f}  {base_s:>11}  "
            + (f"{ratio:.2f}x" if ratio else "n/a")
        )


def _concatenate(sources: list[Path], pages: int, target: Path) -> Path:
    """A PDF of ``pages`` pages made by repeating the fixtures' pages in turn."""
    with pymupdf.open() as doc:
        while doc.page_count < pages:
            for source in sources:
                if doc.page_count < pages:
                    with pymupdf.open(source) as part:
                        doc.insert_pdf(part)
        doc.save(target)
    return target


def born_digital_throughput(pages: int = 200) -> None:
    """Pages per second for a long born-digital PDF (text layer, no OCR), end to end."""
    sources = sorted(DOCUMENTS.glob("*/born_digital.pdf"))
    with tempfile.TemporaryDirectory() as tmp:
        target = _concatenate(sources, pages, Path(tmp) / "long.pdf")
        extract(sources[0], ExtractOptions(cache_dir=None))  # warm up imports and models
        start, cpu = time.perf_counter(), time.process_time()
        record = extract(target, ExtractOptions(cache_dir=None))
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    # CPU time beside wall time: a shared VM's stolen time slows the clock, not the work.
    print(
        f"\nborn-digital: {len(record.pages)} pages in {seconds:.2f} s = "
        f"{len(record.pages) / seconds:.0f} pages/s (target >= 50); {cpu:.2f} s of CPU = "
        f"{len(record.pages) / cpu:.0f} pages per CPU second"
    )


def scanned_memory(pages: int = 100) -> None:
    """Peak RSS of `verify extract` on a 100-page image-only PDF, in a child process."""
    sources = sorted(DOCUMENTS.glob("*/image_only.pdf"))
    with tempfile.TemporaryDirectory() as tmp:
        target = _concatenate(sources, pages, Path(tmp) / "scanned.pdf")
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "verify", "extract", str(target), "--json", "--no-cache", "-q"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        f"scanned PDF: {pages} pages in {seconds:.0f} s ({pages / seconds:.2f} pages/s, "
        f"{os.cpu_count()} cores); peak RSS of the largest process {peak_mb:.0f} MB (target < 1024)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kinds", default=",".join(RENDITIONS.values()))
    parser.add_argument("--letters", default="")
    parser.add_argument("--skip-memory", action="store_true")
    args = parser.parse_args()
    print(
        f"verify extraction benchmark on {platform.node()} ({platform.machine()}, "
        f"{os.cpu_count()} cores), {time.strftime('%Y-%m-%d')}"
    )
    measure(set(args.kinds.split(",")), set(filter(None, args.letters.split(","))) or None)
    born_digital_throughput()
    if not args.skip_memory:
        scanned_memory()


if __name__ == "__main__":
    main()
