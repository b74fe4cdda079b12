"""Time and memory budgets: a page's work runs in a child process, stopped when over.

MuPDF, Pillow, OpenCV and tesseract each do work that a file's declared sizes do not bound: a
page of nested forms that draws one object a billion times, a content stream that inflates a
thousandfold, a photo whose 196 Mpx are legal but take minutes to prepare and OCR. The cheap
checks come first (``verify.reading.inputs``, ``verify.reading.pdf``, ``verify.reading.images``
refuse what the headers already show); this module is the guard for everything else. A C
library cannot be interrupted from Python while it runs, so the page runs in a forked child:
the child's address space is capped (``RLIMIT_AS``: a failed allocation becomes a
``MemoryError`` or a library error, never the machine's swap) and the parent kills the child's
whole process group (tesseract included) when the page's time is up. Both budgets are in
models/budgets.json and settable per run (``--page-seconds``, ``--page-memory``).

Forking costs a few milliseconds, against the hundreds a page's decoding and OCR take.
Work inside a child runs inline: budgets do not nest.
"""

from __future__ import annotations

import os
import pickle
import resource
import select
import signal
import time
import traceback
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import Any, TypeVar, cast

from verify.errors import CorruptInputError, InputTooLargeError
from verify.resources import load_json

__all__ = [
    "BudgetExceededError",
    "check_shape",
    "limits",
    "run_page",
]

T = TypeVar("T")

_MB = 1 << 20
_READ_CHUNK = 1 << 20

_inside_child = False
"""True in a budgeted child: its own pages run inline, under its budget."""


class BudgetExceededError(InputTooLargeError):
    """A page ran over its time or memory budget and was stopped (exit code 7)."""


def limits() -> dict[str, Any]:
    """The budgets of models/budgets.json."""
    return load_json("budgets.json")


def check_shape(file_name: str, page: int, width: float, height: float, unit: str) -> None:
    """Refuse a page whose shape no reader can handle, from its declared size alone.

    A 1 x 150,000,000 image is under the pixel limit but is no page: every resize and
    tesseract fail on it. Raises ``InputTooLargeError`` before anything is decoded.
    """
    table = limits()
    longer, shorter = max(width, height), min(width, height)
    if unit == "px" and longer > table["max_page_side_px"]:
        raise InputTooLargeError(
            f"{file_name}: page {page} is {width:.0f} x {height:.0f} pixels, longer than "
            f"{table['max_page_side_px']} pixels on one side: no page is that long"
        )
    if shorter <= 0 or longer / shorter > table["max_aspect_ratio"]:
        raise InputTooLargeError(
            f"{file_name}: page {page} is {width:g} x {height:g} {unit}, more than "
            f"{table['max_aspect_ratio']} times longer than wide: not a page verify can read"
        )


def run_page(
    work: Callable[..., T],
    *args: object,
    file_name: str,
    page: int,
    seconds: float,
    memory_mb: int,
    while_waiting: Callable[[], object] | None = None,
) -> T:
    """``work(*args)`` for page ``page`` of ``file_name``, within the page's budgets.

    Returns what ``work`` returns and raises what it raises (a ``VerifyError`` keeps its
    class and message). Raises ``BudgetExceededError`` when the time or the memory runs
    out, ``CorruptInputError`` when a library crashes on the page (a signal in the child).
    ``while_waiting()`` is called in this process once the child runs (to start work of
    its own in a thread): after the fork, so the child inherits no thread and no lock a
    thread holds.
    """
    if _inside_child or not hasattr(os, "fork"):
        return work(*args)
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child never returns (coverage cannot see it)
        _child(reader, writer, work, args, memory_mb)
    os.close(writer)
    if while_waiting is not None:
        while_waiting()
    try:
        payload = _collect(reader, seconds)
    finally:
        os.close(reader)
        status = _stop(pid)
    if payload is None:
        raise BudgetExceededError(
            f"{file_name}: page {page} took over {seconds:g} s and was stopped (its time "
            f"budget): pass --page-seconds {max(2 * seconds, 60):g} if the file is genuine"
        )
    if not payload:
        raise _died(file_name, page, status, memory_mb)
    kind, value = pickle.loads(payload)
    if kind == "ok":
        return cast(T, value)
    if kind == "memory":
        raise _over_memory(file_name, page, memory_mb)
    raise value


def _child(
    reader: int, writer: int, work: Callable[..., Any], args: tuple[object, ...], memory_mb: int
) -> None:
    """Run ``work`` and send ("ok", result), ("error", exception) or ("memory", None)."""
    global _inside_child
    code = 0
    try:
        os.close(reader)
        _inside_child = True
        with suppress(OSError):
            os.setpgid(0, 0)  # a group of its own: the parent stops tesseract with it
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
        _cap_address_space(memory_mb)
        outcome: tuple[str, object]
        try:
            outcome = ("ok", work(*args))
        except MemoryError:
            outcome = ("memory", None)
        except BaseException as error:  # noqa: BLE001 - every error goes to the parent
            error.add_note("in the page's child process:\n" + traceback.format_exc())
            outcome = ("error", error)
        try:
            payload = pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
        except MemoryError:
            payload = pickle.dumps(("memory", None))
        except Exception as error:  # noqa: BLE001 - an unpicklable error is still reported
            payload = pickle.dumps(("error", RuntimeError(f"{type(error).__name__}: {error}")))
        with os.fdopen(writer, "wb") as handle:
            handle.write(payload)
    except BaseException:  # noqa: BLE001 - nothing may escape into the parent's code
        code = 1
    finally:
        os._exit(code)


def _cap_address_space(memory_mb: int) -> None:
    """Allow this process ``memory_mb`` more address space than it holds now."""
    try:
        pages = Path("/proc/self/statm").read_text(encoding="ascii").split()[0]
        held = int(pages) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        held = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = held + memory_mb * _MB
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))


def _collect(reader: int, seconds: float) -> bytes | None:
    """Everything the child writes, or None when ``seconds`` pass first."""
    deadline = time.monotonic() + seconds
    chunks: list[bytes] = []
    poller = select.poll()
    poller.register(reader, select.POLLIN | select.POLLHUP)
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        if not poller.poll(min(left, 3600.0) * 1000):
            continue
        chunk = os.read(reader, _READ_CHUNK)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _stop(pid: int) -> int:
    """Kill what is left of the child's group and reap the child; its wait status."""
    for kill in (os.killpg, os.kill):
        with suppress(ProcessLookupError, PermissionError):
            kill(pid, signal.SIGKILL)
    while True:
        try:
            return os.waitpid(pid, 0)[1]
        except ChildProcessError:
            return 0
        except InterruptedError:
            continue


def _died(file_name: str, page: int, status: int, memory_mb: int) -> Exception:
    """The error for a child that ended without an answer."""
    if os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL:
        return _over_memory(file_name, page, memory_mb)  # the kernel's out-of-memory killer
    how = f"signal {os.WTERMSIG(status)}" if os.WIFSIGNALED(status) else "no answer"
    return CorruptInputError(
        f"{file_name}: page {page} crashed the decoder ({how}): the file is malformed; "
        "get a fresh copy of the file"
    )


def _over_memory(file_name: str, page: int, memory_mb: int) -> BudgetExceededError:
    return BudgetExceededError(
        f"{file_name}: page {page} needed more than {memory_mb} MB and was stopped (its memory "
        f"budget): pass --page-memory {2 * memory_mb} if the file is genuine"
    )
