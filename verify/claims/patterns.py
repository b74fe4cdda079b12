"""The cue phrases of ``models/claims_patterns.json``, loaded and compiled once.

Cues are data so a newsroom can teach verify its own outlets' phrasing ("according to a
letter signed by...") without touching code; this module only compiles them.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from verify.resources import load_json

PATTERNS_FILE = "claims_patterns.json"


@cache
def patterns() -> dict[str, Any]:
    """The whole data file (read-only)."""
    data: dict[str, Any] = load_json(PATTERNS_FILE)
    return data


@cache
def cues(section: str, language: str, key: str | None = None) -> tuple[re.Pattern[str], ...]:
    """Compiled case-insensitive regexes of ``section`` (or its table ``key``) for ``language``."""
    table = patterns()[section] if key is None else patterns()[section][key]
    return tuple(re.compile(regex, re.IGNORECASE) for regex in table.get(language, []))


def version() -> str:
    """Version of the cue file, for the report's provenance."""
    return str(patterns()["version"])
