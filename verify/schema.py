"""Generate the published JSON Schema of the record from the pydantic models.

``docs/record.schema.json`` is this module's output (and ``docs/comparison.schema.json``, with
the argument ``comparison``); tests check that the files in the repository match, so the
documents can never drift from the code.
"""

from __future__ import annotations

import json

from verify.record import SCHEMA_ID, Record


def record_schema() -> dict[str, object]:
    """The JSON Schema (draft 2020-12) of ``verify.record/1``."""
    schema = Record.model_json_schema(by_alias=True, mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"https://verify.example/schemas/{SCHEMA_ID}.json"
    schema["title"] = SCHEMA_ID
    return schema


def record_schema_json() -> str:
    """The schema as stable, pretty-printed JSON text."""
    return json.dumps(record_schema(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def comparison_schema_json() -> str:
    """The JSON Schema of ``compare``'s answer (docs/comparison.schema.json)."""
    from verify.matching.compare import Comparison

    schema = Comparison.model_json_schema(mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://verify.example/schemas/verify.comparison.json"
    return json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    import sys

    # ``python -m verify.schema comparison > docs/comparison.schema.json``
    wanted = sys.argv[1] if len(sys.argv) > 1 else "record"
    print(comparison_schema_json() if wanted == "comparison" else record_schema_json(), end="")
