"""The terminal consoles of the command line: one place that decides how output is written.

Lines are never wrapped by rich (``soft_wrap``): piped into a file or another program, a
sha256 or a path split over two lines can no longer be copied or matched, and rich would
otherwise wrap at 80 columns whenever it cannot measure a terminal. A terminal still folds
long lines on screen itself.
"""

from __future__ import annotations

from rich.console import Console


def console(*, stderr: bool = False) -> Console:
    """A console for standard output (or standard error) that never wraps lines."""
    return Console(stderr=stderr, highlight=False, soft_wrap=True)
