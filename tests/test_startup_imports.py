"""A document read from its text layer loads only what its reading needs.

A fresh ``verify extract`` of a born-digital letter is the command whose start-up a user
feels most (issue 18 measures it against importing pymupdf, benchmarks/startup.py): OCR
(tesseract's binding, OpenCV), datasketch with scipy, and dateparser for dates that
``plain_date`` reads stay out of it. Checked in a fresh process, as a user runs it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_NOT_NEEDED = ("cv2", "tesserocr", "pytesseract", "datasketch", "scipy", "dateparser")
_WHAT_LOADED = f"""
import atexit, json, pathlib, runpy, sys
out = pathlib.Path(sys.argv[1])
names = {_NOT_NEEDED!r}
atexit.register(lambda: out.write_text(json.dumps([m for m in names if m in sys.modules])))
sys.argv = ["verify", *sys.argv[2:]]
runpy.run_module("verify", run_name="__main__")
"""


def _extract_in_a_fresh_process(path: Path, tmp_path: Path) -> tuple[dict, list[str]]:
    """``verify extract --json PATH`` as a user runs it: its record, and which of the
    libraries it need not load it loaded all the same."""
    loaded = tmp_path / "loaded.json"
    done = subprocess.run(
        [sys.executable, "-c", _WHAT_LOADED, loaded, "extract", "--json", str(path)],
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "VERIFY_CACHE_DIR": str(tmp_path / "cache")},
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout), json.loads(loaded.read_text())


def test_born_digital_extract_loads_no_ocr_scipy_or_dateparser(tmp_path):
    letter = ROOT / "fixtures" / "documents" / "en_ministry" / "born_digital.pdf"
    record, loaded = _extract_in_a_fresh_process(letter, tmp_path)
    assert record["document_date"]["value"] == "2022-03-01"  # a written date, read
    assert [d["value"] for d in record["deadlines"]] == ["2022-03-03"]
    assert loaded == []


def test_a_language_without_field_rules_loads_no_field_library(tmp_path):
    """French (--lang fr) has no field rules: spaCy and pymorphy3 are not even warmed up."""
    letter = ROOT / "fixtures" / "documents" / "en_ministry" / "born_digital.pdf"
    code = (
        "import sys; from verify import extract; "
        f"record = extract({str(letter)!r}, languages=('fr',), cache_dir=None); "
        "print(record.language, [m for m in ('spacy', 'pymorphy3') if m in sys.modules])"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True
    )
    assert done.stdout.split() == ["fr", "[]"]


def test_a_one_page_scan_leaves_ocr_to_its_page_child(tmp_path):
    """The page's child imports the OCR stage and dies with it; the process that waits for
    it, and reads no second page, never imports OpenCV or tesseract's binding."""
    scan = ROOT / "fixtures" / "documents" / "en_ministry" / "scan_300dpi.png"
    record, loaded = _extract_in_a_fresh_process(scan, tmp_path)
    assert record["pages"][0]["method"] == "ocr"
    assert record["document_date"]["value"] == "2022-03-01"
    assert not {"cv2", "tesserocr"} & set(loaded)


def test_the_warm_up_builds_the_rules_of_the_languages_it_may_need_until_told_enough():
    """While a one-page scan is OCRed, the rules of the forced language (else of every
    language with field rules, in order) are built ahead; French has none to build, and
    once the page is back the thread stops before the next language."""
    from verify.fields.specialties import matcher_for
    from verify.options import ExtractOptions
    from verify.pipeline import _WarmUp

    assert _WarmUp(ExtractOptions(languages=("fr",))).languages == []
    assert _WarmUp(ExtractOptions(languages=("uk", "fr"))).languages == ["uk"]
    assert _WarmUp(ExtractOptions()).languages == ["ru", "uk", "en"]

    matcher_for.cache_clear()
    told = _WarmUp(ExtractOptions())
    told.enough.set()
    told._run()
    assert matcher_for.cache_info().currsize == 0
    warm = _WarmUp(ExtractOptions(languages=("en",)))
    warm.start()
    warm.thread.join()  # left to finish, as a page slower than the warm-up would
    assert matcher_for.cache_info().currsize == 1 and matcher_for("en") is matcher_for("en")
