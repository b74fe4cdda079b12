"""Plane transforms between a page as received and the page as it was read.

A photo or a skewed scan is straightened before OCR (sheet warp, quarter turns, deskew,
keystone, enlargement), so every OCR box of a record is in the pixels of the prepared
page, which is never stored. Whatever draws on the original — scrub's black boxes, the
report's evidence frames — must carry those boxes back through the exact inverse of that
transform; an axis box on the prepared page becomes a quadrilateral on the photo.

Coordinates here are *edge* coordinates: pixel (row i, column j) covers [j, j+1] × [i, i+1],
as word boxes do (tesseract's left + width). OpenCV's warps map pixel *centres*;
``Homography.from_centres`` converts. Pure numpy: no engine is imported.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

Box = tuple[float, float, float, float]
Polygon = tuple[tuple[float, float], ...]


@dataclass(frozen=True, eq=False)
class Homography:
    """A 3×3 projective map of the plane, in edge coordinates."""

    matrix: np.ndarray

    @staticmethod
    def identity() -> Homography:
        """The map that moves nothing."""
        return Homography(np.eye(3))

    @staticmethod
    def scale(sx: float, sy: float | None = None) -> Homography:
        """Enlarge by ``sx`` across and ``sy`` (default ``sx``) down, about the origin."""
        return Homography(np.diag([sx, sx if sy is None else sy, 1.0]))

    @staticmethod
    def from_centres(matrix: np.ndarray) -> Homography:
        """A warp matrix as OpenCV applies it (pixel centres at integers) in edge coordinates."""
        shift = np.array([[1.0, 0.0, 0.5], [0.0, 1.0, 0.5], [0.0, 0.0, 1.0]])
        back = np.array([[1.0, 0.0, -0.5], [0.0, 1.0, -0.5], [0.0, 0.0, 1.0]])
        return Homography(shift @ np.asarray(matrix, dtype=np.float64) @ back)

    @staticmethod
    def quarter_turn(degrees: int, width: float, height: float) -> Homography:
        """The map of numpy's ``rot90`` (counter-clockwise) by ``degrees`` of a w×h image."""
        result = Homography.identity()
        w, h = width, height
        for _ in range((degrees // 90) % 4):
            # one turn: a column x becomes row w - x, a row y becomes column y
            step = np.array([[0.0, 1.0, 0.0], [-1.0, 0.0, w], [0.0, 0.0, 1.0]])
            result = result.then(Homography(step))
            w, h = h, w
        return result

    def then(self, other: Homography) -> Homography:
        """The map that applies this one, then ``other``."""
        return Homography(other.matrix @ self.matrix)

    def inverse(self) -> Homography:
        """The map back (a straightening transform is always invertible)."""
        return Homography(np.linalg.inv(self.matrix))

    def points(self, points: np.ndarray) -> np.ndarray:
        """Map an N×2 array of (x, y)."""
        pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        moved = np.hstack([pts, np.ones((len(pts), 1))]) @ self.matrix.T
        result: np.ndarray = moved[:, :2] / moved[:, 2:3]
        return result

    def polygon(self, box: Box) -> Polygon:
        """The four corners of an axis box (clockwise from top left), mapped."""
        x0, y0, x1, y1 = box
        corners = self.points(np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]]))
        return tuple((float(x), float(y)) for x, y in corners)


def bounds(polygon: Polygon) -> Box:
    """The axis box around a polygon."""
    xs = [p[0] for p in polygon]
    ys = [p[1] for p in polygon]
    return (min(xs), min(ys), max(xs), max(ys))
