"""Canary traps: copies of one act that differ where they should not.

A leak investigator can send each recipient a copy with its own small change (a word, a
comma, a line break) and identify the leaker from the published text. Copies of one act
(compare verdict ``variant`` or ``same_document``) rightly differ in the addressee block
and the incoming stamp; any other difference in the body may be such a mark. With three or more
copies the majority text is the reference, and a copy that departs from it would betray
its recipient if published; with two, either could be the marked one.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Sequence

from verify.forensics.findings import Finding, FindingEvidence, clip
from verify.forensics.metadata import params
from verify.record import Record

ONE_ACT = ("variant", "same_document")
"""Verdicts meaning "copies of one act": compare calls copies whose addressee differs but
whose body agrees ``same_document`` when the body digest matches to the word, which a
one-comma canary does not disturb enough to change."""

_TOKEN = re.compile(r"\n|\w+|[^\w\s]")


def tokens(text: str) -> list[str]:
    """Words, punctuation marks and line breaks: the units a canary trap alters."""
    return _TOKEN.findall(text)


def _kind(old: list[str], new: list[str]) -> str:
    changed = old + new
    if all(t == "\n" for t in changed):
        return "line_break"
    if all(not t.isalnum() and t != "\n" for t in changed if t != "\n"):
        return "punctuation"
    return "wording"


def differences(a: str, b: str) -> list[dict[str, str]]:
    """Token-level differences between two body texts: kind, a's text, b's text, context."""
    ta, tb = tokens(a), tokens(b)
    out = []
    matcher = difflib.SequenceMatcher(a=ta, b=tb, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        context = " ".join(t for t in ta[max(0, i1 - 4) : i1] if t != "\n")
        out.append(
            {
                "kind": _kind(ta[i1:i2], tb[j1:j2]),
                "left": " ".join(ta[i1:i2]).replace("\n", "⏎"),
                "right": " ".join(tb[j1:j2]).replace("\n", "⏎"),
                "context": context,
            }
        )
    return out


def canary_findings(
    records: Sequence[Record], labels: Sequence[str] | None = None
) -> list[Finding]:
    """Flag copies of one act whose bodies differ beyond the addressee and stamp.

    ``labels`` name the copies in messages (file names); defaults to the records' files.
    """
    from verify.matching.compare import compare
    from verify.matching.fingerprint import body_text

    labels = list(labels or [r.source.file_name for r in records])
    limit = params()["canary"]["max_reported_differences"]
    bodies = [body_text(r) for r in records]
    # group the copies that are variants of one another
    findings: list[Finding] = []
    seen: set[int] = set()
    for i in range(len(records)):
        if i in seen:
            continue
        group = [i]
        for j in range(i + 1, len(records)):
            if j not in seen and compare(records[i], records[j]).verdict in ONE_ACT:
                group.append(j)
        if len(group) < 2:
            continue
        seen.update(group)
        ocr = any(page.method == "ocr" for k in group for page in records[k].pages)
        findings += _group_findings(
            [bodies[k] for k in group], [labels[k] for k in group], limit, ocr
        )
    return findings


def _group_findings(bodies: list[str], labels: list[str], limit: int, ocr: bool) -> list[Finding]:
    reference_text, reference_votes = Counter(" ".join(tokens(b)) for b in bodies).most_common(1)[0]
    counts = sorted(Counter(" ".join(tokens(b)) for b in bodies).values(), reverse=True)
    majority = reference_votes > 1 and (len(counts) == 1 or counts[0] > counts[1])
    findings = []
    for k, body in enumerate(bodies):
        if majority and " ".join(tokens(body)) == reference_text:
            continue
        others = [b for m, b in enumerate(bodies) if m != k]
        reference = (
            next(b for b in bodies if " ".join(tokens(b)) == reference_text)
            if majority
            else others[0]
        )
        diffs = differences(reference, body)
        if not diffs:
            continue
        kinds = sorted({d["kind"] for d in diffs})
        whom = (
            f"{labels[k]} departs from the text of the other {len(bodies) - 1} copies"
            if majority
            else f"{labels[k]} and {labels[(k + 1) % len(bodies)]} differ"
        )
        findings.append(
            Finding(
                type="canary_difference",
                severity="medium" if ocr else "high",
                identifies=True,
                message=("(OCR copies: some differences may be misreadings) " if ocr else "")
                + f"copies of one act differ beyond the addressee block: {whom} "
                f"({', '.join(kinds)}: "
                + "; ".join(f"{d['left'] or '∅'!r} -> {d['right'] or '∅'!r}" for d in diffs[:3])
                + "). These may be per-recipient marks: publishing "
                + (f"{labels[k]}'s text" if majority else "either text verbatim")
                + " could identify its recipient",
                evidence=[
                    FindingEvidence(raw=clip(f"{d['context']} [{d['left']} -> {d['right']}]"))
                    for d in diffs[:limit]
                ],
                data={
                    "copy": labels[k],
                    "identifying": majority,
                    "kinds": kinds,
                    "differences": diffs[:limit],
                },
            )
        )
    return findings
