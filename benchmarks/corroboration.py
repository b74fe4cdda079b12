"""Claim extraction precision/recall and status accuracy, per set of reports.

Sets (each a folder with a ``truth.json``):

* ``seeds``: fixtures/claims/truth.json, the seed news reports (../shared/seeds or
  $VERIFY_SEEDS_DIR, not copied into the repository) and this repository's first texts, all
  about the founding letter;
* ``blind1``: fixtures/claims/blind1, reports written from fact sheets by a writer who
  never saw the code, the tuning set;
* ``blind2``: fixtures/claims/blind2, a fresh set by a second such writer, the check set;
* ``blind3``: fixtures/claims/blind3, a third fresh set by a third writer, measured once at first
  contact after the fix the second set's first contact called for.

A blind set's truth names, for each report, the fixture letter it is about (its born-digital
PDF is the document) and every checkable claim with the status it must get. A claim is found
when verify reads the same (kind, value) (names compared on their folded surname, at verify's
own fuzzy floor, so "Popescu" meets "Попеску"); a claim
whose value is ``other`` or ``relative`` (a body or occupation outside the vocabularies, a
relative date) is found when verify reads a claim of that kind over the same words. Status
accuracy is over the claims found. "Contradicted on a true claim" counts claims the truth
marks ``supported`` that verify calls ``contradicted``; "contradicted extras" counts claims
verify invented and called ``contradicted``.

Targets (on the fresh blind set at first contact): status accuracy >= 95%, recall >= 90%,
0 contradicted on a true claim; the seed set at 100%.
Usage: python benchmarks/corroboration.py [--set NAME ...] [--verbose] [--root DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rapidfuzz import fuzz  # noqa: E402

from verify.claims import claims_from_file  # noqa: E402
from verify.claims.corroborate import corroborate, thresholds  # noqa: E402
from verify.pipeline import extract  # noqa: E402
from verify.record import Record  # noqa: E402
from verify.text.translit import fold_name  # noqa: E402

CLAIMS = ROOT / "fixtures" / "claims"
SETS = {
    "seeds": CLAIMS,
    "blind1": CLAIMS / "blind1",
    "blind2": CLAIMS / "blind2",
    "blind3": CLAIMS / "blind3",
}
LOOSE_VALUES = {"other", "relative"}


def seeds_dir() -> Path:
    """Where the seed news reports are: $VERIFY_SEEDS_DIR or ../shared/seeds."""
    return Path(os.environ.get("VERIFY_SEEDS_DIR") or ROOT.parent / "shared" / "seeds")


def key(kind: str, value: str | None) -> tuple[str, str | None]:
    """Claims meet on kind and value; names on the folded surname."""
    if kind == "signatory_name" and value:
        return kind, fold_name(value).split()[-1]
    return kind, value


@dataclass
class Tally:
    """Counts of one set."""

    reports: int = 0
    skipped: list[str] = field(default_factory=list)
    expected: int = 0
    read: int = 0
    matched: int = 0
    right: int = 0
    file_ok: int = 0
    true_contradicted: int = 0
    extra_contradicted: int = 0
    seconds: list[float] = field(default_factory=list)
    by_status: dict[str, list[int]] = field(default_factory=dict)

    def line(self, name: str) -> str:
        precision = self.matched / self.read if self.read else 1.0
        recall = self.matched / self.expected if self.expected else 1.0
        accuracy = self.right / self.matched if self.matched else 1.0
        statuses = ", ".join(
            f"{status} {right}/{total}" for status, (right, total) in sorted(self.by_status.items())
        )
        mean = sum(self.seconds) / len(self.seconds) if self.seconds else 0.0
        return (
            f"[{name}] reports {self.reports} ({len(self.skipped)} skipped), claims expected "
            f"{self.expected}, read {self.read}, matching {self.matched}\n"
            f"  recall {recall:.1%}  precision {precision:.1%}  status accuracy {accuracy:.1%}"
            f" ({self.right}/{self.matched})\n"
            f"  by expected status (right/found): {statuses}\n"
            f"  contradicted on a true claim: {self.true_contradicted}; contradicted extras: "
            f"{self.extra_contradicted}\n"
            f"  report status (ok / no_claims) right: {self.file_ok}/{self.reports}; "
            f"seconds per report: mean {mean:.3f}"
        )


def load_set(name: str) -> list[dict]:
    """The reports of one set with their file path and document path."""
    folder = SETS[name]
    truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
    reports = []
    for entry in truth["reports"]:
        if "letter" in entry:
            path = folder / entry["file"]
            document = ROOT / "fixtures" / "documents" / entry["letter"] / "born_digital.pdf"
        else:
            base = seeds_dir() if entry["in"] == "seeds" else folder
            path = base / entry["file"]
            document = ROOT / truth["document"]
        reports.append({**entry, "path": path, "document": document})
    return reports


def pair(expected: list[dict], got: list, text: str) -> list[tuple[dict | None, object | None]]:
    """Expected claims paired with verify's findings: on value, else on the same words."""
    pairs: list[tuple[dict | None, object | None]] = []
    free = list(got)
    loose = []
    for claim in expected:
        wanted = key(claim["kind"], claim["value"])
        hit = next((f for f in free if _same(key(f.claim.kind, f.claim.value), wanted)), None)
        if hit is None:
            loose.append(claim)
            continue
        free.remove(hit)
        pairs.append((claim, hit))
    for claim in loose:
        start = text.find(claim.get("raw") or "\0")
        end = start + len(claim.get("raw") or "")
        hit = None
        if start >= 0 and (claim["value"] in LOOSE_VALUES or claim["kind"] != "signatory_name"):
            hit = next(
                (
                    f
                    for f in free
                    if f.claim.kind == claim["kind"]
                    and f.claim.start < end
                    and start < f.claim.end
                    and (claim["value"] in LOOSE_VALUES or _loose(f.claim.value))
                ),
                None,
            )
        if hit is not None:
            free.remove(hit)
        pairs.append((claim, hit))
    pairs.extend((None, f) for f in free)
    return pairs


