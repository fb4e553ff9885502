"""The PD model, its metrics and its reasons on small synthetic data, and the shipped artefact on two buyers."""

from __future__ import annotations

import json
import math
from datetime import date

import numpy as np
import polars as pl
import pytest

from tradecredit.domain.errors import ValidationError
from tradecredit.domain.grades import grade_for, to_score
from tradecredit.domain.statements import LINE_ITEMS
from tradecredit.engine import validation
from tradecredit.engine.features import STATEMENT_ATTRS, compute_features, feature_matrix
from tradecredit.engine.pd_model import MONOTONE, PD_FLOOR, Calibration, HyperParameters, PdModel
from tradecredit.engine.reasons import CASES, NAMES_ZH, TEMPLATES_EN, TEMPLATES_ZH, Reason, reason_text, top_reasons
from tradecredit.engine.scoring import grades_of, load_shipped_model, scores_of
from tradecredit.engine.validation import auc, brier, calibration_table, ece, ks_statistic

FAST = HyperParameters(num_boost_round=60)
ATTRS = (1, 4, 21)  # net profit / TA (PD falls), current ratio (PD falls), sales growth (free; filled if missing)


def toy(n: int = 400, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Bankrupt exactly when net profit / TA < −0.05, with no firm within 0.05 of that edge: separable."""
    rng = np.random.default_rng(seed)
    profit = rng.choice([-1.0, 1.0], n) * rng.uniform(0.05, 0.3, n) - 0.05
    x = np.column_stack([profit, rng.uniform(0.3, 3.0, n), rng.uniform(0.5, 1.5, n)])
    return x, (x[:, 0] < -0.05).astype(np.int8)


@pytest.fixture(scope="module")
def model() -> PdModel:
    x, y = toy()
    return PdModel(ATTRS, params=FAST).fit(x, y)


def test_a_separable_toy_set_is_ranked_perfectly(model: PdModel) -> None:
    x, y = toy(seed=1)
    assert auc(y, model.predict_pd(x)) == 1.0


def test_the_calibration_map_is_monotone_and_stays_inside_zero_and_one(model: PdModel) -> None:
    grid = np.linspace(-50, 50, 1001)
    pd = model.calibration.apply(grid)
    assert np.all(np.diff(pd) >= 0)
    assert pd.min() == PD_FLOOR and pd.max() == 1 - PD_FLOOR


def test_platt_fit_recovers_a_known_map() -> None:
    rng = np.random.default_rng(3)
    raw = rng.normal(-2.0, 2.0, 20_000)
    y = (rng.uniform(size=raw.size) < 1 / (1 + np.exp(-(0.5 * raw - 1.0)))).astype(np.int8)
    fitted = Calibration.fit(raw, y)
    assert fitted.a == pytest.approx(0.5, abs=0.05)
    assert fitted.b == pytest.approx(-1.0, abs=0.1)


def test_the_text_round_trip_gives_identical_predictions(model: PdModel) -> None:
    x, _ = toy(seed=2)
    copy = PdModel.from_text(model.to_text())
    assert np.array_equal(copy.predict_pd(x), model.predict_pd(x))
    assert np.array_equal(copy.contributions(x), model.contributions(x))
    assert copy.to_text() == model.to_text()


def test_contributions_add_up_to_the_raw_score(model: PdModel) -> None:
    x, _ = toy(seed=4)
    contributions = model.contributions(x)
    assert contributions.shape == (len(x), len(ATTRS) + 1)  # one column per feature, then the bias
    assert np.allclose(contributions.sum(axis=1), model.raw_score(x))


def test_the_artefact_is_plain_json_with_lightgbm_text_and_no_pickle(model: PdModel) -> None:
    text = model.to_text()
    document = json.loads(text)
    assert document["format"] == "tradecredit-pd-model"
    assert document["features"] == ["a01", "a04", "a21"]
    assert document["monotone_constraints"] == [-1, -1, 0]
    assert document["calibration"]["method"] == "platt"
    assert document["booster"][0] == "tree"  # LightGBM's own model text
    assert "pickle" not in text and "gASV" not in text and "\\x80" not in text  # gASV: base64 of a pickle header


def test_the_monotone_constraints_hold(model: PdModel) -> None:
    rows = np.column_stack([np.linspace(-0.3, 0.3, 61), np.full(61, 1.2), np.full(61, 1.0)])
    assert np.all(np.diff(model.predict_pd(rows)) <= 0)  # more profit, never a higher PD
    assert MONOTONE[1] == -1 and MONOTONE[2] == 1 and 21 not in MONOTONE


def test_missing_sales_growth_is_scored_as_the_training_median(model: PdModel) -> None:
    x, _ = toy(seed=5)
    gap = x.copy()
    gap[:, 2] = np.nan
    median = x.copy()
    median[:, 2] = model.fill["a21"]
    assert np.array_equal(model.predict_pd(gap), model.predict_pd(median))


def test_a_matrix_of_the_wrong_width_is_refused(model: PdModel) -> None:
    with pytest.raises(ValidationError, match="expected a 2-D matrix with 3 columns; got shape"):
        model.predict_pd(np.zeros((2, 4)))


def test_labels_need_both_classes() -> None:
    x, _ = toy()
    with pytest.raises(ValidationError, match="expected at least 5 rows of each class"):
        PdModel(ATTRS, params=FAST).fit(x, np.zeros(len(x), dtype=np.int8))


def test_metrics_on_a_hand_made_example() -> None:
    y = np.array([0, 0, 0, 1, 0, 1])
    pd = np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6])
    # bankrupt firms outrank 4 of 4 and 3 of 4 survivors: AUC = 7/8
    assert auc(y, pd) == pytest.approx(7 / 8)
    # survivors' PD distribution reaches 0.75 at 0.3, bankrupts' 0 there: KS = 0.75
    assert ks_statistic(y, pd) == pytest.approx(0.75)
    assert brier(y, pd) == pytest.approx((0.01 + 0.04 + 0.09 + 0.36 + 0.25 + 0.16) / 6)
    table = calibration_table(y, pd, bins=2)  # {0.1, 0.2, 0.3}: 0 of 3; {0.4, 0.5, 0.6}: 2 of 3
    assert [(b.n, b.bankrupt) for b in table] == [(3, 0), (3, 2)]
    assert ece(y, pd, bins=2) == pytest.approx(0.5 * 0.2 + 0.5 * abs(0.5 - 2 / 3))


def test_vectorised_grades_and_scores_match_the_domain() -> None:
    pd = np.array([0.0003, 0.0005, 0.0006, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.9997])
    assert grades_of(pd).tolist() == [grade_for(float(p)) for p in pd]
    assert scores_of(pd).tolist() == [to_score(float(p)) for p in pd]


def test_top_reasons_give_the_strongest_pushes_up_then_down() -> None:
    reasons = top_reasons([0.5, -0.2, 1.5, -0.9, 0.0, 0.1], [0.8, 0.3, -0.12, 2.4, 1.0], ["a04", "a10", "a01",
                                                                                     "a46", "a21"], n=2)
    assert [(r.feature, r.direction) for r in reasons] == [("a01", "up"), ("a04", "up"), ("a46", "down"),
                                                           ("a10", "down")]


def test_reason_text_carries_the_buyers_number_in_english_and_chinese() -> None:
    reason = Reason(feature="a04", value=0.8, contribution=0.6, direction="up")
    assert reason_text(reason, "en") == ("Working capital ratio 0.8 is below 1: current liabilities exceed current "
                                         "assets (raises the PD)")
    assert reason_text(reason, "zh") == "营运资金比率 0.8 低于 1:流动负债超过流动资产（推高违约概率）"
    loss = Reason(feature="a01", value=-0.123, contribution=0.4, direction="up")
    assert "-12.3%" in reason_text(loss, "en") and "-12.3%" in reason_text(loss, "zh")


def test_reasons_without_a_template_or_value_fall_back_to_the_attribute_name() -> None:
    generic = Reason(feature="a41", value=0.12, contribution=-0.3, direction="down")
    assert reason_text(generic, "en") == ("a41 (total liabilities / ((profit on operating activities + depreciation) "
                                          "× (12/365))) = 0.12 lowers the PD")
    assert "0.12" in reason_text(generic, "zh") and "降低违约概率" in reason_text(generic, "zh")
    missing = Reason(feature="a21", value=math.nan, contribution=0.2, direction="up")
    assert reason_text(missing, "en").endswith("is not available, which raises the PD")


def statement(buyer: int, **items: float) -> dict[str, object]:
    row: dict[str, object] = dict.fromkeys(LINE_ITEMS)
    row.update(buyer_id=buyer, period_end=date(2025, 12, 31), **items)
    return row


def test_the_shipped_model_scores_a_healthy_buyer_below_a_distressed_one() -> None:
    healthy = statement(1, revenue=50e6, cost_of_sales=35e6, gross_profit=15e6, operating_expenses=9e6, ebit=6e6,
                        depreciation=1.5e6, interest_expense=0.3e6, net_income=4.5e6, total_assets=40e6,
                        fixed_assets=18e6, current_assets=22e6, inventory=6e6, receivables=9e6, cash=7e6,
                        total_liabilities=14e6, current_liabilities=9e6, long_term_liabilities=5e6, equity=26e6,
                        retained_earnings=20e6, share_capital=5e6)
    distressed = statement(2, revenue=10e6, cost_of_sales=9.5e6, gross_profit=0.5e6, operating_expenses=1.7e6,
                           ebit=-1.2e6, depreciation=0.4e6, interest_expense=0.6e6, net_income=-1.9e6,
                           total_assets=8e6, fixed_assets=3e6, current_assets=5e6, inventory=2.5e6, receivables=2.3e6,
                           cash=0.1e6, total_liabilities=9e6, current_liabilities=7e6, long_term_liabilities=2e6,
                           equity=-1e6, retained_earnings=-3e6, share_capital=2e6)
    features = compute_features(pl.DataFrame([healthy, distressed]))
    model = load_shipped_model()
    x = feature_matrix(features, model.attrs)
    pd = model.predict_pd(x)
    assert model.attrs == STATEMENT_ATTRS
    assert np.all((pd > 0) & (pd < 1))
    assert pd[0] < 0.02 < 0.10 < pd[1]
    reasons = top_reasons(model.contributions(x)[1], x[1], model.feature_names)
    assert reasons[0].direction == "up"
    assert all(reason_text(r, "zh") for r in reasons)


def test_every_case_has_a_sentence_in_both_languages() -> None:
    for attr, (_, cases) in CASES.items():
        names = {case for _, case in cases}
        assert set(TEMPLATES_EN[attr]) == names == set(TEMPLATES_ZH[attr]), attr
    assert set(NAMES_ZH) == set(range(1, 65))


def test_the_twenty_most_important_features_of_the_shipped_model_have_templates() -> None:
    top = list(load_shipped_model().importance())[:20]
    assert [name for name in top if int(name[1:]) not in CASES] == []


def test_a_sentence_never_contradicts_the_push() -> None:
    # costs above sales, yet the model lowers the PD (an unconstrained ratio): the plain form is used
    against = Reason(feature="a58", value=1.18, contribution=-0.2, direction="down")
    assert reason_text(against, "en") == "a58 (total costs / total sales) = 118.0% lowers the PD"
    along = Reason(feature="a58", value=1.18, contribution=0.2, direction="up")
    assert reason_text(along, "en") == "Total costs are 118.0% of sales: costs exceed sales (raises the PD)"


def test_the_holdout_protocol_retrains_on_each_split_and_pools_the_test_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(validation, "HOLDOUT_SEEDS", (0, 1))
    x, y = toy(n=300)
    frame = pl.DataFrame({"a01": x[:, 0], "a04": x[:, 1], "a21": x[:, 2], "bankrupt": y})
    done: list[tuple[int, int]] = []
    report = validation.evaluate_frame(frame, protocol="holdout", attrs=ATTRS,
                                       on_split=lambda i, total: done.append((i, total)))
    assert done == [(1, 2), (2, 2)]
    assert report.splits == 2 and report.auc == 1.0 and report.rows == 300
    assert sum(b.n for b in report.calibration) == 2 * 30  # two test sets of 10%
    with pytest.raises(ValidationError, match="expected one of cv10, holdout; got 'cv5'"):
        validation.evaluate_frame(frame, protocol="cv5", attrs=ATTRS)  # type: ignore[arg-type]
