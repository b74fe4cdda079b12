"""spaCy pipelines for ru, uk and en: blank tokenisers plus a lemmatiser.

Rules match on lemmas so that "медицинских сестер", "медицинские сестры" and
"медицинская сестра" meet one pattern. Russian and Ukrainian use the pymorphy3
lemmatiser (dictionaries from PyPI, no download at run time). spaCy's English lemmatiser
needs lookup tables we do not ship, so English lemmas are the lower-cased token with a
light plural strip (``lemma_of``), which is enough for matching our vocabularies.
"""

from __future__ import annotations

from functools import cache

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from verify.errors import VerifyError


@cache
def get_nlp(language: str) -> Language:
    """A blank pipeline for ``language`` with lemmas; built once per process."""
    if language not in ("ru", "uk", "en"):
        raise VerifyError(f"no NLP pipeline for language {language!r}")
    nlp = spacy.blank(language)
    if language in ("ru", "uk"):
        nlp.add_pipe("lemmatizer", config={"mode": "pymorphy3"})
        nlp.initialize()
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
