"""What the monitoring run needs from the ledger, for the whole portfolio at once: exposure and its share, the
oldest overdue days, the invoices past the overdue threshold, and DBT now and three months earlier.

Inputs are the frames of :mod:`tradecredit.engine.receivables`; money is integer minor units of the base currency
at the closing rate of ``as_of`` (so FX moves do not look like payment behaviour).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import polars as pl

from tradecredit.engine.dso import add_months, days_beyond_terms
from tradecredit.engine.receivables import open_items

__all__ = ["LEDGER_COLUMNS", "OVERDUE_COLUMNS", "ledger_facts"]

LEDGER_COLUMNS = ("buyer_id", "open_minor", "oldest_days_past_due", "dbt_days", "dbt_days_3m_ago")
OVERDUE_COLUMNS = ("buyer_id", "invoice_id", "due_date", "open_minor", "days_past_due")


def _per_buyer(items: pl.DataFrame, late: pl.Expr) -> pl.DataFrame:
    """Open exposure per buyer and the oldest days past due of its ``late`` items (0 when none is due yet)."""
    return items.group_by("buyer_id").agg(
        pl.col("open_minor").sum().cast(pl.Int64),
        oldest_days_past_due=pl.col("days_past_due").filter(late).max().clip(lower_bound=0).cast(pl.Int64),
    )


def ledger_facts(
    invoices: pl.DataFrame, settlements: pl.DataFrame, *, as_of: date, rates: Mapping[str, float],
    base_currency: str, base_minor_unit: int, overdue_more_than: int, residual_minor: int = 0,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Two frames: one row per buyer with an invoice (:data:`LEDGER_COLUMNS`; DBT null when there is nothing to
    weigh, sums 0 when nothing is open), and the open invoices more than ``overdue_more_than`` days past due
    (:data:`OVERDUE_COLUMNS`, by buyer, then oldest due date, then invoice id). ``settlements`` needs ``kind``.

    Only undisputed items with more than ``residual_minor`` open count as overdue (for the oldest days and the
    list), as in the default definition: a disputed invoice or a few cents left is not a payment problem.
    """
    items = open_items(invoices, settlements, as_of=as_of, rates=rates, base_currency=base_currency,
                       base_minor_unit=base_minor_unit)
    dbt_now, dbt_then = (days_beyond_terms(invoices, settlements, as_of=day, rates=rates, base_currency=base_currency,
                                           base_minor_unit=base_minor_unit)[0]
                         for day in (as_of, add_months(as_of, -3)))
    buyers = invoices.filter(pl.col("issue_date") <= as_of).select("buyer_id").unique()
    late = ~pl.col("disputed") & (pl.col("open_minor") > residual_minor)
    facts = (buyers.join(_per_buyer(items, late), on="buyer_id", how="left")
             .join(dbt_now.select("buyer_id", "dbt_days"), on="buyer_id", how="left")
             .join(dbt_then.select("buyer_id", dbt_days_3m_ago="dbt_days"), on="buyer_id", how="left")
             .with_columns(pl.col("open_minor", "oldest_days_past_due").fill_null(0))
             .select(LEDGER_COLUMNS).sort("buyer_id"))
    overdue = (items.filter(late & (pl.col("days_past_due") > overdue_more_than))
               .select(OVERDUE_COLUMNS).sort("buyer_id", "due_date", "invoice_id"))
    return facts, overdue
