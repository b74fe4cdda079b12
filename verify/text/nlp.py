"""spaCy pipelines for ru, uk and en: blank tokenisers plus a cached lemmatiser.

Rules match on lemmas so that "медицинских сестер", "медицинские сестры" and
"медицинская сестра" meet one pattern. Russian and Ukrainian lemmas come from pymorphy3
(dictionaries from PyPI, no download at run time) with the same rule as spaCy's own
``pymorphy3`` lemmatiser in a pipeline without tags: the one normal form all analyses
agree on, else the word itself. We register that rule as our own component because
spaCy's parses every token afresh; documents repeat their words, so a cache of word →
lemma, held by the component, spares most of that work on long documents.

spaCy's English lemmatiser needs lookup tables we do not ship, so English lemmas are the
lower-cased token with a light plural strip (``lemma_of``), which is enough for matching
our vocabularies.
"""

from __future__ import annotations

from functools import cache, lru_cache
from typing import TYPE_CHECKING

from verify.errors import VerifyError
from verify.text.morphology import analyser

if TYPE_CHECKING:  # spaCy is imported by the first pipeline built: its import costs seconds
    from spacy.language import Language
    from spacy.tokens import Doc


@lru_cache(maxsize=200_000)
def _lemma(word: str, language: str) -> str:
    normal_forms = {parse.normal_form for parse in analyser(language).parse(word)}
    return next(iter(normal_forms)) if len(normal_forms) == 1 else word


def _lemmatise_tokens(doc: Doc) -> Doc:
    """Set ``token.lemma_`` for Russian or Ukrainian words (other tokens keep their text)."""
    language = doc.lang_
    for token in doc:
        text = token.text
        token.lemma_ = _lemma(text, language) if text.isalpha() else text
    return doc


@cache
def get_nlp(language: str) -> Language:
    """A blank pipeline for ``language`` with lemmas; built once per process."""
    if language not in ("ru", "uk", "en"):
        raise VerifyError(f"no NLP pipeline for language {language!r}")
    import spacy
    from spacy.language import Language

    if not Language.has_factory("verify_lemmatizer"):
        Language.component("verify_lemmatizer", func=_lemmatise_tokens)
    nlp = spacy.blank(language)
    if language in ("ru", "uk"):
        nlp.add_pipe("verify_lemmatizer")
    return nlp


def lemmatise(text: str, language: str) -> Doc:
    """Tokenise and lemmatise ``text``; the Doc keeps character offsets for evidence."""
    return get_nlp(language)(text)


def lemma_of(token_text: str, lemma: str, language: str) -> str:
    """Normalised lemma used for matching: lower case, ё folded, English plural stripped."""
    value = (lemma or token_text).lower().replace("ё", "е")
    if language == "en" and len(value) > 3 and value.endswith("s") and not value.endswith("ss"):
        value = value[:-1]
    return value
