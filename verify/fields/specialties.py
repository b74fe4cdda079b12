"""Requested specialties: inflected, compounded and coordinated phrases to taxonomy ids.

Letters ask for "врачей - сердечно-сосудистых хирургов" and "медицинских сестер (в том
числе операционных)"; reports say "trauma, heart ... and paediatric surgeons". All meet one
multilingual taxonomy (``models/specialties.json``) so a report's phrase can be matched
against the letter's. Matching is on lemmas and light stems, because pymorphy3 without a
tagger leaves ambiguous forms ("детских", "лікарів") unlemmatised; hyphens, dashes and line
breaks inside a compound are ignored; OCR look-alike letters are folded first.

The matcher is a spaCy component (``verify_specialties``, registered by ``register_component``)
writing ``doc.spans["specialties"]``, so it can be tested on a blank pipeline and reused;
``extract_specialties`` runs it on the shared pipeline's Doc without adding it to that pipeline.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any

from rapidfuzz import fuzz, process

from verify.fields._evidence import field_from_span
from verify.reading.textmap import DocumentText
from verify.record import Specialty
from verify.resources import load_json
from verify.text.nlp import lemma_of, lemmatise
from verify.text.translit import fold_lookalikes

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc, Token
    from spacy.vocab import Vocab

SPAN_KEY = "specialties"
_GLUE = "\x00glue"  # NORM of tokens that may sit inside a compound (dashes, OCR specks)
_DASHES = {"-", "–", "—", "‑", "‐", "−"}
_FUZZY_MIN_LENGTH = 8  # shorter words are too easily confused ("хирургии" vs "хирург")
_FUZZY_CUTOFF = 88.0
_CONFUSION_MIN_LENGTH = 3  # "bum" for "burn" is the shortest confusion worth undoing


@cache
def register_component() -> None:
    """Register the ``verify_specialties`` factory and the token extensions the matcher reads.

    Done on first use, not on import: a command that never matches specialties (``--help``,
    an input error, checking a saved report) then never loads spaCy, whose import costs
    seconds. Call it before ``nlp.add_pipe("verify_specialties")``.
    """
    from spacy.language import Language
    from spacy.tokens import Doc, Token

    if not Token.has_extension("verify_keys"):
        Token.set_extension("verify_keys", getter=lambda token: _keys_of(token))
    if not Doc.has_extension("verify_token_keys"):
        Doc.set_extension("verify_token_keys", default=None)
    if not Token.has_extension("verify_glue"):
        Token.set_extension("verify_glue", getter=lambda token: _is_glue(token.text))
    if not Doc.has_extension("verify_fuzzy"):
        Doc.set_extension("verify_fuzzy", default=None)
    if not Language.has_factory("verify_specialties"):
        Language.factory(
            "verify_specialties", default_config={"language": "ru"}, func=make_specialty_matcher
        )


def _is_glue(text: str) -> bool:
    """Whitespace, dashes and OCR specks that may sit inside a compound phrase."""
    return not text.strip() or text in _DASHES or text in _glue_tokens()


@cache
def _glue_tokens() -> frozenset[str]:
    return frozenset(load_json("specialties.json").get("glue_tokens", []))


@dataclass(frozen=True)
class Taxonomy:
    """Specialty ids with their labels and matching forms, per language."""

    version: str
    labels: dict[str, dict[str, str]]  # id -> {"ru": ..., "uk": ..., "en": ...}
    forms: dict[str, dict[str, list[str]]]  # id -> language -> phrases
    modifiers: dict[str, dict[str, Any]]  # id -> {"head": head id, language: [phrases]}
    heads: dict[str, dict[str, list[str]]]  # head id -> language -> phrases
    coordinators: dict[str, list[str]]
    including: dict[str, list[str]]
    including_fillers: list[str] = field(default_factory=list)

    def label(self, specialty: str, language: str = "en") -> str:
        """The specialty's label in ``language``."""
        return self.labels[specialty][language]

    def ids(self) -> list[str]:
        """All specialty ids, in file order."""
        return list(self.labels)


