"""Financial ratios from statement line items: one definition for training the PD model and for scoring buyers.

Two sets come out of :func:`compute_features`:

* ``a01`` … ``a64`` — the 64 attributes of the Polish bankruptcy data (Tomczak, UCI, CC BY 4.0), computed from
  our line items so that a model trained on the ARFF columns (read with :func:`read_polish_arff`) scores our
  statements with inputs of the same meaning. Where the published definition and the data disagree, the data
  wins, because the model learnt the data: Polish "gross profit" is profit before tax (ebit − interest), its
  "operating expenses" and "cost of products sold" are all operating costs, and a07, a14, a41, a52 follow the
  identities found in the data (``docs/ratios.md`` has the mapping, the approximations and the evidence).
* :data:`RATIOS` — the named ratios an analyst reads (liquidity, leverage, profitability, coverage, activity,
  size, growth, Altman Z'').

Missing or meaningless results are Float64 ``NaN`` (never null, never ±inf), so a model sees one missing value.
Bad input is never silent: every row carries a ``flags`` list (:data:`FLAGS`); rows with a flag in
:data:`BLOCKING_FLAGS` must not be given a PD. Statements are taken as annual (day ratios use 365 days); ratios
are scale-free, but ``a29``, ``a55`` and ``log_total_assets`` are in the row's currency unit.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import polars as pl

from tradecredit.domain.errors import ValidationError
from tradecredit.domain.statements import LINE_ITEMS

__all__ = [
    "ALTMAN_DISTRESS_BELOW",
    "ALTMAN_SAFE_ABOVE",
    "ANNUAL_GAP_DAYS",
    "BLOCKING_FLAGS",
    "CORE_ITEMS",
    "FLAGS",
    "POLISH_ATTRS",
    "RATIOS",
    "STATEMENT_ATTRS",
    "altman_zone",
    "attr_column",
    "compute_features",
    "feature_matrix",
    "has_blocking_flag",
    "read_polish_arff",
    "safe_div",
]

NAN = math.nan
DAYS = 365.0
ANNUAL_GAP_DAYS = (300, 430)  # a previous statement counts (growth, a24) only if it ended this many days earlier
BALANCE_TOLERANCE = 0.01      # |TA − (TL + equity)| above this share of |TA| is a mismatch
CORE_ITEMS = ("revenue", "total_assets", "total_liabilities", "current_assets", "current_liabilities")
ALTMAN_SAFE_ABOVE, ALTMAN_DISTRESS_BELOW = 2.60, 1.10

POLISH_ATTRS: dict[int, str] = {
    1: "net profit / total assets",
    2: "total liabilities / total assets",
    3: "working capital / total assets",
    4: "current assets / short-term liabilities",
    5: "(cash + short-term securities + receivables − short-term liabilities)"
       " / (operating expenses − depreciation) × 365",
    6: "retained earnings / total assets",
    7: "EBIT / total assets",
    8: "book value of equity / total liabilities",
    9: "sales / total assets",
    10: "equity / total assets",
    11: "(gross profit + extraordinary items + financial expenses) / total assets",
    12: "gross profit / short-term liabilities",
    13: "(gross profit + depreciation) / sales",
    14: "(gross profit + interest) / total assets",
    15: "(total liabilities × 365) / (gross profit + depreciation)",
    16: "(gross profit + depreciation) / total liabilities",
    17: "total assets / total liabilities",
    18: "gross profit / total assets",
    19: "gross profit / sales",
    20: "(inventory × 365) / sales",
    21: "sales (n) / sales (n−1)",
    22: "profit on operating activities / total assets",
    23: "net profit / sales",
    24: "gross profit (in 3 years) / total assets",
    25: "(equity − share capital) / total assets",
    26: "(net profit + depreciation) / total liabilities",
    27: "profit on operating activities / financial expenses",
    28: "working capital / fixed assets",
    29: "logarithm of total assets",
    30: "(total liabilities − cash) / sales",
    31: "(gross profit + interest) / sales",
    32: "(current liabilities × 365) / cost of products sold",
    33: "operating expenses / short-term liabilities",
    34: "operating expenses / total liabilities",
    35: "profit on sales / total assets",
    36: "total sales / total assets",
    37: "(current assets − inventories) / long-term liabilities",
    38: "constant capital / total assets",
    39: "profit on sales / sales",
    40: "(current assets − inventory − receivables) / short-term liabilities",
    41: "total liabilities / ((profit on operating activities + depreciation) × (12/365))",
    42: "profit on operating activities / sales",
    43: "rotation receivables + inventory turnover in days",
    44: "(receivables × 365) / sales",
    45: "net profit / inventory",
    46: "(current assets − inventory) / short-term liabilities",
    47: "(inventory × 365) / cost of products sold",
    48: "EBITDA (profit on operating activities − depreciation) / total assets",
    49: "EBITDA (profit on operating activities − depreciation) / sales",
    50: "current assets / total liabilities",
    51: "short-term liabilities / total assets",
    52: "(short-term liabilities × 365) / cost of products sold",
    53: "equity / fixed assets",
    54: "constant capital / fixed assets",
    55: "working capital",
    56: "(sales − cost of products sold) / sales",
    57: "(current assets − inventory − short-term liabilities) / (sales − gross profit − depreciation)",
    58: "total costs / total sales",
    59: "long-term liabilities / equity",
    60: "sales / inventory",
    61: "sales / receivables",
    62: "(short-term liabilities × 365) / sales",
    63: "sales / short-term liabilities",
    64: "sales / fixed assets",
}
"""Attribute number → the published (UCI) definition. All 64 are computed; ``docs/ratios.md`` maps each to our
line items and notes every approximation."""

SCALE_DEPENDENT_ATTRS = (29, 55)  # log total assets, absolute working capital: depend on currency and unit
STATEMENT_ATTRS: tuple[int, ...] = tuple(n for n in POLISH_ATTRS if n not in SCALE_DEPENDENT_ATTRS)
"""The attributes the PD model uses: all but the scale-dependent ones (a24 is computed from three periods)."""

RATIOS: dict[str, str] = {
    "current_ratio": "current assets / current liabilities (working capital ratio); NaN if CL ≤ 0",
    "quick_ratio": "(current assets − inventory) / current liabilities; NaN if CL ≤ 0",
    "cash_ratio": "cash / current liabilities; NaN if CL ≤ 0",
    "debt_to_equity": "total liabilities / equity; NaN if equity ≤ 0 (flag negative_equity when < 0)",
    "equity_ratio": "equity / total assets; NaN if TA ≤ 0",
    "liabilities_to_assets": "total liabilities / total assets; NaN if TA ≤ 0",
    "roa": "net income / total assets; NaN if TA ≤ 0",
    "ebit_margin": "EBIT / revenue; NaN if revenue ≤ 0",
    "net_margin": "net income / revenue; NaN if revenue ≤ 0",
    "interest_coverage": "EBIT / interest expense; NaN if interest expense ≤ 0",
    "asset_turnover": "revenue / total assets; NaN if TA ≤ 0",
    "dso_days": "receivables / revenue × 365; NaN if revenue ≤ 0",
    "dio_days": "inventory / cost of sales × 365; NaN if cost of sales ≤ 0",
    "log_total_assets": "log10(total assets), in the row's currency unit; NaN if TA ≤ 0",
    "revenue_growth": "revenue / previous annual revenue − 1; NaN without a previous year or if it is ≤ 0",
    "altman_z2": "Altman Z'' = 6.56·WC/TA + 3.26·RE/TA + 6.72·EBIT/TA + 1.05·equity/TL; NaN if TA ≤ 0 or TL ≤ 0",
    "altman_zone": "'safe' if Z'' > 2.60, 'grey' if 1.10 ≤ Z'' ≤ 2.60, 'distress' if Z'' < 1.10; null if Z'' is NaN",
}

FLAGS: dict[str, str] = {
    "current_assets_above_total_assets": "current assets exceed total assets",
    "negative_total_assets": "total assets below zero",
    "balance_sheet_mismatch": "|TA − (TL + equity)| > balance_tolerance (1%) of |TA|, all three present",
    "missing_core_items": "any of revenue, total assets, total liabilities, current assets, current liabilities "
                          "missing",
    "negative_equity": "equity below zero (debt_to_equity is NaN)",
    "non_finite_items": "a line item is NaN or ±inf; it is treated as missing",
    "duplicate_period": "the same key has two statements with this period_end",
}
BLOCKING_FLAGS: frozenset[str] = frozenset({
    "current_assets_above_total_assets", "negative_total_assets", "non_finite_items", "duplicate_period",
})
"""Flags meaning the statement is not internally consistent: no PD may be computed from such a row."""


def attr_column(number: int) -> str:
    """Column name of a Polish attribute: 7 → ``a07``."""
    return f"a{number:02d}"


def _finite(expr: pl.Expr) -> pl.Expr:
    """The value where finite; NaN for null, NaN and ±inf."""
    return pl.when(expr.is_finite()).then(expr).otherwise(NAN)


def safe_div(num: pl.Expr, den: pl.Expr, *, positive: bool = False) -> pl.Expr:
    """``num / den`` as Float64, NaN when either side is missing, the denominator is 0 (or ≤ 0 when
    ``positive``, for ratios whose negative denominator is meaningless) or the quotient is not finite.

    NaN rather than null: the PD model and numpy see one consistent missing value, and no ±inf ever leaves.
    A zero denominator gives ±inf or NaN in IEEE arithmetic, so "quotient is finite" covers it in one test.
    """
    quotient = num / den
    usable = quotient.is_finite() & (den > 0) if positive else quotient.is_finite()
    return pl.when(usable).then(quotient).otherwise(NAN)


def _col(name: str) -> pl.Expr:
    return pl.col(name)


# Line items (after non-finite values became null) and the quantities derived from them.
REV, COGS_ITEM, GROSS_ITEM, OPEX = (_col("revenue"), _col("cost_of_sales"), _col("gross_profit"),
                                   _col("operating_expenses"))
EBIT, DEP, INT, NI = _col("ebit"), _col("depreciation"), _col("interest_expense"), _col("net_income")
TA, CA, INV, REC, CASH = (_col("total_assets"), _col("current_assets"), _col("inventory"), _col("receivables"),
                          _col("cash"))
TL, CL, EQ, RE, SC = (_col("total_liabilities"), _col("current_liabilities"), _col("equity"),
                      _col("retained_earnings"), _col("share_capital"))
FA, LTL, COGS, GP, WC = _col("_fa"), _col("_ltl"), _col("_cogs"), _col("_gp"), _col("_wc")
PROFIT_ON_SALES, OP_COSTS = _col("_profit_on_sales"), _col("_operating_costs")
LOG_TA = _finite(pl.when(TA > 0).then(TA.log(10)))  # log10, as a29 in the data; NaN if TA ≤ 0


def _derived() -> list[pl.Expr]:
    """Quantities the Polish definitions name, from our line items; a missing item is rebuilt from an
    accounting identity where one holds (fixed assets = TA − CA, …), else the quantity is missing."""
    gross_margin = pl.coalesce(GROSS_ITEM, REV - COGS_ITEM)
    cost_of_sales = pl.coalesce(COGS_ITEM, REV - GROSS_ITEM)
    return [
        pl.coalesce(_col("fixed_assets"), TA - CA).alias("_fa"),
        pl.coalesce(_col("long_term_liabilities"), TL - CL).alias("_ltl"),
        cost_of_sales.alias("_cogs"),
        # Polish "gross profit" (zysk brutto) is profit before tax: EBIT less financial expenses.
        (EBIT - INT).alias("_gp"),
        (CA - CL).alias("_wc"),
        pl.coalesce(gross_margin - OPEX, EBIT).alias("_profit_on_sales"),
        # Polish "operating expenses" and "cost of products sold" are both all operating costs (≈ 95% of sales).
        pl.coalesce(cost_of_sales + OPEX, REV - EBIT).alias("_operating_costs"),
    ]


def _history(frame: pl.DataFrame, key: str) -> pl.DataFrame:
    """Previous annual revenue, three-year gross profit and the duplicate marker, in the input's row order.

    One sort of a narrow frame by key and period_end; "previous" is the row above with the same key.
    """
    end = pl.col("period_end")

    def back(expr: pl.Expr, lag: int) -> pl.Expr:
        return pl.when(pl.col(key).shift(lag) == pl.col(key)).then(expr.shift(lag))

    def annual(later: pl.Expr, earlier: pl.Expr) -> pl.Expr:
        return (later - earlier).dt.total_days().is_between(*ANNUAL_GAP_DAYS).fill_null(False)

    one_year = annual(end, back(end, 1))
    two_years = one_year & annual(back(end, 1), back(end, 2))
    same_period = [(back(end, 1) == end), (end == back(end, -1))]
    return (
        frame.select(key, "period_end", "revenue", "_gp")
        .with_row_index("_row")
        .sort(key, "period_end")  # nulls first: they never sit between two dated rows
        .select(
            "_row",
            pl.when(one_year).then(back(REV, 1)).alias("_revenue_prev"),
            pl.when(two_years).then(GP + back(GP, 1) + back(GP, 2)).alias("_gp_3y"),
            pl.any_horizontal(same_period).fill_null(False).alias("_duplicate"),
        )
        .sort("_row")
        .drop("_row")
    )


def _polish() -> dict[int, pl.Expr]:
    """Attribute number → expression; plain division (negative denominators kept, as in the data)."""
    d = safe_div
    return {
        1: d(NI, TA), 2: d(TL, TA), 3: d(WC, TA), 4: d(CA, CL),
        5: d((CASH + REC - CL) * DAYS, OP_COSTS - DEP),
        6: d(RE, TA), 7: d(GP, TA), 8: d(EQ, TL), 9: d(REV, TA), 10: d(EQ, TA),
        11: d(GP + INT, TA), 12: d(GP, CL), 13: d(GP + DEP, REV), 14: d(GP, TA),
        15: d(TL * DAYS, GP + DEP), 16: d(GP + DEP, TL), 17: d(TA, TL), 18: d(GP, TA), 19: d(GP, REV),
        20: d(INV * DAYS, REV), 21: d(REV, _col("_revenue_prev")), 22: d(EBIT, TA), 23: d(NI, REV),
        24: d(_col("_gp_3y"), TA), 25: d(EQ - SC, TA), 26: d(NI + DEP, TL), 27: d(EBIT, INT), 28: d(WC, FA),
        29: LOG_TA, 30: d(TL - CASH, REV), 31: d(GP + INT, REV),
        32: d(CL * DAYS, OP_COSTS), 33: d(OP_COSTS, CL), 34: d(OP_COSTS, TL), 35: d(PROFIT_ON_SALES, TA),
        36: d(REV, TA), 37: d(CA - INV, LTL), 38: d(EQ + LTL, TA), 39: d(PROFIT_ON_SALES, REV),
        40: d(CA - INV - REC, CL), 41: d(TL * (12 / DAYS), EBIT + DEP), 42: d(EBIT, REV),
        43: d((REC + INV) * DAYS, REV), 44: d(REC * DAYS, REV), 45: d(NI, INV), 46: d(CA - INV, CL),
        47: d(INV * DAYS, OP_COSTS), 48: d(EBIT - DEP, TA), 49: d(EBIT - DEP, REV), 50: d(CA, TL), 51: d(CL, TA),
        52: d(CL, OP_COSTS), 53: d(EQ, FA), 54: d(EQ + LTL, FA), 55: _finite(WC), 56: d(REV - OP_COSTS, REV),
        57: d(CA - INV - CL, REV - GP - DEP), 58: d(OP_COSTS + INT, REV), 59: d(LTL, EQ), 60: d(REV, INV),
        61: d(REV, REC), 62: d(CL * DAYS, REV), 63: d(REV, CL), 64: d(REV, FA),
    }


def _altman_z2() -> pl.Expr:
    """Altman Z'' (1995, private and non-manufacturing firms); book equity over total liabilities as X4."""
    x1, x2, x3 = (safe_div(item, TA, positive=True) for item in (WC, RE, EBIT))
    x4 = safe_div(EQ, TL, positive=True)
    return _finite(6.56 * x1 + 3.26 * x2 + 6.72 * x3 + 1.05 * x4)


def altman_zone(z: pl.Expr) -> pl.Expr:
    """Zone of an Altman Z'' score: "safe" above 2.60, "grey" from 1.10 to 2.60 inclusive, "distress" below
    1.10; null where the score is NaN or null (NaN compares above every number in Polars, so it goes first)."""
    return (pl.when(z.is_nan() | z.is_null()).then(pl.lit(None, pl.String))
            .when(z > ALTMAN_SAFE_ABOVE).then(pl.lit("safe"))
            .when(z >= ALTMAN_DISTRESS_BELOW).then(pl.lit("grey"))
            .otherwise(pl.lit("distress")))


def _ratios() -> dict[str, pl.Expr]:
    def pos(num: pl.Expr, den: pl.Expr) -> pl.Expr:
        return safe_div(num, den, positive=True)

    return {
        "current_ratio": pos(CA, CL), "quick_ratio": pos(CA - INV, CL), "cash_ratio": pos(CASH, CL),
        "debt_to_equity": pos(TL, EQ), "equity_ratio": pos(EQ, TA), "liabilities_to_assets": pos(TL, TA),
        "roa": pos(NI, TA), "ebit_margin": pos(EBIT, REV), "net_margin": pos(NI, REV),
        "interest_coverage": pos(EBIT, INT), "asset_turnover": pos(REV, TA),
        "dso_days": pos(REC * DAYS, REV), "dio_days": pos(INV * DAYS, COGS),
        "log_total_assets": LOG_TA,
        "revenue_growth": pos(REV, _col("_revenue_prev")) - 1.0,
        "altman_z2": _altman_z2(), "altman_zone": altman_zone(_col("altman_z2")),
    }


def _flag_bits(tolerance: float) -> pl.Expr:
    """The flags of a row as a bit mask, bit i for the i-th name in :data:`FLAGS` (a null check is no flag)."""
    checks = {
        "current_assets_above_total_assets": CA > TA,
        "negative_total_assets": TA < 0,
        "balance_sheet_mismatch": (TA - (TL + EQ)).abs() > tolerance * TA.abs(),
        "missing_core_items": pl.any_horizontal(_col(item).is_null() for item in CORE_ITEMS),
        "negative_equity": EQ < 0,
        "non_finite_items": _col("_non_finite"),
        "duplicate_period": _col("_duplicate"),
    }
    bits = [checks[name].fill_null(False).cast(pl.Int32) * (1 << i) for i, name in enumerate(FLAGS)]
    return pl.sum_horizontal(bits).alias("_flag_bits")


def _flag_lists() -> pl.DataFrame:
    """Look-up table: every bit mask → its list of flag names (joined, not built per row)."""
    names = list(FLAGS)
    masks = range(1 << len(names))
    lists = [[name for i, name in enumerate(names) if mask >> i & 1] for mask in masks]
    return pl.DataFrame({"_flag_bits": pl.Series(masks, dtype=pl.Int32),
                         "flags": pl.Series(lists, dtype=pl.List(pl.String))})


def _check_columns(statements: pl.DataFrame, key: str) -> None:
    missing = [name for name in (key, "period_end", *LINE_ITEMS) if name not in statements.columns]
    if missing:
        raise ValidationError("statements", f"expected columns {key}, period_end and every line item; "
                                            f"got none of {', '.join(missing)}")


def _prepared(statements: pl.DataFrame, key: str) -> pl.DataFrame:
    """Key, period end and line items as Float64 with NaN/±inf made null (and remembered in ``_non_finite``)."""
    floats = [pl.col(item).cast(pl.Float64) for item in LINE_ITEMS]
    return statements.select(
        key, pl.col("period_end").cast(pl.Date),
        *(pl.when(item.is_finite()).then(item).alias(name) for item, name in zip(floats, LINE_ITEMS, strict=True)),
        pl.any_horizontal(item.is_nan() | item.is_infinite() for item in floats).fill_null(False).alias("_non_finite"),
    ).with_columns(_derived())


def compute_features(statements: pl.DataFrame, *, key: str = "buyer_id",
                     balance_tolerance: float = BALANCE_TOLERANCE) -> pl.DataFrame:
    """One row per statement, in input order: ``key``, ``period_end``, ``a01`` … ``a64``, the :data:`RATIOS`
    columns and ``flags`` (list of :data:`FLAGS` names, empty when clean).

    Line items may be any numeric type (nulls = missing; NaN and ±inf are flagged and treated as missing).
    Growth and a24 look back within the same ``key`` by ``period_end``; see :data:`ANNUAL_GAP_DAYS`.
    """
    _check_columns(statements, key)
    items = _prepared(statements, key)
    items = items.hstack(_history(items, key))
    ratios = _ratios()
    features = items.select(
        key, "period_end",
        *(expr.alias(attr_column(n)) for n, expr in _polish().items()),
        *(expr.alias(name) for name, expr in ratios.items() if name != "altman_zone"),
        _flag_bits(balance_tolerance),
    ).with_columns(ratios["altman_zone"].alias("altman_zone"))
    return (features.join(_flag_lists(), on="_flag_bits", how="left", maintain_order="left")
            .drop("_flag_bits"))


def has_blocking_flag(flags: str = "flags") -> pl.Expr:
    """True where a row's flags include one of :data:`BLOCKING_FLAGS` (no PD for such a row)."""
    return pl.col(flags).list.eval(pl.element().is_in(sorted(BLOCKING_FLAGS))).list.any()


