"""Statistics of a phone photo of a printed page, and a word error of OCR text against its truth.

These numbers calibrate the fixtures' camera model (fixtures/_degrade.py `camera`) against real
phone photos: the synthetic photos must sit where real ones sit, or what the pipeline gains on the
fixtures says little about what it gains on real input. Every statistic is measured on the photo
as a person would see it (EXIF orientation applied) and over the text the photo shows, so that a
table or a hand around the sheet does not count.

Usage (prints real min/median/max beside synthetic min/median/max for each statistic; with
--ocr-real / --ocr also the word error of plain tesseract):

    python benchmarks/_camera_stats.py --real DIR [--real DIR ...] [--synthetic FILE ...]
        [--ocr] [--ocr-real DIR TRUTH.txt LANG ...]

--synthetic defaults to fixtures/documents/*/camera.jpg; --ocr reads those with plain tesseract
in their letter's language and compares with truth.json "text".
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _word_error import word_error  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = ROOT / "fixtures" / "documents"
TESSERACT_LANG = {"ru": "rus", "uk": "ukr", "en": "eng", "fr": "fra"}

#: x-height of typical printed body text: 12 pt Times-like serif (0.45 em) or 10.5 pt Arial
#: (0.52 em) both give about 1.9 mm. The effective dpi is the measured x-height against it.
PRINTED_X_HEIGHT_IN = 0.075
#: x-height, in pixels, that the image is scaled to before sharpness and edge width are measured,
#: so that they describe the strokes relative to the text and not the sensor's pixel count.
TEXT_SCALE_PX = 24.0
#: the standard (IJG libjpeg) luminance and chrominance quantisation tables, natural order.
_IJG_LUMA = (
    16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55,
    14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62,
    18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
)  # fmt: skip
_IJG_CHROMA = (17, 18, 24, 47, *(99,) * 4, 18, 21, 26, 66, *(99,) * 4, 24, 26, 56, *(99,) * 5,
               47, 66, *(99,) * 38)  # fmt: skip


class CameraStatsError(ValueError):
    """The file is not an image, or no printed text was found in it."""


@dataclass(frozen=True)
class CameraStats:
    """What a phone camera did to a printed page, measured on one photo.

    - `dpi`: effective resolution across the page, from the text's x-height in pixels
      (`x_height_px`) against PRINTED_X_HEIGHT_IN; not from the sheet outline, which real photos
      often crop.
    - `laplacian_var`: variance of the Laplacian over the text, the image scaled so the x-height is
      TEXT_SCALE_PX and its contrast normalised (paper 1, ink 0): high is sharp.
    - `edge_width`: median 10-90 % rise distance across ink edges, in pixels at that scale: optical
      blur and low resolution both widen it.
    - `noise`: sigma of flat paper near the text (1.4826 MAD of a high-pass), 8-bit levels, at the
      photo's own pixels.
    - `jpeg_quality`: the IJG libjpeg quality whose tables are closest to the file's (None for a
      file that is not a JPEG).
    - `illumination`: range of the paper level over the text area (2nd to 98th percentile of a
      large-scale background), as a fraction of the brightest paper.
    - `paper_b`: mean b* (CIE Lab) of the paper: negative is bluish, positive yellowish;
      `paper_chroma`: chroma of the mean paper colour.
    - `text_rotated`: the lines run vertically in the photo as seen (a sheet shot sideways).
    """

    width: int
    height: int
    x_height_px: float
    dpi: float
    laplacian_var: float
    edge_width: float
    noise: float
    jpeg_quality: int | None
    illumination: float
    paper_b: float
    paper_chroma: float
    text_rotated: bool


@dataclass(frozen=True)
class _Text:
    """Where the text is: its ink mask, the convex hull of its characters and their x-height."""

    ink: np.ndarray
    hull: np.ndarray
    x_height: float
    rotated: bool


def load_rgb(image_path: Path) -> tuple[np.ndarray, int | None]:
    """The photo as seen (EXIF orientation applied) in RGB, and the JPEG quality of the file."""
    try:
        with Image.open(image_path) as im:
            quality = jpeg_quality(im.quantization) if im.format == "JPEG" else None
            rgb = np.asarray(ImageOps.exif_transpose(im).convert("RGB"))
    except (OSError, UnidentifiedImageError) as exc:
        raise CameraStatsError(f"{image_path}: not a readable image ({exc})") from None
    return rgb, quality


def _ijg_table(base: tuple[int, ...], quality: int) -> np.ndarray:
    """libjpeg's jpeg_quality_scaling applied to a base table (baseline: capped at 255)."""
    scale = 5000 / quality if quality < 50 else 200 - 2 * quality
    return np.clip((np.asarray(base) * scale + 50) // 100, 1, 255)


def jpeg_quality(tables: dict[int, list[int]] | None) -> int | None:
    """The IJG quality (1-100) whose tables best match the file's, compared by their sums.

    Sums do not depend on the order the coefficients are listed in (zigzag or natural), and
    phone encoders that use their own tables still get the IJG quality of the same coarseness.
    """
    if not tables or 0 not in tables:
        return None
    luma = sum(tables[0])
    chroma = sum(tables[1]) if 1 in tables else None

    def mismatch(q: int) -> float:
        cost = abs(float(_ijg_table(_IJG_LUMA, q).sum()) - luma) / luma
        if chroma:
            cost += abs(float(_ijg_table(_IJG_CHROMA, q).sum()) - chroma) / chroma
        return cost

    return min(range(1, 101), key=mismatch)


def _background(grey: np.ndarray, feature_px: float) -> np.ndarray:
    """The paper level without the ink: a grey closing that removes dark features up to about
    feature_px across, then a median, computed small and brought back to full size."""
    h, w = grey.shape
    factor = min(1.0, 3.0 / max(feature_px / 4.0, 1e-6))
    small = cv2.resize(
        grey, (max(8, round(w * factor)), max(8, round(h * factor))), interpolation=cv2.INTER_AREA
    )
    closed = cv2.morphologyEx(small, cv2.MORPH_CLOSE, np.ones((7, 7), np.uint8))
    closed = cv2.medianBlur(np.clip(closed, 0, 255).astype(np.uint8), 5).astype(np.float32)
    return cv2.resize(closed, (w, h), interpolation=cv2.INTER_LINEAR)


def _nearest_neighbours(centres: np.ndarray) -> np.ndarray:
    """Index of each centre's nearest other centre (brute force in chunks: a page has thousands)."""
    nearest = np.empty(len(centres), np.int64)
    for start in range(0, len(centres), 512):
        chunk = centres[start : start + 512]
        d = ((chunk[:, None, :] - centres[None, :, :]) ** 2).sum(-1)
        d[np.arange(len(chunk)), np.arange(start, start + len(chunk))] = np.inf
        nearest[start : start + len(chunk)] = d.argmin(1)
    return nearest


def _mode_size(sizes: np.ndarray) -> float:
    """The most common size (a smoothed 1-px histogram's peak), refined to the mean near it."""
    top = int(sizes.max()) + 3
    hist = np.bincount(np.rint(sizes).astype(np.int64), minlength=top)[:top].astype(float)
    peak = int(np.convolve(hist, [1, 2, 3, 2, 1], mode="same").argmax())
    near = sizes[np.abs(sizes - peak) <= max(1.0, 0.15 * peak)]
    return float(near.mean()) if len(near) else float(peak)


def find_text(grey: np.ndarray) -> _Text:
    """Character-sized dark components that have a neighbour close by, their orientation and size.

    Lines run along the direction in which a character's nearest neighbour usually lies; the
    x-height is the most common character extent across that direction (lower-case letters
    without ascenders are the commonest in French, Russian and English text).
    """
    h, w = grey.shape
    bg = _background(grey, feature_px=max(h, w) / 60)
    ink = (grey < 0.72 * np.maximum(bg, 1.0)).astype(np.uint8)
    n, _, stats, centroids = cv2.connectedComponentsWithStats(ink, connectivity=8)
    x, y, cw, ch, area = (stats[1:, i] for i in range(5))
    fill = area / np.maximum(cw * ch, 1)
    keep = (
        (area >= 4)
        & (np.maximum(cw, ch) >= 3)
        & (cw < w / 12)
        & (ch < h / 12)
        & (fill > 0.08)
        & (fill < 0.9)
        & (np.maximum(cw, ch) < 12 * np.minimum(cw, ch))
        & (x > 0)
        & (y > 0)
        & (x + cw < w)
        & (y + ch < h)
    )
    if keep.sum() < 30:
        raise CameraStatsError("no printed text found (fewer than 30 character-sized marks)")
    centres, cw, ch = centroids[1:][keep], cw[keep].astype(float), ch[keep].astype(float)
    nearest = _nearest_neighbours(centres)
    offset = np.abs(centres[nearest] - centres)
    rotated = bool((offset[:, 1] > offset[:, 0]).mean() > 0.5)
    across = cw if rotated else ch
    x_height = _mode_size(across[across >= 3])
    close = np.hypot(*offset.T) < 3 * x_height
    letters = close & (across > 0.6 * x_height) & (across < 2.5 * x_height)
    if letters.sum() < 30:
        raise CameraStatsError("no printed text found (no lines of character-sized marks)")
    hull = cv2.convexHull(centres[letters].astype(np.float32)).astype(np.int32)
    return _Text(ink=ink.astype(bool), hull=hull, x_height=x_height, rotated=rotated)


def _hull_mask(shape: tuple[int, ...], hull: np.ndarray) -> np.ndarray:
    mask = np.zeros(shape[:2], np.uint8)
    cv2.fillConvexPoly(mask, hull, 1)
    return mask.astype(bool)


def _dilate(mask: np.ndarray, radius: float) -> np.ndarray:
    r = max(1, round(radius))
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))
    return cv2.dilate(mask.astype(np.uint8), kernel).astype(bool)


