"""``python -m verify.report > docs/report.schema.json`` regenerates the published schema."""

from verify.report import report_schema_json

print(report_schema_json(), end="")
