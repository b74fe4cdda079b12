"""Corroboration reports: JSON (``verify.report/1``), Markdown and self-contained HTML.

``corroborate_files(document, claims, claims_date=None) -> (Report, Record)`` builds one;
``render_html`` / ``render_markdown`` render it; ``sign_report`` / ``verify_signature``
sign it with an Ed25519 key (the archive's) and check it; ``check_report`` re-hashes the
inputs of a saved report. ``python -m verify.report`` prints the JSON Schema.
"""

from __future__ import annotations

from verify.report.build import build_report, corroborate_files
from verify.report.check import CheckResult, check_report, load_report
from verify.report.model import REPORT_SCHEMA_ID, Copies, Copy, Report, Signature
from verify.report.render import render_html, render_markdown
from verify.report.signature import sign_report, verify_signature

__all__ = [
    "REPORT_SCHEMA_ID",
    "CheckResult",
    "Copies",
    "Copy",
    "Report",
    "Signature",
    "build_report",
    "check_report",
    "corroborate_files",
    "load_report",
    "render_html",
    "render_markdown",
    "sign_report",
    "verify_signature",
]


def report_schema_json() -> str:
    """The JSON Schema of the report, as published in docs/report.schema.json."""
    import json

    schema = Report.model_json_schema(by_alias=True)
    schema["$id"] = f"https://verify.example/schemas/{REPORT_SCHEMA_ID}.json"
    schema["title"] = REPORT_SCHEMA_ID
    return json.dumps(schema, ensure_ascii=False, indent=2) + "\n"
