"""Real sets of recaptured sheets, as ``benchmarks/real_sets/<set>.json`` describes them.

The images stay in their own repositories: a benchmark is pointed at a copy of the set's
folder and only reads it. The split into a tuning half and a check half is a rule on the
sheet's name, fixed before any measurement, so that no one can move a sheet across it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

SETS = Path(__file__).resolve().parent / "real_sets"
HALVES = ("tuning", "check")


@dataclass(frozen=True)
class Sheet:
    """One printed sheet of a real set: its born-digital original and its recaptures."""

    name: str
    half: str
    original: Path
    photos: tuple[Path, ...]
    scans: tuple[Path, ...]


def half_of(name: str) -> str:
    """The split rule: a sheet belongs to the tuning half when SHA-256 of its name is even."""
    return "tuning" if int(hashlib.sha256(name.encode()).hexdigest(), 16) % 2 == 0 else "check"


def load_set(folder: Path, set_name: str) -> tuple[str, list[Sheet]]:
    """The set's language and those of its sheets whose original is present in ``folder``."""
    spec_path = SETS / f"{set_name}.json"
    if not spec_path.is_file():
        raise SystemExit(f"error: no set file {spec_path}")
    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    sheets = []
    for name, entry in spec["sheets"].items():
        original = folder / entry["original"]
        if not original.is_file():
            print(f"  (sheet {name}: original {original} missing, skipped)")
            continue
        photos = tuple(sorted(folder.glob(entry["photos"])))
        scans = tuple(folder / scan for scan in entry["scans"] if (folder / scan).is_file())
        sheets.append(Sheet(name, half_of(name), original, photos, scans))
    return str(spec["language"]), sheets
