"""Redaction on every fixture letter's photos and scans: is any redacted string still readable?

For each letter and rendition, ``scrub --redact executor`` writes a copy; two readers then look
for the executor's names and phone digits (from the letter's truth) in it:
  - scrub's own self-check (``ScrubReport.readable``);
  - an independent reading here: tesseract on the copy's page, psm 3 and 11, rus+ukr+eng,
    no confidence floor; each name allowing one misread letter, the phone as digits.
A letter whose executor verify cannot find is reported apart (nothing was redacted).

Target: 0 readable redacted strings. Usage:
python benchmarks/redaction.py [--renditions photo.jpg,scan_300dpi.png,camera.jpg] [--letters a,b]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rapidfuzz import fuzz  # noqa: E402

from verify.errors import VerifyError  # noqa: E402
from verify.forensics.scrub import scrub  # noqa: E402
from verify.options import ExtractOptions  # noqa: E402
from verify.reading import tesseract as _tesseract  # noqa: E402
from verify.reading.inputs import open_input  # noqa: E402
from verify.reading.load import open_source  # noqa: E402

DOCUMENTS = ROOT / "fixtures" / "documents"


def secrets(letter: str) -> tuple[list[str], str | None]:
    """(the executor's names of four letters or more, last 7 phone digits) from the truth."""
    truth = json.loads((DOCUMENTS / letter / "truth.json").read_text(encoding="utf-8"))
    executor = truth.get("executor") or {}
    names = [word for word in (executor.get("name") or "").split() if len(word) >= 4]
    phone = "".join(c for c in (executor.get("phone") or "") if c.isdigit())
    return names, phone[-7:] if phone else None


def read_copy(path: Path, dpi: int) -> tuple[list[str], str]:
    """Words of the copy's first page (two layouts), and all its digits joined."""
    pixels = open_input(open_source(path), ExtractOptions(render_dpi=dpi)).page_image(0).pixels
    words: list[str] = []
    for psm in (3, 11):
        words += [w["text"] for w in _tesseract.ocr_words(pixels, "rus+ukr+eng", psm)]
    return words, "".join(c for c in " ".join(words) if c.isdigit())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--renditions", default="photo.jpg,scan_300dpi.png,camera.jpg")
    parser.add_argument("--letters", default=None)
    args = parser.parse_args()
    letters = (
        args.letters.split(",")
        if args.letters
        else sorted(p.name for p in DOCUMENTS.iterdir() if p.is_dir())
    )
    readable = checked = nothing = 0
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        for rendition in args.renditions.split(","):
            for letter in letters:
                source = DOCUMENTS / letter / rendition
                names, phone = secrets(letter)
                if not source.is_file() or not (names or phone):
                    continue
                out = Path(folder) / f"{letter}_{rendition}.pdf"
                try:
                    report = scrub(source, out, redact=("executor",))
                except VerifyError as error:
                    print(f"{rendition:16} {letter:32} error: {error}")
                    continue
                if not report.redactions:
                    nothing += 1
                    print(f"{rendition:16} {letter:32} executor not found: nothing redacted")
                    continue
                checked += 1
                words, digits = read_copy(out, report.dpi)
                name_seen = any(
                    fuzz.ratio(name.lower(), w.lower()) >= 85 for name in names for w in words
                )
                phone_seen = phone is not None and phone in digits
                bad = bool(report.readable) or name_seen or phone_seen
                readable += bad
                print(
                    f"{rendition:16} {letter:32} self-check readable {len(report.readable)}, "
                    f"name seen {name_seen}, phone seen {phone_seen}"
                )
    print(
        f"copies checked: {checked}; with a redacted string still readable: {readable} "
        f"(target 0); executor not found, nothing redacted: {nothing}; "
        f"{time.perf_counter() - started:.0f} s"
    )
    return 1 if readable else 0


if __name__ == "__main__":
    sys.exit(main())
