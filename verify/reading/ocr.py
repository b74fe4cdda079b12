"""Read a page image: prepare it, choose its language, OCR it, and return its words.

Tesseract's full-page pass is the cost that matters, so everything around it is arranged
to be small or conditional: the language comes from a *probe* — the page's fullest
line OCRed with ``rus+ukr`` and with ``eng`` — and the upside-down check and alternative
preparations run only when a reading is poor. Every tesseract answer goes through the OCR
cache, so re-reading a file costs preparation only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from verify.options import ExtractOptions
from verify.page import PageText, Word
from verify.reading import ocr_cache, prepare
from verify.reading import tesseract as _tesseract
from verify.reading.apostrophe import join_apostrophes
from verify.reading.language import (
    LanguageReading,
    decide_by_letters,
    detect_language,
    letter_evidence,
    prefer_reading,
)
from verify.reading.pdq import page_pdq
from verify.reading.tesseract import OcrData, OcrWord, gap_on_line
from verify.resources import load_json

if TYPE_CHECKING:
    from verify.reading.load import PageImage


def _params() -> dict[str, Any]:
    return load_json("ocr.json")


@dataclass(frozen=True)
class _Reading:
    """One OCR pass over one version of the page, and the preparation that made it."""

    pixels: np.ndarray
    sha256: str
    words: list[OcrWord]
    steps: tuple[str, ...]
    empty_blocks: tuple[tuple[int, int, int, int], ...] = ()


def _ocr(
    pixels: np.ndarray, langs: str, options: ExtractOptions, psm: int | None = None
) -> _Reading:
    """OCR through the cache: the image's hash, its words and the blocks left empty."""
    cfg = _params()["ocr"]
    digest = prepare.image_sha256(pixels)
    psm = cfg["psm"] if psm is None else psm
    request = f"page|{langs}|psm={psm}|{cfg['config']}"

    def run() -> OcrData:
        return _tesseract.ocr_data(
            pixels, langs, psm, cfg["config"], timeout=cfg["timeout_seconds"]
        )

    data = ocr_cache.cached(
        options.cache_dir, digest, request, _tesseract.tesseract_version, run, options.cache_seal
    )
    blocks = tuple((int(a), int(b), int(c), int(d)) for a, b, c, d in data["empty_blocks"])
    return _Reading(pixels, digest, data["words"], (), blocks)


def _read_region(
    pixels: np.ndarray,
    box: tuple[int, int, int, int],
    langs: str,
    options: ExtractOptions,
    psm: int,
    block: int,
) -> list[OcrWord]:
    """The words of ``box`` read alone, moved into the page's pixels as block ``block``."""
    x0, y0, x1, y1 = box
    inside = _ocr(np.ascontiguousarray(pixels[y0:y1, x0:x1]), langs, options, psm).words
    return [
        OcrWord(**{**w, "left": w["left"] + x0, "top": w["top"] + y0, "block": block})
        for w in inside
    ]


def _text(words: list[OcrWord]) -> str:
    return " ".join(w["text"] for w in words)


def _mean_conf(words: list[OcrWord]) -> float:
    """Mean word confidence, 0..1 (0 for no words: nothing read is the worst reading)."""
    return sum(w["conf"] for w in words) / (100.0 * len(words)) if words else 0.0


def _tess_langs(languages: tuple[str, ...]) -> str:
    names = _params()["ocr"]["languages"]
    return "+".join(names[lang] for lang in languages)


def _record_turn(steps: list[str], degrees: int) -> None:
    """Merge a further turn into an existing ``orientation:N`` step, or add one."""
    for i, step in enumerate(steps):
        if step.startswith("orientation:"):
            total = (int(step.split(":")[1]) + degrees) % 360
            steps[i] = f"orientation:{total}"
            return
    steps.append(f"orientation:{degrees}")


