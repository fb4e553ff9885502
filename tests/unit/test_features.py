"""Financial ratios on small hand-made statements; every expected figure is worked out in a comment."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradecredit.domain.errors import ValidationError
from tradecredit.domain.statements import LINE_ITEMS
from tradecredit.engine.features import (
    BLOCKING_FLAGS,
    FLAGS,
    POLISH_ATTRS,
    RATIOS,
    STATEMENT_ATTRS,
    altman_zone,
    attr_column,
    compute_features,
    feature_matrix,
    has_blocking_flag,
    read_polish_arff,
    safe_div,
)

NAN = math.nan
YEAR_END = date(2024, 12, 31)

# The reference statement: round numbers that balance (TA 2000 = TL 1200 + equity 800).
REFERENCE: dict[str, float] = {
    "revenue": 1000, "cost_of_sales": 600, "gross_profit": 400, "operating_expenses": 250, "ebit": 150,
    "depreciation": 50, "interest_expense": 30, "net_income": 90, "total_assets": 2000, "fixed_assets": 1200,
    "current_assets": 800, "inventory": 200, "receivables": 300, "cash": 200, "total_liabilities": 1200,
    "current_liabilities": 400, "long_term_liabilities": 800, "equity": 800, "retained_earnings": 300,
    "share_capital": 100, "operating_cash_flow": 120,
}
# Derived: working capital 800 − 400 = 400; Polish gross profit (profit before tax) = ebit − interest = 120;
# Polish operating expenses and cost of products sold (all operating costs) = 600 + 250 = 850;
# profit on sales = 400 − 250 = 150.

EXPECTED_ATTRS: dict[int, float] = {
    1: 90 / 2000,                  # 0.045
    2: 1200 / 2000,                # 0.6
    3: 400 / 2000,                 # 0.2
    4: 800 / 400,                  # 2.0
    5: (200 + 300 - 400) * 365 / (850 - 50),  # 100 × 365 / 800 = 45.625
    6: 300 / 2000,                 # 0.15
    7: 120 / 2000,                 # 0.06: gross profit / TA, as a07 in the data
    8: 800 / 1200,                 # 0.667
    9: 1000 / 2000,                # 0.5
    10: 800 / 2000,                # 0.4
    11: (120 + 0 + 30) / 2000,     # 0.075: extraordinary items are 0
    12: 120 / 400,                 # 0.3
    13: (120 + 50) / 1000,         # 0.17
    14: 120 / 2000,                # 0.06: as a14 in the data (= a18)
    15: 1200 * 365 / (120 + 50),   # 438000 / 170 = 2576.47
    16: (120 + 50) / 1200,         # 0.1417
    17: 2000 / 1200,               # 1.667
    18: 120 / 2000,                # 0.06
    19: 120 / 1000,                # 0.12
    20: 200 * 365 / 1000,          # 73 days
    21: NAN,                       # one period only
    22: 150 / 2000,                # 0.075
    23: 90 / 1000,                 # 0.09
    24: NAN,                       # needs three annual periods
    25: (800 - 100) / 2000,        # 0.35
    26: (90 + 50) / 1200,          # 0.1167
    27: 150 / 30,                  # 5.0
    28: 400 / 1200,                # 0.333
    29: math.log10(2000),          # 3.30103
    30: (1200 - 200) / 1000,       # 1.0
    31: (120 + 30) / 1000,         # 0.15
    32: 400 * 365 / 850,           # 171.76 days
    33: 850 / 400,                 # 2.125
    34: 850 / 1200,                # 0.7083
    35: 150 / 2000,                # 0.075
    36: 1000 / 2000,               # 0.5
    37: (800 - 200) / 800,         # 0.75
    38: (800 + 800) / 2000,        # 0.8
    39: 150 / 1000,                # 0.15
    40: (800 - 200 - 300) / 400,   # 0.75
    41: 1200 * (12 / 365) / (150 + 50),  # 72 / 365 = 0.19726, the data's form
    42: 150 / 1000,                # 0.15
    43: (300 + 200) * 365 / 1000,  # 109.5 + 73 = 182.5 days
    44: 300 * 365 / 1000,          # 109.5 days
    45: 90 / 200,                  # 0.45
    46: (800 - 200) / 400,         # 1.5
    47: 200 * 365 / 850,           # 85.88 days
    48: (150 - 50) / 2000,         # 0.05
    49: (150 - 50) / 1000,         # 0.1
    50: 800 / 1200,                # 0.667
    51: 400 / 2000,                # 0.2
    52: 400 / 850,                 # 0.4706: no × 365, as in the data (a52 = a32 / 365)
    53: 800 / 1200,                # 0.667
    54: (800 + 800) / 1200,        # 1.333
    55: 800 - 400,                 # 400, in the statement's currency
    56: (1000 - 850) / 1000,       # 0.15
    57: (800 - 200 - 400) / (1000 - 120 - 50),  # 200 / 830 = 0.24096
    58: (850 + 30) / 1000,         # 0.88: total costs = operating costs + interest
    59: 800 / 800,                 # 1.0
    60: 1000 / 200,                # 5.0
    61: 1000 / 300,                # 3.333
    62: 400 * 365 / 1000,          # 146 days
    63: 1000 / 400,                # 2.5
    64: 1000 / 1200,               # 0.8333
}

EXPECTED_RATIOS: dict[str, Any] = {
    "current_ratio": 800 / 400,             # 2.0
    "quick_ratio": (800 - 200) / 400,       # 1.5
    "cash_ratio": 200 / 400,                # 0.5
    "debt_to_equity": 1200 / 800,           # 1.5
    "equity_ratio": 800 / 2000,             # 0.4
    "liabilities_to_assets": 1200 / 2000,   # 0.6
    "roa": 90 / 2000,                       # 0.045
    "ebit_margin": 150 / 1000,              # 0.15
    "net_margin": 90 / 1000,                # 0.09
    "interest_coverage": 150 / 30,          # 5.0
    "asset_turnover": 1000 / 2000,          # 0.5
    "dso_days": 300 / 1000 * 365,           # 109.5
    "dio_days": 200 / 600 * 365,            # 121.67
    "log_total_assets": math.log10(2000),   # 3.30103
    "revenue_growth": NAN,                  # one period only
    # 6.56 × 0.2 + 3.26 × 0.15 + 6.72 × 0.075 + 1.05 × 2/3 = 1.312 + 0.489 + 0.504 + 0.7 = 3.005
    "altman_z2": 3.005,
    "altman_zone": "safe",                  # 3.005 > 2.60
}


def statement(buyer: int = 1, period_end: date = YEAR_END, **items: float | None) -> dict[str, Any]:
    return {"buyer_id": buyer, "period_end": period_end, **REFERENCE, **items}


def statements_of(*rows: dict[str, Any]) -> pl.DataFrame:
    schema = {"buyer_id": pl.Int64, "period_end": pl.Date, **dict.fromkeys(LINE_ITEMS, pl.Float64)}
    return pl.DataFrame(list(rows), schema=schema)


def features_of(**items: float | None) -> dict[str, Any]:
    return compute_features(statements_of({**statement(), **items})).row(0, named=True)


def assert_same(actual: Any, expected: Any) -> None:
    if isinstance(expected, float) and math.isnan(expected):
        assert isinstance(actual, float) and math.isnan(actual), f"expected NaN; got {actual!r}"
    elif isinstance(expected, str):
        assert actual == expected
    else:
        assert actual == pytest.approx(expected, rel=1e-12), f"expected {expected}; got {actual}"


# --- the catalogue ---------------------------------------------------------------------------------------------


def test_every_polish_attribute_is_defined_and_has_a_hand_calculation() -> None:
    assert sorted(POLISH_ATTRS) == list(range(1, 65))
    assert sorted(EXPECTED_ATTRS) == sorted(POLISH_ATTRS)


def test_the_model_uses_every_attribute_except_log_assets_and_absolute_working_capital() -> None:
    assert tuple(n for n in range(1, 65) if n not in (29, 55)) == STATEMENT_ATTRS
    assert 24 in STATEMENT_ATTRS  # gross profit over three years is computed from three periods


def test_features_have_key_period_attributes_ratios_and_flags_in_that_order() -> None:
    features = compute_features(statements_of(statement()))
    assert features.columns == ["buyer_id", "period_end", *(attr_column(n) for n in range(1, 65)), *RATIOS, "flags"]
    assert features.schema["flags"] == pl.List(pl.String)
    assert features.schema["altman_zone"] == pl.String
    assert all(features.schema[c] == pl.Float64 for c in features.columns[2:-2])


# --- hand calculations -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("number", sorted(EXPECTED_ATTRS), ids=attr_column)
def test_each_polish_attribute_of_the_reference_statement_matches_its_hand_calculation(number: int) -> None:
    assert_same(features_of()[attr_column(number)], EXPECTED_ATTRS[number])


@pytest.mark.parametrize("name", sorted(EXPECTED_RATIOS))
def test_each_named_ratio_of_the_reference_statement_matches_its_hand_calculation(name: str) -> None:
    assert sorted(EXPECTED_RATIOS) == sorted(RATIOS)
    assert_same(features_of()[name], EXPECTED_RATIOS[name])


def test_a_clean_balanced_statement_has_no_flags() -> None:
    assert features_of()["flags"] == []


def test_missing_fixed_assets_long_term_liabilities_and_cost_of_sales_are_derived_from_their_identities() -> None:
    row = features_of(fixed_assets=None, long_term_liabilities=None, cost_of_sales=None)
    assert row["a64"] == pytest.approx(1000 / (2000 - 800))     # fixed assets = TA − CA = 1200
    assert row["a37"] == pytest.approx((800 - 200) / (1200 - 400))  # long-term liabilities = TL − CL = 800
    assert row["dio_days"] == pytest.approx(200 / (1000 - 400) * 365)  # cost of sales = revenue − gross profit


def test_without_operating_expenses_operating_costs_are_revenue_less_ebit_and_profit_on_sales_is_ebit() -> None:
    row = features_of(operating_expenses=None)
    assert row["a33"] == pytest.approx((1000 - 150) / 400)  # 850 / 400, as with the full statement
    assert row["a35"] == pytest.approx(150 / 2000)


# --- NaN rules ---------------------------------------------------------------------------------------------------

# Every denominator of every ratio set to zero (the growth denominators are tested with two periods below).
ZERO_DENOMINATORS = [
    ({"total_assets": 0}, ["a01", "a02", "a03", "a06", "a07", "a09", "a10", "a11", "a14", "a18", "a22", "a25",
                           "a29", "a35", "a36", "a38", "a48", "a51", "roa", "equity_ratio", "liabilities_to_assets",
                           "asset_turnover", "log_total_assets", "altman_z2"]),
    ({"current_liabilities": 0}, ["a04", "a12", "a33", "a40", "a46", "a63", "current_ratio", "quick_ratio",
                                  "cash_ratio"]),
    ({"total_liabilities": 0}, ["a08", "a16", "a17", "a26", "a34", "a50", "altman_z2"]),
    ({"revenue": 0}, ["a13", "a19", "a20", "a23", "a30", "a31", "a39", "a42", "a43", "a44", "a49", "a56", "a58",
                      "a62", "ebit_margin", "net_margin", "dso_days"]),
    ({"cost_of_sales": 0, "operating_expenses": 50}, ["a05"]),   # operating costs 0 + 50 − depreciation 50
    ({"ebit": 30, "depreciation": 0}, ["a15"]),                 # gross profit 30 − 30 = 0, plus 0
    ({"ebit": -50}, ["a41"]),                                   # −50 + depreciation 50
    ({"revenue": 170}, ["a57"]),                                # 170 − gross profit 120 − depreciation 50
    ({"interest_expense": 0}, ["a27", "interest_coverage"]),
    ({"fixed_assets": 0}, ["a28", "a53", "a54", "a64"]),
    ({"cost_of_sales": 0}, ["dio_days"]),
    ({"cost_of_sales": 0, "operating_expenses": 0}, ["a32", "a47", "a52"]),  # all operating costs 0
    ({"long_term_liabilities": 0}, ["a37"]),
    ({"inventory": 0}, ["a45", "a60"]),
    ({"receivables": 0}, ["a61"]),
    ({"equity": 0}, ["a59", "debt_to_equity"]),
]


@pytest.mark.parametrize(("items", "columns"), ZERO_DENOMINATORS, ids=lambda v: str(v)[:30])
def test_a_zero_denominator_gives_nan_never_inf(items: dict[str, float], columns: list[str]) -> None:
    row = features_of(**items)
    assert {c: row[c] for c in columns if not math.isnan(row[c])} == {}


def test_a_missing_item_gives_nan_not_null_in_every_ratio_that_needs_it() -> None:
    features = compute_features(statements_of(statement(inventory=None)))
    row = features.row(0, named=True)
    for column in ("a20", "a37", "a43", "a45", "a46", "a47", "a57", "a60", "quick_ratio", "dio_days"):
        assert math.isnan(row[column]), column
    assert features.drop("altman_zone").null_count().sum_horizontal().item() == 0
    assert row["current_ratio"] == 2.0  # untouched by the missing inventory


def test_negative_equity_makes_debt_to_equity_nan_and_is_flagged_but_polish_ratios_keep_the_sign() -> None:
    row = features_of(equity=-100, total_liabilities=2100)  # TA 2000 = 2100 − 100
    assert math.isnan(row["debt_to_equity"])
    assert row["a59"] == pytest.approx(800 / -100)  # −8: the data keeps negative denominators
    assert row["equity_ratio"] == pytest.approx(-100 / 2000)
    assert row["flags"] == ["negative_equity"]


@pytest.mark.parametrize(("items", "nan_ratio", "polish", "polish_value"), [
    ({"revenue": -1000}, "net_margin", "a23", 90 / -1000),
    ({"current_liabilities": -400}, "current_ratio", "a04", 800 / -400),
    ({"interest_expense": -30}, "interest_coverage", "a27", 150 / -30),
    ({"cost_of_sales": -600}, "dio_days", "a47", 200 * 365 / (-600 + 250)),
])
def test_a_negative_denominator_is_nan_in_the_named_ratio_and_divides_plainly_in_the_polish_attribute(
    items: dict[str, float], nan_ratio: str, polish: str, polish_value: float,
) -> None:
    row = features_of(**items)
    assert math.isnan(row[nan_ratio])
    assert row[polish] == pytest.approx(polish_value)


def test_negative_total_assets_give_nan_for_every_ratio_over_assets_and_the_log() -> None:
    row = features_of(total_assets=-2000)
    for column in ("roa", "equity_ratio", "liabilities_to_assets", "asset_turnover", "log_total_assets", "a29",
                   "altman_z2"):
        assert math.isnan(row[column]), column
    assert row["altman_zone"] is None
    assert "negative_total_assets" in row["flags"]


def test_safe_div_is_nan_for_null_zero_and_nonfinite_and_divides_otherwise() -> None:
    frame = pl.DataFrame({"n": [1.0, 1.0, 1.0, None, 1e308, 6.0, 6.0],
                          "d": [0.0, None, NAN, 2.0, 1e-308, 3.0, -3.0]})
    out = frame.select(plain=safe_div(pl.col("n"), pl.col("d")),
                       positive=safe_div(pl.col("n"), pl.col("d"), positive=True))
    # 1/0, 1/null, 1/NaN, null/2, overflow → NaN; 6/3 = 2; 6/−3 = −2 plainly, NaN when it must be positive
    assert np.array_equal(out["plain"].to_numpy(), [NAN] * 5 + [2.0, -2.0], equal_nan=True)
    assert np.array_equal(out["positive"].to_numpy(), [NAN] * 5 + [2.0, NAN], equal_nan=True)


ITEM_VALUES = st.one_of(
    st.none(), st.sampled_from([0.0, -0.0, 1.0, -1.0, 1e-300, -1e300, NAN, math.inf, -math.inf]),
    st.floats(allow_nan=True, allow_infinity=True),
)
STATEMENT_ROWS = st.fixed_dictionaries({
    "buyer_id": st.integers(1, 2),
    "period_end": st.sampled_from([date(2022, 12, 31), date(2023, 12, 31), date(2024, 12, 31)]),
    **dict.fromkeys(LINE_ITEMS, ITEM_VALUES),
})


@settings(max_examples=150, deadline=None)
@given(st.lists(STATEMENT_ROWS, min_size=1, max_size=6))
def test_no_line_items_whatever_zero_negative_null_or_infinite_ever_produce_inf_or_null(
    rows: list[dict[str, Any]],
) -> None:
    features = compute_features(statements_of(*rows))
    numbers = features.select(pl.col(pl.Float64))
    assert numbers.width == 64 + len(RATIOS) - 1
    assert numbers.null_count().sum_horizontal().item() == 0
    assert not np.isinf(numbers.to_numpy()).any()
    for row, out in zip(rows, features.iter_rows(named=True), strict=True):
        bad_input = any(v is not None and not math.isfinite(v) for v in (row[i] for i in LINE_ITEMS))
        assert ("non_finite_items" in out["flags"]) == bad_input


# --- growth and history ----------------------------------------------------------------------------------------


def test_growth_compares_with_the_previous_year_of_the_same_buyer_and_is_nan_for_the_first() -> None:
    rows = statements_of(
        statement(buyer=1, period_end=date(2024, 12, 31), revenue=1000),
        statement(buyer=2, period_end=date(2023, 12, 31), revenue=500),
        statement(buyer=1, period_end=date(2023, 12, 31), revenue=800),
    )
    features = compute_features(rows)
    assert features["buyer_id"].to_list() == [1, 2, 1]  # input order kept
    assert_same(features["a21"][0], 1000 / 800)          # 1.25
    assert_same(features["revenue_growth"][0], 0.25)     # 1000 / 800 − 1
    assert_same(features["a21"][1], NAN)                 # buyer 2 has one period only
    assert_same(features["a21"][2], NAN)                 # buyer 1's first period
    assert_same(features["revenue_growth"][2], NAN)


def test_growth_is_nan_when_the_previous_statement_is_not_about_a_year_earlier() -> None:
    rows = statements_of(statement(period_end=date(2024, 12, 31)), statement(period_end=date(2022, 12, 31)))
    assert compute_features(rows)["a21"].is_nan().all()  # 731 days apart, outside 300–430


def test_growth_is_nan_when_previous_revenue_is_zero() -> None:
    rows = statements_of(statement(period_end=date(2023, 12, 31), revenue=0), statement(revenue=1000))
    row = compute_features(rows).row(1, named=True)
    assert math.isnan(row["a21"])
    assert math.isnan(row["revenue_growth"])


def test_growth_is_nan_in_the_named_ratio_when_previous_revenue_is_not_positive() -> None:
    rows = statements_of(statement(period_end=date(2023, 12, 31), revenue=-200), statement(revenue=1000))
    row = compute_features(rows).row(1, named=True)
    assert math.isnan(row["revenue_growth"])
    assert row["a21"] == pytest.approx(1000 / -200)  # −5: the data's plain division


def test_three_year_gross_profit_sums_profit_before_tax_over_three_consecutive_years() -> None:
    rows = statements_of(
        statement(period_end=date(2022, 12, 31), ebit=100, interest_expense=20),  # 80
        statement(period_end=date(2023, 12, 31), ebit=110, interest_expense=10),  # 100
        statement(period_end=date(2024, 12, 31), ebit=150, interest_expense=30),  # 120
    )
    a24 = compute_features(rows)["a24"].to_list()
    assert_same(a24[2], (80 + 100 + 120) / 2000)  # 0.15
    assert all(math.isnan(v) for v in a24[:2])


def test_three_year_gross_profit_is_nan_when_a_year_is_missing_between() -> None:
    rows = statements_of(statement(period_end=date(2021, 12, 31)), statement(period_end=date(2023, 12, 31)),
                         statement(period_end=date(2024, 12, 31)))
    assert compute_features(rows)["a24"].is_nan().all()


def test_any_key_column_can_name_the_statement_owner() -> None:
    rows = statements_of(statement(period_end=date(2023, 12, 31), revenue=800), statement()).rename(
        {"buyer_id": "company"})
    features = compute_features(rows, key="company")
    assert features.columns[:2] == ["company", "period_end"]
    assert features["a21"][1] == pytest.approx(1.25)


# --- flags -------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("items", "flag"), [
    ({"current_assets": 2500}, "current_assets_above_total_assets"),
    ({"total_assets": -2000}, "negative_total_assets"),
    ({"equity": 700}, "balance_sheet_mismatch"),           # |2000 − 1900| = 100 > 1% of 2000 = 20
    ({"revenue": None}, "missing_core_items"),
    ({"current_liabilities": None}, "missing_core_items"),
    ({"equity": -100, "total_liabilities": 2100}, "negative_equity"),
    ({"cash": math.inf}, "non_finite_items"),
    ({"cash": NAN}, "non_finite_items"),
])
def test_bad_or_incomplete_statements_are_flagged(items: dict[str, float | None], flag: str) -> None:
    assert flag in features_of(**items)["flags"]


def test_a_balance_sheet_within_one_percent_is_not_a_mismatch_and_the_tolerance_is_configurable() -> None:
    assert features_of(equity=790)["flags"] == []  # |2000 − 1990| = 10 ≤ 20
    features = compute_features(statements_of(statement(equity=790)), balance_tolerance=0.001)
    assert features["flags"][0].to_list() == ["balance_sheet_mismatch"]  # 10 > 0.1% of 2000 = 2


def test_a_balance_check_needs_all_three_items() -> None:
    assert "balance_sheet_mismatch" not in features_of(equity=None)["flags"]


def test_two_statements_of_one_buyer_for_the_same_period_are_both_flagged() -> None:
    features = compute_features(statements_of(statement(), statement(revenue=900), statement(buyer=2)))
    assert [f.to_list() for f in features["flags"]] == [["duplicate_period"], ["duplicate_period"], []]


def test_blocking_flags_mark_rows_that_must_not_get_a_pd() -> None:
    features = compute_features(statements_of(statement(), statement(buyer=2, current_assets=2500),
                                              statement(buyer=3, equity=-100, total_liabilities=2100)))
    assert features.select(has_blocking_flag())["flags"].to_list() == [False, True, False]
    assert set(FLAGS) >= BLOCKING_FLAGS


# --- Altman Z'' --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("working_capital", "z", "zone"), [
    (500, 3.28, "safe"),        # 6.56 × 500 / 1000
    (250, 1.64, "grey"),        # 6.56 × 0.25
    (100, 0.656, "distress"),   # 6.56 × 0.1
    (-100, -0.656, "distress"),
])
def test_altman_z2_by_hand_and_its_zone(working_capital: float, z: float, zone: str) -> None:
    # TA 1000, no retained earnings, no EBIT, no equity: only X1 = WC / TA counts.
    row = features_of(total_assets=1000, current_assets=400 + working_capital, current_liabilities=400,
                      retained_earnings=0, ebit=0, equity=0, total_liabilities=1000)
    assert row["altman_z2"] == pytest.approx(z)
    assert row["altman_zone"] == zone


def test_altman_zone_boundaries_belong_to_the_grey_zone() -> None:
    z = pl.Series("z", [2.61, 2.60, 1.10, 1.09, NAN, None], dtype=pl.Float64)
    assert pl.select(altman_zone(pl.lit(z))).to_series().to_list() == [
        "safe", "grey", "grey", "distress", None, None]


def test_altman_z2_is_nan_without_retained_earnings() -> None:
    row = features_of(retained_earnings=None)
    assert math.isnan(row["altman_z2"])
    assert row["altman_zone"] is None


# --- feature matrix ----------------------------------------------------------------------------------------------

def test_the_feature_matrix_holds_the_model_attributes_as_float64_in_the_order_asked() -> None:
    features = compute_features(statements_of(statement(), statement(buyer=2, inventory=None)))
    assert feature_matrix(features).shape == (2, len(STATEMENT_ATTRS))
    matrix = feature_matrix(features, attrs=[4, 1, 20])
    assert matrix.dtype == np.float64
    assert np.array_equal(matrix, [[2.0, 0.045, 73.0], [2.0, 0.045, NAN]], equal_nan=True)


def test_the_feature_matrix_refuses_unknown_attribute_numbers() -> None:
    with pytest.raises(ValidationError, match="expected attribute numbers"):
        feature_matrix(compute_features(statements_of(statement())), attrs=[1, 65])


def test_statements_without_every_line_item_are_refused() -> None:
    with pytest.raises(ValidationError, match="receivables"):
        compute_features(statements_of(statement()).drop("receivables"))


def test_an_empty_frame_gives_an_empty_feature_frame() -> None:
    features = compute_features(statements_of())
    assert features.height == 0
    assert feature_matrix(features).shape == (0, len(STATEMENT_ATTRS))


# --- the Polish ARFF ---------------------------------------------------------------------------------------------

ARFF = (
    "@relation 'tiny-polish'\n"
    "\n"
    "% a comment\n"
    "@attribute Attr1 numeric\n"
    "@attribute Attr2 numeric\n"
    "@attribute Attr64 numeric\n"
    "@attribute class {0,1}\n"
    "\n"
    "@data\n"
    "0.088238,0.55472,3.2597,0\r\n"
    "-0.006202,?,3.37,1\r\n"
    "?,0.2,1e2,0\n"
)


def test_the_arff_reader_gives_float_attributes_with_nan_for_question_marks_and_an_int8_label(
    tmp_path: Path,
) -> None:
    path = tmp_path / "tiny.arff"
    path.write_bytes(ARFF.encode())
    frame = read_polish_arff(path)
    assert frame.columns == ["a01", "a02", "a64", "bankrupt"]
    assert frame.schema == {"a01": pl.Float64, "a02": pl.Float64, "a64": pl.Float64, "bankrupt": pl.Int8}
    assert frame["bankrupt"].to_list() == [0, 1, 0]
    assert np.array_equal(frame["a02"].to_numpy(), [0.55472, NAN, 0.2], equal_nan=True)
    assert frame["a64"].to_list() == [3.2597, 3.37, 100.0]
    assert frame["a01"].null_count() == 0  # '?' is NaN, not null
    assert np.array_equal(feature_matrix(frame, attrs=[64, 1]), [[3.2597, 0.088238], [3.37, -0.006202],
                                                                  [100.0, NAN]], equal_nan=True)


def test_the_arff_reader_refuses_a_row_with_the_wrong_number_of_values(tmp_path: Path) -> None:
    path = tmp_path / "bad.arff"
    path.write_bytes((ARFF + "0.1,0.2,0\r\n").encode())
    with pytest.raises(ValidationError, match="expected 4 values; got 3"):
        read_polish_arff(path)


def test_the_arff_reader_refuses_a_label_other_than_zero_or_one(tmp_path: Path) -> None:
    path = tmp_path / "bad.arff"
    path.write_bytes((ARFF + "0.1,0.2,0.3,2\r\n").encode())
    with pytest.raises(ValidationError, match="class 0 or 1"):
        read_polish_arff(path)