@cache
def taxonomy() -> Taxonomy:
    """The taxonomy of ``models/specialties.json`` (loaded once)."""
    data = load_json("specialties.json")
    specialties = data["specialties"]
    return Taxonomy(
        version=str(data["version"]),
        labels={key: dict(value["labels"]) for key, value in specialties.items()},
        forms={key: dict(value["forms"]) for key, value in specialties.items()},
        modifiers={
            key: dict(value["modifiers"])
            for key, value in specialties.items()
            if "modifiers" in value
        },
        heads=data["heads"],
        coordinators=data["coordinators"],
        including=data["including"],
        including_fillers=list(data["including_fillers"]),
    )


@lru_cache(maxsize=65536)
def _stem(word: str, language: str) -> str:
    """Strip one inflectional ending (longest first), keeping at least 3 letters."""
    for ending in _endings(language):
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            return word[: -len(ending)]
    return word


@cache
def _endings(language: str) -> tuple[str, ...]:
    endings = load_json("specialties.json")["stem_endings"].get(language, [])
    return tuple(sorted(endings, key=len, reverse=True))


def _unique_tails(vocabulary: Iterable[str], min_length: int) -> dict[str, str]:
    """Each long key by its tail: the key without its first letter.

    OCR drops a first letter into the bullet before it; only tails that one key of at
    least ``min_length`` letters has are kept.
    """
    tails: dict[str, set[str]] = {}
    for key in vocabulary:
        if len(key) >= min_length:
            tails.setdefault(key[1:], set()).add(key)
    return {tail: min(keys) for tail, keys in tails.items() if len(keys) == 1}


@lru_cache(maxsize=65536)
def _word_keys(text: str, lemma: str, language: str) -> frozenset[str]:
    """Keys under which a word can meet a vocabulary word: lemma and stems of lemma and text.

    Cached: the Matcher asks for a token's keys once per pattern state, dozens of times
    per token, and documents repeat their words.
    """
    text = text.strip("".join(_DASHES)) or text  # "сердечно-" before a line break
    key = lemma_of(text, lemma, language).strip("".join(_DASHES)) or text.lower()
    surface = text.lower().replace("ё", "е")
    return frozenset((key, _stem(key, language), _stem(surface, language)))


def _keys_of(token: Token) -> list[str]:
    """The token's keys, computed once per document (the Matcher asks many times)."""
    table = token.doc._.verify_token_keys
    if table is None:
        return sorted(_token_keys(token))
    keys: list[str] = table[token.i]
    return keys


def _token_keys(token: Token) -> set[str]:
    keys = _word_keys(token.text, token.lemma_, token.doc.lang_)
    fuzzy = token.doc._.verify_fuzzy
    if fuzzy and token.i in fuzzy:
        return set(keys) | {fuzzy[token.i]}
    return set(keys)


def _phrase_keys(phrase: str, language: str) -> list[frozenset[str]]:
    """One key set per content word of a vocabulary phrase (dashes dropped)."""
    doc = lemmatise(phrase, language)
    return [
        _word_keys(token.text, token.lemma_, language) for token in doc if not _is_glue(token.text)
    ]


@dataclass(frozen=True)
class _Candidate:
    start: int  # token index
    end: int
    ids: tuple[str, ...]
    keep_inner: bool  # an "including" phrase keeps the head's own specialty inside it
    rule: str


