"""The verdict of ``compare`` as an ordered rule table: the first rule whose test holds decides.

``compare`` measures (hashes, text and body similarity, how much of one copy the other
covers, key fields judged against OCR slips, the fill-ins of a shared template) into
``Signals``; ``RULES`` reads them. Each rule has an id (reported in
``Comparison.decision.rule``), a test, the verdict it gives and the reason it states, so a
reader can see which evidence decided, and a new case is a new row, not another branch.
Thresholds come from ``models/fingerprint.json`` ("compare").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from verify.matching.textdiff import FillIns

Verdict = Literal["identical", "same_document", "same_template", "variant", "conflict", "unrelated"]


@dataclass(frozen=True)
class Signals:
    """Everything the rules read, computed once per comparison."""

    spec: dict[str, Any]
    sha256_equal: bool
    text_j: float | None
    body_j: float | None
    covered: float | None
    pdq_close: bool
    digest_equal: bool | None
    same_number: bool
    conflicts: tuple[str, ...] = ()
    conflict_fields: tuple[str, ...] = ()
    disputed: tuple[str, ...] = ()
    copy_differences: tuple[str, ...] = ()
    fills: FillIns | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def body_same(self) -> bool:
        """Equal body digests or body similarity at least ``body_same``."""
        return bool(self.digest_equal) or (
            self.body_j is not None and self.body_j >= self.spec["body_same"]
        )

    @property
    def text_same(self) -> bool:
        """Whole-text similarity at least ``text_same``."""
        return self.text_j is not None and self.text_j >= self.spec["text_same"]

    @property
    def body_unrelated(self) -> bool:
        """Body similarity at most ``body_unrelated_max``: another text under one number."""
        return self.body_j is not None and self.body_j <= self.spec["body_unrelated_max"]

    @property
    def part_covered(self) -> bool:
        """One copy read in part (a cut frame, a tilted photo): its lines are in the other."""
        return self.covered is not None and self.covered >= self.spec["recapture"]["covered_same"]

    @property
    def same_act(self) -> bool:
        """The copies claim to be one act: one number, or one body."""
        return self.same_number or self.body_same

    @property
    def related(self) -> bool:
        """The two texts are mostly one text: enough to ask whether it is one template."""
        return self.text_same or self.body_same or self.part_covered

    @property
    def agreed(self) -> bool:
        """No key field in conflict or disputed: nothing bars one document."""
        return not self.conflicts and not self.disputed

    @property
    def claim(self) -> str:
        """What makes them claim one act, in words."""
        return "the same number" if self.same_number else "the same body text"

    def blank_side(self) -> str | None:
        """The side ("left", "right") with blanks where the other copy has words, if any."""
        if self.fills is None:
            return None
        least = int(self.spec["template"]["blank_min_places"])
        if self.fills.blanks_left >= least:
            return "left"
        if self.fills.blanks_right >= least:
            return "right"
        return None

    def filled_twice(self) -> bool:
        """Both copies hold other legible words in the same places of one shared text."""
        spec = self.spec["template"]
        fills = self.fills
        return (
            fills is not None
            and fills.places_both >= int(spec["fillings_min_places"])
            and min(len(fills.left), len(fills.right)) >= int(spec["fillings_min_words"])
        )


def _examples(words: tuple[str, ...], most: int = 6) -> str:
    return ", ".join(words[:most]) + (" ..." if len(words) > most else "")


def _blank_reason(s: Signals) -> str:
    assert s.fills is not None
    side = s.blank_side()
    other = "right" if side == "left" else "left"
    blanks = s.fills.blanks_left if side == "left" else s.fills.blanks_right
    filled = s.fills.right if side == "left" else s.fills.left
    return (
        f"one template: the {side} copy has blanks in {blanks} places where the {other} copy "
        f"has words ({_examples(filled)}); {s.fills.shared} printed words shared"
    )


def _fillings_reason(s: Signals) -> str:
    assert s.fills is not None
    return (
        f"one template filled twice: {s.fills.places_both} places hold other words "
        f"({_examples(s.fills.left)} vs {_examples(s.fills.right)}); "
        f"{s.fills.shared} printed words shared"
    )


def _text_reason(s: Signals) -> str:
    return f"text similarity {s.text_j:.2f} without disagreeing key fields" + (
        " and page images alike" if s.pdq_close else ""
    )


@dataclass(frozen=True)
class Rule:
    """One row of the table: when ``test`` holds, the verdict is ``verdict``."""

    id: str
    verdict: Verdict
    test: Callable[[Signals], bool]
    reason: Callable[[Signals], str]
    differences: Callable[[Signals], list[str]] = lambda s: []


RULES: tuple[Rule, ...] = (
    Rule(
        "identical.bytes",
        "identical",
        lambda s: s.sha256_equal,
        lambda s: "the original files have the same sha256",
    ),
    Rule(
        "same_template.blank",
        "same_template",
        lambda s: s.related and s.blank_side() is not None,
        _blank_reason,
    ),
    Rule(
        "same_template.fillings",
        "same_template",
        lambda s: s.related and s.filled_twice(),
        _fillings_reason,
    ),
    Rule(
        "conflict.number_other_body",
        "conflict",
        lambda s: s.same_number and s.body_unrelated and not s.digest_equal,
        lambda s: f"{s.claim} but another body text",
        lambda s: [f"another body text (body similarity {s.body_j:.2f})", *s.conflicts],
    ),
    Rule(
        "conflict.key_fields",
        "conflict",
        lambda s: s.same_act and bool(s.conflicts),
        lambda s: f"{s.claim}, but {', '.join(s.conflict_fields)} disagree",
        lambda s: list(s.conflicts),
    ),
    Rule(
        "variant.copy_fields",
        "variant",
        lambda s: s.same_act and bool(s.copy_differences),
        lambda s: f"{s.claim} and key fields agree; the copies differ in addressee or stamp",
        lambda s: list(s.copy_differences),
    ),
    Rule(
        "variant.disputed_fields",
        "variant",
        lambda s: s.same_act and bool(s.disputed),
        lambda s: (
            f"{s.claim}, but {', '.join(s.disputed)} read with low confidence as other values"
        ),
        lambda s: [f"{name} read with low confidence as another value" for name in s.disputed],
    ),
    Rule(
        "same_document.same_act",
        "same_document",
        lambda s: s.same_act and (s.body_same or s.text_same or s.pdq_close),
        lambda s: f"{s.claim}, same body, every compared field agrees",
    ),
    Rule(
        "same_document.same_act_no_body",
        "same_document",
        lambda s: s.same_act and s.body_j is None,
        lambda s: f"{s.claim} and every compared field agrees",
    ),
    Rule(
        "variant.body_in_part",
        "variant",
        lambda s: s.same_act,
        lambda s: f"{s.claim} and key fields agree, but the body text differs in part",
        lambda s: [f"body text differs in part (body similarity {s.body_j:.2f})"],
    ),
    Rule(
        "same_document.text",
        "same_document",
        lambda s: s.text_same and (s.pdq_close or s.agreed),
        _text_reason,
    ),
    Rule(
        "same_document.read_in_part",
        "same_document",
        lambda s: s.part_covered and s.agreed,
        lambda s: (
            f"one copy read in part: {s.covered:.0%} of its lines are in the other copy "
            f"(text similarity {s.text_j or 0:.2f}), no key field disagrees"
        ),
    ),
    Rule(
        "same_document.images",
        "same_document",
        lambda s: s.text_j is None and s.pdq_close and s.agreed,
        lambda s: "no text to compare; page images alike (PDQ)",
    ),
    Rule(
        "unrelated",
        "unrelated",
        lambda s: True,
        lambda s: "neither the number nor the body text match",
    ),
)


def decide(signals: Signals) -> tuple[Rule, str, list[str]]:
    """The first rule that holds, its reason and the differences it names."""
    for rule in RULES:
        if rule.test(signals):
            return rule, rule.reason(signals), rule.differences(signals)
    raise AssertionError("the last rule always holds")  # pragma: no cover
