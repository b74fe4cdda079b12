"""The pdqhash wrapper: a page image's perceptual hash, computed where the image is.

PDQ (Meta's perceptual hash) is a fingerprint, but it is taken from the pixels a page was
read from, which only reading holds: hashing there spares decoding or rendering the page a
second time. Compare and the match index read the hashes from the record.
"""

from __future__ import annotations

import numpy as np

from verify.errors import VerifyError


def pdq_hex(bits: np.ndarray) -> str:
    """256 PDQ bits (pdqhash's vector order) as 64 hex digits.

    pdqhash returns bit 255 first, so packing the vector big-endian gives the hex form of
    ThreatExchange and Meta's hasher-matcher-actioner (word 15 first): hashes can be
    exchanged with them unchanged.
    """
    return np.packbits(np.asarray(bits, dtype=np.uint8)).tobytes().hex()


def page_pdq(pixels: np.ndarray) -> tuple[str, int]:
    """PDQ hash (hex) and quality (0..100) of a prepared page image, grey or RGB uint8.

    Quality below ``pdq.min_quality`` (a blank or near-uniform page) means the hash says
    little: compare and the index ignore such hashes.
    """
    import pdqhash  # the one place verify calls the PDQ engine

    image = np.asarray(pixels)
    if image.ndim == 2:
        image = np.stack([image] * 3, axis=-1)
    elif image.ndim == 3 and image.shape[2] == 4:
        image = image[:, :, :3]
    elif image.ndim != 3 or image.shape[2] != 3:
        raise VerifyError(
            f"page_pdq needs a grey (H, W) or RGB (H, W, 3) image, got shape {image.shape}"
        )
    if image.shape[0] < 1 or image.shape[1] < 1:
        raise VerifyError("page_pdq got an empty image: pass the prepared page pixels")
    image = np.ascontiguousarray(image, dtype=np.uint8)
    try:
        bits, quality = pdqhash.compute(image)
    except Exception as error:  # the C++ engine raises bare errors
        raise VerifyError(f"PDQ hashing failed on a {image.shape} image: {error}") from error
    return pdq_hex(bits), int(quality)