class SpecialtyMatcher:
    """spaCy component: finds specialty phrases and writes them to ``doc.spans``.

    Each span's label is a taxonomy id; a coordinated phrase gives one span per id, all
    over the whole phrase (that phrase is the evidence for each of them).
    """

    def __init__(self, vocab: Vocab, language: str) -> None:
        from spacy.matcher import Matcher

        register_component()
        self.language = language
        self.taxonomy = taxonomy()
        self.matcher = Matcher(vocab)
        self._vocabulary: set[str] = set()
        for specialty, forms in self.taxonomy.forms.items():
            patterns = [
                pattern for form in forms.get(language, []) for pattern in self._patterns(form)
            ]
            if patterns:
                self.matcher.add(specialty, patterns)
        self._heads = {
            head: [_phrase_keys(p, language) for p in phrases.get(language, [])]
            for head, phrases in self.taxonomy.heads.items()
        }
        self._head_firsts = {
            head: frozenset(key for sequence in sequences if sequence for key in sequence[0])
            for head, sequences in self._heads.items()
        }
        self._modifiers: dict[str, list[tuple[str, list[frozenset[str]]]]] = {}
        for specialty, spec in self.taxonomy.modifiers.items():
            for phrase in spec.get(language, []):
                self._modifiers.setdefault(spec["head"], []).append(
                    (specialty, _phrase_keys(phrase, language))
                )
        for sequences in self._heads.values():
            for sequence in sequences:
                self._vocabulary.update(key for keys in sequence for key in keys)
        for entries in self._modifiers.values():
            for _, sequence in entries:
                self._vocabulary.update(key for keys in sequence for key in keys)
        self._coordinators = {_norm(c) for c in self.taxonomy.coordinators.get(language, [])}
        self._including = [
            [_norm(t.text) for t in lemmatise(cue, language) if not t.is_space]
            for cue in self.taxonomy.including.get(language, [])
        ]
        self._fillers = set(self.taxonomy.including_fillers)
        script = "latin" if language == "en" else "cyrillic"
        self._confusions = [
            (wrong, right)
            for wrong, right in load_json("specialties.json")["ocr_confusions"][script]
        ]
        # Three-letter starts of every vocabulary key: a line without any such word start
        # cannot hold a specialty (see find_specialties).
        self.prefixes = frozenset(key[:3] for key in self._vocabulary if len(key) >= 3)
        self._tails = _unique_tails(
            self._vocabulary, load_json("specialties.json")["lost_first_letter_min_length"]
        )
        # Lines to search in OCRed text also include those starting like a tail only.
        self.ocr_prefixes = self.prefixes | {tail[:3] for tail in self._tails}

    def _patterns(self, phrase: str) -> list[list[dict[str, Any]]]:
        """Matcher patterns of a phrase: one per key of its first word.

        A token has one NORM, so ``{"NORM": {"IN": keys}}`` equals one pattern per key; a
        plain first token is compared in C, while an ``IN`` predicate is a Python call for
        every token of the document and every pattern (most of the Matcher's time).
        """
        words = _phrase_keys(phrase, self.language)
        rest: list[dict[str, Any]] = []
        for keys in words:
            self._vocabulary.update(keys)
        for keys in words[1:]:
            rest.append({"NORM": _GLUE, "OP": "*"})
            rest.append({"NORM": {"IN": sorted(keys)}})
        if not words:
            return []
        return [[{"NORM": key}, *rest] for key in sorted(words[0])]

    def __call__(self, doc: Doc) -> Doc:
        """Find specialties in ``doc``; spans go to ``doc.spans["specialties"]``."""
        return self.match(doc)

    def match(self, doc: Doc, fuzzy: bool = True) -> Doc:
        """``__call__`` with a choice of the fuzzy pass.

        ``fuzzy`` False skips the search for OCR-damaged words, which text from a PDF text
        layer does not have.
        """
        doc._.verify_fuzzy = self._fuzzy_keys(doc) if fuzzy else {}
        doc._.verify_token_keys = [sorted(_token_keys(token)) for token in doc]
        # The Matcher compares NORM in C; a custom-attribute predicate is a Python call a token.
        # Each token's NORM becomes its one key that is in the vocabulary (the phrase
        # patterns list all keys of each of their words), or a glue marker.
        for token, keys in zip(doc, doc._.verify_token_keys, strict=True):
            if _is_glue(token.text):
                token.norm_ = _GLUE
            else:
                known = [key for key in keys if key in self._vocabulary]
                token.norm_ = known[0] if known else (keys[0] if keys else token.lower_)
        candidates = [
            _Candidate(start, end, (doc.vocab.strings[match_id],), False, "form")
            for match_id, start, end in self.matcher(doc)
        ]
        candidates += self._compounds(doc)
        from spacy.tokens import Span

        spans = []
        for candidate in _resolve(candidates):
            for specialty in candidate.ids:
                span = Span(doc, candidate.start, candidate.end, label=specialty)
                spans.append(span)
        doc.spans[SPAN_KEY] = spans
        return doc

    def _fuzzy_keys(self, doc: Doc) -> dict[int, str]:
        """Map OCR-damaged words to the vocabulary key they stand for.

        A word of any length is tried with OCR's usual letter confusions undone ("bum"
        read for "burn"), then as a key that lost its first letter ("rauma"); a long word
        is also matched by similarity.
        """
        found: dict[int, str] = {}
        long_words = [key for key in self._vocabulary if len(key) >= _FUZZY_MIN_LENGTH - 1]
        for token in doc:
            if len(token.text) < _CONFUSION_MIN_LENGTH or not token.is_alpha:
                continue
            keys = _word_keys(token.text, token.lemma_, self.language)
            if keys & self._vocabulary:
                continue
            repaired = self._confusion_key(token.text)
            if repaired is None:
                repaired = next((self._tails[k] for k in sorted(keys) if k in self._tails), None)
            if repaired is not None:
                found[token.i] = repaired
                continue
            if len(token.text) < _FUZZY_MIN_LENGTH:
                continue
            stem = _stem(token.text.lower(), self.language)
            best = process.extractOne(
                stem, long_words, scorer=fuzz.ratio, score_cutoff=_FUZZY_CUTOFF
            )
            if best and best[0][:2] == stem[:2]:
                found[token.i] = best[0]
        return found

    def _confusion_key(self, word: str) -> str | None:
        """The vocabulary key ``word`` gives once one OCR letter confusion is undone."""
        lowered = word.lower()
        for wrong, right in self._confusions:
            start = lowered.find(wrong)
            while start >= 0:
                variant = lowered[:start] + right + lowered[start + len(wrong) :]
                hit = _word_keys(variant, variant, self.language) & self._vocabulary
                if hit:
                    return min(hit)
                start = lowered.find(wrong, start + 1)
        return None

    def _compounds(self, doc: Doc) -> list[_Candidate]:
        """Coordinated modifiers before a head, and modifiers after an 'including' cue."""
        # Read straight from the per-document table: a spaCy extension attribute costs
        # microseconds a lookup, and a long document has tens of thousands of tokens.
        table = doc._.verify_token_keys
        content = [t.i for t in doc if not _is_glue(t.text)]
        keys = [set(table[i]) for i in content]
        found: list[_Candidate] = []
        for head, sequences in self._heads.items():
            modifiers = self._modifiers.get(head, [])
            firsts = self._head_firsts[head]
            # Only positions whose word can start the head are tried: most words start none.
            for position in (p for p, k in enumerate(keys) if not k.isdisjoint(firsts)):
                length = _match_any(keys, position, sequences)
                if not length:
                    continue
                head_end = content[position + length - 1] + 1
                ids, first = self._modifiers_before(doc, content, keys, position, modifiers)
                if ids:
                    found.append(
                        _Candidate(content[first], head_end, tuple(ids), True, "coordinated")
                    )
                after = self._including_after(doc, content, keys, position + length, modifiers)
                if after:
                    ids_after, last = after
                    own = self._head_ids(doc, content[position], head_end)
                    found.append(
                        _Candidate(
                            content[position],
                            content[last] + 1,
                            tuple(own + ids_after),
                            True,
                            "including",
                        )
                    )
        return found

    def _head_ids(self, doc: Doc, start: int, end: int) -> list[str]:
        """Specialties the head phrase names by itself ("медицинских сестер" -> nurse)."""
        span = doc[start:end]
        return [doc.vocab.strings[m] for m, s, e in self.matcher(span) if e - s == len(span)]

    def _modifiers_before(
        self,
        doc: Doc,
        content: list[int],
        keys: list[set[str]],
        position: int,
        modifiers: list[tuple[str, list[frozenset[str]]]],
    ) -> tuple[list[str], int]:
        ids: list[str] = []
        first = position
        cursor = position
        while True:
            hit = _match_ending(keys, cursor, modifiers)
            if hit is None:
                break
            specialty, length = hit
            ids.insert(0, specialty)
            first = cursor - length
            cursor = first
            while cursor > 0 and _norm(doc[content[cursor - 1]].text) in self._coordinators:
                cursor -= 1
            if cursor == first:
                break
        return list(dict.fromkeys(ids)), first

    def _including_after(
        self,
        doc: Doc,
        content: list[int],
        keys: list[set[str]],
        position: int,
        modifiers: list[tuple[str, list[frozenset[str]]]],
    ) -> tuple[list[str], int] | None:
        cursor = position
        while cursor < len(content) and doc[content[cursor]].text in self._fillers:
            cursor += 1
        for cue in self._including:
            words = [_norm(doc[i].text) for i in content[cursor : cursor + len(cue)]]
            if words == cue:
                cursor += len(cue)
                break
        else:
            return None
        ids: list[str] = []
        last = cursor - 1
        while cursor < len(content):
            word = _norm(doc[content[cursor]].text)
            if word in self._coordinators or word in {"for", "в", "у", "для"}:
                cursor += 1
                continue
            best = None
            for specialty, sequence in modifiers:
                length = len(sequence)
                window = keys[cursor : cursor + length]
                if len(window) == length and all(
                    a & b for a, b in zip(window, sequence, strict=True)
                ):
                    if best is None or length > best[1]:
                        best = (specialty, length)
            if best is None:
                break
            ids.append(best[0])
            cursor += best[1]
            last = cursor - 1
        return (list(dict.fromkeys(ids)), last) if ids else None