def feature_matrix(features: pl.DataFrame, attrs: Sequence[int] = STATEMENT_ATTRS) -> np.ndarray:
    """The float64 matrix the PD model consumes: one column per attribute, in ``attrs`` order; NaN = missing."""
    unknown = [n for n in attrs if n not in POLISH_ATTRS]
    if unknown:
        raise ValidationError("attrs", f"expected attribute numbers 1–64; got {unknown}")
    matrix = features.select(pl.col(attr_column(n)).cast(pl.Float64) for n in attrs).to_numpy()  # null → NaN
    return np.asarray(matrix, dtype=np.float64)


def read_polish_arff(path: str | Path) -> pl.DataFrame:
    """The Polish bankruptcy ARFF as ``a01`` … ``a64`` (Float64, ``?`` → NaN) and ``bankrupt`` (Int8).

    Parsed with the standard library; mixed CRLF/LF line endings, ``%`` comments and blank lines are accepted.
    """
    names: list[str] = []
    rows: list[list[float]] = []
    in_data = False
    for number, raw in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("%"):
            continue
        if not in_data:
            word = line.split(maxsplit=2)
            if word[0].lower() == "@attribute":
                names.append(_arff_column(word[1].strip("'\"")))
            in_data = word[0].lower() == "@data"
            continue
        values = line.split(",")
        if len(values) != len(names):
            raise ValidationError(f"{path}:{number}", f"expected {len(names)} values; got {len(values)}")
        rows.append([_arff_value(v, f"{path}:{number}") for v in values])
    return _arff_frame(names, rows, str(path))


