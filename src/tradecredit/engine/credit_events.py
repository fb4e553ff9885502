"""When each buyer first had an invoice far past due: the ledger's credit events for the monitoring backtest.

An invoice is an event on ``due_date + days`` (90 by default, the Basel default definition) when it is undisputed
and more than ``materiality`` of it (base-currency units, at the given rates) was still open on that day, that is,
not settled by payments, credit notes or write-offs dated on or before it. Floats here: this is portfolio-wide
analytics in the base currency, not the ledger.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import polars as pl

from tradecredit.domain.errors import ValidationError
from tradecredit.engine.receivables import INVOICE_SCHEMA, require_columns, settlement_columns

__all__ = ["first_past_due"]


def first_past_due(invoices: pl.DataFrame, settlements: pl.DataFrame, *, days: int, end: date,
                   rates: Mapping[str, float], materiality: float) -> dict[int, date]:
    """buyer_id → the first day on or before ``end`` one of its invoices was ``days`` past due and material.
    ``rates`` converts every invoice currency (the base currency too, at 1) into base units."""
    missing = set(invoices.get_column("currency").unique().to_list()) - set(rates)
    if missing:
        raise ValidationError("rates", f"expected a rate for every invoice currency; none for {sorted(missing)}")
    lazy_invoices = require_columns(invoices, INVOICE_SCHEMA, "invoices")
    lazy_settlements = require_columns(settlements, settlement_columns(), "settlements")
    late = (lazy_invoices.filter(~pl.col("disputed"))
            .with_columns((pl.col("due_date") + pl.duration(days=days)).alias("event_date"))
            .filter(pl.col("event_date") <= end))
    settled = (late.select("invoice_id", "event_date")
               .join(lazy_settlements.select("invoice_id", "date", "amount"), on="invoice_id")
               .filter(pl.col("date") <= pl.col("event_date"))
               .group_by("invoice_id").agg(pl.col("amount").sum().alias("settled")))
    rate = pl.col("currency").replace_strict(dict(rates), return_dtype=pl.Float64)
    found = (late.join(settled, on="invoice_id", how="left")
             .with_columns(((pl.col("amount") - pl.col("settled").fill_null(0.0)) * rate).alias("open_base"))
             .filter(pl.col("open_base") > materiality)
             .group_by("buyer_id").agg(pl.col("event_date").min())
             .collect())
    return dict(zip(found["buyer_id"].to_list(), found["event_date"].to_list(), strict=True))