def _norm(text: str) -> str:
    return text.lower().replace("ё", "е")


def _match_any(keys: list[set[str]], position: int, sequences: list[list[frozenset[str]]]) -> int:
    """Length of the longest sequence matching at ``position`` (0 if none)."""
    best = 0
    for sequence in sequences:
        window = keys[position : position + len(sequence)]
        if len(window) == len(sequence) and all(
            a & b for a, b in zip(window, sequence, strict=True)
        ):
            best = max(best, len(sequence))
    return best


def _match_ending(
    keys: list[set[str]], end: int, modifiers: list[tuple[str, list[frozenset[str]]]]
) -> tuple[str, int] | None:
    """The longest modifier whose words end just before content position ``end``."""
    best: tuple[str, int] | None = None
    for specialty, sequence in modifiers:
        start = end - len(sequence)
        if start < 0:
            continue
        if all(a & b for a, b in zip(keys[start:end], sequence, strict=True)):
            if best is None or len(sequence) > best[1]:
                best = (specialty, len(sequence))
    return best


def _resolve(candidates: Iterable[_Candidate]) -> list[_Candidate]:
    """Drop matches nested in a larger one that names other specialties.

    "операционных медицинских сестер" is operating_nurse only, though "медицинских сестер"
    inside it names nurse; an 'including' phrase keeps the inner head's id explicitly.
    """
    ordered = sorted(set(candidates), key=lambda c: (c.start, -(c.end - c.start)))
    kept = []
    for candidate in ordered:
        nested_in = [
            other
            for other in ordered
            if other is not candidate
            and other.start <= candidate.start
            and candidate.end <= other.end
            and (other.end - other.start) > (candidate.end - candidate.start)
        ]
        if any(not set(candidate.ids) <= set(other.ids) for other in nested_in):
            continue
        if any(set(candidate.ids) <= set(other.ids) for other in nested_in):
            continue  # already named by the larger phrase
        kept.append(candidate)
    return kept


