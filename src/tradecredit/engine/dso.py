"""How long receivables take to collect: DSO (standard and countback), its monthly trend, and DBT.

All money is integer base-currency minor units converted at the one closing rate of the as-of date (see
:mod:`tradecredit.engine.receivables`), so currency moves do not change the day counts. Credit sales are
the invoices issued in a window, each converted and rounded once; credit notes and write-offs are
settlements, not negative sales.
"""

from __future__ import annotations

import calendar
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import polars as pl

from tradecredit.domain.errors import ValidationError
from tradecredit.engine.receivables import (
    issued_lazy,
    open_lazy,
    prepare,
    to_base_minor,
    to_native_minor,
    with_fx,
)

__all__ = ["COUNTBACK_MAX_MONTHS", "DsoResult", "countback_days", "days_beyond_terms", "dso", "dso_by_month"]

COUNTBACK_MAX_MONTHS = 24


@dataclass(frozen=True, slots=True)
class DsoResult:
    """DSO at one date. Money in base minor units; days as floats (None when undefined)."""

    receivables_minor: int
    sales_minor: int
    period_days: int
    standard_days: float | None
    countback_days: float | None


def add_months(day: date, months: int) -> date:
    """Calendar-month arithmetic, clamping the day of month (31 March − 1 month = 28/29 February)."""
    month_index = day.year * 12 + day.month - 1 + months
    year, month = divmod(month_index, 12)
    last_day = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last_day))


