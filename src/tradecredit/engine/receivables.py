"""Open receivables at a date, in exact integer minor units of the base currency.

Every engine figure about money starts here. Amounts arrive as Float64 major units in the invoice currency;
they are rounded half-even to integer *native* minor units first (so ``0.1 + 0.2`` never leaves a paid
invoice open by 5.55e-17), settlements are subtracted in the invoice currency, and only the remaining open
amount is converted to the base currency, once, at the closing rate of the as-of date::

    native_minor = round_half_even(amount × 10**minor_unit(currency))
    open_native  = native_minor(invoice) − Σ native_minor(settlements dated ≤ as_of)
    open_minor   = round_half_even(open_native × rate × 10**base_minor_unit / 10**minor_unit(currency))

Converting every figure (open items, sales, payments) at the one closing rate keeps FX moves out of DSO and
DBT: a receivable does not look older or younger because the currency moved.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import polars as pl

from tradecredit.domain.errors import FxRateMissing, ValidationError
from tradecredit.domain.money import minor_unit

__all__ = [
    "INVOICE_SCHEMA",
    "OPEN_ITEMS_SCHEMA",
    "SETTLEMENT_SCHEMA",
    "currency_table",
    "empty_settlements",
    "open_items",
]

INVOICE_SCHEMA: Mapping[str, pl.DataType] = {
    "invoice_id": pl.Int64(), "buyer_id": pl.Int64(), "group_id": pl.Int64(), "issue_date": pl.Date(),
    "due_date": pl.Date(), "currency": pl.String(), "amount": pl.Float64(), "disputed": pl.Boolean(),
}
SETTLEMENT_SCHEMA: Mapping[str, pl.DataType] = {
    "invoice_id": pl.Int64(), "date": pl.Date(), "amount": pl.Float64(), "kind": pl.String(),
}
OPEN_ITEMS_SCHEMA: Mapping[str, pl.DataType] = {
    "invoice_id": pl.Int64(), "buyer_id": pl.Int64(), "group_id": pl.Int64(), "issue_date": pl.Date(),
    "due_date": pl.Date(), "disputed": pl.Boolean(), "open_minor": pl.Int64(), "days_past_due": pl.Int32(),
}


def empty_settlements() -> pl.DataFrame:
    """A settlements frame with no rows and the expected schema (``kind`` included)."""
    return pl.DataFrame(schema=dict(SETTLEMENT_SCHEMA))


def currency_table(
    currencies: pl.Series, *, as_of: date, rates: Mapping[str, float], base_currency: str,
    base_minor_unit: int, minor_units: Mapping[str, int] | None = None,
) -> pl.DataFrame:
    """One row per currency (sorted by code) with the factors that turn its amounts into base minor units.

    ``scale`` = 10**minor turns major into native minor units; ``factor`` / ``div`` turn native minor units
    into base minor units: factor = rate × 10**max(base_minor − minor, 0), div = 10**max(minor − base_minor, 0)
    (the power of ten is exact either way). ``minor_units`` defaults to ISO 4217 (``domain.money``). Raises
    :class:`FxRateMissing` for a currency without a rate; the base currency is 1.0 whether listed or not.
    """
    if (missing := currencies.null_count()) > 0:
        raise ValidationError("currency", f"expected a currency code on every invoice; {missing} have none")
    known_rates = {base_currency: 1.0, **rates}
    codes = sorted(str(code) for code in currencies.cast(pl.String).unique())
    rows: list[tuple[str, float, float, float]] = []
    for code in codes:
        if code not in known_rates:
            raise FxRateMissing(code, as_of, base_currency)
        minor = minor_units[code] if minor_units is not None and code in minor_units else minor_unit(code)
        shift = base_minor_unit - minor
        factor = float(known_rates[code]) * 10 ** max(shift, 0)
        rows.append((code, float(10**minor), factor, float(10 ** max(-shift, 0))))
    schema = {"currency": pl.String, "scale": pl.Float64, "factor": pl.Float64, "div": pl.Float64}
    return pl.DataFrame(rows, schema=schema, orient="row")


def to_native_minor(amount: pl.Expr, scale: pl.Expr | None = None) -> pl.Expr:
    """Major units → integer native minor units, half-even (``scale`` defaults to the ``scale`` column)."""
    return (amount * (pl.col("scale") if scale is None else scale)).round(0).cast(pl.Int64)


def to_base_minor(native_minor: pl.Expr) -> pl.Expr:
    """Native minor units → integer base minor units at the closing rate, half-even, one rounding."""
    converted = native_minor.cast(pl.Float64) * pl.col("factor") / pl.col("div")
    return converted.round(0).cast(pl.Int64)


def require_columns(frame: pl.DataFrame, schema: Mapping[str, pl.DataType], name: str) -> pl.LazyFrame:
    """The frame as a LazyFrame of exactly ``schema``'s columns, cast; ValidationError naming what is missing.

    A frame with no rows may lack columns (``pl.DataFrame()``); it is read as empty with the schema.
    """
    if frame.height == 0:
        return pl.LazyFrame(schema=dict(schema))
    missing = [column for column in schema if column not in frame.columns]
    if missing:
        raise ValidationError(name, f"expected columns {list(schema)}; missing {missing}")
    keep_dtype = {"currency"}  # String, Categorical or Enum: all cast to the look-up Enum in with_fx
    columns = (pl.col(name) if name in keep_dtype else pl.col(name).cast(dtype) for name, dtype in schema.items())
    return frame.lazy().select(columns)


def settlement_columns(*, with_kind: bool = False) -> Mapping[str, pl.DataType]:
    """Columns read from the settlements frame: ``kind`` only where a function needs it."""
    if with_kind:
        return SETTLEMENT_SCHEMA
    return {column: dtype for column, dtype in SETTLEMENT_SCHEMA.items() if column != "kind"}


def prepare(
    invoices: pl.DataFrame, settlements: pl.DataFrame, *, as_of: date, rates: Mapping[str, float],
    base_currency: str, base_minor_unit: int, minor_units: Mapping[str, int] | None, with_kind: bool = False,
) -> tuple[pl.LazyFrame, pl.LazyFrame, pl.DataFrame]:
    """Checked lazy invoices, checked lazy settlements and the currency table, for the public functions."""
    lazy_invoices = require_columns(invoices, INVOICE_SCHEMA, "invoices")
    lazy_settlements = require_columns(settlements, settlement_columns(with_kind=with_kind), "settlements")
    currencies = invoices.get_column("currency") if invoices.height else pl.Series("currency", [], pl.String)
    table = currency_table(
        currencies, as_of=as_of, rates=rates, base_currency=base_currency, base_minor_unit=base_minor_unit,
        minor_units=minor_units,
    )
    return lazy_invoices, lazy_settlements, table


def with_fx(invoices: pl.LazyFrame, table: pl.DataFrame) -> pl.LazyFrame:
    """Attach ``scale, factor, div`` of each invoice's currency and its amount in ``native_minor``.

    A look-up by position (currency → Enum index → gather), cheaper than a join on the code.
    """
    position = pl.col("currency").cast(pl.Enum(table["currency"])).to_physical()
    return invoices.with_columns(
        pl.lit(table[column]).gather(position).alias(column) for column in ("scale", "factor", "div")
    ).with_columns(native_minor=to_native_minor(pl.col("amount")))


def _settled_native(settlements: pl.LazyFrame, *, as_of: date, table: pl.DataFrame) -> tuple[pl.LazyFrame, pl.Expr]:
    """Settlements dated ≤ as_of summed per invoice, and the expression giving them in native minor units.

    Each settlement is rounded to its invoice's minor unit before summing. Rather than join settlements to
    invoices to learn that unit, the sum is taken once per minor unit present (``settled_<scale>``) and the
    invoice picks its own after the one join that is needed anyway.
    """
    scales = sorted(set(table["scale"].to_list()))
    sums = [to_native_minor(pl.col("amount"), pl.lit(scale)).sum().alias(f"settled_{scale:.0f}") for scale in scales]
    settled = settlements.filter(pl.col("date") <= as_of).group_by("invoice_id").agg(sums)
    pick: pl.Expr = pl.lit(0, dtype=pl.Int64)
    for scale in scales:
        pick = pl.when(pl.col("scale") == scale).then(pl.col(f"settled_{scale:.0f}")).otherwise(pick)
    return settled, pick.fill_null(0)


def issued_lazy(invoices: pl.LazyFrame, *, as_of: date, table: pl.DataFrame) -> pl.LazyFrame:
    """Invoices issued on or before ``as_of``, with their currency factors and ``native_minor``."""
    return with_fx(invoices.filter(pl.col("issue_date") <= as_of), table)


def open_lazy(issued: pl.LazyFrame, settlements: pl.LazyFrame, *, as_of: date, table: pl.DataFrame) -> pl.LazyFrame:
    """The open-items plan at ``as_of`` from :func:`issued_lazy` at the same date; not collected."""
    settled, settled_native = _settled_native(settlements, as_of=as_of, table=table)
    days_past_due = (pl.lit(as_of) - pl.col("due_date")).dt.total_days().cast(pl.Int32)
    return (
        issued.join(settled, on="invoice_id", how="left")
        .with_columns(open_native=pl.col("native_minor") - settled_native)
        .filter(pl.col("open_native") > 0)
        .select(
            "invoice_id", "buyer_id", "group_id", "issue_date", "due_date", "disputed",
            open_minor=to_base_minor(pl.col("open_native")), days_past_due=days_past_due,
        )
    )


def open_items(
    invoices: pl.DataFrame, settlements: pl.DataFrame, *, as_of: date, rates: Mapping[str, float],
    base_currency: str, base_minor_unit: int, minor_units: Mapping[str, int] | None = None,
) -> pl.DataFrame:
    """Invoices issued on or before ``as_of`` and still open then, in base minor units.

    Columns: ``invoice_id, buyer_id, group_id, issue_date, due_date, disputed``,
    ``open_minor: Int64`` (> 0, base-currency minor units) and
    ``days_past_due: Int32`` = as_of − due_date in days (negative while not yet due).
    Settlements dated after ``as_of`` are ignored; settlements of unknown invoices are ignored; an
    overpaid invoice (open ≤ 0) is not an open item. Row order is unspecified (sort if it matters).
    """
    lazy_invoices, lazy_settlements, table = prepare(
        invoices, settlements, as_of=as_of, rates=rates, base_currency=base_currency,
        base_minor_unit=base_minor_unit, minor_units=minor_units,
    )
    issued = issued_lazy(lazy_invoices, as_of=as_of, table=table)
    return open_lazy(issued, lazy_settlements, as_of=as_of, table=table).collect()
