"""verify's own MinHash computation gives datasketch's values bit for bit.

``verify.matching.fingerprint.minhash_values`` computes the ``affine32`` scheme with numpy so
that an extraction never imports datasketch (and scipy through it); stored signatures and the match
index must not notice the difference.
"""

from __future__ import annotations

import sys

import numpy as np
from datasketch import MinHash
from hypothesis import given, settings
from hypothesis import strategies as st

from verify.matching.fingerprint import minhash_values, text_minhash


@settings(max_examples=200, deadline=None)
@given(
    items=st.lists(st.binary(max_size=24), max_size=300),
    num_perm=st.sampled_from([1, 7, 64, 128, 256]),
    seed=st.integers(min_value=0, max_value=2**31 - 1),
)
def test_affine32_values_equal_datasketch(items: list[bytes], num_perm: int, seed: int) -> None:
    theirs = MinHash(num_perm=num_perm, seed=seed, scheme="affine32")
    theirs.update_batch(items)
    ours = minhash_values(items, num_perm=num_perm, seed=seed, scheme="affine32")
    assert ours.dtype == np.uint32
    assert ours.tolist() == theirs.hashvalues.tolist()


def test_other_schemes_are_datasketchs_own() -> None:
    items = [b"alpha", b"beta", b"gamma"]
    theirs = MinHash(num_perm=16, seed=3, scheme="legacy")
    theirs.update_batch(items)
    ours = minhash_values(items, num_perm=16, seed=3, scheme="legacy")
    assert ours.tolist() == theirs.hashvalues.tolist()


def test_text_minhash_of_a_letter_equals_datasketch_over_its_shingles() -> None:
    from verify.matching.fingerprint import normalise_text, parameters, shingles

    text = "Министерство здравоохранения просит направить врачей хирургов до 3 марта"
    spec = parameters()["minhash"]
    theirs = MinHash(num_perm=spec["num_perm"], seed=spec["seed"], scheme=spec["scheme"])
    theirs.update_batch([s.encode("utf-8") for s in sorted(shingles(normalise_text(text)))])
    signature = text_minhash(text)
    assert signature is not None
    assert signature.array().tolist() == theirs.hashvalues.tolist()


def test_fingerprinting_does_not_import_datasketch() -> None:
    import subprocess

    code = (
        "import sys; from verify.matching.fingerprint import text_minhash; "
        "text_minhash('one two three four five six seven eight'); "
        "print('datasketch' in sys.modules, 'scipy' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "False"]
