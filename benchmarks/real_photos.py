"""OCR of real phone photos against plain tesseract, on material nobody in this project made.

Usage::

    python benchmarks/real_photos.py DIR [--set dyslexia] [--half tuning|check|both]
                                        [--records OUT] [--skip-cli] [--skip-compare]
                                        [--skip-stats] [--extra-photos DIR2]

``DIR`` is a copy of the set's folder (for ``dyslexia``, the ``Exemples/`` folder of the public
repository dataforgoodfr/batch9_dyslexia); ``benchmarks/real_sets/<set>.json`` names its sheets,
their photos, scans and born-digital originals. The images are never copied into this
repository: the benchmark only reads them.

Prints, for each half of the set (split once by a fixed rule, see the set file):
  - word error of each photo's text against the original's text layer: 1 - F1 of the two word
    multisets (NFC, case-folded, words = runs of letters and digits), for verify and for plain
    ``tesseract IMAGE - -l LANG`` on the file as it is, and on the same image turned upright by its
    EXIF tag (a stronger baseline: tesseract ignores EXIF orientation);
  - seconds per photo inside one process (models loaded, no OCR cache) and as whole processes
    from the command line (``verify extract --lang LANG FILE`` against
    ``tesseract FILE - -l LANG``),
    both as ratios to plain tesseract;
  - the camera statistics of the real photos beside the fixtures' synthetic ones;
  - compare's verdicts on every pair of renditions (photos, scans, original) of the set.

Both sides run with OMP_THREAD_LIMIT=1, so that the ratios compare work, not thread counts.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

os.environ["OMP_THREAD_LIMIT"] = "1"

import pymupdf  # noqa: E402
from PIL import Image, ImageOps  # noqa: E402

from verify import extract  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _real_sets import Sheet, load_set  # noqa: E402
from _word_error import word_error  # noqa: E402

from verify.options import ExtractOptions  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TESSERACT_LANG = {"ru": "rus", "uk": "ukr", "en": "eng", "fr": "fra"}


def original_text(path: Path) -> str:
    """The sheet's reference text: its born-digital original, or a typed transcript (.txt)."""
    if path.suffix == ".txt":
        return path.read_text(encoding="utf-8")
    with pymupdf.open(path) as doc:
        return "\n".join(page.get_text() for page in doc)


def upright_copy(photo: Path, workdir: Path) -> Path:
    """The photo turned as its EXIF tag says, saved losslessly for the stronger baseline."""
    out = workdir / f"{photo.parent.name}_{photo.stem}_upright.png"
    if not out.exists():
        with Image.open(photo) as image:
            ImageOps.exif_transpose(image).save(out)
    return out


def plain_tesseract(image: Path, lang: str) -> tuple[str, float]:
    start = time.perf_counter()
    done = subprocess.run(
        ["tesseract", str(image), "-", "-l", TESSERACT_LANG[lang]],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout, time.perf_counter() - start


def verify_process(photo: Path, lang: str, cache: Path) -> float:
    """Wall time of ``verify extract`` as a journalist runs it: a fresh process, a cold cache."""
    env = {**os.environ, "VERIFY_CACHE_DIR": str(cache)}
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "verify", "extract", "--lang", lang, "--json", str(photo)],
        capture_output=True,
        check=True,
        env=env,
    )
    return time.perf_counter() - start


@dataclass
class Row:
    """Figures of one photo."""

    sheet: str
    photo: str
    verify_error: float
    plain_error: float
    upright_error: float
    verify_seconds: float
    plain_seconds: float
    upright_seconds: float
    process_seconds: float | None = None
    plain_process_seconds: float | None = None
    preparation: list[str] = field(default_factory=list)


def measure_photos(
    sheets: list[Sheet], lang: str, records_dir: Path | None, with_cli: bool
) -> dict[str, list[Row]]:
    options = ExtractOptions(jobs=1, cache_dir=None, languages=(lang,))
    rows: dict[str, list[Row]] = {"tuning": [], "check": []}
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        warm = next((s.photos[0] for s in sheets if s.photos), None)
        if warm is not None:
            extract(warm, options)  # load models and vocabularies once, as a batch would
        for sheet in sheets:
            reference = original_text(sheet.original)
            for photo in sheet.photos:
                start = time.perf_counter()
                record = extract(photo, options)
                seconds = time.perf_counter() - start
                if records_dir is not None:
                    out = records_dir / f"{sheet.name}__{photo.stem}.json"
                    out.write_text(record.model_dump_json(), encoding="utf-8")
                plain, plain_s = plain_tesseract(photo, lang)
                upright, upright_s = plain_tesseract(upright_copy(photo, workdir), lang)
                row = Row(
                    sheet.name,
                    photo.name,
                    word_error(reference, record.text),
                    word_error(reference, plain),
                    word_error(reference, upright),
                    seconds,
                    plain_s,
                    upright_s,
                    preparation=[s for p in record.pages for s in p.preparation],
                )
                if with_cli:
                    cache = workdir / f"cache_{photo.stem}"
                    row.process_seconds = verify_process(photo, lang, cache)
                    _, row.plain_process_seconds = plain_tesseract(photo, lang)
                rows[sheet.half].append(row)
                print(
                    f"  [{sheet.half}] {sheet.name}/{photo.name}: word error verify "
                    f"{row.verify_error:.3f}, tesseract {row.plain_error:.3f} (upright "
                    f"{row.upright_error:.3f}); {seconds:.2f} s against {plain_s:.2f} s"
                    + (
                        f"; process {row.process_seconds:.2f} s against "
                        f"{row.plain_process_seconds:.2f} s"
                        if row.process_seconds is not None and row.plain_process_seconds
                        else ""
                    ),
                    flush=True,
                )
    return rows