def make_specialty_matcher(nlp: Language, name: str, language: str) -> SpecialtyMatcher:
    """Factory so the matcher can be added to any pipeline: ``nlp.add_pipe(...)``."""
    return SpecialtyMatcher(nlp.vocab, language)


@cache
def matcher_for(language: str) -> SpecialtyMatcher:
    """The specialty matcher of ``language``, built once per process (on spaCy's vocabulary)."""
    from verify.text.nlp import get_nlp

    return SpecialtyMatcher(get_nlp(language).vocab, language)


def find_specialties(
    text: str, language: str, fuzzy: bool = True
) -> list[tuple[str, int, int, str]]:
    """(id, start char, end char, rule) of each specialty in plain text, in text order.

    Used by ``extract_specialties`` and by whoever needs the same matching on a news
    report ("trauma, heart ... surgeons"). Only windows of lines that contain a word
    starting like a vocabulary word (and their neighbours, for phrases broken across
    lines) are lemmatised and matched: lemmatising a long document whole spends most of its
    time on lines that cannot name a specialty. ``fuzzy`` False (text that no
    OCR read) skips matching misread words.
    """
    if language not in ("ru", "uk", "en"):
        return []
    script = "latin" if language == "en" else "cyrillic"
    folded = fold_lookalikes(text, script)
    matcher = matcher_for(language)
    found = []
    prefixes = matcher.ocr_prefixes if fuzzy else matcher.prefixes
    for start, end in _candidate_windows(folded, prefixes):
        doc = matcher.match(lemmatise(folded[start:end], language), fuzzy)
        misread = doc._.verify_fuzzy or {}
        for span in doc.spans[SPAN_KEY]:
            rule = "fuzzy" if any(i in misread for i in range(span.start, span.end)) else "lemma"
            first, last = start + span.start_char, start + span.end_char
            if folded[first:last] != text[first:last]:
                rule = "lookalike"
            found.append((span.label_, first, last, rule))
    return sorted(found, key=lambda item: (item[1], item[2]))