def _probe_language(
    grey: np.ndarray, options: ExtractOptions, steps: list[str]
) -> tuple[np.ndarray, str | None]:
    """Guess the page's language from its fullest line(s), turning it if upside down.

    The strip is read with ``rus+ukr`` and with ``eng``, and the surer reading names the
    script: Latin letters read by the Cyrillic models come out as look-alikes, often
    confidently (a Latin "i" read as a Ukrainian "і"), so a confident Cyrillic reading
    alone does not make a page Cyrillic. A Cyrillic page's language is then settled by its
    letters (see ``_cyrillic_language``); when neither reading is confident the page may be
    upside down, and the turned strip is tried.
    Returns the (possibly turned) page and "ru", "uk", "en", or None if unreadable.
    """
    cfg = _params()["ocr"]
    crop = prepare.probe_crop(grey, cfg["probe_lines"], _params()["prepare"])
    if crop is None:
        return grey, None
    words = _ocr(crop, cfg["probe_cyrillic"], options).words
    conf = _mean_conf(words)
    latin = _ocr(crop, cfg["probe_latin"], options).words
    latin_conf = _mean_conf(latin)
    if max(conf, latin_conf) >= cfg["probe_min_confidence"]:
        if latin_conf > conf:
            return grey, "en"
        return grey, _cyrillic_language(grey, words, options, steps)
    best_conf, best_words = (latin_conf, latin) if latin_conf > conf else (conf, words)
    flipped = _ocr(prepare.rotate_quarter(crop, 180), cfg["probe_all"], options).words
    if _mean_conf(flipped) > best_conf + cfg["flip_margin"]:
        _record_turn(steps, 180)
        turned = prepare.rotate_quarter(grey, 180)
        return turned, _cyrillic_language(turned, flipped, options, steps)
    return grey, _cyrillic_language(grey, best_words, options, steps)


def _cyrillic_language(
    grey: np.ndarray, words: list[OcrWord], options: ExtractOptions, steps: list[str]
) -> str | None:
    """The probe's language: its letters' verdict, else the surer of the rus and ukr readings.

    Latin text is "en" and too little text None, as ``detect_language`` says. Cyrillic
    text whose ы э ъ ё against і ї є ґ do not decide with a margin (a single "і" that the
    combined model made of a Russian "М") is read again, ``probe_fallback_lines`` lines of
    it, once with each language's own model; the more confident reading names the
    language and ``language_by_confidence`` is added to ``steps``. Those two extra calls
    are made only when the letters do not decide.
    """
    evidence = letter_evidence(_text(words))
    if evidence.script != "cyrillic":
        return evidence.script
    decided = decide_by_letters(evidence)
    if decided is not None:
        return decided
    cfg = _params()["ocr"]
    crop = prepare.probe_crop(grey, cfg["probe_fallback_lines"], _params()["prepare"])
    if crop is None:
        return detect_language(_text(words))
    readings = []
    for language in ("ru", "uk"):
        read = _ocr(crop, cfg["languages"][language], options).words
        readings.append(LanguageReading(language, _mean_conf(read), _text(read)))
    steps.append("language_by_confidence")
    return prefer_reading(readings)


def _upright(
    grey: np.ndarray, langs: str, options: ExtractOptions, steps: list[str]
) -> np.ndarray | None:
    """The page turned 180° if a strip of it reads clearly better that way, else None."""
    cfg = _params()["ocr"]
    crop = prepare.probe_crop(grey, cfg["probe_lines"], _params()["prepare"])
    if crop is None:
        return None
    words = _ocr(crop, langs, options).words
    flipped = _ocr(prepare.rotate_quarter(crop, 180), langs, options).words
    if _mean_conf(flipped) > _mean_conf(words) + cfg["flip_margin"]:
        _record_turn(steps, 180)
        return prepare.rotate_quarter(grey, 180)
    return None


def _choose_languages(detected: str | None, options: ExtractOptions) -> tuple[str, ...]:
    """The languages for the full-page pass: forced ones, else the probe's guess."""
    if options.languages:
        return options.languages
    if detected is not None:
        return (detected,)
    return ("ru", "uk", "en")


