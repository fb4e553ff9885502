"""Receivables analytics for the portfolio: open items, aging, DSO, DBT, exposure and concentration.

The public surface the services use; the work lives in one module per concept:

* :mod:`~tradecredit.engine.receivables` — open items at a date, money as exact int64 base minor units;
* :mod:`~tradecredit.engine.aging` — aging buckets, portfolio and per buyer;
* :mod:`~tradecredit.engine.dso` — standard and countback DSO, the DSO trend, days beyond terms;
* :mod:`~tradecredit.engine.exposure` — exposure per buyer and group, concentration, top debtors.

Inputs are Polars frames built by the caller (schemas in :data:`INVOICE_SCHEMA` and
:data:`SETTLEMENT_SCHEMA`); money inside is integer minor units of the base currency, converted once per
item at the closing rate of the as-of date, so FX moves do not distort DSO or DBT.
"""

from tradecredit.engine.aging import DEFAULT_EDGES, aging, aging_by_buyer, aging_labels
from tradecredit.engine.dso import COUNTBACK_MAX_MONTHS, DsoResult, countback_days, days_beyond_terms, dso, dso_by_month
from tradecredit.engine.exposure import ConcentrationResult, concentration, exposure, group_exposure, top_debtors
from tradecredit.engine.receivables import (
    INVOICE_SCHEMA,
    OPEN_ITEMS_SCHEMA,
    SETTLEMENT_SCHEMA,
    empty_settlements,
    open_items,
)

__all__ = [
    "COUNTBACK_MAX_MONTHS",
    "DEFAULT_EDGES",
    "INVOICE_SCHEMA",
    "OPEN_ITEMS_SCHEMA",
    "SETTLEMENT_SCHEMA",
    "ConcentrationResult",
    "DsoResult",
    "aging",
    "aging_by_buyer",
    "aging_labels",
    "concentration",
    "countback_days",
    "days_beyond_terms",
    "dso",
    "dso_by_month",
    "empty_settlements",
    "exposure",
    "group_exposure",
    "open_items",
    "top_debtors",
]
