"""What forensics says about one file: every check run, its findings most severe first.

The findings' models (``Finding``, ``FindingEvidence``) are the record's, in
``verify.record_findings``; they are named here too, for the checks, which
``verify.forensics.examine`` runs. ``identifies`` marks findings that could lead back to
a recipient or source: those are what ``verify scrub`` must remove.
"""

from __future__ import annotations

from verify.record_findings import Finding, FindingEvidence, FindingType, Severity

__all__ = [
    "SEVERITY_ORDER",
    "Finding",
    "FindingEvidence",
    "FindingType",
    "Severity",
    "clip",
    "sort_findings",
]

SEVERITY_ORDER: dict[str, int] = {"high": 0, "medium": 1, "low": 2, "info": 3}


def sort_findings(findings: list[Finding]) -> list[Finding]:
    """Most severe first, then by type, page: the order people should read them in."""
    return sorted(
        findings,
        key=lambda f: (
            SEVERITY_ORDER[f.severity],
            f.type,
            min((e.page or 0 for e in f.evidence), default=0),
        ),
    )


def clip(value: object, limit: int = 300) -> str:
    """Text of a value, cut to ``limit`` characters: evidence must stay readable and small."""
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[:limit] + f"… ({len(text)} characters)"
