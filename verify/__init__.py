"""verify: read, fingerprint, archive and corroborate received official documents.

The public surface is small on purpose: ``extract`` turns a file into a ``Record``; the
CLI is a thin layer over it. Everything else is internal and may change.
"""

from __future__ import annotations

from verify.version import __version__

__all__ = ["ExitCode", "ExtractOptions", "Record", "VerifyError", "__version__", "extract"]


def __getattr__(name: str) -> object:
    # Import lazily so that ``import verify`` (and the CLI's --help) stays fast: spaCy,
    # OpenCV and pymupdf are loaded only when a document is actually read.
    if name == "extract":
        from verify.pipeline import extract

        return extract
    if name == "Record":
        from verify.record import Record

        return Record
    if name == "ExtractOptions":
        from verify.options import ExtractOptions

        return ExtractOptions
    if name in ("ExitCode", "VerifyError"):
        from verify import errors

        return getattr(errors, name)
    raise AttributeError(f"module 'verify' has no attribute {name!r}")
