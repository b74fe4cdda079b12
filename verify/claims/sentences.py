"""Split a report into sentences with offsets, and tell which are about a document.

A claim is only worth checking if the report says it about the document: "signed by"
in a sentence about a treaty is not a claim about the letter. A sentence is about a
document when it names one ("the letter", "письмо", "лист") or shows a ministry asking for
something ("The ministry demanded lists…"), or when it carries a
context cue ("It requests...", "Medics it is looking for...") right after sentences that
were. The cues are data (``models/claims_patterns.json``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from verify.claims.organisations import health_ministries
from verify.claims.patterns import cues, patterns
from verify.text.nlp import lemma_of, lemmatise

# A sentence ends at . ! ? … (optionally closed by a quote) before a space and a capital or
# an opening quote, unless the full stop ends an initial ("A.", "А.Н.") or an abbreviation.
_BOUNDARY = re.compile(
    r"(?<=[.!?…])[\"'»”’)]*\s+(?=[\"'«“(]?[A-ZА-ЯЁІЇЄҐ0-9])|\n\s*\n|\n(?=\s*[A-ZА-ЯЁІЇЄҐ\"«“])"
)
_ABBREVIATION = re.compile(
    r"(?:\b[A-ZА-ЯЁІЇЄҐ]|\bNo|\bno|\bDr|\bMr|\bMrs|\bMs|\bSt|\bг|\bим|\bт\.ч|\bт|\bул|\bд|\bст|"
    r"\bincl|\bvs|\betc|\bRef|\bref|\bJan|\bFeb|\bMar|\bApr|\bJun|\bJul|\bAug|\bSept?|"
    r"\bOct|\bNov|\bDec|\bDep|\bMin|\bProf|\bGen)\.$"
)
_CONTEXT_WINDOW = 3  # sentences after a document mention that a context cue may refer back to


@dataclass(frozen=True)
class Sentence:
    """One sentence: its text, where it starts in the report, and whether it is in scope."""

    text: str
    start: int
    names_document: bool
    about_document: bool
    retracted: bool = False  # it takes back what was said: no claim is read from it

    @property
    def end(self) -> int:
        """Offset just after the sentence."""
        return self.start + len(self.text)


def split_sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each non-blank sentence, trimmed of surrounding white space."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        if _ABBREVIATION.search(text[max(start, match.start() - 6) : match.start()]):
            continue
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(text)))
    trimmed = []
    for begin, end in spans:
        chunk = text[begin:end]
        stripped = chunk.strip()
        if stripped:
            offset = begin + chunk.index(stripped)
            trimmed.append((offset, offset + len(stripped)))
    return trimmed


@cache
def _document_nouns(language: str) -> frozenset[str]:
    return frozenset(patterns()["document_nouns"].get(language, []))


def names_document(sentence: str, language: str) -> bool:
    """True when the sentence names a document (on lemmas: 'письма', 'letters')."""
    nouns = _document_nouns(language)
    doc = lemmatise(sentence, language)
    return any(lemma_of(token.text, token.lemma_, language) in nouns for token in doc)


def issuer_acting(sentence: str, language: str) -> bool:
    """A ministry asking for something ('The ministry demanded lists…') speaks of its document."""
    acts = cues("issuer_acts", language)
    ends = [mention.end for mention in health_ministries(sentence, language)]
    ends += [match.end() for cue in cues("agents", language) for match in cue.finditer(sentence)]
    return any(cue.match(sentence[end:]) for cue in acts for end in ends)


def sentences(text: str, language: str) -> list[Sentence]:
    """The report's sentences, each marked as naming a document and/or being about one."""
    context = cues("context_cues", language)
    found: list[Sentence] = []
    last_named = -(10**6)
    previous_about = False
    for index, (start, end) in enumerate(split_sentences(text)):
        chunk = text[start:end]
        named = names_document(chunk, language) or issuer_acting(chunk, language)
        if named:
            last_named = index
        cued = any(cue.search(chunk) for cue in context)
        about = named or (
            cued and (previous_about or index - last_named <= _CONTEXT_WINDOW) and last_named >= 0
        )
        retracted = any(cue.search(chunk) for cue in cues("retractions", language))
        found.append(Sentence(chunk, start, named, about, retracted))
        previous_about = about
    return found
