"""``archive verify --since CHECKPOINT``: does today's archive continue a saved head.

A checkpoint saved outside the archive (mailed, committed to a public repository, held by
a witness) fixes the log's first ``m`` entries. The archive's newest signed head fixes its
first ``n``. With ``m <= n``, an RFC 6962 consistency proof, computed from the log's own
entries, shows the first tree is a prefix of the second; ``verify_consistency`` checks it
against the two signed roots, exactly as a witness would. Otherwise:

* ``rolled_back``: the archive's newest head is smaller than the checkpoint (an earlier
  copy was put back, or its last batches were deleted);
* ``forked``: same size and another root, or no consistency proof holds (history was
  rewritten, or a copy was fed other files and signed another head).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from verify.archive import custody
from verify.archive.archive import Archive
from verify.archive.merkle import consistency_path, leaf_hash, root, verify_consistency
from verify.archive.signing import Checkpoint, parse_checkpoint


@dataclass(frozen=True)
class SinceCheck:
    """The outcome of comparing a saved checkpoint with the archive's newest head."""

    verdict: str  # "consistent", "rolled_back" or "forked"
    checkpoint_size: int
    current_size: int
    detail: str
    proof: tuple[bytes, ...] = ()

    @property
    def ok(self) -> bool:
        """True when the archive continues the checkpoint."""
        return self.verdict == "consistent"

    def to_json(self) -> dict[str, Any]:
        """Machine-readable form (inside ``archive verify --json``)."""
        return {
            "verdict": self.verdict,
            "checkpoint_size": self.checkpoint_size,
            "current_size": self.current_size,
            "detail": self.detail,
            "consistency_proof": [h.hex() for h in self.proof],
        }


def check_since(archive: Archive, text: str, public_key: Ed25519PublicKey) -> SinceCheck:
    """Verify the checkpoint's signature (IntegrityError if bad) and its consistency."""
    saved = parse_checkpoint(text, public_key)
    head = custody.latest_head(archive.store)
    size = head.tree_size if head is not None else 0
    if head is None or not head.verify(public_key):
        return SinceCheck(
            "rolled_back", saved.tree_size, 0, "the archive has no signed tree head that verifies"
        )
    if size < saved.tree_size:
        return SinceCheck(
            "rolled_back",
            saved.tree_size,
            size,
            f"the archive's newest signed head is of size {size}, the checkpoint of size "
            f"{saved.tree_size}: entries signed before are gone (an earlier copy, or deleted "
            "batches)",
        )
    leaves = [leaf_hash(row.data) for row in archive.store.leaves(0, size)]
    return _consistency(saved, size, head.root_hash, leaves)


def _consistency(
    saved: Checkpoint, size: int, current_root: bytes, leaves: list[bytes]
) -> SinceCheck:
    if len(leaves) != size or root(leaves) != current_root:
        return SinceCheck(
            "forked",
            saved.tree_size,
            size,
            "the log no longer matches its own newest signed head: run verify archive verify",
        )
    if size == saved.tree_size and current_root != saved.root_hash:
        return SinceCheck(
            "forked",
            saved.tree_size,
            size,
            f"the archive signed another root for the same size {size}: two histories",
        )
    proof = consistency_path(saved.tree_size, leaves)
    if not verify_consistency(saved.tree_size, size, saved.root_hash, current_root, proof):
        return SinceCheck(
            "forked",
            saved.tree_size,
            size,
            f"no consistency proof leads from the checkpoint (size {saved.tree_size}) to the "
            f"newest head (size {size}): the first {saved.tree_size} entries were rewritten, "
            "or this is another copy's history",
        )
    return SinceCheck(
        "consistent",
        saved.tree_size,
        size,
        f"the checkpoint of size {saved.tree_size} is a prefix of the log of size {size} "
        f"(consistency proof of {len(proof)} hashes verified)",
        tuple(proof),
    )
