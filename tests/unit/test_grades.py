"""The master scale and its crosswalks, with every boundary worked out by hand."""

from __future__ import annotations

import math

import pytest

from tradecredit.domain.errors import ValidationError
from tradecredit.domain.grades import (
    DEFAULT_GRADE_IN_DEFAULT,
    DEFAULT_MASTER_SCALE,
    DRA_BY_GRADE,
    MasterScale,
    ScoreScale,
    describe_grade,
    grade_for,
    score_band,
    scorecard_points,
    to_dra,
    to_score,
)


@pytest.mark.parametrize(("pd", "grade"), [
    (0.0, 1), (0.0005, 1), (0.00051, 2), (0.001, 2), (0.0025, 3), (0.004, 4), (0.005, 4), (0.0075, 5),
    (0.01, 5), (0.0101, 6), (0.02, 6), (0.03, 7), (0.05, 7), (0.07, 8), (0.10, 8), (0.1001, 9), (0.5, 9), (1.0, 9),
])
def test_a_pd_on_a_bound_belongs_to_the_better_grade(pd: float, grade: int) -> None:
    assert grade_for(pd) == grade


def test_average_is_a_pd_around_half_to_one_percent_and_at_risk_of_failure_is_above_ten_percent() -> None:
    assert DEFAULT_MASTER_SCALE.band(5) == (0.005, 0.01)
    assert DEFAULT_MASTER_SCALE.band(9) == (0.10, 1.0)
    assert describe_grade(5) == "average" and describe_grade(9) == "at risk of failure"
    assert describe_grade(7, "zh") == "较弱"


def test_the_model_never_gives_grade_ten() -> None:
    assert max(grade_for(p / 100) for p in range(101)) == 9
    assert DEFAULT_GRADE_IN_DEFAULT == 10
    assert describe_grade(10) == "insolvent / in default"


def test_a_custom_scale_moves_the_bands() -> None:
    scale = MasterScale((0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128))
    assert scale.grade_for(0.01) == 5
    assert scale.grade_for(0.2) == 9


@pytest.mark.parametrize(("bounds", "message"), [
    ((0.001, 0.002), "expected 8 bounds"),
    ((0.0005, 0.001, 0.0025, 0.005, 0.005, 0.02, 0.05, 0.10), "expected strictly increasing bounds; got"),
    ((0.0, 0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.10), "strictly between 0 and 1"),
])
def test_a_scale_with_bad_bounds_is_refused(bounds: tuple[float, ...], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        MasterScale(bounds)


@pytest.mark.parametrize("pd", [-0.01, 1.01, math.nan])
def test_a_pd_outside_zero_to_one_is_refused(pd: float) -> None:
    with pytest.raises(ValidationError, match="expected a probability between 0 and 1"):
        grade_for(pd)


def test_dra_runs_from_ten_for_the_best_grade_to_zero_in_default() -> None:
    assert [to_dra(g) for g in range(1, 11)] == [10, 9, 8, 7, 6, 5, 4, 3, 1, 0]
    assert to_dra(5) == 6  # both scales call it "average"
    assert set(DRA_BY_GRADE) == set(range(1, 11))
    with pytest.raises(ValidationError):
        to_dra(11)


def test_the_score_is_fifty_at_two_percent_and_ten_points_double_the_odds() -> None:
    assert to_score(0.02) == 50  # odds 49:1, the anchor
    # odds 98:1 → PD 1/99 → 60 points
    assert to_score(1 / 99) == 60
    assert to_score(0.0001) == 100  # clipped
    assert to_score(0.5) == 0       # clipped
    scores = [to_score(p / 1000) for p in range(1, 1000)]
    assert scores == sorted(scores, reverse=True)


@pytest.mark.parametrize(("score", "band"), [
    (100, "A"), (71, "A"), (70, "B"), (51, "B"), (50, "C"), (30, "C"), (29, "D"), (21, "D"), (20, "E"), (0, "E"),
])
def test_score_bands_follow_the_creditsafe_style_edges(score: int, band: str) -> None:
    assert score_band(score) == band


def test_the_a_to_b_edge_sits_at_the_top_of_grade_four() -> None:
    # ln(0.9951/0.0049) = 5.3136 → −6.147 + 14.427·5.3136 = 70.51 → 71; at 0.5%: 70.22 → 70
    assert score_band(to_score(0.0049)) == "A"
    assert score_band(to_score(0.005)) == "B"
    assert grade_for(0.005) == 4


def test_a_score_outside_zero_to_hundred_is_refused() -> None:
    with pytest.raises(ValidationError, match="expected a whole number 0–100"):
        score_band(101)


def test_classic_scorecard_points_are_600_at_19_to_1_and_50_more_per_doubling() -> None:
    assert scorecard_points(0.05) == pytest.approx(600.0)
    assert scorecard_points(1 / 39) == pytest.approx(650.0)  # odds 38:1


def test_a_score_scale_needs_positive_odds_and_pdo() -> None:
    with pytest.raises(ValidationError, match="expected odds > 0 and pdo > 0"):
        ScoreScale(pdo=0.0)
