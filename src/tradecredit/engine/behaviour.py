"""Each buyer's payment behaviour in our own ledger, for the assessment: one frame, one row per buyer.

Money is integer minor units of the base currency at the closing rate of ``as_of`` (as everywhere in the engine,
see :mod:`tradecredit.engine.receivables`). Columns of :func:`behaviour`:

* ``dbt_days`` / ``dbt_days_3m_ago`` — amount-weighted days beyond terms over the 365 days up to ``as_of`` and
  up to three months earlier (:func:`~tradecredit.engine.dso.days_beyond_terms`); null with nothing to weigh;
* ``open_minor``, ``overdue_minor``, ``disputed_minor`` — open items at ``as_of``; ``overdue_90_undisputed_minor``
  — open, not disputed, more than ``default_dpd`` days past due;
* ``write_offs_12m_minor`` — write-offs dated in the 365 days up to ``as_of``;
* ``peak_minor`` — the largest open amount at the 12 month ends up to ``as_of`` (our need for a limit);
* ``sales_12m_minor`` / ``sales_prev_12m_minor`` — invoices issued in the last 365 days and the 365 before.

Every buyer with an invoice issued on or before ``as_of`` has a row; amounts are 0 where nothing applies.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

import polars as pl

from tradecredit.engine.dso import add_months, days_beyond_terms, month_ends
from tradecredit.engine.receivables import issued_lazy, open_lazy, prepare, to_base_minor, to_native_minor, with_fx

__all__ = ["BEHAVIOUR_COLUMNS", "behaviour"]

YEAR = timedelta(days=365)
PEAK_MONTHS = 12

BEHAVIOUR_COLUMNS = ("buyer_id", "dbt_days", "dbt_days_3m_ago", "open_minor", "overdue_minor", "disputed_minor",
                     "overdue_90_undisputed_minor", "write_offs_12m_minor", "peak_minor", "sales_12m_minor",
                     "sales_prev_12m_minor")

_SUM_COLUMNS = BEHAVIOUR_COLUMNS[3:]


def _open_sums(open_items: pl.LazyFrame, default_dpd: int) -> pl.LazyFrame:
    late = pl.col("days_past_due") > 0
    return open_items.group_by("buyer_id").agg(
        open_minor=pl.col("open_minor").sum(),
        overdue_minor=pl.col("open_minor").filter(late).sum(),
        disputed_minor=pl.col("open_minor").filter(pl.col("disputed")).sum(),
        overdue_90_undisputed_minor=pl.col("open_minor").filter(
            (pl.col("days_past_due") > default_dpd) & ~pl.col("disputed")).sum(),
    )


def behaviour(
    invoices: pl.DataFrame, settlements: pl.DataFrame, *, as_of: date, rates: Mapping[str, float],
    base_currency: str, base_minor_unit: int, default_dpd: int = 90,
    minor_units: Mapping[str, int] | None = None,
) -> pl.DataFrame:
    """The behaviour frame (see the module docstring), sorted by ``buyer_id``; ``settlements`` needs ``kind``."""
    lazy_invoices, lazy_settlements, table = prepare(
        invoices, settlements, as_of=as_of, rates=rates, base_currency=base_currency, base_minor_unit=base_minor_unit,
        minor_units=minor_units, with_kind=True)
    issued = issued_lazy(lazy_invoices, as_of=as_of, table=table)
    plain_settlements = lazy_settlements.select("invoice_id", "date", "amount")
    open_now = _open_sums(open_lazy(issued, plain_settlements, as_of=as_of, table=table), default_dpd)
    peaks = pl.concat([
        open_lazy(issued.filter(pl.col("issue_date") <= end), plain_settlements, as_of=end, table=table)
        .group_by("buyer_id").agg(pl.col("open_minor").sum())
        for end in month_ends(as_of, PEAK_MONTHS)
    ]).group_by("buyer_id").agg(peak_minor=pl.col("open_minor").max())
    base = issued.select("buyer_id", "issue_date", minor=to_base_minor(pl.col("native_minor")))
    sales = base.group_by("buyer_id").agg(
        sales_12m_minor=pl.col("minor").filter(pl.col("issue_date") > as_of - YEAR).sum(),
        sales_prev_12m_minor=pl.col("minor").filter((pl.col("issue_date") > as_of - 2 * YEAR)
                                                    & (pl.col("issue_date") <= as_of - YEAR)).sum(),
    )
    terms = with_fx(lazy_invoices, table).select("invoice_id", "factor", "div", "scale")
    write_offs = (lazy_settlements.filter((pl.col("kind") == "write_off") & (pl.col("date") > as_of - YEAR)
                                          & (pl.col("date") <= as_of))
                  .join(terms, on="invoice_id", how="inner")
                  .join(lazy_invoices.select("invoice_id", "buyer_id"), on="invoice_id", how="inner")
                  .group_by("buyer_id")
                  .agg(write_offs_12m_minor=to_base_minor(to_native_minor(pl.col("amount"))).sum()))
    buyers, open_frame, peak_frame, sales_frame, write_off_frame = pl.collect_all([
        issued.select("buyer_id").unique(), open_now, peaks, sales, write_offs,
    ])
    dbt_now, dbt_then = (days_beyond_terms(invoices, settlements, as_of=day, rates=rates, base_currency=base_currency,
                                           base_minor_unit=base_minor_unit, minor_units=minor_units)[0]
                         for day in (as_of, add_months(as_of, -3)))
    frame = buyers
    for part in (open_frame, peak_frame, sales_frame, write_off_frame):
        frame = frame.join(part, on="buyer_id", how="left")
    frame = (frame.join(dbt_now.select("buyer_id", "dbt_days"), on="buyer_id", how="left")
             .join(dbt_then.select("buyer_id", pl.col("dbt_days").alias("dbt_days_3m_ago")), on="buyer_id",
                   how="left"))
    return (frame.with_columns(pl.col(name).fill_null(0).cast(pl.Int64) for name in _SUM_COLUMNS)
            .select(BEHAVIOUR_COLUMNS).sort("buyer_id"))