_WORD = re.compile(r"[^\W\d_]{3,}")


def _candidate_windows(text: str, prefixes: frozenset[str]) -> list[tuple[int, int]]:
    """Character spans of runs of lines worth matching: a hit line and one line around it."""
    lines: list[tuple[int, int]] = []
    offset = 0
    for line in text.split("\n"):
        lines.append((offset, offset + len(line)))
        offset += len(line) + 1
    hits = [
        any(word[:3].lower().replace("ё", "е") in prefixes for word in _WORD.findall(text[a:b]))
        for a, b in lines
    ]
    keep = [
        any(hits[j] for j in range(max(i - 1, 0), min(i + 2, len(lines))))
        for i in range(len(lines))
    ]
    windows: list[tuple[int, int]] = []
    for (start, end), wanted in zip(lines, keep, strict=True):
        if not wanted:
            continue
        if windows and windows[-1][1] + 1 == start:
            windows[-1] = (windows[-1][0], end)
        else:
            windows.append((start, end))
    return windows


_RULE_CONFIDENCE = {"lemma": 1.0, "lookalike": 0.9, "fuzzy": 0.8}


def extract_specialties(
    doc: DocumentText, language: str, exclude: Sequence[tuple[int, int]] = ()
) -> list[Specialty]:
    """Each requested specialty once, with its first occurrence as evidence.

    ``exclude`` holds character spans not to search (letterhead, signature, executor);
    by default the signature block found by ``extract_signatories`` is left out, so a
    position such as "Главный врач-эпидемиолог" is not taken for a request.
    """
    if not exclude:
        from verify.fields.signatories import signature_spans

        exclude = signature_spans(doc, language)
    tax = taxonomy()
    seen: set[str] = set()
    results: list[Specialty] = []
    read_by_ocr = any(page.method == "ocr" for page in doc.pages)
    for specialty, start, end, rule in find_specialties(doc.text, language, read_by_ocr):
        if specialty in seen or any(s < end and start < e for s, e in exclude):
            continue
        built = field_from_span(
            Specialty,
            doc,
            start,
            end,
            source=f"rule:specialty.{language}.{rule}",
            rule_confidence=_RULE_CONFIDENCE[rule],
            value=specialty,
            label_en=tax.label(specialty, "en"),
        )
        if built is not None:
            seen.add(specialty)
            results.append(built)
    return results
