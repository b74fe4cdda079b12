"""Edits: incremental updates, what each changed, annotations, hidden text, mixed fonts.

A PDF saved "incrementally" keeps every earlier version in the file: cutting the bytes
after each %%EOF marker gives the document as it was at each save. Diffing those
versions shows what was changed after the letter was first written (a date, a name).
A text layer that says something the page does not show, and a line set in two fonts,
are the traces of edits that left no revision behind.

Bounded work: the file is scanned for markers in chunks; at most
``limits.max_revisions_diffed`` versions are opened, however many the file holds.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from verify.forensics._pages import ForensicPage
from verify.forensics.findings import Finding, FindingEvidence, clip
from verify.forensics.metadata import params
from verify.reading.load import Source

if TYPE_CHECKING:
    from verify.forensics._pdf_meta import RevisionState

_EOF = b"%%EOF"
_CHUNK = 1 << 20
_VOLATILE_KEYS = {"format", "encryption"}
_NUMBER = re.compile(r"\d[\d./\-–]*\d")


def eof_offsets(path: Path, max_scan_bytes: int) -> list[int]:
    """Byte offsets just after each %%EOF marker (and its end of line), in order.

    Files over ``max_scan_bytes`` are scanned in their first and last halves of that
    budget only: markers in between are not counted (said by the caller's finding).
    """
    size = path.stat().st_size
    ranges = (
        [(0, size)]
        if size <= max_scan_bytes
        else [
            (0, max_scan_bytes // 2),
            (size - max_scan_bytes // 2, size),
        ]
    )
    found: list[int] = []
    with path.open("rb") as handle:
        for start, end in ranges:
            position = start
            tail = b""
            while position < end:
                handle.seek(position)
                chunk = handle.read(min(_CHUNK, end - position))
                if not chunk:
                    break
                data = tail + chunk
                base = position - len(tail)
                index = data.find(_EOF)
                while index != -1:
                    stop = base + index + len(_EOF)
                    if not found or stop > found[-1]:
                        found.append(stop)
                    index = data.find(_EOF, index + 1)
                tail = data[-(len(_EOF) - 1) :]
                position += len(chunk)
        # include the end-of-line after each marker, as writers do
        adjusted = []
        for stop in found:
            handle.seek(stop)
            after = handle.read(2)
            eol = len(after) - len(after.lstrip(b"\r\n"))
            adjusted.append(stop + eol)
    return adjusted


def revision_findings(source: Source, linearized: bool) -> list[Finding]:
    """Incremental updates of a PDF and what each one changed."""
    from verify.forensics import _pdf_meta

    limits = params()["limits"]
    offsets = eof_offsets(source.path, limits["max_eof_scan_bytes"])
    if linearized and len(offsets) >= 2:
        offsets = offsets[1:]  # a linearised file's first-page section is not a revision
    count = len(offsets)
    if count <= 1:
        return []
    findings = [
        Finding(
            type="incremental_update",
            severity="medium",
            message=f"the PDF was saved {count} times: {count - 1} incremental update(s) "
            "after its first version, each kept in the file",
            data={"revisions": count},
        )
    ]
    budget = limits["max_revisions_diffed"]
    chosen = offsets[: budget - 1] + [offsets[-1]] if count > budget else offsets
    if count > budget:
        findings.append(
            Finding(
                type="check_limited",
                severity="medium",
                message=f"{count} revisions: only the first {budget - 1} and the last were "
                "compared (a file saved this often is unusual in itself)",
                data={"revisions": count, "compared": len(chosen)},
            )
        )
    states = []
    with source.path.open("rb") as handle:
        for stop in chosen:
            handle.seek(0)
            states.append(_pdf_meta.revision_state(handle.read(stop), limits["max_pages"]))
    numbers = [offsets.index(stop) + 1 for stop in chosen]
    changes: list[Finding] = []
    for (before, after), (n_before, n_after) in zip(
        zip(states, states[1:], strict=False), zip(numbers, numbers[1:], strict=False), strict=True
    ):
        changes += _diff(before, after, n_before, n_after)
    findings += _summarise(changes)
    first, last = states[0], states[-1]
    added = [a for a in last.annotations if a not in first.annotations]
    if added:
        findings.append(_annotations(added, "added after the first version"))
    return findings


MAX_CHANGE_FINDINGS = 5
"""Revision changes reported one by one; the rest are summed up in one finding."""


def _summarise(changes: list[Finding]) -> list[Finding]:
    """Text changes first; beyond MAX_CHANGE_FINDINGS, one finding counts the rest."""
    ordered = sorted(changes, key=lambda f: f.severity != "high")
    if len(ordered) <= MAX_CHANGE_FINDINGS:
        return ordered
    rest = ordered[MAX_CHANGE_FINDINGS:]
    summary = Finding(
        type="revision_change",
        severity=max((f.severity for f in rest), key=lambda s: s == "high"),
        message=f"{len(rest)} more revisions changed the file "
        f"({sum(f.severity == 'high' for f in rest)} of them its text)",
        data={"more": len(rest), "revisions": [f.data.get("to") for f in rest][:100]},
    )
    return [*ordered[:MAX_CHANGE_FINDINGS], summary]


def _diff(
    before: RevisionState, after: RevisionState, n_before: int, n_after: int
) -> list[Finding]:
    """What changed between two revisions: metadata, page count, text lines."""
    if after.error:
        return [
            Finding(
                type="revision_change",
                severity="low",
                message=f"revision {n_after} cannot be opened on its own ({after.error})",
                data={"revision": n_after},
            )
        ]
    meta = {
        key: (before.info.get(key), after.info.get(key))
        for key in sorted(set(before.info) | set(after.info))
        if key not in _VOLATILE_KEYS and before.info.get(key) != after.info.get(key)
    }
    removed: list[str] = []
    added: list[str] = []
    for page_before, page_after in zip(before.page_texts, after.page_texts, strict=False):
        lines_before = [line.strip() for line in page_before.splitlines() if line.strip()]
        lines_after = [line.strip() for line in page_after.splitlines() if line.strip()]
        for line in difflib.unified_diff(lines_before, lines_after, lineterm="", n=0):
            if line.startswith("-") and not line.startswith("---"):
                removed.append(line[1:])
            elif line.startswith("+") and not line.startswith("+++"):
                added.append(line[1:])
    pages = (len(before.page_texts), len(after.page_texts))
    if not (meta or removed or added or pages[0] != pages[1]):
        return []
    parts = []
    if added or removed:
        parts.append(
            "text changed: "
            + "; ".join(
                [f"-{clip(x, 60)!r}" for x in removed[:5]]
                + [f"+{clip(x, 60)!r}" for x in added[:5]]
            )
        )
    if pages[0] != pages[1]:
        parts.append(f"pages {pages[0]} -> {pages[1]}")
    if meta:
        parts.append(
            "metadata changed: "
            + ", ".join(
                f"{k} {clip(a or '', 40)!r} -> {clip(b or '', 40)!r}" for k, (a, b) in meta.items()
            )
        )
    text_changed = bool(added or removed or pages[0] != pages[1])
    return [
        Finding(
            type="revision_change",
            severity="high" if text_changed else "medium",
            message=f"revision {n_before} -> {n_after}: " + "; ".join(parts),
            evidence=[FindingEvidence(raw=clip(x)) for x in (removed + added)[:10]],
            data={
                "from": n_before,
                "to": n_after,
                "removed": [clip(x) for x in removed[:20]],
                "added": [clip(x) for x in added[:20]],
                "metadata": {k: [clip(a or ""), clip(b or "")] for k, (a, b) in meta.items()},
            },
        )
    ]


def _annotations(items: Iterable[tuple[int, str, str]], when: str) -> Finding:
    items = list(items)
    return Finding(
        type="annotation_added",
        severity="medium",
        message=f"{len(items)} annotation(s) {when}: "
        + ", ".join(
            f"p.{page} {kind}" + (f" {clip(text, 40)!r}" if text else "")
            for page, kind, text in items[:5]
        ),
        evidence=[
            FindingEvidence(page=page, raw=clip(f"{kind}: {text}"))
            for page, kind, text in items[:10]
        ],
        data={"count": len(items)},
    )


def annotation_findings(source: Source) -> list[Finding]:
    """Annotations on a single-version PDF: drawn over the page, not part of its print."""
    from verify.forensics import _pdf_meta

    with source.path.open("rb") as handle:
        state = _pdf_meta.revision_state(handle.read(), params()["limits"]["max_pages"])
    if not state.annotations:
        return []
    return [_annotations(state.annotations, "drawn over the page (not part of its print)")]


# --------------------------------------------------------------------------- fonts


def font_findings(source: Source, password: str | None = None) -> list[Finding]:
    """Lines where text of one font family sits beside text of another: pasted-in words."""
    from verify.forensics import _pdf_meta

    settings = params()["fonts"]
    spans = [
        s
        for s in _pdf_meta.spans(source.path, params()["limits"]["max_pages"], password)
        if len(s.text.strip()) >= settings["min_span_chars"]
    ]
    flagged: dict[tuple[int, str], list[Any]] = {}
    for i, span in enumerate(spans):
        for other in spans[i + 1 :]:
            if other.page != span.page or other.family == span.family:
                continue
            top, bottom = max(span.bbox[1], other.bbox[1]), min(span.bbox[3], other.bbox[3])
            height = min(span.bbox[3] - span.bbox[1], other.bbox[3] - other.bbox[1])
            if height <= 0 or bottom - top < 0.5 * height:
                continue  # not on the same printed line
            gap = max(other.bbox[0] - span.bbox[2], span.bbox[0] - other.bbox[2])
            if gap > 3 * max(span.size, other.size):
                continue  # two columns of one line (letterhead | addressee) may differ
            # the minority font on the page is the intruder
            for s in (span, other):
                flagged.setdefault((s.page, s.family), []).append(s)
    if not flagged:
        return []
    chars: dict[tuple[int, str], int] = {}
    for s in spans:
        chars[(s.page, s.family)] = chars.get((s.page, s.family), 0) + len(s.text)
    findings = []
    for page in sorted({p for p, _ in flagged}):
        families = [key for key in flagged if key[0] == page]
        intruder = min(families, key=lambda key: chars.get(key, 0))
        items = {(s.text, s.bbox): s for s in flagged[intruder]}.values()
        findings.append(
            Finding(
                type="font_inconsistent",
                severity="high",
                message=f"page {page}: text in font {next(iter(items)).font!r} sits on a line "
                "set in another font: "
                + ", ".join(repr(clip(s.text, 40)) for s in list(items)[:5])
                + " (words pasted in later?)",
                evidence=[
                    FindingEvidence(page=page, bbox=s.bbox, unit="pt", raw=s.text) for s in items
                ],
                data={"font": next(iter(items)).font},
            )
        )
    return findings


# --------------------------------------------------------------------------- text vs image


def _normal(token: str) -> str:
    return re.sub(r"[^\w./\-]", "", token.lower()).strip(".-/")


def text_image_findings(view: ForensicPage) -> list[Finding]:
    """Where the text layer says what the page image does not show (or the reverse).

    OCR confirms every layer word it also reads; numbers (dates, registration numbers,
    sums) are checked one by one because a changed number is the edit that matters, and
    the share of unconfirmed words catches a layer that belongs to another page.
    """
    if not view.layer_words:
        return []
    settings = params()["text_vs_image"]
    ocr = [w for w in view.ocr_words() if w.confidence >= 0.3]
    ocr_squeezed = re.sub(r"\s+", "", " ".join(w.text for w in ocr).lower())
    ocr_set = {_normal(w.text) for w in ocr}
    findings = []
    hidden = []
    for word in view.layer_words:
        for number in _NUMBER.findall(word.text):
            if sum(c.isdigit() for c in number) >= 2 and number.lower() not in ocr_squeezed:
                hidden.append(word)
                break
    if hidden:
        findings.append(
            Finding(
                type="text_image_mismatch",
                severity="high",
                message=f"page {view.number}: the text layer holds "
                + ", ".join(repr(w.text) for w in hidden[:5])
                + " which the page image does not show (hidden or covered text)",
                evidence=[
                    FindingEvidence(
                        page=view.number,
                        bbox=tuple(v / view.layer_scale for v in w.bbox),  # type: ignore[arg-type]
                        unit="pt",
                        raw=w.text,
                    )
                    for w in hidden[:10]
                ],
                data={"hidden": [w.text for w in hidden[:20]]},
            )
        )
    words = [_normal(w.text) for w in view.layer_words if sum(c.isalpha() for c in w.text) >= 3]
    if len(words) >= settings["min_words"]:
        missing = sum(1 for w in words if w not in ocr_set)
        share = missing / len(words)
        if share > settings["max_word_error"]:
            findings.append(
                Finding(
                    type="text_image_mismatch",
                    severity="high",
                    message=f"page {view.number}: {share:.0%} of the text layer's words are not "
                    "seen on the page image: the layer and the picture disagree",
                    evidence=[FindingEvidence(page=view.number)],
                    data={"unconfirmed_share": round(share, 3)},
                )
            )
    return findings
