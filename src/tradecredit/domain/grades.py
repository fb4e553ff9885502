"""Buyer grades: the master scale from a calibrated 12-month PD to grades 1–10, and crosswalks to other scales.

Grade 1 is exceptional, 5 average, 7 weak, 9 at risk of failure. Grade 10 (insolvent / in default) is set by
events (an insolvency filing, a claim), never by a model: :func:`MasterScale.grade_for` returns 1–9 only.

Every number here is a configurable default (``docs/model-card.md`` has the tables):

* :class:`MasterScale` — PD upper bounds of grades 1–8; grade 9 takes every PD above the last bound. A PD equal
  to a bound belongs to the better grade (bands are ``(previous bound, bound]``).
* :data:`DRA_BY_GRADE` — Coface DRA 0–10 (10 best, 0 = company in default), matched by the published class
  descriptions: our "average" 5 is DRA 6 "average", our "at risk of failure" 9 is DRA 1 "very high risk".
* :class:`ScoreScale` — a 0–100 score (higher is safer) = offset + factor·ln(odds), odds = (1 − PD) / PD, with
  the Creditsafe-style bands A–E of :data:`SCORE_BANDS`.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from tradecredit.domain.errors import ValidationError

__all__ = [
    "DEFAULT_GRADE_IN_DEFAULT",
    "DEFAULT_MASTER_SCALE",
    "DEFAULT_SCORE_SCALE",
    "DRA_BY_GRADE",
    "GRADE_DESCRIPTIONS",
    "SCORE_BANDS",
    "MasterScale",
    "ScoreScale",
    "describe_grade",
    "grade_for",
    "score_band",
    "scorecard_points",
    "to_dra",
    "to_score",
]

DEFAULT_GRADE_IN_DEFAULT = 10
WORST_MODEL_GRADE = 9

GRADE_DESCRIPTIONS: dict[int, tuple[str, str]] = {
    1: ("exceptional", "卓越"),
    2: ("excellent", "优秀"),
    3: ("very good", "很好"),
    4: ("good", "良好"),
    5: ("average", "一般"),
    6: ("fair", "尚可"),
    7: ("weak", "较弱"),
    8: ("poor", "差"),
    9: ("at risk of failure", "有倒闭风险"),
    10: ("insolvent / in default", "已破产/违约"),
}
"""Grade → (English, Chinese) label."""

DRA_BY_GRADE: dict[int, int] = {1: 10, 2: 9, 3: 8, 4: 7, 5: 6, 6: 5, 7: 4, 8: 3, 9: 1, 10: 0}
"""Grade → Coface DRA. DRA 2 has no grade of its own: our grade 9 (PD above 10%) spans DRA 1–2 and maps to the
more prudent 1."""

SCORE_BANDS: tuple[tuple[int, str, str, str], ...] = (
    (71, "A", "very low risk", "风险很低"),
    (51, "B", "low risk", "风险低"),
    (30, "C", "moderate risk", "风险中等"),
    (21, "D", "high risk", "风险高"),
    (0, "E", "very high risk", "风险很高"),
)
"""(lowest score of the band, band, English, Chinese), best band first: 71–100 A … 0–20 E."""


def _check_pd(pd: float) -> None:
    if isinstance(pd, bool) or not isinstance(pd, int | float) or not 0.0 <= pd <= 1.0:
        raise ValidationError("pd", f"expected a probability between 0 and 1; got {pd!r}")


@dataclass(frozen=True, slots=True)
class MasterScale:
    """PD bands of grades 1–9: ``upper_bounds[g − 1]`` is the highest PD of grade g, for g = 1 … 8.

    Defaults (12-month PD): 1 ≤ 0.05%, 2 ≤ 0.1%, 3 ≤ 0.25%, 4 ≤ 0.5%, 5 ≤ 1% (average: a typical SME PD is
    0.5–1%), 6 ≤ 2%, 7 ≤ 5% (weak), 8 ≤ 10%, 9 above 10% (at risk of failure). Each bound is about twice the
    previous one, so a grade is roughly one doubling of the odds of failure.
    """

    upper_bounds: tuple[float, ...] = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.10)

    def __post_init__(self) -> None:
        bounds = self.upper_bounds
        if len(bounds) != WORST_MODEL_GRADE - 1:
            raise ValidationError("upper_bounds", f"expected {WORST_MODEL_GRADE - 1} bounds (grades 1–8); "
                                                  f"got {len(bounds)}")
        if not all(0.0 < b < 1.0 for b in bounds):
            raise ValidationError("upper_bounds", f"expected every bound strictly between 0 and 1; got {bounds}")
        if any(later <= earlier for earlier, later in itertools.pairwise(bounds)):
            raise ValidationError("upper_bounds", f"expected strictly increasing bounds; got {bounds}")

    def grade_for(self, pd: float) -> int:
        """Grade 1–9 of a 12-month PD: the first grade whose upper bound is ≥ pd, else 9."""
        _check_pd(pd)
        for grade, bound in enumerate(self.upper_bounds, start=1):
            if pd <= bound:
                return grade
        return WORST_MODEL_GRADE

    def band(self, grade: int) -> tuple[float, float]:
        """The PD band ``(lower, upper]`` of a model grade 1–9 (grade 1 starts at 0, grade 9 ends at 1)."""
        if not 1 <= grade <= WORST_MODEL_GRADE:
            raise ValidationError("grade", f"expected a model grade 1–{WORST_MODEL_GRADE}; got {grade!r}")
        edges = (0.0, *self.upper_bounds, 1.0)
        return edges[grade - 1], edges[grade]


DEFAULT_MASTER_SCALE = MasterScale()


def grade_for(pd: float, scale: MasterScale = DEFAULT_MASTER_SCALE) -> int:
    """Grade 1–9 of a 12-month PD on ``scale``; grade 10 comes from events, never from here."""
    return scale.grade_for(pd)


def describe_grade(grade: int, lang: str = "en") -> str:
    """The label of a grade 1–10 in ``en`` or ``zh``."""
    if grade not in GRADE_DESCRIPTIONS:
        raise ValidationError("grade", f"expected a grade 1–10; got {grade!r}")
    if lang not in ("en", "zh"):
        raise ValidationError("lang", f"expected 'en' or 'zh'; got {lang!r}")
    english, chinese = GRADE_DESCRIPTIONS[grade]
    return english if lang == "en" else chinese


def to_dra(grade: int, crosswalk: Mapping[int, int] = DRA_BY_GRADE) -> int:
    """Coface DRA (0 = in default … 10 = best) of a grade 1–10."""
    if grade not in crosswalk:
        raise ValidationError("grade", f"expected a grade 1–10; got {grade!r}")
    return crosswalk[grade]


def _log_odds(pd: float) -> float:
    """ln((1 − pd) / pd), with pd kept inside [1e-9, 1 − 1e-9] so 0 and 1 give finite odds."""
    _check_pd(pd)
    p = min(max(pd, 1e-9), 1.0 - 1e-9)
    return math.log((1.0 - p) / p)


@dataclass(frozen=True, slots=True)
class ScoreScale:
    """score = offset + factor·ln(odds), odds = (1 − PD) / PD, rounded and clipped to 0–100.

    Anchored like a scorecard: ``points`` at ``odds`` (good:bad) and ``pdo`` points to double the odds, so
    ``factor = pdo / ln 2`` and ``offset = points − factor·ln(odds)``. The defaults (50 points at 49:1, i.e.
    PD 2%, 10 points to double the odds) put the band edges at PD ≈ 0.5% (A/B, the top of our grade 4),
    2% (B/C, top of grade 6), 7.8% (C/D) and 13.6% (D/E); the score is 100 below PD ≈ 0.064% and 0 above ≈ 40%.
    """

    points: float = 50.0
    odds: float = 49.0
    pdo: float = 10.0
    factor: float = field(init=False)
    offset: float = field(init=False)

    def __post_init__(self) -> None:
        if not self.odds > 0 or not self.pdo > 0:
            raise ValidationError("score_scale", f"expected odds > 0 and pdo > 0; got odds={self.odds!r}, "
                                                 f"pdo={self.pdo!r}")
        factor = self.pdo / math.log(2.0)
        object.__setattr__(self, "factor", factor)
        object.__setattr__(self, "offset", self.points - factor * math.log(self.odds))

    def score(self, pd: float) -> int:
        raw = self.offset + self.factor * _log_odds(pd)
        return int(min(100, max(0, round(raw))))


DEFAULT_SCORE_SCALE = ScoreScale()


def to_score(pd: float, scale: ScoreScale = DEFAULT_SCORE_SCALE) -> int:
    """A 0–100 score of a 12-month PD (higher is safer); see :class:`ScoreScale`."""
    return scale.score(pd)


def score_band(score: int) -> str:
    """Band A–E of a 0–100 score: 71–100 A, 51–70 B, 30–50 C, 21–29 D, 0–20 E."""
    if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= 100:
        raise ValidationError("score", f"expected a whole number 0–100; got {score!r}")
    return next(band for lowest, band, _, _ in SCORE_BANDS if score >= lowest)


def scorecard_points(pd: float, *, points: float = 600.0, odds: float = 19.0, pdo: float = 50.0) -> float:
    """Classic scorecard points (unbounded): 600 at 19:1 good:bad, 50 points to double the odds by default."""
    factor = pdo / math.log(2.0)
    offset = points - factor * math.log(odds)
    return offset + factor * _log_odds(pd)