def illumination_range(grey: np.ndarray, text: _Text) -> float:
    """(98th - 2nd percentile) / 98th percentile of the paper level over the text area."""
    bg = _background(grey, feature_px=5 * text.x_height)
    level = bg[_hull_mask(grey.shape, text.hull)]
    lo, hi = np.percentile(level, [2, 98])
    return float((hi - lo) / max(hi, 1.0))


def noise_sigma(grey: np.ndarray, text: _Text) -> float:
    """1.4826 MAD of a high-pass (image minus a Gaussian of sigma 2) on ink-free paper."""
    flat = _hull_mask(grey.shape, text.hull) & ~_dilate(text.ink, text.x_height)
    if flat.sum() < 500:
        flat = ~_dilate(text.ink, text.x_height)
    high = (grey - cv2.GaussianBlur(grey, (0, 0), 2.0))[flat]
    return float(1.4826 * np.median(np.abs(high - np.median(high))))


def paper_colour(rgb: np.ndarray, grey: np.ndarray, text: _Text) -> tuple[float, float]:
    """Mean b* of the paper and the chroma of the mean paper colour (CIE Lab, D65)."""
    paper = _hull_mask(grey.shape, text.hull) & ~_dilate(text.ink, 0.5 * text.x_height)
    if paper.sum() < 100:
        paper = ~_dilate(text.ink, 0.5 * text.x_height)
    pixels = rgb[paper][:: max(1, int(paper.sum()) // 200_000)]
    lab = cv2.cvtColor(pixels.reshape(-1, 1, 3).astype(np.float32) / 255.0, cv2.COLOR_RGB2Lab)
    a, b = float(lab[:, 0, 1].mean()), float(lab[:, 0, 2].mean())
    return b, float(np.hypot(a, b))


def _text_scale_crop(grey: np.ndarray, text: _Text) -> tuple[np.ndarray, np.ndarray, float]:
    """The text area in reflectance units (paper 1), scaled to TEXT_SCALE_PX x-height, its text
    mask at that scale, and its contrast (paper minus ink level)."""
    x, y, w, h = cv2.boundingRect(text.hull)
    pad = round(2 * text.x_height)
    y0, y1 = max(0, y - pad), min(grey.shape[0], y + h + pad)
    x0, x1 = max(0, x - pad), min(grey.shape[1], x + w + pad)
    crop = grey[y0:y1, x0:x1]
    reflect = crop / np.maximum(_background(crop, 5 * text.x_height), 1.0)
    near = _dilate(text.ink[y0:y1, x0:x1], 0.5 * text.x_height)
    s = TEXT_SCALE_PX / text.x_height
    size = (max(8, round(crop.shape[1] * s)), max(8, round(crop.shape[0] * s)))
    inter = cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR
    scaled = cv2.resize(reflect.astype(np.float32), size, interpolation=inter)
    mask = cv2.resize(near.astype(np.uint8), size, interpolation=cv2.INTER_NEAREST).astype(bool)
    ink = float(np.percentile(scaled[mask], 3))
    return scaled, mask, max(1.0 - ink, 0.05)


def laplacian_variance(scaled: np.ndarray, mask: np.ndarray, contrast: float) -> float:
    """Variance of the 3x3 Laplacian over the text, contrast normalised (ink-paper step 1)."""
    lap = cv2.Laplacian(scaled / contrast, cv2.CV_32F, ksize=1)
    return float(lap[mask].var())


def _rise_width(profile: np.ndarray, step: float, contrast: float) -> float | None:
    """10-90 % rise distance of a dark-to-light profile centred on an edge, or None when the
    monotone rise through the centre spans less than half the ink-paper contrast."""
    centre = len(profile) // 2
    diffs = np.diff(profile)
    tol = -0.01 * contrast
    up = centre
    while up < len(diffs) and diffs[up] >= tol:
        up += 1
    down = centre
    while down > 0 and diffs[down - 1] >= tol:
        down -= 1
    segment = np.maximum.accumulate(profile[down : up + 1])
    lo, hi = float(segment[0]), float(segment[-1])
    if hi - lo < 0.5 * contrast:
        return None
    t10 = np.interp(lo + 0.1 * (hi - lo), segment, np.arange(len(segment)))
    t90 = np.interp(lo + 0.9 * (hi - lo), segment, np.arange(len(segment)))
    return float((t90 - t10) * step)


def edge_width(scaled: np.ndarray, mask: np.ndarray, contrast: float, samples: int = 3000) -> float:
    """Median 10-90 % rise across ink edges (Canny edge points, profiles along the gradient)."""
    gx = cv2.Sobel(scaled, cv2.CV_32F, 1, 0, ksize=3) / 8
    gy = cv2.Sobel(scaled, cv2.CV_32F, 0, 1, ksize=3) / 8
    mag = np.hypot(gx, gy)
    img8 = np.clip(scaled / max(float(scaled.max()), 1e-6) * 255, 0, 255).astype(np.uint8)
    edges = cv2.Canny(img8, 40, 100).astype(bool) & mask & (mag > 0.05 * contrast)
    ys, xs = np.nonzero(edges)
    if len(ys) == 0:
        return float("nan")
    pick = np.random.default_rng(0).permutation(len(ys))[:samples]
    ys, xs = ys[pick], xs[pick]
    dx, dy = gx[ys, xs] / mag[ys, xs], gy[ys, xs] / mag[ys, xs]
    step, reach = 0.25, TEXT_SCALE_PX / 2
    t = np.arange(-reach, reach + step / 2, step, dtype=np.float32)
    map_x = (xs[:, None] + dx[:, None] * t[None, :]).astype(np.float32)
    map_y = (ys[:, None] + dy[:, None] * t[None, :]).astype(np.float32)
    profiles = cv2.remap(
        scaled, map_x, map_y, interpolation=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )
    widths = [w for p in profiles if (w := _rise_width(p, step, contrast)) is not None]
    return float(np.median(widths)) if widths else float("nan")


def camera_statistics(image_path: Path | str) -> CameraStats:
    """Measure one photo (see CameraStats for what each figure means and how it is taken)."""
    rgb, quality = load_rgb(Path(image_path))
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32)
    text = find_text(grey)
    scaled, mask, contrast = _text_scale_crop(grey, text)
    b, chroma = paper_colour(rgb, grey, text)
    return CameraStats(
        width=rgb.shape[1],
        height=rgb.shape[0],
        x_height_px=round(text.x_height, 2),
        dpi=round(text.x_height / PRINTED_X_HEIGHT_IN, 1),
        laplacian_var=round(laplacian_variance(scaled, mask, contrast), 4),
        edge_width=round(edge_width(scaled, mask, contrast), 3),
        noise=round(noise_sigma(grey, text), 3),
        jpeg_quality=quality,
        illumination=round(illumination_range(grey, text), 4),
        paper_b=round(b, 3),
        paper_chroma=round(chroma, 3),
        text_rotated=text.rotated,
    )


def plain_tesseract(image_path: Path, lang: str) -> str:
    """`tesseract IMG - -l LANG` on the photo as seen (EXIF orientation applied, as PNG)."""
    rgb, _ = load_rgb(image_path)
    with tempfile.TemporaryDirectory() as tmp:
        png = Path(tmp) / "page.png"
        Image.fromarray(rgb).save(png)
        done = subprocess.run(
            ["tesseract", str(png), "-", "-l", lang],
            capture_output=True,
            text=True,
            check=True,
            env={"OMP_THREAD_LIMIT": "1", "PATH": "/usr/bin:/bin:/usr/local/bin"},
        )
    return done.stdout


def _spread(values: Iterable[float | int | None]) -> str:
    """min / median / max of the values that were measured."""
    got = [float(v) for v in values if v is not None and v == v]
    if not got:
        return "-"
    return f"{min(got):8.3g} {statistics.median(got):8.3g} {max(got):8.3g}"


def print_table(real: list[CameraStats], synthetic: list[CameraStats]) -> None:
    """Real min/median/max beside synthetic min/median/max, one statistic a row."""
    print(f"{'statistic':14} {'real min  median     max':>26}   {'synthetic min median max':>26}")
    for f in fields(CameraStats):
        if f.name in {"text_rotated"}:
            continue
        r = _spread(getattr(s, f.name) for s in real)
        y = _spread(getattr(s, f.name) for s in synthetic)
        print(f"{f.name:14} {r:>26}   {y:>26}")


def _photos(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.suffix.lower() in {".jpg", ".jpeg"})


def _measure(paths: list[Path], label: str) -> list[CameraStats]:
    out = []
    for path in paths:
        try:
            stats = camera_statistics(path)
        except CameraStatsError as exc:
            print(f"{label} {path}: {exc}", file=sys.stderr)
            continue
        print(f"{label} {path.name}: {json.dumps(asdict(stats))}", file=sys.stderr)
        out.append(stats)
    return out


def _ocr_errors(items: list[tuple[Path, str, str]], label: str) -> list[float]:
    errors = []
    for path, truth, lang in items:
        err = word_error(truth, plain_tesseract(path, lang))
        print(f"{label} word error {path}: {err:.3f}")
        errors.append(err)
    return errors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--real", type=Path, action="append", default=[], help="folder of photos")
    parser.add_argument("--synthetic", type=Path, nargs="*", help="synthetic photos")
    parser.add_argument("--ocr", action="store_true", help="plain tesseract on the synthetic ones")
    parser.add_argument(
        "--ocr-real", nargs=3, action="append", default=[], metavar=("DIR", "TRUTH", "LANG")
    )
    args = parser.parse_args(argv)
    synthetic = args.synthetic or sorted(DOCUMENTS.glob("*/camera.jpg"))
    for folder in args.real:
        if not folder.is_dir():
            print(f"error: {folder} is not a folder", file=sys.stderr)
            return 2
    real = _measure([p for folder in args.real for p in _photos(folder)], "real")
    synth = _measure(synthetic, "synthetic")
    print_table(real, synth)
    real_items = [
        (p, Path(truth).read_text(encoding="utf-8"), lang)
        for folder, truth, lang in args.ocr_real
        for p in _photos(Path(folder))
    ]
    real_err = _ocr_errors(real_items, "real")
    synth_err: list[float] = []
    if args.ocr:
        items = []
        for path in synthetic:
            truth = json.loads((path.parent / "truth.json").read_text(encoding="utf-8"))
            items.append((path, truth["text"], TESSERACT_LANG[truth["language"]]))
        synth_err = _ocr_errors(items, "synthetic")
    if real_err or synth_err:
        print(f"{'word_error':14} {_spread(real_err):>26}   {_spread(synth_err):>26}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
