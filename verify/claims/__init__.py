"""Claims: what news reports, posts and transcripts say about a document.

``claims_from_file(path, claims_date=None) -> ClaimsFile`` reads a report (en, ru, uk) and
returns its claims about a document (signatory name and position, issuer, date, number,
deadlines, each requested specialty, funding source), each with its sentence and offsets.
``verify.claims.corroborate`` then checks them against a record.
"""

from __future__ import annotations

from verify.claims.extract import claims_from_file, claims_from_text, extract_claims
from verify.claims.model import CLAIM_KINDS, Claim, ClaimsFile

__all__ = [
    "CLAIM_KINDS",
    "Claim",
    "ClaimsFile",
    "claims_from_file",
    "claims_from_text",
    "extract_claims",
]