def _alternatives(grey: np.ndarray, text_px: float | None) -> dict[str, Callable[[], np.ndarray]]:
    """Other preparations worth a second pass when the first reads poorly."""
    px = text_px or 20.0
    return {
        "binarise:sauvola": lambda: prepare.binarise(grey, "sauvola", px),
        "binarise:otsu": lambda: prepare.binarise(grey, "otsu", px),
        "illumination": lambda: prepare.even_illumination(grey, px),
        "denoise": lambda: prepare.denoise(grey),
    }


def _page_language(words: list[OcrWord], languages: tuple[str, ...]) -> str | None:
    """The page's language: the one used, or among several the one the text shows."""
    if not words or not languages:
        return None
    if len(languages) == 1:
        return languages[0]
    detected = detect_language(_text(words))
    return detected if detected in languages else languages[0]


def _read(
    prepared: prepare.Prepared, options: ExtractOptions, steps: list[str]
) -> tuple[_Reading, tuple[str, ...]]:
    """Choose languages, OCR, and retry other preparations if the reading is poor."""
    cfg = _params()["ocr"]
    grey = prepared.pixels
    detected = None
    if not options.languages:
        grey, detected = _probe_language(grey, options, steps)
    languages = _choose_languages(detected, options)
    langs = _tess_langs(languages)
    direction_settled = False
    if options.languages and "orientation:90" in steps:
        # Forced languages skip the probe. A quarter turn found from the lines' direction
        # is as likely to be 270 as 90, so the direction is read on a strip before the
        # full pass rather than after a wasted one.
        turned = _upright(grey, langs, options, steps)
        grey = grey if turned is None else turned
        direction_settled = True
    best = _ocr(grey, langs, options)
    if (
        options.languages
        and not direction_settled
        and _mean_conf(best.words) < cfg["upright_min_confidence"]
    ):
        # A poor reading of a page not turned by a quarter may be an upside-down page.
        turned = _upright(grey, langs, options, steps)
        if turned is not None:
            grey = turned
            best = _ocr(grey, langs, options)
    if _mean_conf(best.words) < cfg["retry_below_confidence"]:
        candidates = _alternatives(grey, prepared.text_height)
        for name in cfg["alternatives"]:
            if name in steps:
                continue  # already this preparation: a second pass would read the same
            alternative = _ocr(candidates[name](), langs, options)
            if alternative.words and _mean_conf(alternative.words) > _mean_conf(best.words):
                best = replace(alternative, steps=(name,))
        if best.steps:
            steps.extend([*best.steps, "best_of_preparations"])
    return best, languages


def expect_page(options: ExtractOptions) -> None:
    """Start loading the model of a page's first reading while the page is decoded.

    That reading is the full page in the forced languages, else the language probe; the
    model loads in a thread of this process (``_tesseract.warm_up``).
    """
    cfg = _params()["ocr"]
    first = _tess_langs(options.languages) if options.languages else cfg["probe_cyrillic"]
    _tesseract.warm_up(first)


def models_of_pages_like(language: str | None, options: ExtractOptions) -> tuple[str, ...]:
    """The models a page read in ``language`` loads: its first reading's and its language's."""
    cfg = _params()["ocr"]
    if options.languages:
        return (_tess_langs(options.languages),)
    models = [cfg["probe_cyrillic"]]
    if language is not None and language in cfg["languages"]:
        models.append(_tess_langs((language,)))
    return tuple(dict.fromkeys(models))