def _mean(values: list[float]) -> float:
    return statistics.fmean(values) if values else float("nan")


def print_photo_table(rows: dict[str, list[Row]]) -> None:
    print(
        "\nhalf    photos  word error: verify  tesseract  upright-tesseract  ratio (vs upright)"
        "   s/photo: verify  tesseract  ratio   process: verify  tesseract  ratio"
    )
    for half, half_rows in rows.items():
        if not half_rows:
            continue
        v = _mean([r.verify_error for r in half_rows])
        p = _mean([r.plain_error for r in half_rows])
        u = _mean([r.upright_error for r in half_rows])
        vs = _mean([r.verify_seconds for r in half_rows])
        ps = _mean([r.plain_seconds for r in half_rows])
        cli = [r for r in half_rows if r.process_seconds is not None]
        process = ""
        if cli:
            cv = _mean([r.process_seconds or 0.0 for r in cli])
            cp = _mean([r.plain_process_seconds or 0.0 for r in cli])
            process = f"   {cv:14.2f} {cp:10.2f} {cv / cp:6.2f}x"
        print(
            f"{half:7} {len(half_rows):6}  {v:18.3f} {p:10.3f} {u:18.3f}   {v / p:5.2f}x "
            f"({v / u:4.2f}x){vs:17.2f} {ps:10.2f} {vs / ps:5.2f}x{process}"
        )


def print_camera_statistics(real: list[Path], real_plain_error: dict[str, float]) -> None:
    """Real photos beside the fixtures' synthetic ones: camera statistics and plain OCR.

    The synthetic photos stand in for real ones only if they look alike to these measures
    and read about as badly under plain tesseract.
    """
    from _camera_stats import CameraStats, CameraStatsError, camera_statistics, print_table

    def measured(paths: list[Path]) -> list[CameraStats]:
        out = []
        for path in paths:
            try:
                out.append(camera_statistics(path))
            except CameraStatsError as error:
                print(f"  ({path.name}: {error})")
        return out

    documents = ROOT / "fixtures" / "documents"
    real_stats = measured(real)
    for name in ("camera.jpg", "photo.jpg"):
        paths = sorted(documents.glob(f"*/{name}"))
        print(f"\ncamera statistics: {len(real_stats)} real photos against fixtures' {name}")
        print_table(real_stats, measured(paths))
        errors = []
        for path in paths:
            truth = json.loads((path.parent / "truth.json").read_text(encoding="utf-8"))
            text, _ = plain_tesseract(path, truth["language"])
            errors.append(word_error(truth["text"], text))
        print(
            f"plain tesseract word error: fixtures' {name} {_mean(errors):.3f} "
            f"(min {min(errors):.3f}, max {max(errors):.3f}); real photos upright: "
            + ", ".join(f"{half} half {error:.3f}" for half, error in real_plain_error.items())
        )


def print_compare_table(sheets: list[Sheet], records_dir: Path, lang: str) -> None:
    from _recapture_pairs import print_pair_table

    print_pair_table(sheets, records_dir, lang)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="copy of the set's folder (never committed)")
    parser.add_argument("--set", default="dyslexia", help="benchmarks/real_sets/<set>.json")
    parser.add_argument("--half", choices=["tuning", "check", "both"], default="both")
    parser.add_argument("--records", type=Path, help="keep verify's records here (JSON)")
    parser.add_argument("--skip-cli", action="store_true", help="no whole-process timings")
    parser.add_argument("--skip-compare", action="store_true")
    parser.add_argument("--skip-stats", action="store_true")
    parser.add_argument(
        "--extra-photos",
        type=Path,
        action="append",
        default=[],
        help="more real photos (no reference text) for the camera statistics",
    )
    args = parser.parse_args()
    if not args.folder.is_dir():
        parser.error(f"{args.folder} is not a folder")
    print(
        f"real photos: {platform.node()}, {os.cpu_count()} cores, python "
        f"{platform.python_version()}, {time.strftime('%Y-%m-%d %H:%M')}, "
        f"command: {' '.join(sys.argv)}"
    )
    lang, sheets = load_set(args.folder, args.set)
    if args.half != "both":
        sheets = [s for s in sheets if s.half == args.half]
    for sheet in sheets:
        print(
            f"  sheet {sheet.name}: {sheet.half} half, {len(sheet.photos)} photos, "
            f"{len(sheet.scans)} scans"
        )
    records_dir = args.records
    with tempfile.TemporaryDirectory() as tmp:
        if records_dir is None:
            records_dir = Path(tmp)
        records_dir.mkdir(parents=True, exist_ok=True)
        rows = measure_photos(sheets, lang, records_dir, not args.skip_cli)
        print_photo_table(rows)
        if not args.skip_stats:
            real = [p for s in sheets for p in s.photos]
            for extra in args.extra_photos:
                real += sorted(extra.glob("*.jpg"))
            upright = {
                half: _mean([r.upright_error for r in half_rows])
                for half, half_rows in rows.items()
                if half_rows
            }
            print_camera_statistics(real, upright)
        if not args.skip_compare:
            print_compare_table(sheets, records_dir, lang)


if __name__ == "__main__":
    main()
