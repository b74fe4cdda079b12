"""Document forensics: what a file betrays about its makers and recipients, and signs of edits.

``forensics(path)`` returns typed findings; ``scrub(path, out)`` writes a copy safe to
publish and checks it. See docs in the README ("verify forensics", "verify scrub").
"""

from verify.forensics.examine import forensics
from verify.forensics.findings import Finding, FindingEvidence

__all__ = ["Finding", "FindingEvidence", "forensics"]
