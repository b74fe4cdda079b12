"""Find and load the data files in ``models/``, from a wheel or from a checkout.

The wheel carries ``models/`` as ``verify/models`` (see pyproject.toml); a source checkout
has it beside the package. Looking in both means the same code works installed and in
development, and a missing models folder is a clear error rather than a KeyError later.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from verify.errors import VerifyError

_PACKAGE_DIR = Path(__file__).resolve().parent


@cache
def models_dir() -> Path:
    """Return the folder holding the data files, preferring the installed copy."""
    for candidate in (_PACKAGE_DIR / "models", _PACKAGE_DIR.parent / "models"):
        if (candidate / "VERSION").is_file():
            return candidate
    raise VerifyError(
        "verify's models/ folder is missing: reinstall verify (pip install --force-reinstall .)"
    )


@cache
def load_json(name: str) -> dict[str, Any]:
    """Load ``models/<name>``, a JSON object (every models file is one: a version and its data)."""
    path = models_dir() / name
    with path.open(encoding="utf-8") as handle:
        data = json.load(handle)
    if not isinstance(data, dict):
        raise TypeError(f"models/{name} must hold a JSON object")
    return data


def load_jsonl(name: str) -> list[dict[str, Any]]:
    """Load ``models/<name>`` as JSON Lines, skipping blank lines."""
    path = models_dir() / name
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


@cache
def models_versions() -> dict[str, str]:
    """Map each versioned models file to its ``version`` key, for the record."""
    versions: dict[str, str] = {"models": (models_dir() / "VERSION").read_text().strip()}
    for path in sorted(models_dir().glob("*.json")):
        data = load_json(path.name)
        if isinstance(data, dict) and "version" in data:
            versions[path.stem] = str(data["version"])
    return versions
