"""Generate the published JSON Schema of the record from the pydantic models.

``docs/record.schema.json`` is this module's output; a test checks that the file in the
repository matches, so the document can never drift from the code.
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


if __name__ == "__main__":
    print(record_schema_json(), end="")
