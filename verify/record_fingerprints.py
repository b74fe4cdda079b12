"""The record's fingerprints as typed models: what compare and the match index read.

``verify.matching.fingerprint`` computes them; they live here, beside the record, so that the record
names their fields (and the published schema shows them) without importing the code that
makes them. numpy is imported when a signature is first decoded, not with the record.
"""

from __future__ import annotations

import base64
from functools import cached_property
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from verify.errors import VerifyError

if TYPE_CHECKING:
    import numpy as np
    from datasketch import LeanMinHash


class MinHashSignature(BaseModel):
    """A MinHash signature in a portable form.

    Byte layout of ``values``: base64 of ``num_perm`` unsigned 32-bit integers, little-endian
    (numpy dtype ``<u4``), in permutation order; the permutations are datasketch's
    (2.0+) for ``scheme``, ``seed`` and ``num_perm``, over ``sha1_hash32`` of the UTF-8
    shingles.
    ``shingles`` names the shingle set (e.g. ``w1+c5``) so signatures over different sets
    are never compared.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    scheme: str
    seed: int
    num_perm: int = Field(gt=0)
    shingles: str
    values: str = Field(description="base64 of num_perm little-endian uint32 (<u4).")

    def array(self) -> np.ndarray:
        """The hash values as a read-only ``uint32`` numpy array (native order)."""
        return self._decoded

    @cached_property
    def _decoded(self) -> np.ndarray:
        # Decoded once per signature: an archive batch compares each signature with many.
        import numpy as np

        raw = base64.b64decode(self.values)
        if len(raw) != 4 * self.num_perm:
            raise VerifyError(
                f"MinHash signature holds {len(raw)} bytes, expected {4 * self.num_perm}: "
                "the record's fingerprints are damaged; re-run fingerprinting"
            )
        values = np.frombuffer(raw, dtype="<u4").astype(np.uint32)
        values.setflags(write=False)
        return values

    def minhash(self) -> LeanMinHash:
        """A datasketch ``LeanMinHash`` with these values (for datasketch's own tools)."""
        from datasketch import LeanMinHash  # datasketch loads scipy: only when needed

        return LeanMinHash(seed=self.seed, hashvalues=self.array(), scheme=self.scheme)

    def jaccard(self, other: MinHashSignature) -> float | None:
        """Estimated Jaccard similarity of the two shingle sets; None if not comparable."""
        import numpy as np

        mine = (self.scheme, self.seed, self.num_perm, self.shingles)
        if mine != (other.scheme, other.seed, other.num_perm, other.shingles):
            return None
        return float(np.count_nonzero(self.array() == other.array())) / self.num_perm

    @classmethod
    def from_array(
        cls, values: np.ndarray, seed: int, shingles: str, scheme: str
    ) -> MinHashSignature:
        """Wrap hash values computed elsewhere (e.g. by datasketch) into the portable form."""
        import numpy as np

        data = np.asarray(values, dtype="<u4").tobytes()
        return cls(
            scheme=scheme,
            seed=seed,
            num_perm=len(values),
            shingles=shingles,
            values=base64.b64encode(data).decode("ascii"),
        )


class PageFingerprint(BaseModel):
    """Fingerprints of one prepared page."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    number: int = Field(ge=1)
    image_sha256: str | None = None
    pdq: str | None = Field(None, description="256-bit PDQ, 64 hex digits, ThreatExchange order.")
    pdq_quality: int | None = Field(None, ge=0, le=100)


class Fingerprints(BaseModel):
    """Everything compare and the match index use to recognise a document (Record.fingerprints).

    ``parameters_version`` is the ``version`` of ``models/fingerprint.json`` they were made
    with: fingerprints of other parameters are never compared with these, and compare makes
    fresh ones from the record instead.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    parameters_version: str
    sha256: str
    pages: list[PageFingerprint] = Field(default_factory=list)
    text_minhash: MinHashSignature | None = None
    body_minhash: MinHashSignature | None = None
    identity_key: str | None = None
    body_digest: str | None = None