def ocr_page(image: PageImage, number: int, options: ExtractOptions) -> PageText:
    """OCR one page image and return its words in the prepared image's pixel space.

    ``number`` is 1-based. A page without text gives no words and a warning. Raises
    ``OcrError`` when tesseract is missing, lacks a language or fails.
    """
    params = _params()
    prepared = prepare.prepare(image.pixels, image.dpi, params["prepare"], tuple(image.applied))
    steps = list(prepared.steps)
    if prepared.blank:
        reading = _Reading(prepared.pixels, prepare.image_sha256(prepared.pixels), [], ())
        languages: tuple[str, ...] = ()
    else:
        reading, languages = _read(prepared, options, steps)
    words = reading.words
    if not prepared.blank:
        framed = _framed_words(reading.pixels, words, languages, options, steps)
        unread = _unread_block_words(
            reading, framed, languages, prepared.text_height, options, steps
        )
        words = words + framed + unread
    words = _without_specks(words, params["ocr"])
    if languages == ("uk",):
        words, joined = join_apostrophes(words, params["ocr"])
        if joined:
            steps.append(f"apostrophes_joined:{joined}")
    warnings = () if words else (f"page {number}: no text found (blank or unreadable page)",)
    pdq, pdq_quality = page_pdq(prepare.thumbnail(reading.pixels))
    return PageText(
        number=number,
        width=float(reading.pixels.shape[1]),
        height=float(reading.pixels.shape[0]),
        unit="px",
        method="ocr",
        words=tuple(_to_word(w) for w in words),
        language=_page_language(words, languages),
        confidence=round(_mean_conf(words), 4) if words else None,
        preparation=tuple(steps),
        image_sha256=reading.sha256,
        dpi=prepared.dpi,
        pdq=pdq,
        pdq_quality=pdq_quality,
        warnings=warnings,
    )


def _framed_words(
    pixels: np.ndarray,
    words: list[OcrWord],
    languages: tuple[str, ...],
    options: ExtractOptions,
    steps: list[str],
) -> list[OcrWord]:
    """Words of ruled frames (stamps) that the full-page pass left empty, read alone.

    Coordinates are moved into the page's pixel space; each frame gets its own block
    number after the page's, so its lines stay apart. Adds ``framed_boxes:N`` to
    ``steps`` when N frames gave words.
    """
    params = _params()
    cfg = params["ocr"]
    found: list[OcrWord] = []
    frames_read = 0
    first_block = max((w["block"] for w in words), default=0) + 1
    if len(languages) == 1:
        langs = cfg["frame_languages"][languages[0]]
    else:
        langs = _tess_langs(languages or ("ru", "uk", "en"))
    for x0, y0, x1, y1 in prepare.framed_boxes(pixels, params["prepare"]):
        if any(_centre_inside(word, (x0, y0, x1, y1)) for word in words):
            continue  # the full-page pass read this frame
        block = first_block + frames_read
        inside = _read_region(pixels, (x0, y0, x1, y1), langs, options, cfg["frame_psm"], block)
        if not inside or _mean_conf(inside) < cfg["frame_min_confidence"]:
            continue
        found.extend(inside)
        frames_read += 1
    if frames_read:
        steps.append(f"framed_boxes:{frames_read}")
    return found


