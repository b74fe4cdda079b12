"""Read every claim a report makes about a document: the orchestrator of verify.claims.

Flow: the report's own date (``--claims-date``, a dateline, or "today - February 25") ->
sentences, each marked as about a document or not -> the finders on every sentence (news
writes "The ministry demanded lists of surgeons" without naming a letter), the ones that
could read a bystander's words as a claim (a quoted nurse's own job, a date in passing)
only where the sentence is about the document -> one claim per (kind, value), the first
sentence that made it kept as evidence.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from pathlib import Path

from verify.claims.finders import (
    Context,
    Draft,
    find_deadlines,
    find_document_dates,
    find_funding,
    find_issuers,
    find_numbers,
    find_officials,
    find_signatories,
    find_specialty_claims,
)
from verify.claims.model import CLAIM_KINDS, Claim, ClaimsFile
from verify.claims.organisations import REGIONAL_MINISTRY, UNSTATED_MINISTRY
from verify.claims.patterns import patterns
from verify.claims.reading import read_report, report_language
from verify.claims.sentences import sentences
from verify.claims.when import PartialDate, date_at, find_date

_FINDERS = (
    find_issuers,
    find_numbers,
    find_signatories,
    find_officials,
    find_deadlines,
    find_specialty_claims,
    find_funding,
    find_document_dates,
)
_DATELINE_WINDOW = 300  # a report's own date is stated at its very start


def report_date(
    text: str, language: str, given: dt.date | None = None
) -> tuple[PartialDate | None, str | None]:
    """The report's own date and where it came from, ``given`` (--claims-date) first."""
    if given is not None:
        return PartialDate(given.year, given.month, given.day), f"--claims-date {given}"
    head = text.lstrip()[:_DATELINE_WINDOW]
    config = patterns()["report_date"]
    for regex in config["regexes"]:
        match = re.match(regex, head, re.IGNORECASE)
        if not match:
            continue
        at = date_at(match.group(1), language)
        found: PartialDate | None = at.date if at else _anywhere(match.group(1), language)
        if found:
            return found, f"the report's dateline ({found.iso()})"
    for match in re.finditer(config["today_equals"], text, re.IGNORECASE):
        today = date_at(text[match.end() :], language)
        if today:
            return today.date, f"the report's 'today' ({today.date.iso()})"
    return None, None


def _anywhere(text: str, language: str) -> PartialDate | None:
    found = find_date(text, language)
    return found[1].date if found else None


def extract_claims(
    text: str, language: str, claims_date: dt.date | None = None
) -> tuple[list[Claim], PartialDate | None, str | None]:
    """Claims about a document in ``text`` (ru, uk or en).

    Returns (claims, the report's date, where that date came from). Claims are numbered
    c1, c2... in order of their first mention.
    """
    date, source = report_date(text, language, claims_date)
    context = Context(language, date, source)
    drafts: list[tuple[Draft, int, str]] = []
    for sentence in sentences(text, language):
        if sentence.retracted:  # "we wrongly reported that…": what follows is not claimed
            continue
        here = replace(context, in_scope=sentence.about_document)
        found: list[Draft] = []
        for finder in _FINDERS:
            found.extend(finder(sentence.text, here))
        drafts.extend((draft, sentence.start, sentence.text) for draft in _one_role(found))
    return _numbered(_most_specific(drafts), language), date, source


def _one_role(found: list[Draft]) -> list[Draft]:
    """A body named as the payer ('covered by the Health Ministry') is not also the issuer."""
    paying = [d for d in found if d.kind == "funding_source"]
    return [
        d
        for d in found
        if d.kind != "issuer" or not any(p.start <= d.start < p.end for p in paying)
    ]


def _most_specific(drafts: list[tuple[Draft, int, str]]) -> list[tuple[Draft, int, str]]:
    """'the ministry' adds nothing when the report also says which ministry it is."""
    vague = {UNSTATED_MINISTRY, REGIONAL_MINISTRY}
    issuers = {d.value for d, _, _ in drafts if d.kind == "issuer"}
    if not issuers - vague:
        return drafts
    return [item for item in drafts if item[0].kind != "issuer" or item[0].value not in vague]


def _numbered(drafts: list[tuple[Draft, int, str]], language: str) -> list[Claim]:
    """One claim per (kind, value), first mention kept; ordered by position in the report."""
    drafts.sort(key=lambda item: (item[1] + item[0].start, CLAIM_KINDS.index(item[0].kind)))
    seen: set[tuple[str, str | None]] = set()
    claims: list[Claim] = []
    for draft, offset, sentence in drafts:
        key = (draft.kind, _dedupe_key(draft))
        if key in seen:
            continue
        seen.add(key)
        claims.append(
            Claim(
                id=f"c{len(claims) + 1}",
                kind=draft.kind,  # type: ignore[arg-type]
                value=draft.value,
                label=draft.label,
                raw=sentence[draft.start : draft.end],
                start=offset + draft.start,
                end=offset + draft.end,
                sentence=sentence,
                sentence_start=offset,
                sentence_end=offset + len(sentence),
                language=language,
                rule=draft.rule,
                note=draft.note,
            )
        )
    return claims


def _dedupe_key(draft: Draft) -> str | None:
    """Names meet whatever their case form or script ('Plutnitsky', 'Плутницкого')."""
    if draft.kind == "signatory_name" and draft.value:
        from verify.text.translit import fold_name

        return fold_name(draft.value).split(" ")[-1]
    return draft.value


def claims_from_file(path: str | Path, claims_date: dt.date | None = None) -> ClaimsFile:
    """Read a claims file and its claims; an unusable file gives a status and a message."""
    report = read_report(path)
    base = ClaimsFile(
        path=str(path),
        file_name=Path(path).name,
        sha256=report.sha256,
        size=report.size,
        language=report.language,
        report_date=None,
        status="not_text",
        message=None,
    )
    if report.text is None or report.language is None:
        problem = report.problem or "not_text"
        return base.model_copy(update={"status": problem, "message": report.message})
    claims, date, source = extract_claims(report.text, report.language, claims_date)
    status = "ok" if claims else "no_claims"
    message = None
    if not claims:
        message = (
            "the report makes no checkable claim about a document (signatory, issuer, date, "
            "number, deadline, requested specialties, funding source)"
        )
    return base.model_copy(
        update={
            "report_date": date.iso() if date else None,
            "report_date_source": source,
            "status": status,
            "message": message,
            "claims": claims,
        }
    )


def claims_from_text(
    text: str, claims_date: dt.date | None = None, language: str | None = None
) -> list[Claim]:
    """Claims of a report given as a string (for the Python API and tests)."""
    if language is None:
        language, _, message = report_language(text)
        if language is None:
            return []
    return extract_claims(text, language, claims_date)[0]
