"""The Merkle tree of the custody log, exactly as Certificate Transparency defines it.

RFC 6962 / RFC 9162 section 2.1: a leaf hash is ``SHA-256(0x00 || entry)``, an interior node
``SHA-256(0x01 || left || right)``, and a tree of ``n`` leaves splits at the largest power of
two smaller than ``n``. Using the published algorithm (not an invention of ours) means an
inclusion proof can be checked by anyone with a few lines of code in any language, and the
tree of an empty log is ``SHA-256()``.

Inclusion proofs (``audit_path``/``verify_inclusion``) and consistency proofs between two
tree sizes (``consistency_path``/``verify_consistency``, RFC 9162 2.1.4): ``archive verify
--since`` proves that a checkpoint saved outside the archive is a prefix of today's log.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import Any

LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"


def leaf_hash(entry: bytes) -> bytes:
    """The hash of one log entry: SHA-256(0x00 || entry)."""
    return hashlib.sha256(LEAF_PREFIX + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """The hash of an interior node: SHA-256(0x01 || left || right)."""
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two strictly smaller than ``n`` (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def root(leaves: Sequence[bytes]) -> bytes:
    """Merkle tree hash (MTH) of a list of leaf hashes."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    frontier = Frontier()
    for leaf in leaves:
        frontier.append(leaf)
    return frontier.root()


class Frontier:
    """The roots of the perfect subtrees of a growing tree: O(log n) memory per append.

    Lets ``archive verify`` check every signed tree head in one pass over the log: after
    appending the first ``size`` leaf hashes, ``root()`` is the MTH of those leaves.
    """

    def __init__(self) -> None:
        self._stack: list[tuple[int, bytes]] = []  # (subtree size, hash), sizes decreasing
        self.size = 0

    def append(self, leaf: bytes) -> None:
        """Add the next leaf hash."""
        size, value = 1, leaf
        while self._stack and self._stack[-1][0] == size:
            left_size, left = self._stack.pop()
            size, value = left_size + size, node_hash(left, value)
        self._stack.append((size, value))
        self.size += 1

    def extend(self, leaves: Iterable[bytes]) -> None:
        """Add several leaf hashes in order."""
        for leaf in leaves:
            self.append(leaf)

    def to_json(self) -> dict[str, Any]:
        """The state to save beside the signed head: size and the subtree roots, in hex."""
        return {"size": self.size, "stack": [[size, value.hex()] for size, value in self._stack]}

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> Frontier:
        """A frontier saved by ``to_json``; ValueError (or KeyError) when it is malformed."""
        frontier = cls()
        frontier._stack = [(int(size), bytes.fromhex(h)) for size, h in value["stack"]]
        frontier.size = int(value["size"])
        if sum(size for size, _ in frontier._stack) != frontier.size:
            raise ValueError("the frontier's subtrees do not add up to its size")
        return frontier

    def root(self) -> bytes:
        """MTH of the leaves appended so far (RFC 6962 splits give this right-to-left fold)."""
        if not self._stack:
            return hashlib.sha256(b"").digest()
        value = self._stack[-1][1]
        for _, left in reversed(self._stack[:-1]):
            value = node_hash(left, value)
        return value


def audit_path(index: int, leaves: Sequence[bytes]) -> list[bytes]:
    """PATH(index, D[0:n]) of RFC 6962 2.1.1: the sibling hashes from the leaf up to the root."""
    if not 0 <= index < len(leaves):
        raise ValueError(f"leaf {index} is outside a tree of {len(leaves)} leaves")
    path: list[bytes] = []
    lo, hi = 0, len(leaves)
    stack: list[bytes] = []
    # Walk down from the root, remembering the sibling subtree at each split.
    while hi - lo > 1:
        k = _split(hi - lo)
        if index - lo < k:
            stack.append(root(leaves[lo + k : hi]))
            hi = lo + k
        else:
            stack.append(root(leaves[lo : lo + k]))
            lo = lo + k
    path = list(reversed(stack))  # the leaf's sibling first
    return path


def verify_inclusion(
    leaf: bytes, index: int, tree_size: int, path: Sequence[bytes], expected_root: bytes
) -> bool:
    """RFC 9162 2.1.3.2: True when ``path`` proves leaf hash ``leaf`` at ``index``."""
    if not 0 <= index < tree_size:
        return False
    fn, sn = index, tree_size - 1
    value = leaf
    for sibling in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            value = node_hash(sibling, value)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            value = node_hash(value, sibling)
        fn >>= 1
        sn >>= 1
    return sn == 0 and value == expected_root


def consistency_path(old_size: int, leaves: Sequence[bytes]) -> list[bytes]:
    """PROOF(m, D[n]) of RFC 6962 2.1.2: hashes proving the tree of ``old_size`` leaves is a prefix.

    Empty for ``old_size`` 0 or equal to ``len(leaves)`` (nothing to prove).
    """
    n = len(leaves)
    if not 0 <= old_size <= n:
        raise ValueError(f"tree size {old_size} is outside a tree of {n} leaves")
    if old_size in (0, n):
        return []
    return _subproof(old_size, leaves, True)


def _subproof(m: int, leaves: Sequence[bytes], whole: bool) -> list[bytes]:
    """SUBPROOF(m, D[n], b) of RFC 6962 2.1.2."""
    n = len(leaves)
    if m == n:
        return [] if whole else [root(leaves)]
    k = _split(n)
    if m <= k:
        return _subproof(m, leaves[:k], whole) + [root(leaves[k:])]
    return _subproof(m - k, leaves[k:], False) + [root(leaves[:k])]


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, path: Sequence[bytes]
) -> bool:
    """RFC 9162 2.1.4.2: True when ``path`` proves the tree (old_size, old_root) is a prefix."""
    if not 0 <= old_size <= new_size:
        return False
    if old_size == new_size:
        return not path and old_root == new_root
    if old_size == 0:
        return not path
    proof = list(path)
    if old_size & (old_size - 1) == 0:  # a power of two: the old root is the first node
        proof.insert(0, old_root)
    if not proof:
        return False
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = proof[0]
    for node in proof[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(node, fr)
            sr = node_hash(node, sr)
            while not fn & 1 and fn:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, node)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root