def _unread_block_words(
    reading: _Reading,
    framed: list[OcrWord],
    languages: tuple[str, ...],
    text_height: float | None,
    options: ExtractOptions,
    steps: list[str],
) -> list[OcrWord]:
    """Words of blocks the page pass found and left empty, read again alone.

    Tesseract's layout took a bold letterhead beside a photo's shadow for a picture and
    lost the issuer; read alone as one block (``unread_block_psm``), it reads cleanly.
    Blocks thinner than ``unread_block_min_letters`` letter heights (rules), outside
    ``unread_block_min_area``..``unread_block_max_area`` of the page, or holding a stamp
    frame's words (``framed``, read already) are skipped; at most
    ``unread_block_max_count`` are read. A block's box may overlap lines the page pass
    read, so only its words whose centres fall outside every word already read, specks
    left out, are new; they are kept when their mean confidence reaches
    ``unread_block_min_confidence``.
    Adds ``unread_blocks:N`` to ``steps``.
    """
    cfg = _params()["ocr"]
    height, width = reading.pixels.shape[:2]
    page_area = float(height * width)
    letter = text_height or cfg["unread_block_default_letter_px"]
    side = cfg["unread_block_min_letters"] * letter
    margin = round(cfg["unread_block_margin_letters"] * letter)
    langs = _tess_langs(languages or ("ru", "uk", "en"))
    read = reading.words + framed
    first_block = max((w["block"] for w in read), default=0) + 1
    found: list[OcrWord] = []
    blocks_read = 0
    candidates = [
        box
        for box in reading.empty_blocks
        if box[2] - box[0] >= side
        and box[3] - box[1] >= side
        and cfg["unread_block_min_area"]
        <= (box[2] - box[0]) * (box[3] - box[1]) / page_area
        <= cfg["unread_block_max_area"]
        and not any(_centre_inside(word, box) for word in framed)
    ]
    for x0, y0, x1, y1 in candidates[: cfg["unread_block_max_count"]]:
        area = (
            max(0, x0 - margin),
            max(0, y0 - margin),
            min(width, x1 + margin),
            min(height, y1 + margin),
        )
        block = first_block + blocks_read
        inside = _read_region(reading.pixels, area, langs, options, cfg["unread_block_psm"], block)
        new = _without_specks(
            [w for w in inside if not any(_centre_inside(w, _box(old)) for old in read)], cfg
        )
        if not new or _mean_conf(new) < cfg["unread_block_min_confidence"]:
            continue
        found.extend(new)
        blocks_read += 1
    if blocks_read:
        steps.append(f"unread_blocks:{blocks_read}")
    return found


def _box(word: OcrWord) -> tuple[int, int, int, int]:
    return (word["left"], word["top"], word["left"] + word["width"], word["top"] + word["height"])


def _centre_inside(word: OcrWord, box: tuple[int, int, int, int]) -> bool:
    x = word["left"] + word["width"] / 2
    y = word["top"] + word["height"] / 2
    return box[0] <= x <= box[2] and box[1] <= y <= box[3]


def _without_specks(words: list[OcrWord], cfg: dict[str, Any]) -> list[OcrWord]:
    """Drop specks before anything reads them as text.

    Short words read with almost no confidence are noise at edges, folds and shadows;
    lone marks such as "|" or "°" are what paper speckle turns into. A short word with a
    digit that leads a confident word on its line is kept (see ``_leads_a_word``).
    """
    marks = set(cfg["noise_marks"])
    kept = []
    for index, word in enumerate(words):
        text = word["text"].strip()
        if set(text) <= marks and len(text) <= cfg["speck_max_length"]:
            continue
        if (
            len(text) <= cfg["speck_max_length"]
            and word["conf"] < cfg["speck_max_confidence"]
            and not (any(c.isdigit() for c in text) and _leads_a_word(words, index, cfg))
        ):
            continue
        leading = text.lstrip(cfg["leading_noise_marks"])
        if leading != text and len(leading) >= 2 and leading.isalpha():
            word = {**word, "text": leading}
        kept.append(word)
    return kept


def _leads_a_word(words: list[OcrWord], index: int, cfg: dict[str, Any]) -> bool:
    """Whether a confident word follows ``words[index]`` closely on the same line.

    Speckle lies apart; a digit printed just before a clearly read word is text that
    tesseract was unsure of, such as the "7" of "+7 (495) 627-29-44".
    """
    word = words[index]
    if index + 1 >= len(words):
        return False
    after = words[index + 1]
    gap = gap_on_line(word, after)
    return (
        gap is not None
        and 0 <= gap <= cfg["speck_neighbour_gap"]
        and after["conf"] >= cfg["speck_neighbour_confidence"]
    )


def _to_word(word: OcrWord) -> Word:
    """Tesseract's row → our Word: conf to 0..1, and a line id unique on the page."""
    x0, y0 = float(word["left"]), float(word["top"])
    return Word(
        text=word["text"],
        bbox=(x0, y0, x0 + word["width"], y0 + word["height"]),
        confidence=round(word["conf"] / 100.0, 4),
        block=word["block"],
        line=word["block"] * 100_000 + word["par"] * 1_000 + word["line"],
    )