def _check_positive(field: str, value: int, unit: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValidationError(field, f"expected a positive whole number of {unit}; got {value!r}")


def _daily_sales(issued: pl.LazyFrame, *, since: date) -> pl.LazyFrame:
    """Credit sales per issue date after ``since``: each invoice converted and rounded, then summed.

    Summing per day first leaves at most a few hundred rows for the window sums, whatever the portfolio.
    """
    return (
        issued.filter(pl.col("issue_date") > since)
        .group_by("issue_date")
        .agg(sales_minor=to_base_minor(pl.col("native_minor")).sum())
    )


def _sales_in(daily: pl.DataFrame, start: date, end: date) -> int:
    """Σ sales_minor of invoices issued in (start, end]."""
    issued = pl.col("issue_date")
    return int(daily.filter((issued > start) & (issued <= end))["sales_minor"].sum())


def countback_days(receivables_minor: int, monthly_sales_minor: Sequence[int], month_days: Sequence[int]) -> float:
    """Walk back month by month from the latest month, consuming receivables with each month's sales.

    A month whose sales fit in what is left counts all its days; the month where the receivables run out
    counts days × remaining / sales; the walk stops there or after the months given (a cap, so the result
    is then a lower bound). Nothing receivable → 0.0.
    """
    remaining = receivables_minor
    days = 0.0
    for sales, length in zip(monthly_sales_minor, month_days, strict=True):
        if remaining <= 0:
            break
        if sales > remaining:
            return days + length * remaining / sales
        days += length
        remaining -= sales
    return days


def _ratio_days(receivables_minor: int, sales_minor: int, period_days: int) -> float | None:
    return receivables_minor / sales_minor * period_days if sales_minor > 0 else None


def dso(
    invoices: pl.DataFrame, settlements: pl.DataFrame, *, as_of: date, period_days: int = 90,
    rates: Mapping[str, float], base_currency: str, base_minor_unit: int,
    minor_units: Mapping[str, int] | None = None,
) -> DsoResult:
    """Standard and countback DSO at ``as_of``.

    standard_days = receivables / sales × period_days, where receivables = Σ open_minor at as_of and
    sales = credit sales issued in (as_of − period_days, as_of]; None when those sales are 0.

    countback_days walks back calendar months ending at as_of — (as_of − 1 month, as_of], (as_of − 2
    months, as_of − 1 month], … — see :func:`countback_days`; capped at 24 months; None when there are no
    sales in the 24 months.
    """
    _check_positive("period_days", period_days, "days")
    lazy_invoices, lazy_settlements, table = prepare(
        invoices, settlements, as_of=as_of, rates=rates, base_currency=base_currency,
        base_minor_unit=base_minor_unit, minor_units=minor_units,
    )
    boundaries = [add_months(as_of, -months) for months in range(COUNTBACK_MAX_MONTHS + 1)]
    period_start = as_of - timedelta(days=period_days)
    issued = issued_lazy(lazy_invoices, as_of=as_of, table=table)
    receivables_frame, daily = pl.collect_all([
        open_lazy(issued, lazy_settlements, as_of=as_of, table=table).select(pl.col("open_minor").sum()),
        _daily_sales(issued, since=min(period_start, boundaries[-1])),
    ])
    receivables_minor = int(receivables_frame.item())
    sales_minor = _sales_in(daily, period_start, as_of)
    months = list(itertools.pairwise(boundaries))  # (end, start) of month 1 (the latest), 2, …
    monthly = [_sales_in(daily, start, end) for end, start in months]
    lengths = [(end - start).days for end, start in months]
    countback = countback_days(receivables_minor, monthly, lengths) if any(monthly) else None
    return DsoResult(
        receivables_minor=receivables_minor,
        sales_minor=sales_minor,
        period_days=period_days,
        standard_days=_ratio_days(receivables_minor, sales_minor, period_days),
        countback_days=countback,
    )


def month_ends(as_of: date, months: int) -> list[date]:
    """The last day of each of the last ``months`` calendar months, oldest first; the last is ``as_of``."""
    first_of_as_of_month = as_of.replace(day=1)
    # the month `back` months before as_of's month ends the day before the first of the month after it
    ends = [add_months(first_of_as_of_month, 1 - back) - timedelta(days=1) for back in range(months - 1, 0, -1)]
    return [*ends, as_of]


def dso_by_month(
    invoices: pl.DataFrame, settlements: pl.DataFrame, *, months: int, as_of: date, period_days: int = 90,
    rates: Mapping[str, float], base_currency: str, base_minor_unit: int,
    minor_units: Mapping[str, int] | None = None,
) -> pl.DataFrame:
    """Standard DSO at each month end, for the trend chart; the last row equals ``dso(...)`` at as_of.

    Columns: ``month_end: Date`` (oldest first; the last is as_of even mid-month), ``receivables_minor:
    Int64``, ``sales_minor: Int64`` (issued in (month_end − period_days, month_end]) and ``dso_days:
    Float64`` = receivables / sales × period_days (null when sales are 0). One plan, collected once.
    """
    _check_positive("months", months, "months")
    _check_positive("period_days", period_days, "days")
    lazy_invoices, lazy_settlements, table = prepare(
        invoices, settlements, as_of=as_of, rates=rates, base_currency=base_currency,
        base_minor_unit=base_minor_unit, minor_units=minor_units,
    )
    ends = month_ends(as_of, months)
    issued = issued_lazy(lazy_invoices, as_of=as_of, table=table)
    receivables = [
        open_lazy(issued.filter(pl.col("issue_date") <= end), lazy_settlements, as_of=end, table=table)
        .select(pl.lit(end).alias("month_end"), receivables_minor=pl.col("open_minor").sum().cast(pl.Int64))
        for end in ends
    ]
    by_month, daily = pl.collect_all([
        pl.concat(receivables), _daily_sales(issued, since=ends[0] - timedelta(days=period_days))
    ])
    sales = [_sales_in(daily, end - timedelta(days=period_days), end) for end in ends]
    ratio = pl.col("receivables_minor") / pl.col("sales_minor") * period_days
    return by_month.with_columns(sales_minor=pl.Series(sales, dtype=pl.Int64)).with_columns(
        dso_days=pl.when(pl.col("sales_minor") > 0).then(ratio)
    )


def days_beyond_terms(
    invoices: pl.DataFrame, settlements: pl.DataFrame, *, as_of: date, lookback_days: int = 365,
    rates: Mapping[str, float], base_currency: str, base_minor_unit: int,
    minor_units: Mapping[str, int] | None = None,
) -> tuple[pl.DataFrame, float | None]:
    """Amount-weighted days beyond terms (DBT) per buyer and for the portfolio.

    Two kinds of weight, both in base minor units at the closing rate:

    * each ``payment`` settlement dated in (as_of − lookback_days, as_of], with
      days = max(0, settlement date − due_date) — credit notes and write-offs are not payments;
    * each open item at as_of, with days = max(0, as_of − due_date).

    dbt_days = Σ weight × days / Σ weight. Returns the frame ``buyer_id, dbt_days: Float64,
    weight_minor: Int64`` (sorted by buyer_id; dbt_days null when the weights sum to 0) and the portfolio
    figure over all weights (None when there are none). ``settlements`` needs a ``kind`` column.
    """
    _check_positive("lookback_days", lookback_days, "days")
    lazy_invoices, lazy_settlements, table = prepare(
        invoices, settlements, as_of=as_of, rates=rates, base_currency=base_currency,
        base_minor_unit=base_minor_unit, minor_units=minor_units, with_kind=True,
    )
    since = as_of - timedelta(days=lookback_days)
    paid_date = pl.col("date")
    terms = with_fx(lazy_invoices, table).select("invoice_id", "buyer_id", "due_date", "scale", "factor", "div")
    payments = (
        lazy_settlements.filter((pl.col("kind") == "payment") & (paid_date > since) & (paid_date <= as_of))
        .join(terms, on="invoice_id", how="inner")
        .select(
            "buyer_id",
            weight=to_base_minor(to_native_minor(pl.col("amount"))),
            days=(paid_date - pl.col("due_date")).dt.total_days().clip(lower_bound=0),
        )
    )
    issued = issued_lazy(lazy_invoices, as_of=as_of, table=table)
    still_open = open_lazy(issued, lazy_settlements, as_of=as_of, table=table).select(
        "buyer_id", weight="open_minor", days=pl.col("days_past_due").cast(pl.Int64).clip(lower_bound=0)
    )
    weighted = pl.concat([payments, still_open]).with_columns(
        weighted_days=pl.col("weight").cast(pl.Float64) * pl.col("days")
    )
    per_buyer, portfolio = pl.collect_all([
        weighted.group_by("buyer_id").agg(*_weighted_days()).sort("buyer_id"),
        weighted.select(*_weighted_days()),
    ])
    return per_buyer, portfolio["dbt_days"].item()


def _weighted_days() -> tuple[pl.Expr, pl.Expr]:
    """``dbt_days`` = Σ weighted_days / Σ weight (null when Σ weight = 0) and ``weight_minor`` = Σ weight."""
    total = pl.col("weight").sum()
    dbt = pl.when(total != 0).then(pl.col("weighted_days").sum() / total)
    return dbt.cast(pl.Float64).alias("dbt_days"), total.cast(pl.Int64).alias("weight_minor")
