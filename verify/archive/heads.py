"""Signed tree heads kept outside the database: ``ARCHIVE/heads/``.

The database holds every signed tree head, but whoever can edit the database can also
delete them, and with them the only record of what the log was. So each head the archive
signs is also appended, after its transaction commits, to ``heads/tree_heads.jsonl`` (one
JSON head a line, opened with ``O_APPEND`` and ``fsync``ed), and the latest is written as a
C2SP checkpoint to ``heads/checkpoint`` (replaced whole, by rename), ready to be mailed,
committed to a public repository or handed to a witness (docs/archive.md).

The file may lag the database by the last head (a kill between the commit and the append);
the next signing appends every newer head. It never leads it: a head in the file that the
database lacks means the database lost it (rolled back, or its heads deleted).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from verify.archive.signing import TreeHead, format_checkpoint
from verify.errors import IntegrityError

FOLDER = "heads"
LOG_FILE = "tree_heads.jsonl"
CHECKPOINT_FILE = "checkpoint"
TAIL_BYTES = 4096
"""Enough of the file's end to hold its last line (a head is about 400 bytes)."""


class HeadsFile:
    """The append-only copy of the signed tree heads in ``ARCHIVE/heads/``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @property
    def path(self) -> Path:
        """The JSON-lines file of every head."""
        return self.folder / LOG_FILE

    @property
    def checkpoint_path(self) -> Path:
        """The latest head as a C2SP checkpoint."""
        return self.folder / CHECKPOINT_FILE

    def read(self) -> tuple[list[TreeHead], list[str]]:
        """Every head in the file, and a message for each line that is not one."""
        heads: list[TreeHead] = []
        bad: list[str] = []
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return heads, bad
        except (OSError, UnicodeDecodeError) as error:
            return heads, [f"{self.path} is unreadable: {error}"]
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                heads.append(TreeHead.from_json(json.loads(line)))
            except (ValueError, IntegrityError, AttributeError) as error:
                bad.append(f"{self.path.name} line {number} is not a signed tree head: {error}")
        return heads, bad

    def last(self) -> TreeHead | None:
        """The last head in the file (read from its end); IntegrityError if it is not one."""
        try:
            with self.path.open("rb") as handle:
                size = handle.seek(0, os.SEEK_END)
                handle.seek(max(0, size - TAIL_BYTES))
                tail = handle.read()
        except FileNotFoundError:
            return None
        except OSError as error:
            raise IntegrityError(f"{self.path} is unreadable: {error}") from error
        lines = [line for line in tail.splitlines() if line.strip()]
        if not lines:
            return None
        try:
            return TreeHead.from_json(json.loads(lines[-1]))
        except (ValueError, AttributeError) as error:
            raise IntegrityError(
                f"the last line of {self.path} is not a signed tree head: {error}"
            ) from error

    def append(self, heads: list[TreeHead], public_key: Ed25519PublicKey) -> None:
        """Append heads (oldest first) and rewrite the checkpoint of the newest."""
        if not heads:
            return
        self.folder.mkdir(mode=0o700, exist_ok=True)
        data = "".join(json.dumps(h.to_json(), sort_keys=True) + "\n" for h in heads).encode()
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        newest = heads[-1]
        if newest.note_signature is None:
            return
        temporary = self.folder / f".{CHECKPOINT_FILE}.{os.getpid()}"
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, format_checkpoint(newest, public_key).encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)
        temporary.replace(self.checkpoint_path)