def _same(got: tuple[str, str | None], wanted: tuple[str, str | None]) -> bool:
    """Equal keys; surnames as verify compares them (fuzzy ratio at its own floor)."""
    if got[0] != wanted[0] or got[1] is None or wanted[1] is None:
        return got == wanted
    if got[0] == "signatory_name":
        return fuzz.ratio(got[1], wanted[1]) >= thresholds()["surname_ratio"]
    return got == wanted


def _loose(value: str | None) -> bool:
    """verify's own values for what is outside its vocabularies."""
    return value is None or value.startswith("other:")


def run_set(name: str, verbose: bool) -> Tally:
    tally = Tally()
    records: dict[Path, Record] = {}
    for entry in load_set(name):
        path = entry["path"]
        if not path.is_file():
            tally.skipped.append(str(path))
            continue
        tally.reports += 1
        document = entry["document"]
        if document not in records:
            records[document] = extract(document)
        started = time.perf_counter()
        claims_file = claims_from_file(path)
        findings = corroborate(records[document], claims_file.claims)
        tally.seconds.append(time.perf_counter() - started)
        text = _report_text(path, findings)
        tally.file_ok += claims_file.status == entry["status"]
        tally.expected += len(entry["claims"])
        tally.read += len(findings)
        for claim, finding in pair(entry["claims"], findings, text):
            if claim is None:
                tally.extra_contradicted += finding.status == "contradicted"  # type: ignore[union-attr]
                if verbose:
                    print(f"  {name}/{entry['file']}: extra {_shown(finding)}")
                continue
            counts = tally.by_status.setdefault(claim["status"], [0, 0])
            if finding is None:
                if verbose:
                    print(
                        f"  {name}/{entry['file']}: missed {claim['kind']}={claim['value']} "
                        f"({claim['status']}) in {claim.get('raw')!r}"
                    )
                continue
            tally.matched += 1
            counts[1] += 1
            good = finding.status == claim["status"]  # type: ignore[union-attr]
            tally.right += good
            counts[0] += good
            if claim["status"] == "supported" and finding.status == "contradicted":  # type: ignore[union-attr]
                tally.true_contradicted += 1
            if verbose and not good:
                print(f"  {name}/{entry['file']}: {_shown(finding)}, expected {claim['status']}")
    return tally


def _report_text(path: Path, findings: list) -> str:
    """The report text the claims' offsets point into (the visible text of a web page)."""
    try:
        from verify.claims.reading import read_report

        report = read_report(path)
        return report.text or ""
    except Exception:  # noqa: BLE001 - a report verify cannot read has no offsets to pair on
        return ""


def _shown(finding: object) -> str:
    claim = finding.claim  # type: ignore[attr-defined]
    return f"{claim.kind}={claim.value} [{claim.raw!r}] -> {finding.status}"  # type: ignore[attr-defined]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", action="append", choices=sorted(SETS), dest="sets")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    names = args.sets or [name for name in SETS if (SETS[name] / "truth.json").is_file()]
    failed = False
    for name in names:
        tally = run_set(name, args.verbose)
        print(tally.line(name))
        for path in tally.skipped:
            print(f"  skipped {path}")
        recall = tally.matched / tally.expected if tally.expected else 1.0
        accuracy = tally.right / tally.matched if tally.matched else 1.0
        if name == "seeds":
            failed |= recall < 1.0 or accuracy < 1.0
        else:
            failed |= recall < 0.90 or accuracy < 0.95 or tally.true_contradicted > 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