def _arff_column(name: str) -> str:
    if name.lower() == "class":
        return "bankrupt"
    if name.lower().startswith("attr") and name[4:].isdigit() and int(name[4:]) in POLISH_ATTRS:
        return attr_column(int(name[4:]))
    raise ValidationError("arff", f"expected attributes Attr1 … Attr64 and class; got {name!r}")


def _arff_value(text: str, where: str) -> float:
    text = text.strip()
    if text == "?":
        return NAN
    try:
        return float(text)
    except ValueError:
        raise ValidationError(where, f"expected a number or '?'; got {text!r}") from None


def _arff_frame(names: list[str], rows: list[list[float]], where: str) -> pl.DataFrame:
    if "bankrupt" not in names:
        raise ValidationError(where, "expected a class attribute; got none")
    values = np.array(rows, dtype=np.float64).reshape(len(rows), len(names))
    label = values[:, names.index("bankrupt")]
    if not np.isin(label, (0.0, 1.0)).all():
        raise ValidationError(where, "expected class 0 or 1 in every row; got another value")
    columns = {name: pl.Series(name, values[:, j], dtype=pl.Float64) for j, name in enumerate(names)}
    columns["bankrupt"] = pl.Series("bankrupt", label.astype(np.int8), dtype=pl.Int8)
    ordered = [*sorted(n for n in names if n != "bankrupt"), "bankrupt"]
    return pl.DataFrame([columns[n] for n in ordered])
