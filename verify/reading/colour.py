"""Whether a page shows colour, and grey pixels for a page that does not.

Rendered PDF pages (``verify.reading.pdf``) and decoded images (``verify.reading.inputs``)
are both kept in colour only when they show it: grey pages take a third of the memory and
OCR the same, while stamps and signatures are told apart from print by their colour.
"""

from __future__ import annotations

import numpy as np

__all__ = ["COLOUR_CHROMA", "COLOUR_FRACTION", "grey_unless_colour", "has_colour"]

# Colour test for rendered pages and decoded images. A page is kept in colour when more
# than COLOUR_FRACTION of its (sampled) pixels have a chroma (max - min channel) above
# COLOUR_CHROMA. The chroma floor sits well above the colour noise of JPEG-compressed
# grey scans (typically under 15); the fraction (100 pixels of an A4 page at 72 dpi)
# keeps a thin blue signature or a red stamp in colour, which later stages may need.
# Erring towards colour costs memory only; erring towards grey loses evidence.
COLOUR_CHROMA = 40
COLOUR_FRACTION = 0.0002
# Every 2nd pixel each way: a colour mark spans many pixels, so a quarter of them answers alike.
_COLOUR_SAMPLE_STEP = 2


def grey_unless_colour(pixels: np.ndarray) -> np.ndarray:
    """Collapse an RGB array to grey (ITU-R 601 luma) when it shows no colour.

    Grey pages take a third of the memory and OCR the same; colour is kept when present
    because stamps and signatures are told apart from print by it.
    """
    if pixels.ndim == 2 or has_colour(pixels):
        return pixels
    grey = np.empty(pixels.shape[:2], dtype=np.uint8)
    band_rows = 256  # in bands, with in-place arithmetic: temporaries stay small
    for start in range(0, pixels.shape[0], band_rows):
        band = pixels[start : start + band_rows]
        luma = band[..., 0].astype(np.uint16)
        luma *= 77
        for channel, weight in ((1, 150), (2, 29)):
            term = band[..., channel].astype(np.uint16)
            term *= weight
            luma += term
        luma += 128
        luma >>= 8  # weights sum to 256: at most 65408 before the shift, no overflow
        grey[start : start + band_rows] = luma
    return grey


def has_colour(pixels: np.ndarray, step: int = _COLOUR_SAMPLE_STEP) -> bool:
    """True when more than ``COLOUR_FRACTION`` of sampled pixels exceed ``COLOUR_CHROMA``."""
    if pixels.ndim == 2:
        return False
    sample = pixels[::step, ::step]
    red, green, blue = sample[..., 0], sample[..., 1], sample[..., 2]
    # elementwise max/min of the three planes: no reduction over a strided axis
    chroma = np.maximum(np.maximum(red, green), blue) - np.minimum(np.minimum(red, green), blue)
    return bool(int(np.count_nonzero(chroma > COLOUR_CHROMA)) > COLOUR_FRACTION * chroma.size)
